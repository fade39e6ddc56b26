"""Planning the orgs: districts and schools found again by sourcedId (else adopted by CDS
code or name), created, updated or deactivated; two orgs may not share a name or a code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from wbl.extensions import db
from wbl.roster.bundle import Mode, Row
from wbl.roster.planning import Plan
from wbl.roster.records import is_deleted, read_text
from wbl.schools.models import District, School

COUNTY_ORG_TYPES = frozenset({"local", "state", "national", "department"})


class OrgsPlan(Plan):
    def _orgs(self) -> None:
        stored_districts = list(db.session.scalars(select(District)))
        stored_schools = list(db.session.scalars(select(School)))
        for district in stored_districts:
            if district.sourced_id:
                self.districts[district.sourced_id] = district
        for school in stored_schools:
            if school.sourced_id:
                self.schools[school.sourced_id] = school
        rows = self.bundle.rows("orgs")
        seen: set[str] = set()
        district_rows = [r for r in rows if r.get("type").lower() == "district"]
        school_rows = [r for r in rows if r.get("type").lower() == "school"]
        for row in rows:
            kind = row.get("type").lower()
            if kind not in {"district", "school"} and kind not in COUNTY_ORG_TYPES:
                self.problem("orgs", row, "type", f"{row.get('type')!r} is not an org type")
        names = _Names("district", stored_districts)
        for row in district_rows:
            seen.add(row.get("sourcedId"))
            self._district(row, stored_districts, names)
        school_names = _Names("school", stored_schools)
        for row in school_rows:
            seen.add(row.get("sourcedId"))
            self._school(row, stored_schools, school_names)
        if self.bundle.mode("orgs") is Mode.BULK:
            stored: list[District | School] = [*stored_districts, *stored_schools]
            for record in stored:
                if record.sourced_id and record.sourced_id not in seen and record.active:
                    self.org_changes.append((record, {"active": False}))
                    self.counts["orgs"].deactivated += 1

    def _org_record(
        self, row: Row, stored: list[Any], code_attr: str, code: str, name: str
    ) -> Any | None:
        sourced_id = row.get("sourcedId")
        for record in stored:
            if record.sourced_id == sourced_id:
                return record
        for record in stored:
            if record.sourced_id is None and code and getattr(record, code_attr) == code:
                return record
        for record in stored:
            if record.sourced_id is None and record.name == name:
                return record
        return None

    def _org_plan(self, record: Any, values: dict[str, Any], *, deleted: bool) -> None:
        counts = self.counts["orgs"]
        if deleted:
            if record is not None and record.active:
                self.org_changes.append((record, {"active": False}))
                counts.deactivated += 1
            return
        if record is None:
            counts.created += 1
            return
        changed = {k: v for k, v in values.items() if getattr(record, k) != v}
        if changed:
            self.org_changes.append((record, changed))
            counts.updated += 1
        else:
            counts.unchanged += 1

    def _district(self, row: Row, stored: list[District], names: _Names) -> None:
        sourced_id = row.get("sourcedId")
        name = read_text(self.bundle, "orgs", row, "name", 120)
        code = read_text(self.bundle, "orgs", row, "identifier", 20)
        record = self._org_record(row, stored, "code", code, name)
        if is_deleted(row):
            self._org_plan(record, {}, deleted=True)
            return
        if not name:
            self.problem("orgs", row, "name", "is empty")
        if not code and record is None:
            self.problem("orgs", row, "identifier", "a district needs its CDS code here")
        names.claim(self, row, record, name)
        code = code or (record.code if record else "")
        if any(d is not record and d.code == code for d in stored):
            self.problem("orgs", row, "identifier", f"another district has the code {code}")
        values = {"name": name, "code": code, "sourced_id": sourced_id, "active": True}
        self._org_plan(record, values, deleted=False)
        if record is None:
            record = District(**values)
            self.org_changes.append((record, {}))
        self.districts[sourced_id] = record

    def _school(self, row: Row, stored: list[School], names: _Names) -> None:
        sourced_id = row.get("sourcedId")
        name = read_text(self.bundle, "orgs", row, "name", 120)
        cds = read_text(self.bundle, "orgs", row, "identifier", 20)
        record = self._org_record(row, stored, "cds_code", cds, name)
        if is_deleted(row):
            self._org_plan(record, {}, deleted=True)
            return
        parent = row.get("parentSourcedId")
        district = self.districts.get(parent)
        if district is None:
            self.problem(
                "orgs",
                row,
                "parentSourcedId",
                f"unknown district org {parent!r}"
                if parent
                else "a school needs its district's sourcedId here",
            )
            return
        if not name:
            self.problem("orgs", row, "name", "is empty")
        names.claim(self, row, record, name)
        cds_code = cds or (record.cds_code if record else None)
        if cds_code and any(s is not record and s.cds_code == cds_code for s in stored):
            self.problem("orgs", row, "identifier", f"another school has the CDS code {cds_code}")
        values = {"name": name, "cds_code": cds_code, "sourced_id": sourced_id, "active": True}
        if record is not None:
            values["district"] = district
        self._org_plan(record, values, deleted=False)
        if record is None:
            # Not tied to its district until written: a row tied to a stored one would join
            # the session at once (a dry run writes nothing, not even by autoflush).
            record = School(**values)
            self.org_changes.append((record, {"district": district}))
        self.schools[sourced_id] = record


class _Names:
    """Org names are unique in WBL: two orgs may not end up with one name."""

    def __init__(self, what: str, stored: Iterable[Any]) -> None:
        self.what = what
        self.owner: dict[str, Any] = {record.name: record for record in stored}
        self.claimed: dict[str, int] = {}

    def claim(self, planner: Plan, row: Row, record: Any | None, name: str) -> None:
        if name in self.claimed:
            planner.problem("orgs", row, "name", f"row {self.claimed[name]} has the same name")
            return
        self.claimed[name] = row.number
        holder = self.owner.get(name)
        if holder is not None and holder is not record:
            planner.problem(
                "orgs",
                row,
                "name",
                f"another {self.what} in WBL is already called {name!r}",
            )
