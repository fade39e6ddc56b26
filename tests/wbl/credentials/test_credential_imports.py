"""Credential catalog and WorkKeys score files: all rows or none, row-numbered problems,
matching by external code or name+issuer, export -> import round trip, and the web upload's
check-then-confirm flow."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.support.builders import make_district, make_school, make_student, make_user
from tests.support.credential_data import make_credential, make_workkeys
from tests.support.import_files import csv_bytes, xlsx_bytes
from wbl.access import Role
from wbl.catalog.imports import FileFormat
from wbl.clock import local_today
from wbl.credentials.imports import Holds, export_credentials, import_file
from wbl.credentials.models import Credential, ScoreSource, WorkKeysScore, WorkKeysTest
from wbl.extensions import db


def staff(district=None):  # type: ignore[no-untyped-def]
    return make_user(roles={Role.STAFF}, district=district)


def row(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "external_code": "",
        "name": "Certified Nursing Assistant",
        "issuer": "State Board",
        "sector": "health",
        "points": "4",
        "validity_months": "24",
        "incentive_qualified": "yes",
        "active": "yes",
    }
    values.update(overrides)
    return values


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def problems(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(p) for p in report.problems]


# --- credentials ------------------------------------------------------------------------------


@pytest.mark.parametrize("writer", [csv_bytes, xlsx_bytes])
def test_a_clean_file_creates_then_matches(writer) -> None:  # type: ignore[no-untyped-def]
    existing = make_credential(name="OSHA 10", issuer="OSHA", points=1)
    rows = [
        row(external_code="CO-1"),
        row(name="osha 10", issuer="osha", points="2", validity_months=""),
    ]
    name = "file.csv" if writer is csv_bytes else "file.xlsx"
    dry = import_file(staff(), Holds.CREDENTIALS, writer(rows), name, dry_run=True)
    assert dry.ok, problems(dry)
    assert (dry.created, dry.updated) == (1, 1)
    assert count(Credential) == 1  # a dry run writes nothing
    report = import_file(staff(), Holds.CREDENTIALS, writer(rows), name, dry_run=False)
    assert report.summary == "2 credentials checked: 1 created, 1 updated, 0 unchanged."
    db.session.refresh(existing)
    assert (existing.points, existing.validity_months) == (2, None)
    cna = db.session.scalars(select(Credential).where(Credential.external_code == "CO-1")).one()
    assert (cna.points, cna.validity_months, cna.incentive_qualified) == (4, 24, True)
    again = import_file(staff(), Holds.CREDENTIALS, writer(rows), name, dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_code_matches_even_when_the_name_changes() -> None:
    credential = make_credential(name="Old name", issuer="X", external_code="CO-9")
    report = import_file(
        staff(),
        Holds.CREDENTIALS,
        csv_bytes([row(external_code="CO-9", name="New name", issuer="X")]),
        "f.csv",
        dry_run=False,
    )
    assert report.updated == 1
    db.session.refresh(credential)
    assert credential.name == "New name"


def test_bad_rows_anywhere_mean_nothing_is_saved() -> None:
    make_credential(name="Taken", issuer="Board", external_code="CO-5")
    make_credential(name="Other", issuer="Board", external_code="CO-6")
    rows = [
        row(name="Fine one"),
        row(name="", issuer=""),
        row(name="Neg", points="-1"),
        row(name="Zero months", validity_months="0"),
        row(name="Bad sector", sector="underwater basket weaving"),
        row(name="Bad yes", active="maybe"),
        row(name="Dup code", external_code="A-1"),
        row(name="Dup code 2", external_code="A-1"),
        row(name="Fine one"),
        row(name="Taken", issuer="Board", external_code="CO-7"),
        row(name="Other", issuer="Board", external_code="CO-5"),
        row(name="Not a number", points="lots"),
    ]
    report = import_file(staff(), Holds.CREDENTIALS, csv_bytes(rows), "f.csv", dry_run=False)
    assert problems(report) == [
        "row 3: name: is required",
        "row 3: issuer: is required",
        "row 4: points: must not be negative (found -1)",
        "row 5: validity_months: must be at least 1 (found 0)",
        "row 6: sector: unknown career field “underwater basket weaving”",
        "row 7: active: “maybe” is not yes or no",
        "row 9: external_code: duplicate external_code “A-1” (also on row 8)",
        "row 10: name: “Fine one” from State Board is also on row 2",
        "row 11: external_code: “Taken” from Board is already in the catalog with external "
        "code “CO-5”",
        "row 12: name: another credential in the catalog is already “Other” from Board",
        "row 13: points: “lots” is not a whole number",
    ]
    assert report.summary.startswith("11 problems found; nothing was imported.")
    assert count(Credential) == 2


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "f.csv", "file: The file is empty."),
        (b"name,issuer\n", "f.txt", "file: Only .csv and .xlsx files can be imported."),
        (b"not a workbook", "f.xlsx", "file: The file is not a readable Excel workbook"),
        (b"\xff\xfename", "f.csv", "file: The file is not UTF-8 text."),
        (b"name,issuer,sector,colour\nA,B,health,red\n", "f.csv", "row 1: colour: unknown column"),
        (b"name,sector\nA,health\n", "f.csv", "row 1: issuer: required column is missing"),
    ],
)
def test_bad_files(data: bytes, name: str, message: str) -> None:
    report = import_file(staff(), Holds.CREDENTIALS, data, name, dry_run=False)
    assert any(p.startswith(message) for p in problems(report)), problems(report)
    assert count(Credential) == 0


def test_a_bad_xlsx_row_is_numbered_as_in_the_spreadsheet() -> None:
    data = xlsx_bytes([row(name="A"), row(name="B", points="-3")])
    report = import_file(staff(), Holds.CREDENTIALS, data, "f.xlsx", dry_run=False)
    assert problems(report) == ["row 3: points: must not be negative (found -3)"]
    assert count(Credential) == 0


@pytest.mark.parametrize("fmt", list(FileFormat))
def test_export_round_trips(fmt: FileFormat) -> None:
    make_credential(name="=HYPERLINK(evil)", issuer="+Board", external_code="CO-1", points=2)
    make_credential(name="No code", validity_months=12, incentive_qualified=True, active=False)
    exported = export_credentials(fmt)
    assert exported.rows == 2
    report = import_file(staff(), Holds.CREDENTIALS, exported.data, exported.filename, dry_run=True)
    assert report.ok, problems(report)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)


def test_only_staff_import() -> None:
    from wbl.errors import Forbidden

    with pytest.raises(Forbidden):
        import_file(make_user(roles={Role.TEACHER}), Holds.CREDENTIALS, b"", "f.csv", dry_run=True)


def test_district_staff_do_not_import_the_county_catalog() -> None:
    from wbl.errors import Forbidden

    with pytest.raises(Forbidden):
        import_file(
            staff(make_district()), Holds.CREDENTIALS, csv_bytes([row()]), "c.csv", dry_run=False
        )
    assert count(Credential) == 0


def test_points_and_validity_are_bounded() -> None:
    """100000 months used to be saved, then every later recording crashed in ``expiry``."""
    rows = [
        row(name="A", points="101"),
        row(name="B", validity_months="100000"),
        row(name="C", points="99999999999999999999"),
    ]
    report = import_file(staff(), Holds.CREDENTIALS, csv_bytes(rows), "c.csv", dry_run=False)
    assert problems(report) == [
        "row 2: points: must be at most 100 (found 101)",
        "row 3: validity_months: must be at most 600 (found 100000)",
        "row 4: points: must be at most 100 (found 99999999999999999999)",
    ]
    assert count(Credential) == 0


def test_an_imported_validity_recomputes_the_records_expiry() -> None:
    from tests.support.credential_data import make_earned
    from wbl.credentials.models import EarnedStatus

    credential = make_credential(
        name="Certified Nursing Assistant", issuer="State Board", validity_months=12
    )
    pending = make_earned(
        make_student(), credential, status=EarnedStatus.PENDING, earned_on=date(2025, 3, 1)
    )
    verified = make_earned(make_student(), credential, earned_on=date(2025, 3, 1))
    report = import_file(
        staff(),
        Holds.CREDENTIALS,
        csv_bytes([row(validity_months="24")]),
        "c.csv",
        dry_run=False,
    )
    assert report.ok, problems(report)
    db.session.refresh(pending)
    db.session.refresh(verified)
    assert (pending.expires_on, verified.expires_on) == (date(2027, 3, 1), date(2027, 3, 1))


# --- WorkKeys ---------------------------------------------------------------------------------


def score(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "student_email": "",
        "student_id": "",
        "test": "applied_math",
        "level": "5",
        "test_date": "2025-03-14",
    }
    values.update(overrides)
    return values


def test_scores_import_by_email_or_id() -> None:
    district = make_district()
    school = make_school(district=district)
    ana, ben = make_student(school=school), make_student(school=school)
    actor = staff(district)
    rows = [
        score(student_email=ana.user.email.upper()),
        score(student_id=str(ben.id), test="Graphic Literacy", level="7"),
        score(student_id=str(ana.id), student_email=ana.user.email, test="workplace documents"),
    ]
    report = import_file(actor, Holds.SCORES, csv_bytes(rows), "s.csv", dry_run=False)
    assert report.ok, problems(report)
    assert report.summary == "3 scores checked: 3 created, 0 updated, 0 unchanged."
    rows_saved = db.session.scalars(select(WorkKeysScore).order_by(WorkKeysScore.id)).all()
    assert [(s.student_id, s.test, s.level, s.source) for s in rows_saved] == [
        (ana.id, WorkKeysTest.APPLIED_MATH, 5, ScoreSource.IMPORT),
        (ben.id, WorkKeysTest.GRAPHIC_LITERACY, 7, ScoreSource.IMPORT),
        (ana.id, WorkKeysTest.WORKPLACE_DOCUMENTS, 5, ScoreSource.IMPORT),
    ]
    assert {s.entered_by_id for s in rows_saved} == {actor.id}


def test_bad_score_rows_mean_nothing_is_saved() -> None:
    district = make_district()
    ana = make_student(school=make_school(district=district))
    outsider = make_student()
    make_workkeys(ana, test=WorkKeysTest.APPLIED_MATH, tested_on=date(2025, 1, 2))
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    rows = [
        score(student_email=ana.user.email),
        score(student_email="nobody@example.org"),
        score(student_id="999999"),
        score(student_id=str(outsider.id)),
        score(student_id=str(ana.id), test="Reading for Information"),
        score(student_id=str(ana.id), level="2"),
        score(student_id=str(ana.id), level="8"),
        score(student_id=str(ana.id), test_date="14th of March"),
        score(student_id=str(ana.id), test_date=tomorrow),
        score(student_id=str(ana.id)),
        score(student_id=str(ana.id), test_date="2025-01-02"),
        score(),
        score(student_id=str(ana.id), student_email=outsider.user.email),
    ]
    report = import_file(staff(district), Holds.SCORES, csv_bytes(rows), "s.csv", dry_run=False)
    assert problems(report) == [
        "row 3: student_email: no student with the e-mail “nobody@example.org”",
        "row 4: student_id: no student with id 999999",
        f"row 5: student_id: no student with id {outsider.id}",
        "row 6: test: unknown WorkKeys test “Reading for Information”",
        "row 7: level: must be from 3 to 7 (found 2)",
        "row 8: level: must be from 3 to 7 (found 8)",
        "row 9: test_date: “14th of March” is not a date; write YYYY-MM-DD (or M/D/YYYY)",
        f"row 10: test_date: {tomorrow} is in the future",
        "row 11: test_date: the same student, test and date are also on row 2",
        "row 12: test_date: this student's Applied Math score on 2025-01-02 is already recorded",
        "row 13: student_email: give the student's e-mail or student_id",
        f"row 14: student_email: no student with the e-mail “{outsider.user.email}”",
    ]
    assert count(WorkKeysScore) == 1


def test_score_file_needs_a_student_column_and_xlsx_works() -> None:
    student = make_student()
    report = import_file(
        staff(), Holds.SCORES, csv_bytes([{"test": "applied_math", "level": "5",
                                             "test_date": "2025-01-01"}]), "s.csv", dry_run=True
    )  # fmt: skip
    assert problems(report) == ["row 1: student_email: give a student_email or a student_id column"]
    data = xlsx_bytes([score(student_id=student.id, level=9, test_date="2025-01-01")])
    report = import_file(staff(), Holds.SCORES, data, "s.xlsx", dry_run=False)
    assert problems(report) == ["row 2: level: must be from 3 to 7 (found 9)"]
    data = xlsx_bytes([score(student_id=student.id, level=6, test_date="2025-01-01")])
    assert import_file(staff(), Holds.SCORES, data, "s.xlsx", dry_run=False).ok
    assert count(WorkKeysScore) == 1


# --- the web upload ---------------------------------------------------------------------------


def test_upload_check_then_confirm(client, login_as) -> None:
    login_as(staff())
    page = client.get("/credentials/catalog/import").get_data(as_text=True)
    assert "external_code" in page  # the column reference
    data = csv_bytes([row(name="From the web")])
    response = client.post(
        "/credentials/catalog/import",
        data={"csrf_token": csrf_from(page), "file": (io.BytesIO(data), "list.csv")},
        content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    assert "The file is ready to import" in body
    assert "Import 1 credential" in body
    assert count(Credential) == 0
    token = body.split('name="token" type="hidden" value="')[1].split('"')[0]
    done = client.post(
        "/credentials/catalog/import/confirm",
        data={"csrf_token": csrf_from(body), "token": token},
        follow_redirects=True,
    )
    assert "Import finished. 1 credential checked: 1 created" in done.get_data(as_text=True)
    assert count(Credential) == 1
    again = client.post(
        "/credentials/catalog/import/confirm",
        data={"csrf_token": csrf_from(body), "token": token},
        follow_redirects=True,
    )
    assert "Upload the file again" in again.get_data(as_text=True)


def test_upload_with_problems_shows_the_report(client, login_as) -> None:
    login_as(staff())
    page = client.get("/credentials/workkeys/import").get_data(as_text=True)
    data = csv_bytes([score(student_email="ghost@example.org")])
    response = client.post(
        "/credentials/workkeys/import",
        data={"csrf_token": csrf_from(page), "file": (io.BytesIO(data), "scores.csv")},
        content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    assert "The file needs corrections" in body
    assert "no student with the e-mail “ghost@example.org”" in body
    assert 'action="/credentials/workkeys/import"' in body


def test_a_token_for_one_import_does_not_confirm_another(client, login_as) -> None:
    login_as(staff())
    page = client.get("/credentials/catalog/import").get_data(as_text=True)
    response = client.post(
        "/credentials/catalog/import",
        data={
            "csrf_token": csrf_from(page),
            "file": (io.BytesIO(csv_bytes([row()])), "list.csv"),
        },
        content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    token = body.split('name="token" type="hidden" value="')[1].split('"')[0]
    wrong = client.post(
        "/credentials/workkeys/import/confirm",
        data={"csrf_token": csrf_from(body), "token": token},
        follow_redirects=True,
    )
    assert "This confirmation is not valid" in wrong.get_data(as_text=True)
    assert count(Credential) == 0


def test_export_downloads(client, login_as) -> None:
    make_credential(name="Exported")
    login_as(staff())
    response = client.get("/credentials/catalog/export?format=xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith("credentials.xlsx")
    assert client.get("/credentials/catalog/export?format=pdf").status_code == 404
    assert b"Exported" in client.get("/credentials/catalog/export?format=csv").data
