"""Writing iCalendar (RFC 5545): the one place the app turns its dates into calendar events.

Both the calendar feeds (``wbl.calendars``) and the interview invitations
(``wbl.certificates.ics``, which adds the iTIP method, organizer and attendee of RFC 5546)
build their events here, so an event has one UID wherever it goes:
``<kind>-<id>@<host of the county's base URL>``, stable across changes, so that a calendar
replaces the event it has instead of adding a second one.

A feed's timed events are written in the county's time zone with its VTIMEZONE (what a
teacher and a partner read on the wall; a calendar in another zone converts), and events
without a time of day (a placement's dates) as all-day dates. A cancelled event stays in the
feed for a while with ``STATUS:CANCELLED``, so calendars that have it learn it is off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # icalendar (80 modules) loads when a calendar is written
    from zoneinfo import ZoneInfo

    from icalendar import Event

PRODID = "-//WBL work-based learning//Calendar//EN"
# SEQUENCE must grow with every change of an event; there is no revision counter column, so
# it is the number of seconds since this epoch at the time of the change (monotonic).
_SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
# How far the feed's VTIMEZONE spells out the zone's transitions around its events.
_ZONE_MARGIN = timedelta(days=2 * 366)


def uid(kind: str, object_id: int, *, base_url: str, part: str = "") -> str:
    """``placement-12@wbl.scoe.example.org``: the host of the county's ``base_url`` on the
    right (``part`` for an object with several events: ``placement-12-start@...``)."""
    suffix = f"-{part}" if part else ""
    return f"{kind}-{object_id}{suffix}@{urlsplit(base_url).hostname or 'wbl'}"


def sequence_at(changed_at: datetime) -> int:
    """The SEQUENCE of an event last changed at ``changed_at``: later changes, higher numbers."""
    return max(int((changed_at - _SEQUENCE_EPOCH).total_seconds()), 0)


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One VEVENT. ``start``/``end`` are aware datetimes (a timed event) or dates (all-day;
    ``end`` is the day after the last one, as RFC 5545 counts). ``changed_at``, when the data
    knows it, gives LAST-MODIFIED and SEQUENCE."""

    uid: str
    summary: str
    start: date | datetime
    end: date | datetime
    description: str = ""
    location: str = ""
    url: str = ""
    cancelled: bool = False
    changed_at: datetime | None = None

    @property
    def first_day(self) -> date:
        return self.start.date() if isinstance(self.start, datetime) else self.start


def component(event: CalendarEvent, *, now: datetime, zone: ZoneInfo | None = None) -> Event:
    """The VEVENT; timed events in ``zone`` (UTC when None)."""
    from icalendar import Event

    def when(value: date | datetime) -> date | datetime:
        if isinstance(value, datetime):
            return value.astimezone(zone or UTC)
        return value

    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", now.astimezone(UTC))
    vevent.add("dtstart", when(event.start))
    vevent.add("dtend", when(event.end))
    vevent.add("summary", event.summary)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    if event.url:
        vevent.add("url", event.url)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.changed_at is not None:
        vevent.add("last-modified", event.changed_at.astimezone(UTC))
        vevent.add("sequence", sequence_at(event.changed_at))
    return vevent


def feed(name: str, events: list[CalendarEvent], *, now: datetime, zone: ZoneInfo) -> str:
    """A subscription calendar (``METHOD:PUBLISH``) of ``events``, timed ones in ``zone``
    (the county's) with its VTIMEZONE."""
    from icalendar import Calendar, Timezone

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone.key)
    # RFC 7986 and its common predecessor: how often a subscriber should fetch again.
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    today = now.astimezone(zone).date()
    days = [e.first_day for e in events] or [today]
    calendar.add_component(
        Timezone.from_tzid(
            zone.key,
            first_date=min(*days, today) - _ZONE_MARGIN,
            last_date=max(*days, today) + _ZONE_MARGIN,
        )
    )
    for event in events:
        calendar.add_component(component(event, now=now, zone=zone))
    return calendar.to_ical().decode("utf-8")
