"""Calendar invitations (iCalendar, RFC 5545, with iTIP methods, RFC 5546) for interviews.

Each e-mail carries one invitation naming its recipient as the only attendee (the student's
address is not handed to the panel's calendars, nor the panelists' to the student's). Every
invitation for one interview has the same UID, so a calendar updates the event instead of
adding a second one, and the cancellation (``METHOD:CANCEL``, same UID, a higher SEQUENCE)
removes it. Times are written in UTC (``...Z``): every calendar shows them in its own zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import current_app

from wbl.certificates.models import Interview
from wbl.county.settings import county
from wbl.extensions import utcnow

if TYPE_CHECKING:  # icalendar (80 modules) loads when an invitation is written
    from icalendar import vCalAddress

PRODID = "-//WBL work-based learning//Work ready interviews//EN"
# SEQUENCE must grow with every change sent for the same UID; there is no counter column,
# so it is the number of seconds since this epoch at the time of sending (monotonic).
_SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str


def interview_uid(interview: Interview) -> str:
    """Stable per interview: ``interview-<id>@<host of the county's base URL>``."""
    host = urlsplit(county().base_url).hostname or "wbl"
    return f"interview-{interview.id}@{host}"


def organizer() -> Person:
    config = current_app.config
    return Person(
        f"{county().name or 'WBL'} work-based learning",
        config.get("PROGRAM_EMAIL") or config["MAIL_DEFAULT_SENDER"],
    )


def _address(person: Person, *, attendee: bool) -> vCalAddress:
    from icalendar import vCalAddress, vText

    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.name)
    if attendee:
        address.params["ROLE"] = vText("REQ-PARTICIPANT")
        address.params["PARTSTAT"] = vText("NEEDS-ACTION")
        address.params["RSVP"] = vText("FALSE")
    return address


def interview_ics(
    interview: Interview,
    *,
    method: str,
    attendee: Person,
    summary: str,
    description: str,
    url: str = "",
    now: datetime | None = None,
) -> str:
    """The invitation (``method="REQUEST"``) or cancellation (``method="CANCEL"``) text."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported iTIP method {method!r}")
    from icalendar import Calendar, Event

    now = now or utcnow()
    panel = interview.panel
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", interview_uid(interview))
    event.add("sequence", max(int((now - _SEQUENCE_EPOCH).total_seconds()), 0))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", interview.starts_at.astimezone(UTC))
    event.add(
        "dtend",
        (interview.starts_at + timedelta(minutes=interview.duration_minutes)).astimezone(UTC),
    )
    event.add("summary", summary)
    event.add("description", description)
    where = panel.location or panel.video_url
    if where:
        event.add("location", where)
    if url or panel.video_url:
        event.add("url", panel.video_url or url)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("organizer", _address(organizer(), attendee=False))
    event.add("attendee", _address(attendee, attendee=True))
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
