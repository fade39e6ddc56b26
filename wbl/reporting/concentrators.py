"""CTE concentrator lists: which students are concentrators, and the year they graduate, as a
district reports them (Perkins V indicator 5S3 counts them; ``wbl.reporting.perkins``).

A staff member uploads a CSV or XLSX file (docs/import-formats.md, "CTE concentrators"), read
and reported as every import is (``wbl.imports``): every row checked first, every problem as
``row N: column: problem``, nothing written unless the whole file is clean, then in one
transaction after the user confirms the dry run. Each row names a student by SSID or local id
(or both: the same student) and says whether they are a concentrator and their graduation
year. Uploading a list again replaces the status of each student it names; students it does
not name keep theirs.

A district's staff name only their district's students: any other SSID is "not a student of
your district", whether it exists elsewhere or not (the file must not reveal who is enrolled
where). County staff name any student.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import case, func, or_, select

from wbl.access import require
from wbl.auth.models import User
from wbl.extensions import db
from wbl.imports.reading import FileFormat
from wbl.imports.report import ImportReport, Problem
from wbl.imports.rows import Column, FirstRows, Row
from wbl.imports.run import Planned, planned_changes, run_import
from wbl.imports.staging import StagedImport, Staging, read_staged, stage_checked
from wbl.reporting.models import ConcentratorSource, CteConcentrator
from wbl.reporting.reach import FIRST_YEAR, LAST_YEAR
from wbl.scopes import is_staff
from wbl.storage import storage
from wbl.students.models import StudentProfile
from wbl.students.queries import students_visible_to

FIRST_GRADUATION, LAST_GRADUATION = FIRST_YEAR + 1, LAST_YEAR + 1  # a school year's end


class Holds(enum.StrEnum):
    """What the file holds (the report's words)."""

    CONCENTRATORS = "concentrator statuses"

    @property
    def singular(self) -> str:
        return "concentrator status"


COLUMNS: tuple[Column, ...] = (
    Column("ssid", False, "text, up to 20 characters", "1234567890",
           "The student's statewide student identifier (CALPADS SSID). Give it or local_id "
           "(or both)."),
    Column("local_id", False, "text, up to 40 characters", "S-004512",
           "The district's own student number, as the roster gives it."),
    Column("concentrator", True, "yes / no", "yes",
           "Whether the student is a CTE concentrator (Perkins V: two or more courses in one "
           "program of study)."),
    Column("graduation_year", True, f"whole number, {FIRST_GRADUATION} to {LAST_GRADUATION}",
           "2027", "The year the student graduates (the spring of their last school year)."),
)  # fmt: skip

STAGING = Staging("concentrator-import", frozenset(f.value for f in FileFormat))


@dataclass(frozen=True, slots=True)
class _Known:
    """The file's students the actor may name: by SSID, and by local id (a local id two
    districts both use names several)."""

    by_ssid: dict[str, list[int]]
    by_local_id: dict[str, list[int]]
    county_wide: bool

    def unknown(self, what: str, value: str) -> str:
        if self.county_wide:
            return f"no student has the {what} “{value}”"
        return f"not a student of your district (no student of yours has the {what} “{value}”)"


@dataclass(slots=True)
class _Change:
    record: CteConcentrator | None
    student_id: int
    concentrator: bool
    graduation_year: int
    changed: bool = True


def _known(actor: User, rows: list[Row]) -> _Known:
    ssids = {r.text("ssid") for r in rows if r.has("ssid") and r.raw("ssid") is not None}
    local_ids = {
        r.text("local_id") for r in rows if r.has("local_id") and r.raw("local_id") is not None
    }
    by_ssid: dict[str, list[int]] = {}
    by_local_id: dict[str, list[int]] = {}
    if ssids or local_ids:
        found = db.session.execute(
            students_visible_to(actor)
            .where(
                or_(
                    StudentProfile.ssid.in_(ssids - {""}),
                    StudentProfile.local_id.in_(local_ids - {""}),
                )
            )
            .with_only_columns(StudentProfile.id, StudentProfile.ssid, StudentProfile.local_id)
            .order_by(StudentProfile.id)
        )
        for student_id, ssid, local_id in found:
            if ssid in ssids:
                by_ssid.setdefault(ssid, []).append(student_id)
            if local_id in local_ids:
                by_local_id.setdefault(local_id, []).append(student_id)
    return _Known(by_ssid, by_local_id, actor.is_county_wide)


def _student(row: Row, known: _Known) -> int | None:
    """The student a row names, by SSID or local id (both: the same student)."""
    ssid = row.text("ssid", max_length=20) if row.has("ssid") else ""
    local_id = row.text("local_id", max_length=40) if row.has("local_id") else ""
    if not ssid and not local_id:
        row.problem("ssid", "give the student's ssid or local_id")
        return None
    with_ssid = known.by_ssid.get(ssid, []) if ssid else []
    if ssid and not with_ssid:
        row.problem("ssid", known.unknown("SSID", ssid))
        return None
    if len(with_ssid) > 1:  # the roster should not allow it; never guess which
        row.problem("ssid", f"“{ssid}” is the SSID of several students; fix the roster first")
        return None
    from_ssid = with_ssid[0] if with_ssid else None
    if not local_id:
        return from_ssid
    named = known.by_local_id.get(local_id, [])
    if from_ssid is not None:
        if from_ssid not in named:
            row.problem("local_id", f"“{local_id}” is not the local id of SSID “{ssid}”")
            return None
        return from_ssid
    if not named:
        row.problem("local_id", known.unknown("local id", local_id))
        return None
    if len(named) > 1:
        row.problem("local_id", f"“{local_id}” is the local id of several students; give the ssid")
        return None
    return named[0]


def _concentrator(row: Row) -> bool | None:
    if row.raw("concentrator") is None:
        row.problem("concentrator", "is required (yes or no)")
        return None
    value = row.boolean("concentrator", default=False)
    return None if "concentrator" in row.bad_columns else value


def _graduation_year(row: Row) -> int | None:
    if row.raw("graduation_year") is None:
        row.problem("graduation_year", "is required")
        return None
    return row.integer("graduation_year", minimum=FIRST_GRADUATION, maximum=LAST_GRADUATION)


def _plan(actor: User, rows: list[Row]) -> Planned:
    known = _known(actor, rows)
    first = FirstRows[int]()
    wanted: list[tuple[Row, int, bool, int]] = []
    for row in rows:
        student_id = _student(row, known)
        concentrator = _concentrator(row)
        year = _graduation_year(row)
        if student_id is not None and (earlier := first.earlier(student_id, row)) is not None:
            row.problem("ssid" if row.raw("ssid") else "local_id",
                        f"the same student is also on row {earlier}")  # fmt: skip
            continue
        if student_id is None or concentrator is None or year is None or not row.ok:
            continue
        wanted.append((row, student_id, concentrator, year))
    existing = {
        c.student_id: c
        for c in db.session.scalars(
            select(CteConcentrator).where(
                CteConcentrator.student_id.in_([student_id for _, student_id, _, _ in wanted])
            )
        )
    }
    changes: list[_Change] = []
    for _, student_id, concentrator, year in wanted:
        record = existing.get(student_id)
        change = _Change(record, student_id, concentrator, year)
        change.changed = record is None or (record.concentrator, record.graduation_year) != (
            concentrator,
            year,
        )
        changes.append(change)

    def apply(planned: list[_Change]) -> None:
        for change in planned:
            if not change.changed:
                continue
            record = change.record or CteConcentrator(student_id=change.student_id)
            record.concentrator = change.concentrator
            record.graduation_year = change.graduation_year
            record.source = ConcentratorSource.UPLOAD
            record.updated_by_id = actor.id
            db.session.add(record)

    return planned_changes(changes, apply)


def _a_student_column(header: set[str]) -> Problem | None:
    if not {"ssid", "local_id"} & header:
        return Problem(1, "ssid", "give an ssid or a local_id column")
    return None


def import_file(actor: User, data: bytes, filename: str, *, dry_run: bool) -> ImportReport:
    """Check a concentrator list and, unless ``dry_run`` or any row is wrong, write it in one
    transaction. Problems are in the report, not raised. Staff only, within their scope."""
    require(is_staff(actor))
    return run_import(
        ImportReport(what=Holds.CONCENTRATORS, dry_run=dry_run),
        data,
        filename,
        COLUMNS,
        plan=lambda rows: _plan(actor, rows),
        header_rule=_a_student_column,
        conflict=(
            "Someone changed these students' concentrator status while the file was being "
            "imported. Nothing was imported; try again."
        ),
    )


def stage_upload(actor: User, data: bytes, filename: str) -> StagedImport[ImportReport]:
    """Dry-run an upload; a clean one is kept for the user's confirmation."""
    report = import_file(actor, data, filename, dry_run=True)
    return stage_checked(actor, STAGING, report, data, filename)


def confirm_upload(actor: User, token: str) -> ImportReport:
    """Import a file the user checked before, checked again (the records may have changed)."""
    staged = read_staged(actor, STAGING, token)
    report = import_file(actor, staged.data, staged.filename, dry_run=False)
    if report.ok:
        storage().delete(staged.key)
    return report


def recorded_in_scope(actor: User) -> tuple[int, int]:
    """How many students of the actor's scope have a status, and how many of them are
    concentrators (the upload page's summary): one statement."""
    require(is_staff(actor))
    visible = students_visible_to(actor).with_only_columns(StudentProfile.id)
    recorded, concentrators = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((CteConcentrator.concentrator.is_(True), 1), else_=0)), 0),
        ).where(CteConcentrator.student_id.in_(visible))
    ).one()
    return int(recorded), int(concentrators)
