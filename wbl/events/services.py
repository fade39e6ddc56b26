"""Class events: a teacher asks a partner for a guest speaker or a workplace visit for a class,
offering up to three dates; a contact of the partner accepts one date or declines.

The business rules (DOMAIN.md: guest speakers and workplace visits are the awareness stage,
booked for a whole class):
- only an active partner takes requests; an offering named in the request must be a published
  guest speaker or workplace visit of that partner;
- the class is one of the teacher's own; the class size is 1 to 200 (by default the number of
  students in the class);
- one to three date options, each in the future and all different; times are typed in the
  county's local time (config ``TIMEZONE``) and stored in UTC;
- only a request that is still waiting can be answered, once: the answer is a conditional
  UPDATE on ``status = 'pending'`` so two contacts (or a double click) cannot both decide it;
- every step is e-mailed (outbox) in the same transaction as the change it reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask import url_for
from flask_babel import gettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import update

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.catalog.models import CLASS_EVENT_KINDS, Offering, OfferingStatus, Partner
from wbl.clock import local_to_utc, local_when
from wbl.errors import DomainError, NotFound
from wbl.events import policies, queries
from wbl.events.models import EventDateOption, EventRequest, EventRequestStatus
from wbl.extensions import atomic, db, move_status, rows_affected, utcnow
from wbl.i18n import N_, later
from wbl.notifications.services import queue_email
from wbl.pagination import paginate
from wbl.reference.models import ExperienceKind
from wbl.schools import queries as school_queries
from wbl.scopes import partner_id_set

MAX_OPTIONS = 3
MAX_CLASS_SIZE = 200
MIN_DURATION, MAX_DURATION = 15, 8 * 60
MAX_TOPIC_LENGTH = 200
MAX_NOTES_LENGTH = 2000
MAX_MESSAGE_LENGTH = 2000

KIND_LABELS = {
    ExperienceKind.GUEST_SPEAKER: N_("guest speaker"),
    ExperienceKind.WORKPLACE_VISIT: N_("workplace visit"),
}


class AlreadyDecided(DomainError):
    message = "This request has already been answered."


@dataclass(frozen=True, slots=True)
class DateOptionInput:
    day: date
    start: time
    duration_minutes: int


@dataclass(frozen=True, slots=True)
class EventRequestInput:
    """What the teacher asks for. With ``offering_id`` the partner and kind come from the
    offering; without it, ``partner_id`` and ``kind`` are required."""

    class_section_id: int
    class_size: int | None
    topic: str
    notes: str
    options: tuple[DateOptionInput, ...]
    offering_id: int | None = None
    partner_id: int | None = None
    kind: ExperienceKind | None = None


@dataclass(frozen=True, slots=True)
class RequestSent:
    request: EventRequest
    notified: int  # how many of the partner's contacts were e-mailed


# --- Reading -----------------------------------------------------------------------------------


REQUESTS_PER_PAGE = 25


def request_page(actor: User, page: int) -> Pagination:
    """One page of the requests the actor sees, pending first."""
    return paginate(queries.request_list(actor), page=page, per_page=REQUESTS_PER_PAGE)


def get_request(actor: User, request_id: int) -> EventRequest:
    """A request the actor may see (their own, their partner's, or staff's scope)."""
    found = db.session.scalar(queries.request_detail(actor, request_id))
    if found is None:
        raise NotFound()
    return found


def requestable_offering(offering_id: int) -> Offering:
    """An offering a teacher can request for a class: a published guest speaker or workplace
    visit of an active partner. Anything else is not found."""
    offering = db.session.get(Offering, offering_id)
    if (
        offering is None
        or offering.status is not OfferingStatus.PUBLISHED
        or offering.kind not in CLASS_EVENT_KINDS
        or not offering.partner.active
    ):
        raise NotFound("That opportunity is not open for class requests.")
    return offering


def active_partners() -> list[Partner]:
    return list(db.session.scalars(queries.active_partners()))


# --- Requesting --------------------------------------------------------------------------------


def _partner_and_kind(data: EventRequestInput) -> tuple[Partner, ExperienceKind, Offering | None]:
    offering = None
    if data.offering_id is not None:
        offering = db.session.get(Offering, data.offering_id)
        if offering is None or offering.status is not OfferingStatus.PUBLISHED:
            raise NotFound("That opportunity is not open for class requests.")
        if offering.kind not in CLASS_EVENT_KINDS:
            raise DomainError(
                "Only a guest speaker or a workplace visit can be requested for a class.",
                field="offering_id",
            )
        if data.partner_id is not None and data.partner_id != offering.partner_id:
            raise DomainError("That opportunity belongs to another partner.", field="partner_id")
        partner, kind = offering.partner, offering.kind
    else:
        found = db.session.get(Partner, data.partner_id) if data.partner_id else None
        if found is None:
            raise DomainError("Choose a partner from the list.", field="partner_id")
        if data.kind not in CLASS_EVENT_KINDS:
            raise DomainError("Choose a guest speaker or a workplace visit.", field="kind")
        partner, kind = found, ExperienceKind(data.kind)
    if not partner.active:
        raise DomainError(f"{partner.name} is not taking requests right now.", field="partner_id")
    return partner, kind, offering


def _date_options(options: tuple[DateOptionInput, ...], now: datetime) -> list[EventDateOption]:
    if not options:
        raise DomainError("Offer at least one date.", field="date_1")
    if len(options) > MAX_OPTIONS:
        raise DomainError(f"Offer at most {MAX_OPTIONS} dates.", field="date_1")
    chosen: list[EventDateOption] = []
    seen: dict[datetime, int] = {}
    for position, option in enumerate(options, start=1):
        if not MIN_DURATION <= option.duration_minutes <= MAX_DURATION:
            raise DomainError(
                f"Choose a length from {MIN_DURATION} to {MAX_DURATION} minutes.",
                field=f"duration_{position}",
            )
        starts_at = local_to_utc(option.day, option.start)
        if starts_at <= now:
            raise DomainError("Choose a date and time in the future.", field=f"date_{position}")
        if starts_at in seen:
            raise DomainError(
                f"This is the same as date option {seen[starts_at]}.", field=f"date_{position}"
            )
        seen[starts_at] = position
        chosen.append(
            EventDateOption(
                position=position, starts_at=starts_at, duration_minutes=option.duration_minutes
            )
        )
    return chosen


def _link(request: EventRequest) -> str:
    return url_for("events.detail", request_id=request.id, _external=True)


def _contact_emails(partner_id: int) -> list[str]:
    return list(db.session.scalars(queries.contact_emails(partner_id)))


@atomic
def request_event(
    actor: User, data: EventRequestInput, *, now: datetime | None = None
) -> RequestSent:
    """A teacher asks a partner for a class event; the partner's contacts are e-mailed."""
    require(actor.has_role(Role.TEACHER))
    now = now or utcnow()
    partner, kind, offering = _partner_and_kind(data)
    section = db.session.scalar(school_queries.class_of_teacher(actor, data.class_section_id))
    if section is None:
        raise DomainError("Choose one of your classes.", field="class_section_id")
    class_size = data.class_size if data.class_size is not None else len(section.students)
    if not 1 <= class_size <= MAX_CLASS_SIZE:
        raise DomainError(
            f"Enter the number of students, from 1 to {MAX_CLASS_SIZE}.", field="class_size"
        )
    topic, notes = data.topic.strip(), data.notes.strip()
    if not topic:
        raise DomainError("Say what the class would like to hear about or see.", field="topic")
    if len(topic) > MAX_TOPIC_LENGTH:
        raise DomainError(f"Use at most {MAX_TOPIC_LENGTH} characters.", field="topic")
    if len(notes) > MAX_NOTES_LENGTH:
        raise DomainError(f"Use at most {MAX_NOTES_LENGTH} characters.", field="notes")
    options = _date_options(data.options, now)

    request = EventRequest(
        kind=kind,
        partner=partner,
        offering=offering,
        teacher=actor,
        school_id=section.school_id,
        class_section=section,
        class_size=class_size,
        topic=topic,
        notes=notes,
        options=options,
    )
    db.session.add(request)
    db.session.flush()
    label = later(gettext, KIND_LABELS[kind])  # in the e-mail's language
    dates = [(o.position, later(local_when, o.starts_at, o.duration_minutes)) for o in options]
    recipients = _contact_emails(partner.id)
    for email in recipients:
        queue_email(
            kind="event_requested",
            to=email,
            template="events/requested",
            context={
                "actor": actor,
                "partner": partner,
                "request": request,
                "label": label,
                "dates": dates,
                "link": _link(request),
            },
        )
    db.session.commit()
    return RequestSent(request=request, notified=len(recipients))


# --- Answering and cancelling ------------------------------------------------------------------


def _already(request: EventRequest) -> AlreadyDecided:
    db.session.refresh(request)
    return AlreadyDecided(f"This request has already been {request.status.value}.")


def _decide(
    actor: User, request: EventRequest, status: EventRequestStatus, message: str, now: datetime
) -> None:
    """Move a pending request to ``status``, or raise if someone else answered first."""
    if not move_status(
        request,
        EventRequestStatus.PENDING,
        status=status,
        decided_by_id=actor.id,
        decided_at=now,
        response_message=message,
    ):
        raise _already(request)
    db.session.refresh(request)


def _request_to_decide(actor: User, request_id: int) -> EventRequest:
    """Only a contact of the request's partner may answer it; for anybody else it does not
    exist."""
    request = db.session.scalar(queries.request_for_contact(actor, request_id))
    if request is None:
        raise NotFound()
    if not policies.can_decide(actor, request, partner_id_set(actor)):
        raise AlreadyDecided(f"This request has already been {request.status.value}.")
    return request


@atomic
def accept_request(
    actor: User,
    request_id: int,
    option_id: int,
    message: str = "",
    *,
    now: datetime | None = None,
) -> EventRequest:
    """The partner takes one of the dates the teacher offered; the teacher is e-mailed."""
    now = now or utcnow()
    request = _request_to_decide(actor, request_id)
    option = next((o for o in request.options if o.id == option_id), None)
    if option is None:
        raise DomainError("Choose one of the dates the teacher offered.", field="option_id")
    if option.starts_at <= now:
        raise DomainError("That date has passed. Choose another one.", field="option_id")
    message = message.strip()
    if len(message) > MAX_MESSAGE_LENGTH:
        raise DomainError(f"Use at most {MAX_MESSAGE_LENGTH} characters.", field="message")
    _decide(actor, request, EventRequestStatus.ACCEPTED, message, now)
    option.chosen = True
    label = later(gettext, KIND_LABELS[request.kind])
    when = later(local_when, option.starts_at, option.duration_minutes)
    queue_email(
        kind="event_accepted",
        to=request.teacher.email,
        template="events/accepted",
        context={
            "actor": actor,
            "request": request,
            "label": label,
            "starts": later(local_when, option.starts_at),
            "when": when,
            "message": message,
            "link": _link(request),
        },
    )
    db.session.commit()
    return request


@atomic
def decline_request(
    actor: User, request_id: int, message: str, *, now: datetime | None = None
) -> EventRequest:
    """The partner cannot do it; the teacher is told why (a message is required)."""
    now = now or utcnow()
    request = _request_to_decide(actor, request_id)
    message = message.strip()
    if not message:
        raise DomainError("Tell the teacher briefly why, or what might work.", field="message")
    if len(message) > MAX_MESSAGE_LENGTH:
        raise DomainError(f"Use at most {MAX_MESSAGE_LENGTH} characters.", field="message")
    _decide(actor, request, EventRequestStatus.DECLINED, message, now)
    label = KIND_LABELS[request.kind]
    queue_email(
        kind="event_declined",
        to=request.teacher.email,
        template="events/declined",
        context={"request": request, "label": label, "message": message, "link": _link(request)},
    )
    db.session.commit()
    return request


@atomic
def cancel_request(actor: User, request_id: int) -> EventRequest:
    """The teacher calls off a waiting or confirmed request; the partner's contacts are told."""
    request = get_request(actor, request_id)
    require(request.teacher_id == actor.id)
    changed = rows_affected(
        db.session.execute(
            update(EventRequest)
            .where(EventRequest.id == request.id, EventRequest.status.in_(policies.CANCELLABLE))
            .values(status=EventRequestStatus.CANCELLED)
            .execution_options(synchronize_session=False)
        )
    )
    if changed != 1:
        raise _already(request)
    was_confirmed = request.confirmed_option
    db.session.refresh(request)
    label = later(gettext, KIND_LABELS[request.kind])
    confirmed_on = later(local_when, was_confirmed.starts_at) if was_confirmed else ""
    for email in _contact_emails(request.partner_id):
        queue_email(
            kind="event_cancelled",
            to=email,
            template="events/cancelled",
            context={
                "request": request,
                "label": label,
                "confirmed_on": confirmed_on,
                "link": _link(request),
            },
        )
    db.session.commit()
    return request
