"""Import and export the partner catalog as CSV or XLSX files (docs/import-formats.md).

Staff keep hundreds of partners and thousands of offerings in spreadsheets; these files are
how the catalog comes in and goes out. The rules, from the county's data-entry practice:

- All rows or none. Every row is checked first and every problem is reported (as
  ``row N: column: problem``, N being the spreadsheet row, the header being row 1); nothing
  is written unless the whole file is clean, and then in one transaction.
- Rows are matched by a stable ``external_id``: importing the same file twice changes
  nothing, and an edited file updates its rows in place. Records made in the app have no
  external id; the export names them ``wbl-partner-<id>`` / ``wbl-offering-<id>``, and an
  import matches those names back to the same records.
- A column left out of the file leaves that field as it is; a blank cell in a column that is
  there clears the field (or sets its default).
- The export writes exactly the import format, so export -> import changes nothing.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.catalog import rules
from wbl.catalog.models import INDIVIDUAL_KINDS, Offering, OfferingStatus, Partner
from wbl.clock import local_today
from wbl.extensions import db, utcnow
from wbl.geocoding.services import knows_zip, locate, zip_centroid
from wbl.imports.reading import Cell, FileFormat
from wbl.imports.report import ImportReport, Problem
from wbl.imports.rows import LIST_SEPARATOR, Column, FirstRows, Lookup, Row
from wbl.imports.run import planned_changes, run_import
from wbl.imports.staging import StagedImport, StagedImportGone, Staging, read_staged, stage_checked
from wbl.imports.writing import ExportFile, export_file, yes_no
from wbl.reference.models import (
    ExperienceKind,
    ExperienceType,
    IndustrySector,
    Pathway,
    PogOutcome,
    PreparatoryActivity,
)
from wbl.storage import storage

STAGING = Staging("catalog-import", frozenset(f.value for f in FileFormat))
CONFLICT = (
    "The catalog changed while the file was being imported (someone took a seat or "
    "added the same record). Nothing was imported; try again."
)


class What(enum.StrEnum):
    PARTNERS = "partners"
    OFFERINGS = "offerings"

    @property
    def singular(self) -> str:
        return "partner" if self is What.PARTNERS else "offering"


# ---------------------------------------------------------------------------------------
# Columns


PARTNER_COLUMNS: tuple[Column, ...] = (
    Column("external_id", True, "text, up to 64 characters", "P-0001",
           "Your stable id for the partner; rows are matched by it."),
    Column("name", True, "text, up to 160 characters", "Valley Community Hospital"),
    Column("sector", True, "sector code or name", "health",
           "An industry sector, by code or (any capitalisation) by name."),
    Column("street_address", False, "text, up to 200 characters", "347 Andrieux St"),
    Column("city", False, "text, up to 80 characters", "Springfield"),
    Column("zip", True, "five digits (or ZIP+4)", "95476", "Must be a known US ZIP code."),
    Column("latitude", False, "decimal degrees, -90 to 90", "38.2919",
           "With longitude: places the partner by hand. Both or neither; blank: from the ZIP."),
    Column("longitude", False, "decimal degrees, -180 to 180", "-122.4580",
           "With latitude."),
    Column("website", False, "web address, up to 300 characters", "https://www.svh.com",
           "A full address starting with https:// (or http://)."),
    Column("phone", False, "text, up to 40 characters", "707-935-5000"),
    Column("description", False, "text, up to 4,000 characters", "Community hospital."),
    Column("endorses_certificate", False, "yes / no", "yes",
           "Endorses the Work Ready Certificate. Blank: no."),
    Column("worksite_agreement_date", False, "date", "2025-08-01",
           "Signed worksite agreement; needed for individual placements."),
    Column("worksite_agreement_expiry", False, "date", "2027-07-31",
           "Not before worksite_agreement_date, which it needs."),
    Column("insurance_expiry", False, "date", "2026-12-31",
           "Liability insurance; needed for individual placements."),
    Column("active", False, "yes / no", "yes", "Blank: yes."),
)  # fmt: skip

OFFERING_COLUMNS: tuple[Column, ...] = (
    Column("external_id", True, "text, up to 64 characters", "O-0001",
           "Your stable id for the offering; rows are matched by it."),
    Column("partner_external_id", True, "text", "P-0001",
           "The partner's external_id; the partner must already be in the catalog."),
    Column("type", True, "experience type code or name", "job_shadow",
           "guest_speaker, workplace_visit, job_shadow, work_based_project, internship, or "
           "their names (\"Job shadow\")."),
    Column("title", True, "text, up to 200 characters", "Shadow an emergency nurse"),
    Column("description", False, "text, up to 6,000 characters",
           "Spend a morning in the emergency department."),
    Column("skills", False, "text, up to 2,000 characters", "Communication; patient care"),
    Column("requirements", False, "text, up to 2,000 characters", "Closed-toe shoes; TB test"),
    Column("schedule", False, "text, up to 200 characters", "Tue and Thu, 3–6 pm"),
    Column("location", False, "text, up to 200 characters", "Main campus, 2nd floor"),
    Column("zip", False, "five digits", "95476", "Blank: the partner's location."),
    Column("virtual", False, "yes / no", "no", "Blank: no."),
    Column("capacity", False,
           f"whole number, {rules.MIN_CAPACITY} to {rules.MAX_CAPACITY}", "2",
           "Seats. Blank: 1. Never below the seats already taken."),
    Column("start_date", False, "date", "2026-02-03"),
    Column("end_date", False, "date", "2026-02-03", "Not before start_date, which it needs."),
    Column("application_deadline", False, "date", "2026-01-20",
           "On or before the last day: end_date, or start_date when there is no end_date."),
    Column("minimum_age", False, f"whole number, {rules.MIN_AGE} to {rules.MAX_AGE}", "16",
           "Blank: no minimum."),
    Column("min_grade", False, "whole number, 9 to 12", "11"),
    Column("paid", False, "yes / no", "no", "Blank: no."),
    Column("expected_hours", False,
           f"whole number, {rules.MIN_EXPECTED_HOURS} to {rules.MAX_EXPECTED_HOURS:,}", "6",
           "In total. Blank: not given."),
    Column("pathways", False, "codes or names separated by ;", "health.patient_care",
           "Career pathways."),
    Column("outcomes", False, "codes or names separated by ;", "curious; communicator",
           "Portrait of a Graduate outcomes."),
    Column("prerequisites", False, "codes or names separated by ;", "workplace_safety",
           "Preparatory activities a student must have done first."),
    Column("status", False, "draft / published / closed", "published",
           "Blank: draft (new rows) or as it is. Publishing an individual experience needs "
           "the partner's worksite agreement and insurance to be current."),
)  # fmt: skip

COLUMNS: dict[What, tuple[Column, ...]] = {
    What.PARTNERS: PARTNER_COLUMNS,
    What.OFFERINGS: OFFERING_COLUMNS,
}

_GENERATED_ID = re.compile(r"^wbl-(partner|offering)-(\d+)$")


def generated_external_id(what: What, record_id: int) -> str:
    """The name the export gives a record made in the app (it has no external id)."""
    return f"wbl-{what.singular}-{record_id}"


def _check_external_ids(rows: list[Row], column: str = "external_id") -> None:
    first = FirstRows[str]()
    for row in rows:
        external_id = row.required_text(column, max_length=64)
        if external_id and (earlier := first.earlier(external_id, row)) is not None:
            row.problem(column, f"duplicate external_id “{external_id}” (also on row {earlier})")


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(model: Any, what: What, ids: list[str]) -> dict[str, Any]:
    """Records named by the file's ids: by external id, or by the export's generated name."""
    found: dict[str, Any] = {}
    options = (
        [
            selectinload(Offering.pathways),
            selectinload(Offering.outcomes),
            selectinload(Offering.prerequisites),
        ]
        if model is Offering
        else []
    )
    for chunk in _chunks(ids):
        for record in db.session.scalars(
            select(model).where(model.external_id.in_(chunk)).options(*options)
        ):
            found[record.external_id] = record
    generated = {}
    for external_id in ids:
        match = _GENERATED_ID.match(external_id)
        if match and match.group(1) == what.singular:
            generated[int(match.group(2))] = external_id
    if generated:
        for record in db.session.scalars(
            select(model)
            .where(model.id.in_(list(generated)), model.external_id.is_(None))
            .options(*options)
        ):
            found[generated[record.id]] = record
    return found


@dataclass(slots=True)
class _Plan:
    record: Any | None  # the existing Partner/Offering, or None to create
    external_id: str
    values: dict[str, Any]
    changed: bool = True
    locate: bool = False  # a partner whose place is found from its address when saved


def _differs(record: Any, values: dict[str, Any]) -> bool:
    for name, value in values.items():
        current = getattr(record, name)
        if isinstance(value, list):
            if {item.id for item in current} != {item.id for item in value}:
                return True
        elif current != value:
            return True
    return False


def _reserved(row: Row, what: What, external_id: str, column: str = "external_id") -> None:
    if _GENERATED_ID.match(external_id):
        row.problem(
            column,
            f"“{external_id}” looks like a name the export gives a record made in the app, "
            f"but no such {what.singular} exists; choose another external_id",
        )


class _PartnerNames:
    """Partner names (in any capitalisation) taken by the catalog or by an earlier row of the
    file: a new or renamed partner may not take one, as in the form (``manage_partners.py``).
    A name a row leaves as it is is not checked again (imports before this rule allowed
    duplicates)."""

    def __init__(self) -> None:
        self.owners: dict[str, int] = {
            name.strip().lower(): partner_id
            for partner_id, name in db.session.execute(select(Partner.id, Partner.name))
        }

    def claim(self, row: Row, record: Partner | None, name: str) -> None:
        key = name.strip().lower()
        if not key or (record is not None and record.name.strip().lower() == key):
            return
        if key in self.owners:
            row.problem("name", rules.NAME_TAKEN)
        self.owners[key] = record.id if record is not None else -row.number


@dataclass(frozen=True, slots=True)
class _PartnerContext:
    """What every row of a partners file is checked against, read once per file."""

    sectors: Lookup
    existing: dict[str, Partner]
    names: _PartnerNames


def _plan_partners(rows: list[Row]) -> list[_Plan]:
    sectors = Lookup("sector", db.session.scalars(select(IndustrySector)))
    _check_external_ids(rows)
    existing = _existing(Partner, What.PARTNERS, [r.text("external_id") for r in rows])
    context = _PartnerContext(sectors, existing, _PartnerNames())
    plans = (_plan_partner(row, context) for row in rows)
    return [plan for plan in plans if plan is not None]


def _plan_partner(row: Row, context: _PartnerContext) -> _Plan | None:
    """The change one row makes, or None when the row has a problem (reported on the row)."""
    external_id, record = _record(row, What.PARTNERS, context.existing)
    values: dict[str, Any] = {"name": row.text("name")}
    context.names.claim(row, record, values["name"])
    sector = context.sectors.find_required(row, "sector", max_length=200)
    if sector is not None:
        values["sector_id"] = sector.id
    values["zip"] = row.zip_code("zip", required=True, known=knows_zip)
    row.present(values, row.text, "street_address", "city", "website", "phone", "description")
    row.present(values, lambda column: row.boolean(column, default=False), "endorses_certificate")
    row.present(values, lambda column: row.boolean(column, default=True), "active")
    row.present(
        values, row.day, "worksite_agreement_date", "worksite_agreement_expiry", "insurance_expiry"
    )
    latitude, longitude = _partner_coordinates(row, values)
    fields = rules.PartnerFields(
        **{name: _current(record, values, name, "") for name in rules.PARTNER_LENGTHS},
        latitude=latitude,
        longitude=longitude,
        worksite_agreement_date=_current(record, values, "worksite_agreement_date", None),
        worksite_agreement_expiry=_current(record, values, "worksite_agreement_expiry", None),
    )
    row.rule_problems(rules.partner_problems(fields))
    if not row.ok:
        return None
    locating = _needs_locating(record, values)
    plan = _Plan(record, external_id, values, locate=locating)
    plan.changed = record is None or locating or _differs(record, values)
    return plan


def _record(row: Row, what: What, existing: dict[str, Any]) -> tuple[str, Any | None]:
    """The row's external id and the record it names (None: a new one, whose id must not
    look like a name the export gives)."""
    external_id = row.text("external_id")
    record = existing.get(external_id)
    if record is None and external_id:
        _reserved(row, what, external_id)
    return external_id, record


def _current(record: Any | None, values: dict[str, Any], name: str, default: Any) -> Any:
    """A field as it will be after the row: the file's value, else the record's (a column
    left out of the file leaves the field as it is), else a new record's default."""
    if name in values:
        return values[name]
    return getattr(record, name) if record is not None else default


def _partner_coordinates(row: Row, values: dict[str, Any]) -> tuple[float | None, float | None]:
    """The place the file gives by hand (both blank: from the address again)."""
    if not row.has("latitude"):
        return None, None
    latitude, longitude = row.decimal("latitude"), row.decimal("longitude")
    if latitude is not None and longitude is not None:
        values.update(latitude=latitude, longitude=longitude, coordinates_manual=True)
    elif row.raw("latitude") is None and row.raw("longitude") is None:
        values["coordinates_manual"] = False
    return latitude, longitude


def _needs_locating(record: Partner | None, values: dict[str, Any]) -> bool:
    """Whether the partner's place must be found from its address when the row is saved:
    not when placed by hand (in the file, or before and the file leaves it), and not when the
    address is the one we placed before (no new geocoder request for an unchanged row)."""
    if values.get("coordinates_manual"):
        return False
    if record is None:
        return True
    if record.coordinates_manual:
        return "coordinates_manual" in values  # the file clears the hand-placed point
    return record.latitude is None or any(
        getattr(record, name) != values.get(name, getattr(record, name))
        for name in ("street_address", "city", "zip")
    )


def _locate(record: Partner) -> None:
    where = locate(zip_code=record.zip, street=record.street_address, city=record.city)
    record.latitude, record.longitude = where.latitude, where.longitude
    record.coordinates_manual = False


def _kind_lookup() -> dict[str, ExperienceKind]:
    names: dict[str, ExperienceKind] = {}
    for kind in ExperienceKind:
        names[kind.value] = kind
        names[kind.value.replace("_", " ")] = kind
    for experience_type in db.session.scalars(select(ExperienceType)):
        names[experience_type.name.strip().lower()] = experience_type.code
    return names


@dataclass(frozen=True, slots=True)
class _OfferingContext:
    """What every row of an offerings file is checked against, read once per file."""

    pathways: Lookup
    outcomes: Lookup
    activities: Lookup
    kinds: dict[str, ExperienceKind]
    existing: dict[str, Offering]
    partners: dict[str, Partner]
    today: date


# A new offering's fields before the row sets them (a blank capacity is one seat).
_OFFERING_DEFAULTS: dict[str, Any] = {
    **{f.name: f.default for f in dataclasses.fields(rules.OfferingFields)},
    "capacity": 1,
}


def _plan_offerings(rows: list[Row]) -> list[_Plan]:
    _check_external_ids(rows)
    partner_ids = sorted({r.text("partner_external_id") for r in rows} - {""})
    context = _OfferingContext(
        pathways=Lookup("pathway", db.session.scalars(select(Pathway))),
        outcomes=Lookup("outcome", db.session.scalars(select(PogOutcome))),
        activities=Lookup("preparatory activity", db.session.scalars(select(PreparatoryActivity))),
        kinds=_kind_lookup(),
        existing=_existing(Offering, What.OFFERINGS, [r.text("external_id") for r in rows]),
        partners=_existing(Partner, What.PARTNERS, partner_ids),
        today=local_today(),
    )
    plans = (_plan_offering(row, context) for row in rows)
    return [plan for plan in plans if plan is not None]


def _plan_offering(row: Row, context: _OfferingContext) -> _Plan | None:
    """The change one row makes, or None when the row has a problem (reported on the row)."""
    external_id, record = _record(row, What.OFFERINGS, context.existing)
    values: dict[str, Any] = {"title": row.text("title")}
    partner = _offering_partner(row, context.partners, values)
    kind = _offering_kind(row, context.kinds, values)
    row.present(values, row.text, "description", "skills", "requirements", "schedule", "location")
    if row.has("zip"):
        _offering_zip(row, record, values)
    if row.has("virtual"):
        values["is_virtual"] = row.boolean("virtual", default=False)
    row.present(values, lambda column: row.boolean(column, default=False), "paid")
    _offering_numbers(row, record, values)
    row.present(values, row.day, "start_date", "end_date", "application_deadline")
    _offering_lists(row, context, values)
    status = _status(row, record)
    if status is not None:
        values["status"] = status
    fields = {name: _current(record, values, name, default)
              for name, default in _OFFERING_DEFAULTS.items()}  # fmt: skip
    row.rule_problems(rules.offering_problems(rules.OfferingFields(**fields)))
    _check_publishing(row, record, partner, kind, values, context.today)
    if not row.ok:
        return None
    plan = _Plan(record, external_id, values)
    plan.changed = record is None or _differs(record, values)
    return plan


def _offering_lists(row: Row, context: _OfferingContext, values: dict[str, Any]) -> None:
    """Pathways, outcomes and prerequisites, each a list of codes or names."""
    row.present(values, lambda column: context.pathways.find_many(row, column), "pathways")
    row.present(values, lambda column: context.outcomes.find_many(row, column), "outcomes")
    row.present(values, lambda column: context.activities.find_many(row, column), "prerequisites")


def _offering_partner(
    row: Row, partners: dict[str, Partner], values: dict[str, Any]
) -> Partner | None:
    partner_key = row.required_text("partner_external_id", max_length=64)
    partner = partners.get(partner_key)
    if partner_key and partner is None:
        row.problem(
            "partner_external_id",
            f"no partner with external_id “{partner_key}”; import the partners file first",
        )
    elif partner is not None:
        values["partner_id"] = partner.id
    return partner


def _offering_kind(
    row: Row, kinds: dict[str, ExperienceKind], values: dict[str, Any]
) -> ExperienceKind | None:
    kind_text = row.required_text("type", max_length=60)
    kind = kinds.get(kind_text.lower()) if kind_text else None
    if kind_text and kind is None:
        row.problem("type", f"unknown experience type “{kind_text}”")
    if kind is not None:
        values["kind"] = kind
    return kind


def _offering_zip(row: Row, record: Offering | None, values: dict[str, Any]) -> None:
    zip_code = row.zip_code("zip", required=False, known=knows_zip)
    values["zip"] = zip_code
    # A new ZIP moves the offering to its centre; the same ZIP keeps where it is.
    if record is None or record.zip != zip_code or (zip_code and record.latitude is None):
        centre = zip_centroid(zip_code) if zip_code else None
        values["latitude"] = centre.latitude if centre else None
        values["longitude"] = centre.longitude if centre else None


def _offering_numbers(row: Row, record: Offering | None, values: dict[str, Any]) -> None:
    """Whole numbers as the file gives them (their bounds are ``rules.py``'s); a blank
    capacity is one seat, and capacity never drops below the seats already taken."""
    if row.has("capacity"):
        capacity = row.integer("capacity") if row.raw("capacity") is not None else 1
        if capacity is not None:
            if record is not None and capacity < record.seats_taken:
                row.problem(
                    "capacity",
                    f"{capacity} is below the {record.seats_taken} seats already taken",
                )
            values["capacity"] = capacity
    row.present(values, row.integer, "minimum_age", "min_grade", "expected_hours")


def _check_publishing(
    row: Row,
    record: Offering | None,
    partner: Partner | None,
    kind: ExperienceKind | None,
    values: dict[str, Any],
    today: date,
) -> None:
    """Publishing an individual placement needs its partner's agreement and insurance."""
    effective_kind = kind or (record.kind if record else None)
    publishing = values.get("status") is OfferingStatus.PUBLISHED and (
        record is None or record.status is not OfferingStatus.PUBLISHED
    )
    if publishing and partner is not None and effective_kind in INDIVIDUAL_KINDS:
        problems = partner.compliance_problems(today)
        if problems:
            row.problem("status", f"cannot publish: {partner.name} has " + " and ".join(problems))


_IMPORTABLE_STATUSES = {OfferingStatus.DRAFT, OfferingStatus.PUBLISHED, OfferingStatus.CLOSED}


def _status(row: Row, record: Offering | None) -> OfferingStatus | None:
    if not row.has("status"):
        return None
    text = row.text("status").lower()
    if not text:
        return record.status if record is not None else OfferingStatus.DRAFT
    try:
        status = OfferingStatus(text)
    except ValueError:
        status = None
    # A proposal still in review keeps its status through an export -> import round trip.
    if status is None or (
        status not in _IMPORTABLE_STATUSES and (record is None or record.status is not status)
    ):
        row.problem("status", f"“{text}” is not draft, published or closed")
        return None
    return status


# ---------------------------------------------------------------------------------------
# The import service


def import_file(what: What, data: bytes, filename: str, *, dry_run: bool) -> ImportReport:
    """Check a partners or offerings file and, unless ``dry_run`` or any row is wrong,
    create or update its rows in one transaction. Problems are in the report, not raised."""
    check, apply = (
        (_plan_partners, _apply_partners)
        if what is What.PARTNERS
        else (_plan_offerings, _apply_offerings)
    )
    return run_import(
        ImportReport(what=what, dry_run=dry_run),
        data,
        filename,
        COLUMNS[what],
        plan=lambda rows: planned_changes(check(rows), apply),
        header_rule=_both_coordinates if what is What.PARTNERS else None,
        conflict=CONFLICT,
    )


def _both_coordinates(header: set[str]) -> Problem | None:
    if ("latitude" in header) != ("longitude" in header):
        return Problem(1, "latitude", "give both latitude and longitude columns")
    return None


def _apply_partners(plans: list[_Plan]) -> None:
    for plan in plans:
        if not plan.changed:
            continue
        partner: Partner = plan.record or Partner(external_id=plan.external_id)
        for name, value in plan.values.items():
            setattr(partner, name, value)
        if plan.locate:
            _locate(partner)
        db.session.add(partner)


def _apply_offerings(plans: list[_Plan]) -> None:
    now = utcnow()
    for plan in plans:
        if not plan.changed:
            continue
        offering: Offering = plan.record or Offering(
            external_id=plan.external_id,
            capacity=1,
            seats_taken=0,
            status=OfferingStatus.DRAFT,
        )
        was_published = plan.record is not None and offering.status is OfferingStatus.PUBLISHED
        for name, value in plan.values.items():
            setattr(offering, name, value)
        if offering.status is OfferingStatus.PUBLISHED and not was_published:
            offering.published_at = now
        db.session.add(offering)


# ---------------------------------------------------------------------------------------
# Web uploads: checked first, imported on confirmation


def stage_upload(actor: User, what: What, data: bytes, filename: str) -> StagedImport[ImportReport]:
    """Dry-run an uploaded file; when it is clean, keep its bytes in storage and give a
    signed token (bound to the user, expiring) that lets the user import exactly them."""
    report = import_file(what, data, filename, dry_run=True)
    return stage_checked(actor, STAGING, report, data, filename, what=what.value)


def confirm_upload(actor: User, token: str) -> ImportReport:
    """Import a file the user checked before. The bytes are read back from storage (never
    from the browser) and checked again, since the catalog may have changed meanwhile."""
    staged = read_staged(actor, STAGING, token)
    what = staged.payload.get("what")
    if what not in {w.value for w in What}:
        raise StagedImportGone("This confirmation is not valid. Upload the file again.")
    report = import_file(What(str(what)), staged.data, staged.filename, dry_run=False)
    if report.ok:
        storage().delete(staged.key)
    return report


# ---------------------------------------------------------------------------------------
# Export


def _codes(items: Iterable[Any]) -> str:
    return f"{LIST_SEPARATOR} ".join(sorted(str(item.code) for item in items))


def _partner_row(partner: Partner) -> list[Cell]:
    manual = partner.coordinates_manual and partner.latitude is not None
    return [
        partner.external_id or generated_external_id(What.PARTNERS, partner.id),
        partner.name,
        partner.sector.code,
        partner.street_address,
        partner.city,
        partner.zip,
        partner.latitude if manual else None,
        partner.longitude if manual else None,
        partner.website,
        partner.phone,
        partner.description,
        yes_no(partner.endorses_certificate),
        partner.worksite_agreement_date,
        partner.worksite_agreement_expiry,
        partner.insurance_expiry,
        yes_no(partner.active),
    ]


def _offering_row(offering: Offering) -> list[Cell]:
    partner = offering.partner
    return [
        offering.external_id or generated_external_id(What.OFFERINGS, offering.id),
        partner.external_id or generated_external_id(What.PARTNERS, partner.id),
        offering.kind.value,
        offering.title,
        offering.description,
        offering.skills,
        offering.requirements,
        offering.schedule,
        offering.location,
        offering.zip,
        yes_no(offering.is_virtual),
        offering.capacity,
        offering.start_date,
        offering.end_date,
        offering.application_deadline,
        offering.minimum_age,
        offering.min_grade,
        yes_no(offering.paid),
        offering.expected_hours,
        _codes(offering.pathways),
        _codes(offering.outcomes),
        _codes(offering.prerequisites),
        offering.status.value,
    ]


def _export_rows(what: What) -> Iterator[list[Cell]]:
    if what is What.PARTNERS:
        partners = db.session.scalars(
            select(Partner).options(selectinload(Partner.sector)).order_by(Partner.id)
        )
        return (_partner_row(p) for p in partners)
    offerings = db.session.scalars(
        select(Offering)
        .options(
            selectinload(Offering.partner),
            selectinload(Offering.pathways),
            selectinload(Offering.outcomes),
            selectinload(Offering.prerequisites),
        )
        .order_by(Offering.id)
    )
    return (_offering_row(o) for o in offerings)


def export_catalog(what: What, fmt: FileFormat) -> ExportFile:
    """Every partner or offering in the import format (a read: nothing is written)."""
    header = [c.name for c in COLUMNS[what]]
    return export_file(what.value, fmt, header, list(_export_rows(what)))
