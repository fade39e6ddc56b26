"""Planning the guardians: each student's parents, guardians and relatives from the users
file (and the students' agentSourcedIds), and the consent contact a student profile keeps.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from wbl.access import Role
from wbl.auth.models import normalize_email
from wbl.extensions import db
from wbl.roster.bundle import Mode
from wbl.roster.models import Guardian
from wbl.roster.planning import Plan, chunks
from wbl.roster.records import GUARDIAN_ROLES, GuardianInfo, email_problem, split_cell


class GuardiansPlan(Plan):
    def _guardians(self) -> None:
        for person in self.people.values():
            if person.role != "guardian":
                continue
            row = person.row
            email = normalize_email(row.get("email"))
            if email and email_problem(email):
                self.problem("users", row, "email", email_problem(email) or "")
                email = ""
            given = row.get("preferredGivenName") or row.get("givenName")
            family = row.get("preferredFamilyName") or row.get("familyName")
            info = GuardianInfo(
                person.sourced_id,
                person.kind if person.kind in GUARDIAN_ROLES else "guardian",
                " ".join(f"{given} {family}".split())[:120],
                email,
                (row.get("phone") or row.get("sms"))[:40],
                (row.get("metadata.preferredLanguage") or row.get("preferredLanguage"))[:35],
                person.active,
            )
            info.students.update(split_cell(row.get("agentSourcedIds")))
            self.guardians[person.sourced_id] = info
        for account in self.accounts.values():
            if account.role is not Role.STUDENT:
                continue
            for agent in account.guardians:
                if agent in self.guardians:
                    self.guardians[agent].students.add(account.sourced_id)
                elif agent not in self.people:
                    row = self.people[account.sourced_id].row
                    self.problem("users", row, "agentSourcedIds", f"unknown user {agent!r}")
        self._plan_guardians()

    def _plan_guardians(self) -> None:
        wanted: dict[str, dict[str, GuardianInfo]] = defaultdict(dict)
        for info in self.guardians.values():
            for student in info.students:
                if student in self.accounts:
                    wanted[student][info.sourced_id] = info
        student_ids = {
            self.profiles[a.user_id]["id"]: a.sourced_id
            for a in self.accounts.values()
            if a.user_id is not None and a.user_id in self.profiles
        }
        stored: dict[str, dict[str, Guardian]] = defaultdict(dict)
        ids = list(student_ids)
        for chunk in chunks(ids):
            for guardian in db.session.scalars(
                select(Guardian).where(Guardian.student_id.in_(chunk))
            ):
                stored[student_ids[guardian.student_id]][guardian.sourced_id] = guardian
        counts = self.counts["guardians"]
        full = self.bundle.mode("users") is Mode.BULK
        for student_key, account in self.accounts.items():
            if account.role is not Role.STUDENT:
                continue
            mine = wanted.get(student_key, {})
            for key, info in mine.items():
                values = {
                    "relationship_kind": info.kind,
                    "full_name": info.full_name,
                    "email": info.email,
                    "phone": info.phone,
                    "language": info.language,
                    "active": info.active,
                }
                record = stored[student_key].get(key)
                if record is None:
                    counts.created += 1
                    self.guardian_inserts.append(
                        {"student_key": student_key, "sourced_id": key, **values}
                    )
                elif any(getattr(record, k) != v for k, v in values.items()):
                    if record.active and not info.active:
                        counts.deactivated += 1
                    else:
                        counts.updated += 1
                    self.guardian_updates.append({"id": record.id, **values})
                else:
                    counts.unchanged += 1
            if full:
                for key, record in stored[student_key].items():
                    if key not in mine and record.active:
                        counts.deactivated += 1
                        self.guardian_updates.append({"id": record.id, "active": False})
            contacts = sorted(
                (info for info in mine.values() if info.active and info.email),
                key=lambda g: (g.kind != "parent" and g.kind != "guardian", g.sourced_id),
            )
            if contacts:
                self.consent_contacts[student_key] = (contacts[0].full_name, contacts[0].email)
