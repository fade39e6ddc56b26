"""The CTE concentrator list: all rows or none, every problem as row/column/problem, a
district's staff only their district's students, a re-upload replacing what an earlier one
said, and the web upload's check-then-confirm flow."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.support.builders import make_district, make_school, make_student, make_user
from tests.support.import_files import csv_bytes, xlsx_bytes
from wbl.access import Role
from wbl.errors import Forbidden
from wbl.extensions import db
from wbl.reporting.concentrators import import_file
from wbl.reporting.models import ConcentratorSource, CteConcentrator
from wbl.students.models import StudentProfile

URL = "/reports/concentrators/import"
EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "concentrators.csv"


def staff(district=None):  # type: ignore[no-untyped-def]
    return make_user(roles={Role.STAFF}, district=district)


def student(ssid: str, local_id: str = "", school=None) -> StudentProfile:  # type: ignore[no-untyped-def]
    made = make_student(school=school)
    made.ssid, made.local_id = ssid, local_id
    db.session.flush()
    return made


def row(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "ssid": "1000000001",
        "local_id": "",
        "concentrator": "yes",
        "graduation_year": "2027",
    }
    values.update(overrides)
    return values


def statuses() -> dict[int, tuple[bool, int]]:
    return {
        c.student_id: (c.concentrator, c.graduation_year)
        for c in db.session.scalars(select(CteConcentrator))
    }


def problems(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(p) for p in report.problems]


@pytest.mark.parametrize("writer", [csv_bytes, xlsx_bytes])
def test_a_clean_file_records_each_student(writer) -> None:  # type: ignore[no-untyped-def]
    ana, ben = student("1000000001"), student("", local_id="S-2")
    actor = staff()
    data = writer([row(), row(ssid="", local_id="S-2", concentrator="no", graduation_year="2026")])
    report = import_file(actor, data, "list." + ("csv" if writer is csv_bytes else "xlsx"),
                         dry_run=False)  # fmt: skip
    assert problems(report) == []
    assert (report.created, report.updated) == (2, 0)
    assert statuses() == {ana.id: (True, 2027), ben.id: (False, 2026)}
    record = db.session.get(CteConcentrator, ana.id)
    assert record is not None
    assert (record.source, record.updated_by_id) == (ConcentratorSource.UPLOAD, actor.id)


def test_a_dry_run_writes_nothing() -> None:
    student("1000000001")
    report = import_file(staff(), csv_bytes([row()]), "list.csv", dry_run=True)
    assert (report.ok, report.created) == (True, 1)
    assert statuses() == {}


def test_uploading_again_replaces_the_students_it_names_and_keeps_the_others() -> None:
    ana, ben = student("1000000001"), student("1000000002")
    actor = staff()
    import_file(actor, csv_bytes([row(), row(ssid="1000000002")]), "a.csv", dry_run=False)
    report = import_file(
        actor, csv_bytes([row(concentrator="no", graduation_year="2028")]), "b.csv", dry_run=False
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    assert statuses() == {ana.id: (False, 2028), ben.id: (True, 2027)}
    again = import_file(
        actor, csv_bytes([row(concentrator="no", graduation_year="2028")]), "b.csv", dry_run=True
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_every_bad_row_is_reported_and_nothing_is_half_saved() -> None:
    north, south = make_district(), make_district()
    school = make_school(district=north)
    for n in range(1, 5):
        student(f"100000000{n}", school=school)
    outside = student("2000000009", school=make_school(district=south))
    rows = [
        row(),  # a good row: not saved, as the others are wrong
        row(ssid="9999999999"),
        row(ssid="", local_id=""),
        row(ssid="1000000002", concentrator="maybe"),
        row(ssid="1000000003", graduation_year="twenty"),
        row(ssid=outside.ssid),
        row(ssid="1000000004", graduation_year="1850"),
        row(ssid="1000000001", concentrator=""),  # also the first row's student
    ]
    report = import_file(staff(north), csv_bytes(rows), "list.csv", dry_run=False)
    assert problems(report) == [
        "row 3: ssid: not a student of your district "
        "(no student of yours has the SSID “9999999999”)",
        "row 4: ssid: give the student's ssid or local_id",
        "row 5: concentrator: “maybe” is not yes or no",
        "row 6: graduation_year: “twenty” is not a whole number",
        "row 7: ssid: not a student of your district "
        "(no student of yours has the SSID “2000000009”)",
        "row 8: graduation_year: must be at least 2001 (found 1850)",
        "row 9: concentrator: is required (yes or no)",
        "row 9: ssid: the same student is also on row 2",
    ]
    assert statuses() == {}


def test_a_student_twice_in_a_file_is_a_problem() -> None:
    ana = student("1000000001", local_id="S-1")
    data = csv_bytes([row(), row(ssid="", local_id="S-1", concentrator="no")])
    report = import_file(staff(), data, "list.csv", dry_run=False)
    assert problems(report) == ["row 3: local_id: the same student is also on row 2"]
    assert ana.id not in statuses()


def test_county_staff_name_any_student_and_an_unknown_one_is_not_found() -> None:
    anywhere = student("3000000003", school=make_school(district=make_district()))
    county = staff()
    report = import_file(
        county, csv_bytes([row(ssid="3000000003"), row(ssid="404")]), "l.csv", dry_run=False
    )
    assert problems(report) == ["row 3: ssid: no student has the SSID “404”"]
    ok = import_file(county, csv_bytes([row(ssid="3000000003")]), "l.csv", dry_run=False)
    assert ok.ok
    assert statuses() == {anywhere.id: (True, 2027)}


def test_ssid_and_local_id_must_name_the_same_student() -> None:
    student("1000000001", local_id="S-1")
    student("1000000002", local_id="S-2")
    report = import_file(staff(), csv_bytes([row(local_id="S-2")]), "l.csv", dry_run=False)
    assert problems(report) == ["row 2: local_id: “S-2” is not the local id of SSID “1000000001”"]


def test_a_local_id_two_districts_share_needs_the_ssid() -> None:
    student("", local_id="7", school=make_school(district=make_district()))
    student("", local_id="7", school=make_school(district=make_district()))
    report = import_file(staff(), csv_bytes([row(ssid="", local_id="7")]), "l.csv", dry_run=False)
    assert problems(report) == [
        "row 2: local_id: “7” is the local id of several students; give the ssid"
    ]


def test_an_ssid_two_students_share_is_not_guessed() -> None:
    student("1000000001")
    student("1000000001")
    report = import_file(staff(), csv_bytes([row()]), "l.csv", dry_run=False)
    assert problems(report) == [
        "row 2: ssid: “1000000001” is the SSID of several students; fix the roster first"
    ]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "f.csv", "file: The file is empty."),
        (b"ssid,concentrator,graduation_year\n", "f.txt", "file: Only .csv and .xlsx files"),
        (b"not a workbook", "f.xlsx", "file: The file is not a readable Excel workbook"),
        (b"concentrator,graduation_year\nyes,2027\n", "f.csv", "row 1: ssid: give an ssid or"),
        (b"ssid,graduation_year\n1,2027\n", "f.csv", "row 1: concentrator: required column"),
        (b"ssid,concentrator,graduation_year,x\n1,yes,2027,1\n", "f.csv", "row 1: x: unknown"),
    ],
)
def test_bad_files(data: bytes, name: str, message: str) -> None:
    report = import_file(staff(), data, name, dry_run=False)
    assert any(p.startswith(message) for p in problems(report)), problems(report)
    assert statuses() == {}


def test_only_staff_upload() -> None:
    with pytest.raises(Forbidden):
        import_file(make_user(roles={Role.TEACHER}), csv_bytes([row()]), "l.csv", dry_run=True)


def test_the_web_upload_checks_then_imports_on_confirmation(client, login_as) -> None:
    district = make_district()
    ana = student("1000000001", school=make_school(district=district))
    login_as(staff(district))
    page = client.get(URL).get_data(as_text=True)
    assert "Upload a CTE concentrator list" in page
    assert "<code>graduation_year</code>" in page  # the column reference
    response = client.post(
        URL,
        data={"csrf_token": csrf_from(page), "file": (io.BytesIO(csv_bytes([row()])), "l.csv")},
        content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    assert "The file is ready to import" in body
    assert statuses() == {}
    token = body.split('name="token" type="hidden" value="')[1].split('"')[0]
    done = client.post(
        f"{URL}/confirm",
        data={"csrf_token": csrf_from(body), "token": token},
        follow_redirects=True,
    )
    assert "Import finished. 1 concentrator status checked: 1 created" in done.get_data(
        as_text=True
    )
    assert statuses() == {ana.id: (True, 2027)}


def test_the_web_upload_lists_the_problems(client, login_as) -> None:
    login_as(staff(make_district()))
    page = client.get(URL).get_data(as_text=True)
    response = client.post(
        URL,
        data={
            "csrf_token": csrf_from(page),
            "file": (io.BytesIO(csv_bytes([row(ssid="55")])), "l.csv"),
        },
        content_type="multipart/form-data",
    )
    body = response.get_data(as_text=True)
    assert "The file needs corrections" in body
    assert "not a student of your district" in body
    assert db.session.scalar(select(func.count()).select_from(CteConcentrator)) == 0


@pytest.mark.parametrize(("who", "expected"), [(None, 302), ("teacher", 403), ("staff", 200)])
def test_only_staff_reach_the_upload(client, login_as, who, expected) -> None:
    if who == "teacher":
        login_as(make_user(roles={Role.TEACHER}, school=make_school()))
    elif who == "staff":
        login_as(staff())
    assert client.get(URL).status_code == expected


def test_the_documented_example_imports() -> None:
    school = make_school()
    for ssid, local_id in [
        ("1000000001", "S-004512"),
        ("1000000002", ""),
        ("", "S-004530"),
        ("1000000004", "S-004541"),
    ]:
        student(ssid, local_id, school=school)
    report = import_file(staff(), EXAMPLE.read_bytes(), EXAMPLE.name, dry_run=False)
    assert problems(report) == []
    assert sorted(statuses().values()) == [(False, 2028), (True, 2026), (True, 2027), (True, 2027)]
