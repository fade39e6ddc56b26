"""Activity over time: confirmed hours per week, placements per month, beside last year."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from tests.support.builders import make_district, make_school, make_student, make_user
from tests.support.log_data import make_entry, make_placement
from wbl.access import Role
from wbl.clock import local_today
from wbl.errors import NotFound
from wbl.extensions import db
from wbl.hours.models import EntryStatus
from wbl.placements.models import PlacementStatus
from wbl.reporting.activity import activity, month_of, week_of
from wbl.reporting.reach import ReachFilters, SchoolYear

URL = "/reports/activity"


@pytest.fixture
def year() -> SchoolYear:
    return SchoolYear.of(local_today())


def test_weeks_start_on_july_first_and_june_folds_into_the_last() -> None:
    year = SchoolYear(2026)
    assert week_of(year, date(2026, 7, 1)) == 0
    assert week_of(year, date(2026, 7, 8)) == 1
    assert week_of(year, date(2027, 6, 30)) == 52
    assert month_of(date(2026, 7, 31)) == 0
    assert month_of(date(2027, 1, 1)) == 6


def test_hours_and_placements_of_this_year_beside_last_year(year) -> None:
    north = make_district(name="North Unified")
    student = make_student(school=make_school(district=north))
    now = make_placement(student, start=year.first_day + timedelta(days=60))
    make_entry(now, year.first_day + timedelta(days=61), minutes=90)
    make_entry(now, year.first_day + timedelta(days=62), minutes=30)
    make_entry(now, year.first_day + timedelta(days=63), minutes=600, status=EntryStatus.PENDING)
    before = make_placement(
        student,
        start=year.first_day - timedelta(days=300),
        end=year.first_day - timedelta(days=200),
        status=PlacementStatus.COMPLETED,
    )
    make_entry(before, year.first_day - timedelta(days=299), minutes=120)
    other = make_student(school=make_school(district=make_district()))
    make_entry(make_placement(other, start=year.first_day), year.first_day, minutes=60)

    found = activity(make_user(roles={Role.STAFF}, district=north), ReachFilters(year))
    week = week_of(year, year.first_day + timedelta(days=61))
    assert found.current.hours_by_week[week] == 2.0  # 90 + 30 minutes; pending ones not yet
    assert found.current.hours == 2.0  # the other district's hour is not theirs
    assert found.current.started_by_month[month_of(year.first_day + timedelta(days=60))] == 1
    assert found.previous.hours == 2.0
    assert found.previous.started == 1
    assert found.previous.completed_by_month[month_of(year.first_day - timedelta(days=200))] == 1
    assert found.current.completed == 0


def test_a_school_out_of_scope_is_not_found(year) -> None:
    north = make_district()
    elsewhere = make_school(district=make_district())
    with pytest.raises(NotFound):
        activity(
            make_user(roles={Role.STAFF}, district=north),
            ReachFilters(year, school_id=elsewhere.id),
        )


@pytest.mark.parametrize(("role", "expected"), [(Role.TEACHER, 403), (Role.STAFF, 200)])
def test_only_staff_see_it(client, login_as, role, expected) -> None:
    login_as(make_user(roles={role}, school=make_school()))
    assert client.get(URL).status_code == expected
    assert client.get(f"{URL}/download").status_code == expected


def test_the_page_and_its_download(client, login_as, year) -> None:
    student = make_student()
    placement = make_placement(student, start=year.first_day)
    make_entry(placement, year.first_day, minutes=45)
    login_as(make_user(roles={Role.STAFF}))
    page = client.get(URL).get_data(as_text=True)
    assert 'data-chart="hours"' in page
    assert 'id="activity-months"' in page
    assert f'href="{URL}"' in page  # the menu
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"{URL}/download").get_data(as_text=True).lstrip("\ufeff"))
        )
    )
    assert rows[1] == ["Jul", "1", "0", "0", "0"]
    assert ["Week 1", "0.75", "0.0"] in rows


def test_the_page_runs_three_statements_of_its_own(client, login_as, count_queries) -> None:
    login_as(make_user(roles={Role.STAFF}))
    client.get(URL)
    db.session.expire_all()
    with count_queries() as counted:
        assert client.get(URL).status_code == 200
    assert sum("GROUP BY" in s for s in counted.statements) == 3
