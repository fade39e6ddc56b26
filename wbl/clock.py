"""The county's calendar day. Dates students and employers see (deadlines, start dates) are
local to the county, not UTC: a deadline passes at local midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from wbl.county.settings import county
from wbl.i18n import is_english


def local_today() -> date:
    return datetime.now(county_zone()).date()


def county_zone() -> ZoneInfo:
    """The county's time zone (its settings, e.g. America/Los_Angeles)."""
    return county().zone


def local_to_utc(day: date, at: time) -> datetime:
    """A wall-clock time people typed in (local to the county) as an aware UTC datetime.

    Times in the autumn's repeated hour take their first (daylight) reading; a time in the
    spring's skipped hour moves forward, as a wall clock would."""
    local = datetime.combine(day, at, tzinfo=county_zone())
    return local.astimezone(UTC)


def to_local(value: datetime) -> datetime:
    """An aware datetime as the county's wall clock reads it."""
    return value.astimezone(county_zone())


def _clock(value: datetime) -> str:
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"


def local_when(value: datetime | None, duration_minutes: int | None = None) -> str:
    """ "Tue, Dec 1, 2026, 9:30 AM PST", or with a length "Tue, Dec 1, 2026, 9:30–10:30 AM PST"
    (the county's local time: what a teacher and a partner both read on the wall)."""
    if value is None:
        return "—"
    start = to_local(value)
    if not is_english():
        return _local_when_translated(start, duration_minutes)
    text = f"{start:%a}, {start:%b} {start.day}, {start.year}, {_clock(start)}"
    if duration_minutes:
        end = start + timedelta(minutes=duration_minutes)
        text += f"–{_clock(end)}"
    return f"{text} {start.tzname()}"


def _local_when_translated(start: datetime, duration_minutes: int | None) -> str:
    """``local_when`` in the page's language, as CLDR writes it there ("sáb, 5 dic 2026,
    9:30 PST" in Spanish). Babel, not flask_babel: the zone is the county's, not the app's."""
    from babel.dates import format_datetime, format_time
    from flask_babel import get_locale

    locale = get_locale()
    text = format_datetime(start, "EEE, d MMM y, H:mm", tzinfo=start.tzinfo, locale=locale)
    if duration_minutes:
        end = start + timedelta(minutes=duration_minutes)
        text += "–" + format_time(end, "H:mm", tzinfo=end.tzinfo, locale=locale)
    return f"{text} {start.tzname()}"
