"""Calendar invitations (iCalendar, RFC 5545, with iTIP methods, RFC 5546) for interviews.

Each e-mail carries one invitation naming its recipient as the only attendee (the student's
address is not handed to the panel's calendars, nor the panelists' to the student's). Every
invitation for one interview has the same UID, so a calendar updates the event instead of
adding a second one, and the cancellation (``METHOD:CANCEL``, same UID, a higher SEQUENCE)
removes it. Times are written in UTC (``...Z``): every calendar shows them in its own zone.
The event itself (UID, times, place) is ``interview_event``, the one the calendar feeds
(``wbl.calendars``) carry too; both are written by ``wbl.ical``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app

from wbl import ical
from wbl.certificates.models import Interview, InterviewStatus
from wbl.county.settings import county
from wbl.extensions import utcnow

if TYPE_CHECKING:  # icalendar (80 modules) loads when an invitation is written
    from icalendar import vCalAddress

PRODID = "-//WBL work-based learning//Work ready interviews//EN"


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str


def interview_uid(interview: Interview) -> str:
    """Stable per interview: ``interview-<id>@<host of the county's base URL>``."""
    return ical.uid("interview", interview.id, base_url=county().base_url)


def interview_event(
    interview: Interview,
    *,
    summary: str,
    description: str,
    url: str = "",
    cancelled: bool | None = None,
) -> ical.CalendarEvent:
    """The interview as a calendar event: the slot's time at the panel's place (or its video
    link). Cancelled when the interview is, unless ``cancelled`` says otherwise."""
    panel = interview.panel
    return ical.CalendarEvent(
        uid=interview_uid(interview),
        summary=summary,
        start=interview.starts_at,
        end=interview.starts_at + timedelta(minutes=interview.duration_minutes),
        description=description,
        location=panel.location or panel.video_url,
        url=panel.video_url or url,
        cancelled=interview.status is InterviewStatus.CANCELLED if cancelled is None else cancelled,
    )


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
    from icalendar import Calendar

    now = now or utcnow()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = ical.component(
        interview_event(
            interview,
            summary=summary,
            description=description,
            url=url,
            cancelled=method == "CANCEL",
        ),
        now=now,
    )
    # Each invitation sent is a new revision of the event: its SEQUENCE is the time it went.
    event.add("sequence", ical.sequence_at(now))
    event.add("organizer", _address(organizer(), attendee=False))
    event.add("attendee", _address(attendee, attendee=True))
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
