"""Credential catalog and WorkKeys score files (CSV or XLSX), read and reported exactly as
the partner import is (wbl/catalog/imports.py, docs/import-formats.md): every row checked
first, every problem reported as ``row N: column: problem``, nothing written unless the whole
file is clean, then in one transaction. The web upload is a dry run first and imports the
same bytes on confirmation.

Credentials are matched by ``external_code`` when the row gives one, else by name and issuer
(any capitalisation). The export writes the import format, so export -> import changes
nothing. WorkKeys scores are only ever added: a score already recorded (same student, test
and date) is a problem, not an update.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.access import require
from wbl.auth.models import User, normalize_email
from wbl.catalog.imports import (
    MIMETYPES,
    Cell,
    Column,
    ExportFile,
    FileFormat,
    FileProblem,
    ImportConflict,
    ImportReport,
    Lookup,
    Problem,
    Row,
    StagedImport,
    csv_bytes,
    read_staged,
    read_table,
    rows_by_column,
    stage_checked,
    xlsx_bytes,
)
from wbl.clock import local_today
from wbl.credentials.models import (
    WORKKEYS_LEVELS,
    Credential,
    ScoreSource,
    WorkKeysScore,
    WorkKeysTest,
)
from wbl.credentials.services import (
    MAX_POINTS,
    MAX_VALIDITY_MONTHS,
    is_staff,
    refresh_expiry,
    require_catalog_keeper,
)
from wbl.extensions import atomic, db
from wbl.reference.models import IndustrySector
from wbl.storage import storage
from wbl.students.models import StudentProfile
from wbl.students.queries import students_visible_to


class Holds(enum.StrEnum):
    """What a file holds (the report's words)."""

    CREDENTIALS = "credentials"
    SCORES = "scores"

    @property
    def singular(self) -> str:
        return "credential" if self is Holds.CREDENTIALS else "score"


CREDENTIAL_COLUMNS: tuple[Column, ...] = (
    Column("external_code", False, "text, up to 80 characters", "CO-HC-0042",
           "A state code or Credential Engine CTID. Rows are matched by it when given, "
           "else by name and issuer."),
    Column("name", True, "text, up to 200 characters", "Certified Nursing Assistant"),
    Column("issuer", True, "text, up to 200 characters", "Colorado Board of Nursing",
           "The issuing body."),
    Column("sector", True, "sector code or name", "health",
           "The career field: an industry sector, by code or (any capitalisation) by name."),
    Column("points", False, "whole number, 0 to 100", "3", "Blank: 0."),
    Column("validity_months", False, "whole number, 1 to 600", "24",
           "How long the credential stays valid. Blank: it does not expire."),
    Column("incentive_qualified", False, "yes / no", "yes",
           "On the incentive-funding (CDIP) qualified list. Blank: no."),
    Column("active", False, "yes / no", "yes", "Blank: yes."),
)  # fmt: skip

SCORE_COLUMNS: tuple[Column, ...] = (
    Column("student_email", False, "e-mail address", "ana.lopez@students.example.org",
           "The student's sign-in e-mail. Give it or student_id (or both)."),
    Column("student_id", False, "whole number", "1234",
           "The student's WBL id (on the student's page address)."),
    Column("test", True, "test code or name", "applied_math",
           "applied_math, graphic_literacy, workplace_documents, or their names "
           "(“Applied Math”)."),
    Column("level", True, "whole number, 3 to 7", "5"),
    Column("test_date", True, "date, not in the future", "2026-03-14"),
)  # fmt: skip

COLUMNS: dict[Holds, tuple[Column, ...]] = {
    Holds.CREDENTIALS: CREDENTIAL_COLUMNS,
    Holds.SCORES: SCORE_COLUMNS,
}
PURPOSES = {Holds.CREDENTIALS: "credential-import", Holds.SCORES: "workkeys-import"}


# --- credentials ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Plan:
    record: Credential | None
    values: dict[str, Any]
    changed: bool = True


def _name_key(name: str, issuer: str) -> tuple[str, str]:
    return (name.strip().lower(), issuer.strip().lower())


def _plan_credentials(rows: list[Row]) -> list[_Plan]:
    existing = list(db.session.scalars(select(Credential)))
    by_code = {c.external_code: c for c in existing if c.external_code}
    by_name = {_name_key(c.name, c.issuer): c for c in existing}
    sectors = Lookup("career field", db.session.scalars(select(IndustrySector)))
    first_code: dict[str, int] = {}
    first_name: dict[tuple[str, str], int] = {}
    plans: list[_Plan] = []
    for row in rows:
        values: dict[str, Any] = {}
        code = row.text("external_code", max_length=80) if row.has("external_code") else ""
        name = row.required_text("name", max_length=200)
        issuer = row.required_text("issuer", max_length=200)
        key = _name_key(name, issuer)
        values["name"], values["issuer"] = name, issuer
        if code:
            if code in first_code:
                row.problem("external_code", f"duplicate external_code “{code}” (also on row "
                            f"{first_code[code]})")  # fmt: skip
            first_code.setdefault(code, row.number)
        if name and issuer:
            if key in first_name:
                row.problem("name", f"“{name}” from {issuer} is also on row {first_name[key]}")
            first_name.setdefault(key, row.number)
        record = by_code.get(code) if code else None
        named = by_name.get(key)
        if record is None and named is not None:
            if code and named.external_code and named.external_code != code:
                row.problem(
                    "external_code",
                    f"“{name}” from {issuer} is already in the catalog with external code "
                    f"“{named.external_code}”",
                )
            else:
                record = named
        elif record is not None and named is not None and named is not record:
            row.problem(
                "name", f"another credential in the catalog is already “{name}” from {issuer}"
            )
        if row.has("external_code"):
            values["external_code"] = code or None
        sector_text = row.required_text("sector", max_length=120)
        if sector_text:
            sector = sectors.find(row, "sector", sector_text)
            if sector is not None:
                values["sector_id"] = sector.id
        if row.has("points"):
            points = row.integer("points", minimum=0, maximum=MAX_POINTS)
            values["points"] = 0 if row.raw("points") is None else points
        if row.has("validity_months"):
            values["validity_months"] = row.integer(
                "validity_months", minimum=1, maximum=MAX_VALIDITY_MONTHS
            )
        if row.has("incentive_qualified"):
            values["incentive_qualified"] = row.boolean("incentive_qualified", default=False)
        if row.has("active"):
            values["active"] = row.boolean("active", default=True)
        if row.ok:
            plan = _Plan(record, values)
            plan.changed = record is None or any(getattr(record, k) != v for k, v in values.items())
            plans.append(plan)
    return plans


def _apply_credentials(plans: list[_Plan]) -> None:
    for plan in plans:
        if not plan.changed:
            continue
        credential = plan.record or Credential(points=0, active=True, incentive_qualified=False)
        old_validity = credential.validity_months
        for name, value in plan.values.items():
            setattr(credential, name, value)
        db.session.add(credential)
        if plan.record is not None and credential.validity_months != old_validity:
            refresh_expiry(credential)  # the records' expiry is a snapshot of the validity


# --- WorkKeys scores --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Score:
    student_id: int
    test: WorkKeysTest
    level: int
    tested_on: date


def _test_names() -> dict[str, WorkKeysTest]:
    names: dict[str, WorkKeysTest] = {}
    for test in WorkKeysTest:
        names[test.value] = test
        names[test.label.lower()] = test
    return names


def _students(actor: User, rows: list[Row]) -> tuple[set[int], dict[str, int]]:
    """The file's students the actor may see: their ids, and e-mail -> id. A student outside
    the actor's scope is missing from both, so the report says "no student with ..." exactly
    as for one that does not exist (FERPA: the file must not reveal who is enrolled where)."""
    ids: set[int] = set()
    for row in rows:
        value = row.raw("student_id")
        if (isinstance(value, int | float) and float(value).is_integer()) or (
            isinstance(value, str) and value.isdigit()
        ):
            ids.add(int(value))
    emails = {normalize_email(str(r.raw("student_email"))) for r in rows if r.raw("student_email")}
    visible = students_visible_to(actor)
    by_email: dict[str, int] = dict(
        db.session.execute(
            visible.join(User, StudentProfile.user_id == User.id)
            .where(User.email.in_(emails))
            .with_only_columns(User.email, StudentProfile.id)
        ).all()
    )
    known = set(
        db.session.scalars(
            visible.where(StudentProfile.id.in_(ids)).with_only_columns(StudentProfile.id)
        )
    )
    return known | set(by_email.values()), by_email


def _plan_scores(actor: User, rows: list[Row]) -> list[_Score]:
    by_id, by_email = _students(actor, rows)
    tests = _test_names()
    today = local_today()
    first: dict[tuple[int, WorkKeysTest, date], Row] = {}
    scores: list[tuple[Row, _Score]] = []
    for row in rows:
        student_id: int | None = None
        from_id = row.integer("student_id", minimum=1) if row.has("student_id") else None
        email = row.text("student_email") if row.has("student_email") else ""
        from_email = by_email.get(normalize_email(email)) if email else None
        if from_id is None and not email:
            if row.ok:
                row.problem("student_email", "give the student's e-mail or student_id")
        elif email and from_email is None:
            row.problem("student_email", f"no student with the e-mail “{email}”")
        elif from_id is not None and from_id not in by_id:
            row.problem("student_id", f"no student with id {from_id}")
        elif from_id is not None and from_email is not None and from_id != from_email:
            row.problem("student_id", f"student {from_id} is not the student with “{email}”")
        else:
            student_id = from_email if from_email is not None else from_id
        test_text = row.required_text("test", max_length=60)
        test = tests.get(test_text.lower()) if test_text else None
        if test_text and test is None:
            row.problem("test", f"unknown WorkKeys test “{test_text}”")
        level: int | None = None
        if row.raw("level") is None:
            row.problem("level", "is required")
        else:
            level = row.integer("level")
            if level is not None and level not in WORKKEYS_LEVELS:
                row.problem("level", f"must be from 3 to 7 (found {level})")
                level = None
        tested_on = row.day("test_date")
        if row.raw("test_date") is None:
            row.problem("test_date", "is required")
        elif tested_on is not None and tested_on > today:
            row.problem("test_date", f"{tested_on.isoformat()} is in the future")
            tested_on = None
        if student_id is None or test is None or level is None or tested_on is None:
            continue
        key = (student_id, test, tested_on)
        if key in first:
            row.problem(
                "test_date",
                f"the same student, test and date are also on row {first[key].number}",
            )
            continue
        first[key] = row
        if row.ok:
            scores.append((row, _Score(student_id, test, level, tested_on)))
    existing = {
        (student_id, WorkKeysTest(test), tested_on)
        for student_id, test, tested_on in db.session.execute(
            select(WorkKeysScore.student_id, WorkKeysScore.test, WorkKeysScore.tested_on).where(
                WorkKeysScore.student_id.in_({s.student_id for _, s in scores})
            )
        )
    }
    kept: list[_Score] = []
    for row, score in scores:
        if (score.student_id, score.test, score.tested_on) in existing:
            row.problem(
                "test_date",
                f"this student's {score.test.label} score on {score.tested_on.isoformat()} "
                "is already recorded",
            )
        else:
            kept.append(score)
    return kept


# --- the import service -----------------------------------------------------------------------


@atomic
def import_file(
    actor: User, holds: Holds, data: bytes, filename: str, *, dry_run: bool
) -> ImportReport:
    """Check a credentials or WorkKeys file and, unless ``dry_run`` or any row is wrong,
    write it in one transaction. Problems are in the report, not raised. Only county-wide
    staff import the catalog (it is every district's); staff in scope import scores."""
    require(is_staff(actor))
    if holds is Holds.CREDENTIALS:
        require_catalog_keeper(actor)
    report = ImportReport(what=holds, dry_run=dry_run)
    try:
        table = read_table(data, filename)
    except FileProblem as problem:
        report.problems.append(Problem(None, "", problem.message))
        return report
    rows = rows_by_column(COLUMNS[holds], table, report.problems, label=holds.value)
    if holds is Holds.SCORES and not {"student_email", "student_id"} & set(table.header):
        report.problems.append(
            Problem(1, "student_email", "give a student_email or a student_id column")
        )
        rows = []
    report.rows = len(rows)
    if report.problems:
        return report
    with db.session.no_autoflush:
        if holds is Holds.CREDENTIALS:
            plans = _plan_credentials(rows)
            report.created = sum(1 for p in plans if p.record is None)
            report.updated = sum(1 for p in plans if p.record is not None and p.changed)
            report.unchanged = sum(1 for p in plans if p.record is not None and not p.changed)
        else:
            scores = _plan_scores(actor, rows)
            report.created = len(scores)
    report.problems.sort(key=lambda p: p.row or 0)
    if report.problems or dry_run:
        return report
    if holds is Holds.CREDENTIALS:
        _apply_credentials(plans)
    else:
        db.session.add_all(
            WorkKeysScore(
                student_id=s.student_id,
                test=s.test,
                level=s.level,
                tested_on=s.tested_on,
                source=ScoreSource.IMPORT,
                entered_by_id=actor.id,
            )
            for s in scores
        )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ImportConflict(
            "The records changed while the file was being imported. Nothing was imported; "
            "try again."
        ) from None
    return report


def stage_upload(actor: User, holds: Holds, data: bytes, filename: str) -> StagedImport:
    """Dry-run an upload; a clean one is kept for the user's confirmation."""
    report = import_file(actor, holds, data, filename, dry_run=True)
    return stage_checked(actor, PURPOSES[holds], report, data, filename)


def confirm_upload(actor: User, holds: Holds, token: str) -> ImportReport:
    """Import a file the user checked before, checked again (the records may have changed)."""
    staged = read_staged(actor, PURPOSES[holds], token)
    report = import_file(actor, holds, staged.data, staged.filename, dry_run=False)
    if report.ok:
        storage().delete(staged.key)
    return report


# --- export -----------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def export_credentials(fmt: FileFormat) -> ExportFile:
    """The whole catalog in the import format (a read: nothing is written)."""
    credentials = db.session.scalars(
        select(Credential)
        .options(selectinload(Credential.sector))
        .order_by(Credential.sector_id, func.lower(Credential.name), Credential.id)
    )
    rows: list[list[Cell]] = [
        [
            c.external_code,
            c.name,
            c.issuer,
            c.sector.code,
            c.points,
            c.validity_months,
            _yes_no(c.incentive_qualified),
            _yes_no(c.active),
        ]
        for c in credentials
    ]
    header = [c.name for c in CREDENTIAL_COLUMNS]
    data = csv_bytes(header, rows) if fmt is FileFormat.CSV else xlsx_bytes(header, rows)
    return ExportFile(data, f"credentials.{fmt.value}", MIMETYPES[fmt], len(rows))
