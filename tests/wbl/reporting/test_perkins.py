"""Perkins V 5S3: of the concentrators graduating at the school year's end, the share with a
placement (not cancelled, started by the year's last day); by school and student group,
suppressed; the scope of staff; the page, its tab and its download."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest

from tests.support.builders import (
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
from wbl.errors import Forbidden, NotFound
from wbl.events.models import EventRequestStatus
from wbl.extensions import db
from wbl.placements.models import PlacementStatus
from wbl.reference.models import ExperienceKind
from wbl.reporting.models import ConcentratorSource, CteConcentrator
from wbl.reporting.perkins import indicator
from wbl.reporting.reach import ReachFilters, SchoolYear
from wbl.roster.models import StudentDemographics
from wbl.students.models import StudentProfile

URL = "/reports/perkins-5s3"


@pytest.fixture
def year() -> SchoolYear:
    return SchoolYear.of(local_today())


def concentrator(school: Any, graduation_year: int, *, concentrator: bool = True) -> StudentProfile:
    student = make_student(school=school, grade=12)
    db.session.add(
        CteConcentrator(
            student_id=student.id,
            concentrator=concentrator,
            graduation_year=graduation_year,
            source=ConcentratorSource.UPLOAD,
        )
    )
    db.session.flush()
    return student


def place(
    student: StudentProfile,
    start: date | None,
    *,
    status: PlacementStatus = PlacementStatus.ACTIVE,
    kind: ExperienceKind = ExperienceKind.JOB_SHADOW,
) -> None:
    make_placement(student, kind=kind, start=start, status=status)


@pytest.fixture
def county(year: SchoolYear) -> dict[str, Any]:
    north, south = make_district(name="North Unified"), make_district(name="South Unified")
    alder = make_school(district=north, name="Alder High")
    birch = make_school(district=north, name="Birch High")
    cedar = make_school(district=south, name="Cedar High")
    graduating = year.start + 1
    last_year = date(year.start - 1, 10, 1)
    # Alder: 4 graduating concentrators, 2 of whom took part
    shadowed, interned, cancelled, too_late = (concentrator(alder, graduating) for _ in range(4))
    place(shadowed, date(year.start, 10, 1))
    place(interned, last_year, kind=ExperienceKind.INTERNSHIP, status=PlacementStatus.COMPLETED)
    place(cancelled, date(year.start, 10, 1), status=PlacementStatus.CANCELLED)
    place(too_late, date(year.start + 1, 7, 1))  # after the year's last day
    place(too_late, None)  # not started
    # Birch: one graduating concentrator, who took part
    place(concentrator(birch, graduating), year.last_day)
    # Not counted: not a concentrator, graduating another year, no status at all
    place(concentrator(alder, graduating, concentrator=False), last_year)
    place(concentrator(alder, graduating + 1), last_year)
    place(make_student(school=alder, grade=12), last_year)
    # South: another district
    place(concentrator(cedar, graduating), last_year)
    return {"north": north, "south": south, "alder": alder, "birch": birch, "cedar": cedar}


def test_the_share_of_graduating_concentrators_with_a_placement(year, county) -> None:
    staff = make_user(roles={Role.STAFF}, district=county["north"])
    found = indicator(staff, ReachFilters(year))
    assert found.graduation_year == year.start + 1
    assert found.total.values == {"concentrators": 5, "participated": 3}
    assert found.total.share == 3 / 5
    assert [
        (r.name, r.values["concentrators"], r.values["participated"]) for r in found.schools
    ] == [
        ("Alder High", 4, 2),
        ("Birch High", 1, 1),
    ]
    assert found.scope == "North Unified"


def test_the_county_and_a_school(year, county) -> None:
    county_staff = make_user(roles={Role.STAFF})
    assert indicator(county_staff, ReachFilters(year)).total.values == {
        "concentrators": 6,
        "participated": 4,
    }
    school = indicator(county_staff, ReachFilters(year, school_id=county["birch"].id))
    assert (school.scope, school.total.values["concentrators"]) == ("Birch High", 1)


def test_graduates_whose_account_was_closed_still_count(year) -> None:
    """The roster deactivates graduates once they leave; 5S3 is reported after that."""
    graduate = concentrator(make_school(), year.start + 1)
    place(graduate, year.first_day)
    graduate.user.active = False
    db.session.flush()
    found = indicator(make_user(roles={Role.STAFF}), ReachFilters(year))
    assert found.total.values == {"concentrators": 1, "participated": 1}


def test_class_events_alone_do_not_count(year) -> None:
    school = make_school()
    student = concentrator(school, year.start + 1)
    teacher = make_user(roles={Role.TEACHER}, school=school)
    event = make_event_request(teacher=teacher, status=EventRequestStatus.ACCEPTED, chosen=1)
    event.options[0].starts_at = event.options[0].starts_at.replace(
        year=year.start, month=10, day=15
    )
    attend(event, student)  # a guest speaker, present: still no work-based learning of theirs
    assert indicator(make_user(roles={Role.STAFF}), ReachFilters(year)).total.values == {
        "concentrators": 1,
        "participated": 0,
    }
    place(student, year.first_day, kind=ExperienceKind.WORK_BASED_PROJECT)
    assert indicator(make_user(roles={Role.STAFF}), ReachFilters(year)).total.share == 1.0


def test_groups_hide_small_counts_and_show_large_ones(year) -> None:
    school = make_school()
    for n in range(30):
        student = concentrator(school, year.start + 1)
        db.session.add(StudentDemographics(student_id=student.id, sex="female"))
        if n < 15:
            place(student, year.first_day)
    db.session.flush()
    found = indicator(make_user(roles={Role.STAFF}), ReachFilters(year))
    female, male = found.groups[0], found.groups[1]
    assert (female.cells["concentrators"].value, female.cells["participated"].value) == (30, 15)
    assert female.share("participated") == 0.5
    assert male.cells["concentrators"].text == "fewer than 11"
    assert found.without_demographics == 0


def test_out_of_scope_is_not_found_and_others_are_refused(year, county) -> None:
    north = make_user(roles={Role.STAFF}, district=county["north"])
    with pytest.raises(NotFound):
        indicator(north, ReachFilters(year, school_id=county["cedar"].id))
    with pytest.raises(NotFound):
        indicator(north, ReachFilters(year, district_id=county["south"].id))
    with pytest.raises(Forbidden):
        indicator(make_user(roles={Role.TEACHER}, school=county["alder"]), ReachFilters(year))


def test_out_of_scope_filters_answer_404(client, login_as, county) -> None:
    login_as(make_user(roles={Role.STAFF}, district=county["north"]))
    assert client.get(f"{URL}?school={county['cedar'].id}").status_code == 404
    assert client.get(f"{URL}/download?school={county['cedar'].id}").status_code == 404


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 302), ("student", 403), ("teacher", 403), ("employer", 403), ("staff", 200)],
)
def test_only_staff_see_the_indicator(client, login_as, who, expected) -> None:
    people = {
        "student": lambda: make_student().user,
        "teacher": lambda: make_user(roles={Role.TEACHER}, school=make_school()),
        "employer": make_employer,
        "staff": lambda: make_user(roles={Role.STAFF}),
    }
    if who is not None:
        login_as(people[who]())
    assert client.get(URL).status_code == expected
    assert client.get(f"{URL}/download").status_code == expected


def test_the_page_its_tab_and_its_download(client, login_as, year, county) -> None:
    login_as(make_user(roles={Role.STAFF}, district=county["north"]))
    page = client.get(f"{URL}?year={year.code}").get_data(as_text=True)
    assert 'id="perkins-schools"' in page
    assert 'id="perkins-groups"' in page
    assert 'aria-current="page" href="/reports/perkins-5s3' in page  # its tab
    assert 'href="/reports/concentrators/import"' in page
    assert ">60%<" in page
    response = client.get(f"{URL}/download?format=csv&year={year.code}")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][2:] == ["5", "3", "60.0%"]
    assert ["By school", "Birch High", "1", "1", "100.0%"] in rows
    xlsx = client.get(f"{URL}/download?format=xlsx&year={year.code}")
    assert xlsx.headers["Content-Disposition"].endswith(f"wbl-perkins-5s3-{year.code}.xlsx")


def test_the_other_reports_tabs_lead_to_it(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    assert 'href="/reports/perkins-5s3' in client.get("/reports/funnel").get_data(as_text=True)


def test_the_page_runs_the_same_statements_however_many_schools(
    client, login_as, count_queries, year
) -> None:
    login_as(make_user(roles={Role.STAFF}))
    place(concentrator(make_school(), year.start + 1), year.first_day)
    client.get(URL)
    db.session.expire_all()
    with count_queries() as one:
        assert client.get(URL).status_code == 200
    for _ in range(4):
        place(concentrator(make_school(), year.start + 1), year.first_day)
    client.get(URL)
    db.session.expire_all()
    with count_queries() as five:
        client.get(URL)
    assert five.count == one.count, (one.statements, five.statements)


def test_staff_reach_it_from_the_menu(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    assert f'href="{URL}"' in client.get("/home").get_data(as_text=True)
