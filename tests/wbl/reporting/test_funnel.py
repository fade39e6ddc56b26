"""The placement funnel: where a year's applications went, and how long each step took."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.builders import (
    make_district,
    make_employer,
    make_offering,
    make_school,
    make_student,
    make_user,
)
from wbl.access import Role
from wbl.clock import local_today
from wbl.errors import Forbidden, NotFound
from wbl.extensions import db
from wbl.placements.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ConsentStatus,
    GuardianConsent,
    Placement,
    PlacementStatus,
)
from wbl.reporting.funnel import funnel
from wbl.reporting.reach import ReachFilters, SchoolYear
from wbl.roster.models import StudentDemographics
from wbl.students.models import StudentProfile

URL = "/reports/funnel"


@pytest.fixture
def year() -> SchoolYear:
    return SchoolYear.of(local_today())


def _apply(
    student: StudentProfile,
    start: datetime,
    steps: dict[str, int],
    *,
    consent_day: int | None = None,
    completed_day: int | None = None,
) -> Application:
    """An application made at ``start`` whose history reached each status of ``steps`` that
    many days later."""
    at = start
    application = Application(
        student=student,
        offering=make_offering(),
        statement="I would like to learn.",
        status=ApplicationStatus(list(steps)[-1]) if steps else ApplicationStatus.SUBMITTED,
        created_at=at,
    )
    db.session.add(application)
    db.session.flush()
    before = "submitted"
    for status, day in steps.items():
        db.session.add(
            ApplicationEvent(
                application_id=application.id,
                from_status=before,
                to_status=status,
                at=at + timedelta(days=day),
            )
        )
        before = status
    if consent_day is not None:
        db.session.add(
            GuardianConsent(
                application=application,
                status=ConsentStatus.GIVEN,
                answered_at=at + timedelta(days=consent_day),
            )
        )
    if "placed" in steps:
        db.session.add(
            Placement(
                application=application,
                student=student,
                offering=application.offering,
                status=PlacementStatus.COMPLETED if completed_day else PlacementStatus.ACTIVE,
                created_at=at + timedelta(days=steps["placed"]),
                completed_at=at + timedelta(days=completed_day) if completed_day else None,
            )
        )
    db.session.flush()
    return application


@pytest.fixture
def county(year: SchoolYear) -> dict[str, Any]:
    north, south = make_district(name="North Unified"), make_district(name="South Unified")
    alder = make_school(district=north, name="Alder High")
    cedar = make_school(district=south, name="Cedar High")
    start = datetime(year.start, 9, 1, 16, tzinfo=UTC)
    minor, waitlisted, waiting, adult = (make_student(school=alder) for _ in range(4))
    _apply(
        minor,
        start,
        {"approved": 2, "accepted": 5, "placed": 6},
        consent_day=6,
        completed_day=30,
    )
    _apply(waitlisted, start, {"approved": 4, "waitlisted": 5})
    _apply(waiting, start, {})
    _apply(adult, start, {"approved": 1, "accepted": 3, "placed": 3})
    _apply(adult, datetime(year.start - 1, 9, 1, tzinfo=UTC), {"approved": 1})  # last year
    _apply(make_student(school=cedar), start, {"approved": 7})
    return {"north": north, "south": south, "alder": alder, "cedar": cedar}


def test_each_step_counts_the_applications_that_reached_it(year, county) -> None:
    staff = make_user(roles={Role.STAFF}, district=county["north"])
    found = funnel(staff, ReachFilters(year))
    assert found.total.values == {
        "applied": 4,
        "approved": 3,  # the waitlisted one was approved first
        "accepted": 2,
        "consented": 2,  # the adult needs none: placed is enough
        "placed": 2,
        "completed": 1,
    }
    assert found.conversion("approved") == 3 / 4
    assert found.conversion("completed") == 1 / 2
    assert [row.name for row in found.schools] == ["Alder High"]
    assert found.scope == "North Unified"


def test_the_median_days_of_each_step(year, county) -> None:
    found = funnel(make_user(roles={Role.STAFF}), ReachFilters(year))
    medians = {key: round(days, 3) for key, days in found.medians.items() if days is not None}
    # review: 2, 4, 1 and Cedar's 7 -> (2 + 4) / 2; decision: 3 and 2; consent: the minor's
    # one day after acceptance; the placement: day 6 to day 30.
    assert medians == {"review": 3.0, "decision": 2.5, "consent": 1.0, "placement": 24.0}


def test_nothing_to_measure_is_no_median(year) -> None:
    found = funnel(make_user(roles={Role.STAFF}), ReachFilters(SchoolYear(year.start - 10)))
    assert found.total.values["applied"] == 0
    assert set(found.medians.values()) == {None}


def test_groups_hide_small_counts(year, county) -> None:
    for student in db.session.query(StudentProfile).all():
        db.session.add(StudentDemographics(student_id=student.id, sex="female"))
    found = funnel(make_user(roles={Role.STAFF}), ReachFilters(year))
    female = {key: cell.text for key, cell in found.groups[0].cells.items()}
    assert female["applied"] == "fewer than 11"
    assert all(cell.value is None for cell in found.groups[0].cells.values())


def test_out_of_scope_is_not_found_and_others_are_refused(year, county) -> None:
    north = make_user(roles={Role.STAFF}, district=county["north"])
    with pytest.raises(NotFound):
        funnel(north, ReachFilters(year, school_id=county["cedar"].id))
    with pytest.raises(Forbidden):
        funnel(make_user(roles={Role.TEACHER}, school=county["alder"]), ReachFilters(year))


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 302), ("student", 403), ("teacher", 403), ("employer", 403), ("staff", 200)],
)
def test_only_staff_see_the_funnel(client, login_as, who, expected) -> None:
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


def test_the_page_and_its_download(client, login_as, year, county) -> None:
    login_as(make_user(roles={Role.STAFF}))
    page = client.get(f"{URL}?year={year.code}").get_data(as_text=True)
    assert 'id="funnel-steps"' in page
    assert "Teacher approved" in page
    assert 'aria-current="page" href="/reports/funnel' in page  # its tab
    response = client.get(f"{URL}/download?format=csv&year={year.code}")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][2:] == ["5", "4", "2", "2", "2", "1"]
    assert ["Median days", "Teacher's review", "3.0"] in rows


def test_the_page_runs_the_same_statements_however_many_schools(
    client, login_as, count_queries, year
) -> None:
    login_as(make_user(roles={Role.STAFF}))
    start = datetime(year.start, 9, 1, tzinfo=UTC)
    _apply(make_student(), start, {"approved": 1})
    client.get(URL)
    db.session.expire_all()
    with count_queries() as one:
        assert client.get(URL).status_code == 200
    for _ in range(4):
        _apply(make_student(school=make_school()), start, {"approved": 1, "accepted": 2})
    client.get(URL)
    db.session.expire_all()
    with count_queries() as five:
        client.get(URL)
    assert five.count == one.count, (one.statements, five.statements)


def test_staff_reach_it_from_the_menu(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    assert f'href="{URL}"' in client.get("/home").get_data(as_text=True)


def test_the_median_days_by_school_and_for_a_group_hide_those_of_a_few(year, county) -> None:
    # Birch High: 11 girls' applications, approved after 1 to 11 days (median 6); Alder
    # High's three reviews and Cedar's one are too few to show.
    birch = make_school(district=county["north"], name="Birch High")
    start = datetime(year.start, 10, 1, 16, tzinfo=UTC)
    for day in range(1, 12):
        student = make_student(school=birch)
        db.session.add(StudentDemographics(student_id=student.id, sex="female"))
        _apply(student, start, {"approved": day})
    found = funnel(make_user(roles={Role.STAFF}), ReachFilters(year, group=0))  # female
    by_school = {
        name: {k: m.text for k, m in cells.items()} for name, cells in found.school_medians
    }
    assert by_school["Birch High"]["review"] == "6.0"
    assert by_school["Alder High"]["review"] == "fewer than 11"
    assert by_school["Cedar High"]["review"] == "fewer than 11"
    assert by_school["Birch High"]["decision"] == "fewer than 11"  # none measured: no "—"
    group = dict(found.group_medians)
    assert group["The county"]["review"].text == "6.0"  # only Birch's students are girls
    assert group["Birch High"]["review"].text == "6.0"
    assert group["Alder High"]["review"].hidden


def test_the_page_and_download_show_the_medians_by_school(year, client, login_as, county) -> None:
    login_as(make_user(roles={Role.STAFF}))
    page = client.get("/reports/funnel?group=female").get_data(as_text=True)
    assert 'id="funnel-school-waits"' in page
    assert 'id="funnel-group-waits"' in page
    assert "How long the steps take: Female" in page
    data = client.get("/reports/funnel/download?format=csv&group=female").get_data(as_text=True)
    assert "Median days by school,Alder High,fewer than 11" in data
    assert '"Median days, Female, here and by school",The county,' in data
