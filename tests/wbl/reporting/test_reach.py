"""The reach dashboard: who work-based learning reached in a school year, and who it missed."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from tests.support.builders import (
    make_class_section,
    make_district,
    make_employer,
    make_school,
    make_student,
    make_user,
)
from tests.support.event_data import make_event_request
from tests.support.log_data import attend, make_placement
from wbl.access import Role
from wbl.clock import local_today
from wbl.errors import DomainError, NotFound
from wbl.events.models import EventRequestStatus
from wbl.extensions import db
from wbl.placements.models import PlacementStatus
from wbl.reference.models import ContinuumStage, ExperienceKind
from wbl.reporting.reach import ReachFilters, SchoolYear, reach
from wbl.roster.demographics import Hidden
from wbl.roster.models import StudentDemographics
from wbl.schools.models import School
from wbl.students.models import StudentProfile

URL = "/reports/reach"


@pytest.fixture
def year() -> SchoolYear:
    """The county's school year today (the tests run in the app's context)."""
    return SchoolYear.of(local_today())


# --- the school year ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2025-2026", "2025-26", " 2025 – 2026 "])
def test_a_school_year_is_read_in_the_ways_people_write_it(text: str) -> None:
    year = SchoolYear.parse(text)
    assert (year.first_day, year.last_day) == (date(2025, 7, 1), date(2026, 6, 30))
    assert (year.code, year.label) == ("2025-2026", "2025–26")


@pytest.mark.parametrize(
    "text", ["", "2025", "2025-2027", "2025-25", "next year", "2025-2026x", "0000-0001", "9999-00"]
)
def test_a_school_year_that_is_not_one_is_a_clear_error(text: str) -> None:
    with pytest.raises(DomainError, match="2025-2026"):
        SchoolYear.parse(text)


def test_the_school_year_turns_on_july_first() -> None:
    assert SchoolYear.of(date(2026, 6, 30)) == SchoolYear(2025)
    assert SchoolYear.of(date(2026, 7, 1)) == SchoolYear(2026)


# --- the figures ----------------------------------------------------------------------------


def _students(school: School, count: int, grade: int = 11, **demographics: Any) -> list[Any]:
    made = [make_student(school=school, grade=grade) for _ in range(count)]
    if demographics:
        for student in made:
            db.session.add(StudentDemographics(student_id=student.id, **demographics))
        db.session.flush()
    return made


def _shadow(student: StudentProfile, start: date, **kwargs: Any) -> None:
    make_placement(student, kind=ExperienceKind.JOB_SHADOW, start=start, **kwargs)


@pytest.fixture
def county(year) -> dict[str, Any]:
    """North: Alder High (30 Hispanic girls, half on a job shadow this year; 25 boys with
    nothing this year; 3 students of another sex, one at a guest speaker) and Birch High
    (12 seniors, one placed last year). South: Cedar High, 11 students on internships."""
    north, south = make_district(name="North Unified"), make_district(name="South Unified")
    alder = make_school(district=north, name="Alder High")
    birch = make_school(district=north, name="Birch High")
    cedar = make_school(district=south, name="Cedar High")
    girls = _students(alder, 30, sex="female", hispanic_or_latino=True)
    for student in girls[:15]:
        _shadow(student, year.first_day + timedelta(days=40))
    boys = _students(alder, 25, grade=10, sex="male")
    _shadow(boys[0], year.first_day - timedelta(days=1))  # last school year
    _shadow(boys[1], year.first_day + timedelta(days=3), status=PlacementStatus.CANCELLED)
    others = _students(alder, 3, sex="other")
    teacher = make_user(roles={Role.TEACHER}, school=alder)
    event = make_event_request(teacher=teacher, status=EventRequestStatus.ACCEPTED, chosen=1)
    event.options[0].starts_at = event.options[0].starts_at.replace(
        year=year.start, month=10, day=15
    )
    attend(event, others[0])
    attend(event, others[1], present=False)
    seniors = _students(birch, 12, grade=12)
    _shadow(seniors[0], year.first_day - timedelta(days=200))
    gone = make_student(school=birch)
    _shadow(gone, year.first_day + timedelta(days=5))
    gone.user.active = False
    for student in _students(cedar, 11):
        make_placement(student, kind=ExperienceKind.INTERNSHIP, start=year.last_day)
    db.session.flush()
    return {"north": north, "south": south, "alder": alder, "birch": birch, "cedar": cedar}


def test_county_staff_see_every_students_reach_by_stage_type_school_and_grade(year, county) -> None:
    found = reach(make_user(roles={Role.STAFF}), ReachFilters(year), local_today())
    # 30 + 25 + 3 at Alder, 12 at Birch (the deactivated student is not counted), 11 at Cedar;
    # the event's class (3 students of its own school) is counted too.
    total = found.total.values
    assert total["students"] == 30 + 25 + 3 + 12 + 11 + 3
    assert total["reached"] == 15 + 1 + 11
    assert total[ContinuumStage.AWARENESS] == 1
    assert total[ContinuumStage.EXPLORATION] == 15
    assert total[ContinuumStage.PREPARATION] == 11  # internships
    assert total[ExperienceKind.GUEST_SPEAKER] == 1
    assert total[ExperienceKind.INTERNSHIP] == 11
    schools = {row.name: row.values for row in found.schools}
    assert schools["Alder High"]["reached"] == 16
    assert schools["Birch High"]["reached"] == 0  # last year's and a deactivated student's
    assert schools["Cedar High"]["reached"] == 11  # on June 30: still this school year
    grades = {row.name: row.values for row in found.grades}
    assert grades["Grade 10"] == {**grades["Grade 10"], "students": 25, "reached": 0}
    assert found.seniors.values["students"] == 12
    assert found.seniors.values["reached"] == 1  # last year counts for seniors: by now
    assert found.scope == "the county"


def test_reach_by_the_pathway_students_chose(year, county) -> None:
    found = reach(make_user(roles={Role.STAFF}), ReachFilters(year), local_today())
    rows = {row.name: row.values for row in found.pathways}
    # make_student gives every student Patient Care; the event's class too.
    patient_care = next(name for name in rows if name.startswith("Patient Care"))
    assert rows[patient_care]["students"] == found.total.values["students"]
    assert rows[patient_care]["reached"] == found.total.values["reached"]
    assert rows["No pathway chosen"]["students"] == 0


def test_a_student_with_no_pathway_is_counted_as_such(year) -> None:
    student = make_student(pathways=[])
    _shadow(student, year.first_day)
    found = reach(make_user(roles={Role.STAFF}), ReachFilters(year), local_today())
    none = next(row for row in found.pathways if row.name == "No pathway chosen")
    assert (none.values["students"], none.values["reached"]) == (1, 1)


def test_last_year_is_its_own_year(year, county) -> None:
    last = SchoolYear(year.start - 1)
    found = reach(make_user(roles={Role.STAFF}), ReachFilters(last), local_today())
    assert found.total.values["reached"] == 2  # a boy's and a senior's job shadows


def test_student_groups_hide_small_counts_and_what_subtraction_would_reveal(year, county) -> None:
    staff = make_user(roles={Role.STAFF})
    found = reach(staff, ReachFilters(year, school_id=county["alder"].id), local_today())
    groups = {group.name: group.cells for group in found.groups}

    def shown(name: str) -> dict[str, object]:
        return {key: groups[name][key].text for key in ("students", "reached")}

    assert shown("Female") == {"students": "30", "reached": "15"}
    # 25 boys, none reached: 0 is small; the other sex's 3 are small, so the smallest shown
    # number of the students column (the boys' 25) goes too, or 3 = total - 30 - 25.
    assert shown("Male") == {"students": "hidden", "reached": "fewer than 11"}
    assert shown("Other or not reported") == {
        "students": "fewer than 11",
        "reached": "fewer than 11",
    }
    assert groups["Male"]["students"].hidden is Hidden.COMPLEMENT
    # 15 of 16 reached students are Hispanic: showing 15 would show the other one.
    assert shown("Hispanic or Latino") == {"students": "30", "reached": "hidden"}
    assert groups["Hispanic or Latino"]["reached"].value is None  # never reaches the page
    assert found.any_hidden


def test_a_district_sees_its_own_schools_and_nothing_else(year, county) -> None:
    staff = make_user(roles={Role.STAFF}, district=county["north"])
    found = reach(staff, ReachFilters(year), local_today())
    assert [row.name for row in found.schools] == ["Alder High", "Birch High"]
    assert found.scope == "North Unified"
    with pytest.raises(NotFound):
        reach(staff, ReachFilters(year, school_id=county["cedar"].id), local_today())
    with pytest.raises(NotFound):
        reach(staff, ReachFilters(year, district_id=county["south"].id), local_today())


# --- the page -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, 302),
        ("student", 403),
        ("teacher", 200),
        ("employer", 403),
        ("district_staff", 200),
        ("county_staff", 200),
        ("admin", 200),
    ],
)
def test_staff_and_teachers_see_reach(client, login_as, who, expected) -> None:
    people: dict[str, Callable[[], Any]] = {
        "student": lambda: make_student().user,
        "teacher": lambda: make_user(roles={Role.TEACHER}, school=make_school()),
        "employer": make_employer,
        "district_staff": lambda: make_user(roles={Role.STAFF}, district=make_district()),
        "county_staff": lambda: make_user(roles={Role.STAFF}),
        "admin": lambda: make_user(roles={Role.ADMIN}),
    }
    if who is not None:
        login_as(people[who]())
    assert client.get(URL).status_code == expected
    assert client.get(f"{URL}/download").status_code == expected


def test_a_teacher_sees_the_reach_of_their_own_classes(year, client, login_as, county) -> None:
    teacher = make_user(roles={Role.TEACHER}, school=county["alder"])
    girls = db.session.query(StudentProfile).filter_by(school_id=county["alder"].id).all()[:20]
    section = make_class_section(teacher=teacher, students=girls, name="Biology 3")
    other = make_class_section(
        teacher=make_user(roles={Role.TEACHER}, school=county["alder"]), students=girls[:2]
    )
    found = reach(teacher, ReachFilters(year), local_today())
    assert found.scope == "your classes"
    assert found.total.values["students"] == 20
    assert found.total.values["reached"] == 15  # the girls on a job shadow
    assert found.groups == []  # teachers never see demographics
    assert reach(teacher, ReachFilters(year, class_id=section.id), local_today()).scope == (
        "Biology 3"
    )
    with pytest.raises(NotFound):
        reach(teacher, ReachFilters(year, class_id=other.id), local_today())
    with pytest.raises(NotFound):
        reach(teacher, ReachFilters(year, school_id=county["alder"].id), local_today())
    login_as(teacher)
    page = client.get(URL).get_data(as_text=True)
    assert 'id="reach-groups"' not in page
    assert 'name="section"' in page
    assert 'name="school"' not in page
    assert f'href="{URL}"' in page  # their menu
    assert client.get(f"{URL}?section={other.id}").status_code == 404
    assert client.get(f"{URL}?section={section.id}").status_code == 200
    assert client.get(f"{URL}/download?section={section.id}").status_code == 200
    assert client.get("/reports/funnel").status_code == 403  # staff's reports stay staff's


def _cells(page: str, table: str, name: str) -> list[str]:
    body = re.search(rf'id="{table}"(.*?)</table>', page, re.S)
    assert body is not None, table
    row = re.search(rf">{re.escape(name)}</th>(.*?)</tr>", body.group(1), re.S)
    assert row is not None, name
    return [c.strip() for c in re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))]


def test_the_page_shows_schools_grades_and_groups(year, client, login_as, county) -> None:
    login_as(make_user(roles={Role.STAFF}))
    page = client.get(f"{URL}?year={year.code}").get_data(as_text=True)
    assert _cells(page, "reach-schools", "Alder High")[:3] == ["61", "16", "26%"]
    assert _cells(page, "reach-groups", "Female")[:3] == ["30", "15", "50%"]
    # County-wide, 12 reached students are not Hispanic: 15 can be shown here.
    assert _cells(page, "reach-groups", "Hispanic or Latino")[:3] == ["30", "15", "50%"]
    alder = client.get(f"{URL}?school={county['alder'].id}").get_data(as_text=True)
    assert _cells(alder, "reach-groups", "Hispanic or Latino")[:3] == ["30", "hidden", "—"]
    assert 'data-chart="stage"' in page
    assert f'<option selected value="{year.code}">' in page


def test_a_district_or_school_out_of_scope_is_not_found(client, login_as, county) -> None:
    login_as(make_user(roles={Role.STAFF}, district=county["north"]))
    assert client.get(f"{URL}?school={county['cedar'].id}").status_code == 404
    assert client.get(f"{URL}?school={county['alder'].id}").status_code == 200
    login_as(make_user(roles={Role.STAFF}))
    assert client.get(f"{URL}?district=999999").status_code == 404
    assert (
        client.get(f"{URL}?district={county['north'].id}&school={county['cedar'].id}").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("year=twenty", "Write the school year as 2025-2026."),
        ("year=2020-2030", "A school year runs into the next"),
        ("school=abc", "That is not a school; showing every school."),
        ("district=north", "That is not a district; showing every district."),
        ("school=99999999999999999999", "That is not a school; showing every school."),
    ],
)
def test_a_bad_filter_says_so_and_shows_the_default(client, login_as, query, note) -> None:
    login_as(make_user(roles={Role.STAFF}))
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200
    assert note in response.get_data(as_text=True)


def test_the_download_holds_every_table_with_small_counts_hidden(
    year, client, login_as, county
) -> None:
    login_as(make_user(roles={Role.STAFF}, district=county["north"]))
    response = client.get(f"{URL}/download?format=csv&school={county['alder'].id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Section", "Group", "Students", "Reached", "Share reached"]
    by_group = {row[1]: row for row in rows if row[0] == "By student group"}
    assert by_group["Male"][2:4] == ["hidden", "fewer than 11"]
    assert by_group["Female"][2:4] == ["30", "15"]
    xlsx = client.get(f"{URL}/download?format=xlsx")
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert xlsx.headers["Content-Disposition"].endswith(f"wbl-reach-{year.code}.xlsx")


def test_the_page_runs_the_same_statements_however_many_schools(
    year, client, login_as, count_queries
) -> None:
    login_as(make_user(roles={Role.STAFF}))
    _students(make_school(), 12, sex="female")
    client.get(URL)
    db.session.expire_all()
    with count_queries() as one:
        assert client.get(URL).status_code == 200
    for _ in range(4):
        for student in _students(make_school(), 12, sex="male"):
            _shadow(student, year.first_day)
    client.get(URL)
    db.session.expire_all()
    with count_queries() as five:
        client.get(URL)
    assert five.count == one.count, (one.statements, five.statements)


def test_staff_reach_it_from_the_placements_menu(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    assert f'href="{URL}"' in client.get("/home").get_data(as_text=True)
