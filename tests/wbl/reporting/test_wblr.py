"""The CALPADS WBLR file: its layout field by field, the year's hours, the codes, what cannot
be reported and why, and that it is built in a fixed number of statements."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask

from tests.support.builders import make_district, make_user
from tests.support.wblr_data import (
    Hours,
    calpads_school,
    placed,
    reported_offering,
    rostered_student,
)
from wbl.access import Role
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.hours.models import EntryStatus
from wbl.reference.models import ExperienceKind
from wbl.reporting import layout, services
from wbl.reporting.reach import SchoolYear
from wbl.reporting.wblr import (
    BadYear,
    Fix,
    NothingToReport,
    build_report,
    grade_in,
    parse_year,
)

YEAR = SchoolYear(2026)


def _fields(line: str) -> dict[str, str]:
    cells = line.split(layout.DELIMITER)
    assert len(cells) == len(layout.FIELDS)
    return {field.key: cell for field, cell in zip(layout.FIELDS, cells, strict=True)}


def _lines(data: bytes) -> list[str]:
    text = data.decode("ascii")
    assert text.endswith(layout.LINE_END)
    return text.split(layout.LINE_END)[:-1]


# --- the layout, pure ---------------------------------------------------------------------


def test_layout_is_numbered_in_order_with_unique_keys() -> None:
    numbers = [f.number for f in layout.FIELDS]
    assert numbers == [f"21.{i:02d}" for i in range(1, len(layout.FIELDS) + 1)]
    assert len({f.key for f in layout.FIELDS}) == len(layout.FIELDS)
    # Flash #265: 21.13 is the internship employer performance evaluation code.
    assert layout.FIELDS[12].name == "Internship Employer Performance Evaluation Code"


def test_a_value_that_would_shift_the_fields_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot contain"):
        layout.render_line({"record_type": "WB^R"})
    with pytest.raises(ValueError, match="longer than 36"):
        layout.render_line({"internship_id": "x" * 37})


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ([3, 4, 4], "3"),
        ([4, 4, None], "4"),
        ([1, 2], "1"),
        ([None, None], "none"),
        ([], "none"),
        ([True, 9, "4"], "none"),  # not ratings
    ],
)
def test_overall_rating(ratings: list[object], expected: str) -> None:
    assert layout.overall_rating(ratings) == expected


@pytest.mark.parametrize(("minutes", "hours"), [(15, 0), (30, 1), (75, 1), (90, 2), (600, 10)])
def test_whole_hours(minutes: int, hours: int) -> None:
    assert layout.whole_hours(minutes) == hours


@pytest.mark.parametrize(
    "text", ["2026", "2026-2028", "26-27", "", "2026/2027", "x2026-2027", "0000-0001", "9999-10000"]
)
def test_a_year_is_written_2026_2027(text: str) -> None:
    with pytest.raises(BadYear) as refused:
        parse_year(text)
    assert refused.value.field == "year"
    assert "2026-2027" in refused.value.message


def test_the_year_runs_july_to_june() -> None:
    year = parse_year(" 2026-2027 ")
    assert (year.first_day, year.last_day, year.code) == (
        date(2026, 7, 1),
        date(2027, 6, 30),
        "2026-2027",
    )
    assert parse_year("2026-27") == year
    assert SchoolYear.of(date(2027, 6, 30)) == year
    assert SchoolYear.of(date(2027, 7, 1)) == SchoolYear(2027)
    assert (grade_in(year, 2027), grade_in(year, 2030), grade_in(year, 2031)) == (12, 9, 8)


# --- the file on built data ---------------------------------------------------------------


def test_each_field_of_an_internship_and_a_virtual_project(app: Flask) -> None:
    school = calpads_school()
    student = rostered_student(school=school, ssid="1234567890")
    internship = reported_offering(course_code="7001", certificated_supervised=True)
    placement = placed(
        student,
        internship,
        [Hours(date(2026, 9, 1), 120), Hours(date(2026, 9, 2), 45)],
        ratings=[3, 4, 4],
    )
    project = reported_offering(
        kind=ExperienceKind.WORK_BASED_PROJECT, virtual=True, course_code="7002"
    )
    placed(student, project, [Hours(date(2027, 3, 1), 300)])

    lines = _lines(services.export(None, "2026-2027").data)

    assert len(lines) == 2
    first, second = (_fields(line) for line in lines)
    assert first == {
        "record_type": "WBLR",
        "transaction_type": "",
        "local_record_id": "",
        "reporting_lea": school.district.code,
        "school": school.cds_code[-7:],
        "school_nps": "",
        "academic_year": "2026-2027",
        "ssid": "1234567890",
        "wbl_type": "10",
        "internship_id": f"WBL-{placement.id}",
        "hours": "3",  # 2 h 45 min, to the nearest hour
        "course_code": "7001",
        "evaluation": "3",
        "lea_sponsored": "Y",
        "certificated_supervised": "Y",
    }
    # Type 20: no internship id, evaluation or internship flags; its hours and course.
    assert second == {
        **first,
        "wbl_type": "20",
        "internship_id": "",
        "hours": "5",
        "course_code": "7002",
        "evaluation": "",
        "lea_sponsored": "",
        "certificated_supervised": "",
    }
    for line in lines:
        for field, value in zip(layout.FIELDS, line.split("^"), strict=True):
            assert len(value) <= field.max_length, field.name
    assert len(first["internship_id"]) <= layout.INTERNSHIP_ID_LENGTH


def test_the_same_inputs_give_the_same_file_byte_for_byte(app: Flask) -> None:
    school = calpads_school()
    offering = reported_offering()
    for ssid in ("3000000003", "1000000001", "2000000002"):
        student = rostered_student(school=school, ssid=ssid)
        placed(student, offering, [Hours(date(2026, 10, 5), 60)], ratings=[4])

    first = services.export(None, "2026-2027").data
    db.session.expire_all()
    second = services.export(None, "2026-2027").data

    assert first == second
    # Sorted by LEA, school, SSID: not by the order the rows were made or read.
    assert [_fields(line)["ssid"] for line in _lines(first)] == [
        "1000000001",
        "2000000002",
        "3000000003",
    ]


def test_an_internship_over_two_years_reports_each_years_hours(app: Flask) -> None:
    school = calpads_school()
    student = rostered_student(school=school)
    placement = placed(
        student,
        reported_offering(),
        [
            Hours(date(2026, 6, 30), 600),  # 2025-2026
            Hours(date(2026, 7, 1), 120),
            Hours(date(2027, 6, 30), 180),
            Hours(date(2027, 7, 1), 240),  # 2027-2028
        ],
    )

    by_year = {
        label: [_fields(line) for line in _lines(services.export(None, label).data)]
        for label in ("2025-2026", "2026-2027", "2027-2028")
    }

    assert {label: [r["hours"] for r in rows] for label, rows in by_year.items()} == {
        "2025-2026": ["10"],
        "2026-2027": ["5"],
        "2027-2028": ["4"],
    }
    # One internship id, the same every year it is reported (unique per school and year).
    assert {rows[0]["internship_id"] for rows in by_year.values()} == {f"WBL-{placement.id}"}
    assert [rows[0]["academic_year"] for rows in by_year.values()] == list(by_year)


def test_only_confirmed_hours_count(app: Flask) -> None:
    student = rostered_student(school=calpads_school())
    day = date(2026, 11, 2)
    placed(
        student,
        reported_offering(),
        [
            Hours(day, 120),
            Hours(day, 60, EntryStatus.PENDING),
            Hours(day, 60, EntryStatus.REJECTED),
            Hours(day, 60, EntryStatus.CORRECTED),
            Hours(day, 60, EntryStatus.DELETED),
        ],
    )
    placed(
        rostered_student(school=calpads_school()),
        reported_offering(),
        [Hours(day, 60, EntryStatus.PENDING)],
    )

    report = build_report(None, YEAR)

    assert [r.hours for r in report.records] == ["2"]


def test_no_evaluation_is_reported_as_not_provided(app: Flask) -> None:
    school = calpads_school()
    offering = reported_offering()
    placed(
        rostered_student(school=school, ssid="1000000001"), offering, [Hours(date(2026, 9, 1), 60)]
    )
    placed(
        rostered_student(school=school, ssid="1000000002"),
        offering,
        [Hours(date(2026, 9, 1), 60)],
        ratings=[None, None],
    )

    report = build_report(None, YEAR)

    not_provided = layout.DEFAULT_EVALUATION_CODES[layout.NOT_PROVIDED]
    assert [r.values["evaluation"] for r in report.records] == [not_provided, not_provided]


def test_shadows_and_in_person_projects_are_not_reported(app: Flask) -> None:
    student = rostered_student(school=calpads_school())
    day = date(2026, 9, 1)
    placed(student, reported_offering(kind=ExperienceKind.JOB_SHADOW), [Hours(day, 60)])
    placed(
        student, reported_offering(kind=ExperienceKind.JOB_SHADOW, virtual=True), [Hours(day, 60)]
    )
    placed(student, reported_offering(kind=ExperienceKind.WORK_BASED_PROJECT), [Hours(day, 60)])

    assert build_report(None, YEAR).records == ()
    with pytest.raises(NothingToReport):
        services.export(None, "2026-2027")


def test_virtual_projects_make_one_record_per_student_and_course(app: Flask) -> None:
    student = rostered_student(school=calpads_school())
    day = date(2026, 9, 1)
    for code, minutes in (("7100", 60), ("7100", 120), ("7200", 60)):
        offering = reported_offering(
            kind=ExperienceKind.WORK_BASED_PROJECT, virtual=True, course_code=code
        )
        placed(student, offering, [Hours(day, minutes)])

    records = build_report(None, YEAR).records

    assert [(r.wbl_type, r.values["course_code"], r.hours) for r in records] == [
        ("20", "7100", "3"),
        ("20", "7200", "1"),
    ]
    assert len(records[0].offering_ids) == 2


def test_staff_change_the_codes_and_the_file_follows(app: Flask) -> None:
    student = rostered_student(school=calpads_school())
    placed(
        student,
        reported_offering(kind=ExperienceKind.WORK_BASED_PROJECT),
        [Hours(date(2026, 9, 1), 60)],
    )
    placed(student, reported_offering(), [Hours(date(2026, 9, 1), 60)], ratings=[2])
    county_staff = make_user(roles={Role.STAFF})

    services.set_codes(
        county_staff,
        {"type": {"work_based_project": "15"}, "evaluation": {"2": "pm"}},
    )

    records = build_report(None, YEAR).records
    assert [(r.wbl_type, r.values["evaluation"]) for r in records] == [("10", "PM"), ("15", "")]
    # Back to the default: the row goes, the default holds again.
    services.set_codes(county_staff, {"evaluation": {"2": "2"}})
    assert [r.values["evaluation"] for r in build_report(None, YEAR).records] == ["2", ""]


def test_codes_are_checked_and_kept_by_county_wide_staff(app: Flask) -> None:
    county_staff = make_user(roles={Role.STAFF})
    with pytest.raises(DomainError, match="10, 15 or 20") as refused:
        services.set_codes(county_staff, {"type": {"job_shadow": "30"}})
    assert refused.value.field == "type:job_shadow"
    with pytest.raises(DomainError, match="letters or digits"):
        services.set_codes(county_staff, {"evaluation": {"1": "1^"}})
    with pytest.raises(DomainError, match="Unknown"):
        services.set_codes(county_staff, {"type": {"guest_speaker": "10"}})
    district_staff = make_user(roles={Role.STAFF}, district=make_district())
    with pytest.raises(Forbidden):
        services.set_codes(district_staff, {"type": {"job_shadow": "20"}})


# --- what cannot be reported --------------------------------------------------------------


def test_each_record_that_cannot_be_reported_says_why(app: Flask) -> None:
    school = calpads_school()
    offering = reported_offering()
    day = date(2026, 9, 1)
    good = rostered_student(school=school, ssid="1000000001")
    placed(good, offering, [Hours(day, 60)])
    placed(rostered_student(school=school, ssid=""), offering, [Hours(day, 60)])
    placed(rostered_student(school=school, ssid="12345"), offering, [Hours(day, 60)])
    placed(rostered_student(school=school, grade=8), offering, [Hours(day, 60)])
    placed(rostered_student(school=school), reported_offering(course_code=None), [Hours(day, 60)])
    placed(rostered_student(school=school), reported_offering(course_code="70"), [Hours(day, 60)])
    no_cds = calpads_school()
    no_cds.cds_code = None
    no_lea = calpads_school()
    no_lea.district.code = "D00001"
    placed(rostered_student(school=no_cds), offering, [Hours(day, 60)])
    placed(rostered_student(school=no_lea), offering, [Hours(day, 60)])

    report = build_report(None, YEAR)

    assert [r.student_id for r in report.valid] == [good.id]
    problems = sorted((i.fix, i.message) for r in report.left_out for i in r.issues)
    assert problems == sorted(
        [
            (Fix.STUDENT, "No SSID: the roster gave this student none."),
            (Fix.STUDENT, "The SSID '12345' is not 10 digits."),
            (Fix.STUDENT, "In grade 8 in 2026-2027: CALPADS takes grades 9–12."),
            (Fix.OFFERING, "No state course code for the course it is embedded in."),
            (Fix.OFFERING, "The state course code '70' is not 4 digits."),
            (Fix.SCHOOL, "The school has no 14-digit CDS code."),
            (Fix.DISTRICT, "The district has no 7-digit county-district code."),
        ]
    )
    # The export refuses to drop them silently; said out loud, it leaves them out.
    with pytest.raises(services.RecordsLeftOut, match="7 records cannot be reported"):
        services.export(None, "2026-2027")
    with pytest.raises(services.RecordsLeftOut):
        services.export(None, "2026-2027", leave_out=6)
    exported = services.export(None, "2026-2027", leave_out=7)
    assert [_fields(line)["ssid"] for line in _lines(exported.data)] == ["1000000001"]


def test_a_file_of_only_problems_is_refused(app: Flask) -> None:
    placed(
        rostered_student(school=calpads_school(), ssid=""),
        reported_offering(),
        [Hours(date(2026, 9, 1), 60)],
    )
    with pytest.raises(DomainError, match="Nothing can be reported"):
        services.export(None, "2026-2027", leave_out=1)


def test_an_unknown_district_is_not_found(app: Flask) -> None:
    with pytest.raises(NotFound, match="No district with id 999999"):
        build_report(None, YEAR, 999_999)


def test_one_district_and_each_staff_members_scope(app: Flask) -> None:
    day = date(2026, 9, 1)
    offering = reported_offering()
    here, there = calpads_school(), calpads_school()
    placed(rostered_student(school=here), offering, [Hours(day, 60)])
    placed(rostered_student(school=there), offering, [Hours(day, 60)])
    district_staff = make_user(roles={Role.STAFF}, district=here.district)

    assert {r.school_id for r in build_report(None, YEAR).records} == {here.id, there.id}
    assert {r.school_id for r in build_report(None, YEAR, there.district_id).records} == {there.id}
    assert {r.school_id for r in build_report(district_staff, YEAR).records} == {here.id}
    with pytest.raises(NotFound):
        build_report(district_staff, YEAR, there.district_id)
    teacher = make_user(roles={Role.TEACHER}, school=here)
    assert build_report(teacher, YEAR).records == ()


def test_the_file_is_built_in_three_statements_whatever_its_size(
    app: Flask, count_queries: Callable[..., object]
) -> None:
    district = make_district()
    offering = reported_offering()
    project = reported_offering(kind=ExperienceKind.WORK_BASED_PROJECT, virtual=True)

    def add_students(count: int) -> None:
        school = calpads_school(district=district)
        for _ in range(count):
            student = rostered_student(school=school)
            placed(student, offering, [Hours(date(2026, 9, 1), 60)], ratings=[3])
            placed(student, project, [Hours(date(2026, 9, 2), 60)])

    add_students(2)
    db.session.expire_all()
    with count_queries() as small:  # type: ignore[attr-defined]
        assert len(build_report(None, YEAR, district.id).records) == 4
    add_students(20)
    db.session.expire_all()
    with count_queries() as large:  # type: ignore[attr-defined]
        assert len(build_report(None, YEAR, district.id).records) == 44

    assert small.count == large.count == 3  # codes, the district, the records
