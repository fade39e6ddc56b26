"""How long a minor may work, by California law: the one table, and the pure rule over it.

California Labor Code section 1391 (hours of minors) and Education Code section 49116 (hours
on a day school is in session), as the Labor Commissioner's pamphlet "California Child Labor
Laws" summarizes them:

| age    | school day | non-school day | week, school in session | week, not in session |
| ------ | ---------- | -------------- | ----------------------- | -------------------- |
| 16-17  | 4 hours    | 8 hours        | 48 hours                | 48 hours             |
| 14-15  | 3 hours    | 8 hours        | 18 hours                | 40 hours             |

Under 14 a permit is rare (entertainment, agriculture on the family's land): the 14-15 row
applies, and staff decide whether to issue one at all. 18 and over: no limit here (the 12-hour
day of ``wbl.hours.services`` still applies to everyone).

"School day": a weekday (Monday to Friday). WBL keeps no district calendar (no holidays, no
summer break), so every weekday counts as a school day and every week as a week in session:
the stricter reading, which a placement can always meet. When districts record their
calendar, ``in_session`` is the one argument to feed from it.

The weekly limit is for the calendar week (Monday to Sunday) of the day logged. Both limits
count all the minor's live hours (pending and confirmed) on every placement: the law limits
the work, not the work per employer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext

from wbl.errors import DomainError


@dataclass(frozen=True, slots=True)
class HourLimits:
    """Minutes a minor may work."""

    school_day: int
    non_school_day: int
    week_in_session: int
    week_not_in_session: int


#: The limits by age band (minutes). The one place they are written; docs/safety.md cites them.
MINOR_HOUR_LIMITS: dict[str, HourLimits] = {
    "16-17": HourLimits(4 * 60, 8 * 60, 48 * 60, 48 * 60),
    "14-15": HourLimits(3 * 60, 8 * 60, 18 * 60, 40 * 60),
}


def limits_for(age: int) -> HourLimits | None:
    """The limits of a worker of ``age``; None for an adult."""
    if age >= 18:
        return None
    return MINOR_HOUR_LIMITS["16-17" if age >= 16 else "14-15"]


def is_school_day(day: date) -> bool:
    """A weekday (see the module's note: no district calendar, so every weekday)."""
    return day.weekday() < 5


def week_of(day: date) -> tuple[date, date]:
    """The Monday and the Sunday of ``day``'s week."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _hours(minutes: int) -> str:
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def check_minor_hours(
    age: int,
    day: date,
    *,
    day_logged: int,
    week_logged: int,
    minutes: int,
    in_session: bool = True,
) -> None:
    """Refuse ``minutes`` more on ``day`` when they take a minor of ``age`` over the day's or
    the week's limit (``day_logged`` and ``week_logged`` minutes already there). At the
    limit exactly is allowed."""
    limits = limits_for(age)
    if limits is None:
        return
    school_day = is_school_day(day) and in_session
    day_limit = limits.school_day if school_day else limits.non_school_day
    if day_logged + minutes > day_limit:
        raise DomainError(
            gettext(
                "At %(age)s you may work at most %(limit)s hours on a %(kind)s; you would have "
                "%(total)s.",
                age=age,
                limit=_hours(day_limit),
                kind=gettext("school day") if school_day else gettext("day without school"),
                total=_hours(day_logged + minutes),
            ),
            field="hours",
        )
    week_limit = limits.week_in_session if in_session else limits.week_not_in_session
    if week_logged + minutes > week_limit:
        raise DomainError(
            gettext(
                "At %(age)s you may work at most %(limit)s hours a week; that week you would "
                "have %(total)s.",
                age=age,
                limit=_hours(week_limit),
                total=_hours(week_logged + minutes),
            ),
            field="hours",
        )
