"""Activity over time: confirmed hours per week and placements started and completed per
month, in the school year asked for beside the year before it.

Hours count when the supervisor confirmed them, on the day they were worked; a placement
starts on its start date and is completed on its end date (a completed placement with no
end date, on the day it was marked completed). Students are those of the viewer's scope, as
for reach. Each series is one statement grouped by day (at most two years of days), which
Python folds into weeks (from July 1: week 1 is July 1–7) and months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

from wbl.access import require
from wbl.auth.models import User
from wbl.extensions import db
from wbl.hours.models import EntryStatus, HourEntry
from wbl.placements.models import Placement, PlacementStatus
from wbl.reporting.reach import (
    ReachFilters,
    SchoolYear,
    scope_name,
    students_in_scope,
)
from wbl.scopes import is_staff

WEEKS = 53  # July 1 to June 30: 52 weeks and a day or two
MONTHS = (7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6)


@dataclass(frozen=True, slots=True)
class YearSeries:
    year: SchoolYear
    hours_by_week: list[float]  # WEEKS values
    started_by_month: list[int]  # in MONTHS' order
    completed_by_month: list[int]

    @property
    def hours(self) -> float:
        return sum(self.hours_by_week)

    @property
    def started(self) -> int:
        return sum(self.started_by_month)

    @property
    def completed(self) -> int:
        return sum(self.completed_by_month)


@dataclass(frozen=True, slots=True)
class Activity:
    filters: ReachFilters
    scope: str
    current: YearSeries
    previous: YearSeries

    @property
    def busiest_week(self) -> float:
        return max([*self.current.hours_by_week, *self.previous.hours_by_week, 0.0])


def week_of(year: SchoolYear, day: date) -> int:
    """0 for July 1–7, 1 for the next seven days, ... (the last days of June fold into 52)."""
    return min((day - year.first_day).days // 7, WEEKS - 1)


def month_of(day: date) -> int:
    """The position of the day's month in the school year (July is 0)."""
    return MONTHS.index(day.month)


def _by_day(statement: Select[*tuple[Any, ...]]) -> dict[date, float]:
    return {day: float(value or 0) for day, value in db.session.execute(statement)}


def activity(actor: User, filters: ReachFilters) -> Activity:
    """The actor's scope's activity this school year and the year before (three statements)."""
    require(is_staff(actor))  # the scope is staff's: a district or the county
    scope = scope_name(actor, filters)
    previous_year = SchoolYear(filters.year.start - 1)
    first, last = previous_year.first_day, filters.year.last_day
    ids = students_in_scope(actor, filters).scalar_subquery()
    minutes = _by_day(
        select(HourEntry.work_date, func.sum(HourEntry.minutes))
        .where(
            HourEntry.student_id.in_(ids),
            HourEntry.status == EntryStatus.CONFIRMED,
            HourEntry.work_date.between(first, last),
        )
        .group_by(HourEntry.work_date)
    )
    started = _by_day(
        select(Placement.start_date, func.count())
        .where(
            Placement.student_id.in_(ids),
            Placement.status != PlacementStatus.CANCELLED,
            Placement.start_date.between(first, last),
        )
        .group_by(Placement.start_date)
    )
    ended = func.coalesce(Placement.end_date, func.date(Placement.completed_at))
    completed = _by_day(
        select(ended, func.count())
        .where(
            Placement.student_id.in_(ids),
            Placement.status == PlacementStatus.COMPLETED,
            ended.between(first, last),
        )
        .group_by(ended)
    )

    def series(year: SchoolYear) -> YearSeries:
        hours = [0.0] * WEEKS
        starts, ends = [0] * len(MONTHS), [0] * len(MONTHS)
        for day, value in minutes.items():
            if year.first_day <= day <= year.last_day:
                hours[week_of(year, day)] += value / 60
        for found, counts in ((started, starts), (completed, ends)):
            for day, value in found.items():
                day = day if isinstance(day, date) else date.fromisoformat(str(day))
                if year.first_day <= day <= year.last_day:
                    counts[month_of(day)] += int(value)
        return YearSeries(year, hours, starts, ends)

    return Activity(filters, scope, series(filters.year), series(previous_year))


def table_rows(found: Activity) -> tuple[list[str], list[list[object]]]:
    """The months' table and the weeks' hours as one sheet."""
    current, previous = found.current, found.previous
    header = [
        "Month",
        f"Placements started {current.year.label}",
        f"Placements started {previous.year.label}",
        f"Placements completed {current.year.label}",
        f"Placements completed {previous.year.label}",
    ]
    names = ("Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar", "Apr", "May", "Jun")
    rows: list[list[object]] = [
        [
            names[i],
            current.started_by_month[i],
            previous.started_by_month[i],
            current.completed_by_month[i],
            previous.completed_by_month[i],
        ]
        for i in range(len(MONTHS))
    ]
    rows.append(
        ["Week", f"Confirmed hours {current.year.label}", f"Confirmed hours {previous.year.label}"]
    )
    rows += [
        [
            f"Week {week + 1}",
            round(current.hours_by_week[week], 2),
            round(previous.hours_by_week[week], 2),
        ]
        for week in range(WEEKS)
    ]
    return header, rows
