"""The minors' hour limits: the table at its boundaries (pure), and through logging hours on a
minor's paid placement with an issued permit (the day's and the week's totals, every
placement of the student counted, adults and unpaid placements untouched)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import current_app

from tests.support.permit_data import give_all, paid_cast, place_paid
from wbl.clock import local_today
from wbl.errors import DomainError
from wbl.hours import services as hours
from wbl.placements import minor_hours, permits
from wbl.placements.minor_hours import MINOR_HOUR_LIMITS, check_minor_hours, limits_for

MONDAY = date(2026, 11, 30)
SATURDAY = date(2026, 12, 5)


def test_the_table_is_the_law() -> None:
    assert MINOR_HOUR_LIMITS["16-17"] == minor_hours.HourLimits(240, 480, 2880, 2880)
    assert MINOR_HOUR_LIMITS["14-15"] == minor_hours.HourLimits(180, 480, 1080, 2400)
    assert limits_for(18) is None
    assert limits_for(17) is limits_for(16) is MINOR_HOUR_LIMITS["16-17"]
    assert limits_for(15) is limits_for(14) is limits_for(13) is MINOR_HOUR_LIMITS["14-15"]


@pytest.mark.parametrize(
    ("age", "day", "already", "minutes", "allowed"),
    [
        (16, MONDAY, 0, 240, True),  # 4 hours on a school day: the limit exactly
        (16, MONDAY, 0, 255, False),
        (16, MONDAY, 180, 60, True),
        (16, MONDAY, 180, 75, False),
        (17, SATURDAY, 0, 480, True),  # 8 hours on a day without school
        (17, SATURDAY, 0, 495, False),
        (15, MONDAY, 0, 180, True),  # 3 hours on a school day at 14-15
        (15, MONDAY, 0, 195, False),
        (14, SATURDAY + timedelta(days=1), 0, 480, True),  # Sunday
        (14, SATURDAY + timedelta(days=1), 465, 30, False),
        (18, MONDAY, 0, 720, True),  # an adult: no minor limit
    ],
)
def test_the_day_limit_at_its_boundaries(age, day, already, minutes, allowed) -> None:
    def check() -> None:
        check_minor_hours(age, day, day_logged=already, week_logged=already, minutes=minutes)

    if allowed:
        check()
    else:
        with pytest.raises(DomainError, match="at most") as refused:
            check()
        assert refused.value.field == "hours"


@pytest.mark.parametrize(
    ("age", "week_logged", "minutes", "in_session", "allowed"),
    [
        (15, 1080 - 60, 60, True, True),  # 18 hours a week in session, exactly
        (15, 1080 - 60, 75, True, False),
        (15, 2400 - 60, 60, False, True),  # 40 out of session
        (15, 2400 - 60, 75, False, False),
        (16, 2880 - 60, 60, True, True),  # 48
        (16, 2880 - 60, 75, True, False),
    ],
)
def test_the_week_limit_at_its_boundaries(age, week_logged, minutes, in_session, allowed) -> None:
    def check() -> None:
        check_minor_hours(
            age,
            SATURDAY,
            day_logged=0,
            week_logged=week_logged,
            minutes=minutes,
            in_session=in_session,
        )

    if allowed:
        check()
    else:
        with pytest.raises(DomainError, match="a week"):
            check()


def test_a_school_day_is_a_weekday() -> None:
    assert [minor_hours.is_school_day(MONDAY + timedelta(days=n)) for n in range(7)] == [
        True,
        True,
        True,
        True,
        True,
        False,
        False,
    ]
    assert minor_hours.week_of(SATURDAY) == (MONDAY, MONDAY + timedelta(days=6))


# --- through logging hours -----------------------------------------------------------------


def _issued(born: date):  # type: ignore[no-untyped-def]
    cast = paid_cast(born=born)
    placement = place_paid(cast, days_before=20)
    give_all(placement)
    today = local_today()
    with current_app.test_request_context():
        permits.issue(
            cast.staff,
            placement.id,
            permits.Issue(today - timedelta(days=25), today + timedelta(days=200)),
        )
    return cast, placement


def _last_week() -> list[date]:
    """Monday to Sunday of last week (all in the past, inside the placement's dates)."""
    monday, _sunday = minor_hours.week_of(local_today())
    start = monday - timedelta(days=7)
    return [start + timedelta(days=n) for n in range(7)]


def test_a_sixteen_year_old_logs_up_to_four_hours_on_a_school_day(app) -> None:
    cast, placement = _issued(date(2010, 3, 1))
    student = cast.student.user
    monday, *_rest, saturday, _sunday = _last_week()
    hours.log_hours(student, placement.id, monday, 180, "Fed the dogs.")
    with pytest.raises(DomainError, match="at most 4 hours on a school day"):
        hours.log_hours(student, placement.id, monday, 75, "Walked the dogs.")
    hours.log_hours(student, placement.id, monday, 60, "Walked the dogs.")
    hours.log_hours(student, placement.id, saturday, 480, "Cleaned the kennels.")
    with pytest.raises(DomainError, match="8 hours"):
        hours.log_hours(student, placement.id, saturday, 15, "Locked up.")


def test_a_fourteen_year_old_stops_at_eighteen_hours_a_week(app) -> None:
    today = local_today()
    cast, placement = _issued(date(today.year - 15, today.month, today.day) + timedelta(days=60))
    student = cast.student.user
    week = _last_week()
    for day in week[:5]:
        hours.log_hours(student, placement.id, day, 180, f"Shift on {day:%A}.")
    hours.log_hours(student, placement.id, week[5], 180, "Saturday shift.")  # 18 hours
    with pytest.raises(DomainError, match="18 hours a week"):
        hours.log_hours(student, placement.id, week[6], 15, "Sunday shift.")
