"""What a user's calendar feed holds: the dates each role may see on the pages, as events.

- a student: their placements (the days from start to end, all-day: placements have dates,
  not times; the offering's schedule, e.g. "Tue and Thu, 3–6 pm", is in the description, as
  the app keeps no shifts), the confirmed class events of their active classes, and their work
  ready interviews;
- a teacher: the class events they asked for, and their students' placement start and end
  days (their students: ``students_visible_to``, the school's students, as on the pages);
- an employer: the students placed at the partners they are a contact of (each placement's
  days; the student's name and school, nothing else), and the class events made to those
  partners (the teacher, school and class size, no student list);
- anyone on an interview panel (employers, teachers, staff): the interviews of their panels.

A user with several roles gets every part; an event two parts share appears once (its UID).
Past events stay for a year; cancelled ones (cancelled or withdrawn placements, cancelled
events and interviews) stay ``STATUS:CANCELLED`` until 60 days after their date, so that a
calendar that had them learns they are off. Each part is one query with its many-to-one
rows joined in: the feed's query count does not grow with its events.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, cast

from flask import url_for
from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, func, or_, select
from sqlalchemy.orm import joinedload

from wbl import ical
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Offering, Partner
from wbl.certificates import ics
from wbl.certificates.models import Interview, InterviewPanel, InterviewStatus, panel_member
from wbl.clock import to_local
from wbl.county.settings import county
from wbl.events.models import EventDateOption, EventRequest, EventRequestStatus
from wbl.extensions import db
from wbl.placements.models import Placement, PlacementStatus
from wbl.reference.models import ExperienceKind
from wbl.schools.models import ClassSection, class_section_student
from wbl.scopes import partner_ids_of
from wbl.students import queries as student_queries
from wbl.students.models import StudentProfile

KEPT = timedelta(days=365)  # past events stay this long
CANCELLED_KEPT = timedelta(days=60)  # cancelled ones this long after their date
MOST_PER_PART = 2000  # the latest of each part, should a school have more placements

KIND_WORDS = {
    ExperienceKind.GUEST_SPEAKER: "Guest speaker",
    ExperienceKind.WORKPLACE_VISIT: "Workplace visit",
    ExperienceKind.JOB_SHADOW: "Job shadow",
    ExperienceKind.WORK_BASED_PROJECT: "Work-based project",
    ExperienceKind.INTERNSHIP: "Internship",
}


def feed_events(user: User, now: datetime) -> list[ical.CalendarEvent]:
    """Every event of ``user``'s feed, soonest first."""
    today = to_local(now).date()
    found: dict[str, ical.CalendarEvent] = {}

    def add(events: Iterable[ical.CalendarEvent]) -> None:
        for event in events:
            found.setdefault(event.uid, event)

    if user.has_role(Role.STUDENT):
        profile = db.session.scalar(student_queries.profile_for_user(user.id))
        if profile is not None:
            add(_student_placements(profile.id, today))
            add(_student_class_events(profile.id, now))
            add(_student_interviews(profile.id, now))
    if user.has_role(Role.TEACHER):
        add(_teacher_class_events(user, now))
        add(_teacher_placement_days(user, today))
    if user.has_role(Role.EMPLOYER):
        add(_hosted_placements(user, today))
        add(_partner_class_events(user, now))
    add(_panel_interviews(user, now))
    return sorted(found.values(), key=lambda e: (e.first_day, e.uid))


def _base_url() -> str:
    return county().base_url


def _link(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, _external=True, **values)


# --- placements ------------------------------------------------------------------------------


def _still_shown(
    cancelled: ColumnElement[bool], last: SQLColumnExpression[Any], since: date | datetime
) -> ColumnElement[bool]:
    """Live events whose ``last`` moment (a day or a time) is less than a year ago, cancelled
    ones less than 60 days ago (``since`` is today, or now)."""
    return or_(
        and_(~cancelled, last >= since - KEPT),
        and_(cancelled, last >= since - CANCELLED_KEPT),
    )


def _placements(condition: ColumnElement[bool], today: date) -> list[Placement]:
    last_day = func.coalesce(Placement.end_date, Placement.start_date)
    statement: Select[Placement] = (
        select(Placement)
        .where(
            condition,
            Placement.start_date.is_not(None),
            _still_shown(Placement.status == PlacementStatus.CANCELLED, last_day, today),
        )
        .options(
            joinedload(Placement.offering, innerjoin=True).joinedload(
                Offering.partner, innerjoin=True
            ),
            joinedload(Placement.student, innerjoin=True).options(
                joinedload(StudentProfile.user, innerjoin=True).lazyload(User.roles),
                joinedload(StudentProfile.school, innerjoin=True),
            ),
            joinedload(Placement.application, innerjoin=True),
        )
        .order_by(Placement.start_date.desc(), Placement.id.desc())
        .limit(MOST_PER_PART)
    )
    return list(db.session.scalars(statement).unique())


def _first_day(placement: Placement) -> date:
    return cast(date, placement.start_date)  # the query keeps placements with a start date


def _last_day(placement: Placement) -> date:
    """The placement's last day: its end date, or the day it ended early."""
    start = _first_day(placement)
    last = placement.end_date or start
    if placement.status is PlacementStatus.COMPLETED and placement.completed_at is not None:
        last = min(last, max(to_local(placement.completed_at).date(), start))
    return last


def _address(partner: Partner) -> str:
    return ", ".join(part for part in (partner.street_address, partner.city) if part)


def _placement_event(placement: Placement, summary: str, description: str) -> ical.CalendarEvent:
    start = _first_day(placement)
    offering = placement.offering
    return ical.CalendarEvent(
        uid=ical.uid("placement", placement.id, base_url=_base_url()),
        summary=summary,
        start=start,
        end=_last_day(placement) + timedelta(days=1),
        description=description,
        location=offering.location or _address(offering.partner),
        url=_link("placements.application", application_id=placement.application_id),
        cancelled=placement.status is PlacementStatus.CANCELLED,
        # The application changes with the placement (placed, withdrawn, cancelled).
        changed_at=placement.application.updated_at,
    )


def _student_placements(student_id: int, today: date) -> list[ical.CalendarEvent]:
    events = []
    for placement in _placements(Placement.student_id == student_id, today):
        offering = placement.offering
        lines = [f"{KIND_WORDS[offering.kind]} at {offering.partner.name}."]
        if offering.schedule:
            lines.append(f"Schedule: {offering.schedule}")
        if placement.expected_hours:
            lines.append(f"Expected hours: {placement.expected_hours}")
        events.append(
            _placement_event(
                placement, f"{offering.title} at {offering.partner.name}", "\n".join(lines)
            )
        )
    return events


def _hosted_placements(user: User, today: date) -> list[ical.CalendarEvent]:
    """The employer's placed students: name and school (DOMAIN.md "Privacy")."""
    offerings = select(Offering.id).where(Offering.partner_id.in_(partner_ids_of(user)))
    events = []
    for placement in _placements(Placement.offering_id.in_(offerings), today):
        student, offering = placement.student, placement.offering
        lines = [f"{student.user.full_name}, {student.school.name}.", offering.title]
        if offering.schedule:
            lines.append(f"Schedule: {offering.schedule}")
        events.append(
            _placement_event(
                placement, f"{student.user.full_name}: {offering.title}", "\n".join(lines)
            )
        )
    return events


def _teacher_placement_days(user: User, today: date) -> list[ical.CalendarEvent]:
    """The first and the last day of each placement of the teacher's students."""
    students = student_queries.students_visible_to(user).with_only_columns(StudentProfile.id)
    events = []
    for placement in _placements(Placement.student_id.in_(students), today):
        student, offering = placement.student, placement.offering
        where = f"{offering.title} at {offering.partner.name}"
        whole = _placement_event(placement, "", f"{student.user.full_name}: {where}")
        last = _last_day(placement)
        first = _first_day(placement)
        for part, day, words in (("start", first, "starts"), ("end", last, "ends")):
            events.append(
                ical.CalendarEvent(
                    uid=ical.uid("placement", placement.id, base_url=_base_url(), part=part),
                    summary=f"{student.user.full_name} {words}: {where}",
                    start=day,
                    end=day + timedelta(days=1),
                    description=whole.description,
                    location=whole.location,
                    url=whole.url,
                    cancelled=whole.cancelled,
                    changed_at=whole.changed_at,
                )
            )
    return events


# --- class events ----------------------------------------------------------------------------


def _class_events(condition: ColumnElement[bool], now: datetime) -> list[EventRequest]:
    """Events that had a confirmed date: accepted, or cancelled after (a request cancelled
    or declined before the partner chose a date was never on anyone's calendar)."""
    statement: Select[EventRequest] = (
        select(EventRequest)
        .join(
            EventDateOption,
            and_(EventDateOption.request_id == EventRequest.id, EventDateOption.chosen.is_(True)),
        )
        .where(
            condition,
            EventRequest.status.in_((EventRequestStatus.ACCEPTED, EventRequestStatus.CANCELLED)),
            _still_shown(
                EventRequest.status == EventRequestStatus.CANCELLED, EventDateOption.starts_at, now
            ),
        )
        .options(
            joinedload(EventRequest.partner, innerjoin=True),
            joinedload(EventRequest.school, innerjoin=True),
            joinedload(EventRequest.teacher, innerjoin=True).lazyload(User.roles),
            joinedload(EventRequest.class_section),
            joinedload(EventRequest.options),
        )
        .order_by(EventDateOption.starts_at.desc(), EventRequest.id.desc())
        .limit(MOST_PER_PART)
    )
    return list(db.session.scalars(statement).unique())


def _class_event(
    request: EventRequest, summary: str, lines: list[str], url: str
) -> ical.CalendarEvent:
    option = cast(EventDateOption, request.confirmed_option)  # the query joins the chosen one
    if request.topic:
        lines = [f"Topic: {request.topic}", *lines]
    visit = request.kind is ExperienceKind.WORKPLACE_VISIT
    return ical.CalendarEvent(
        uid=ical.uid("event", request.id, base_url=_base_url()),
        summary=summary,
        start=option.starts_at,
        end=option.starts_at + timedelta(minutes=option.duration_minutes),
        description="\n".join(lines),
        location=_address(request.partner) if visit else request.school.name,
        url=url,
        cancelled=request.status is EventRequestStatus.CANCELLED,
        changed_at=request.decided_at,
    )


def _kind_with(request: EventRequest) -> str:
    return f"{KIND_WORDS[request.kind]}: {request.partner.name}"


def _class_name(request: EventRequest) -> str:
    return request.class_section.name if request.class_section else "your class"


def _student_class_events(student_id: int, now: datetime) -> list[ical.CalendarEvent]:
    classes = (
        select(class_section_student.c.class_section_id)
        .join(ClassSection, ClassSection.id == class_section_student.c.class_section_id)
        .where(class_section_student.c.student_id == student_id, ClassSection.active.is_(True))
    )
    return [
        _class_event(
            request,
            _kind_with(request),
            [f"With {_class_name(request)} ({request.teacher.full_name})."],
            _link("home.dashboard"),
        )
        for request in _class_events(EventRequest.class_section_id.in_(classes), now)
    ]


def _teacher_class_events(user: User, now: datetime) -> list[ical.CalendarEvent]:
    return [
        _class_event(
            request,
            f"{_kind_with(request)} ({_class_name(request)})",
            [f"{_class_name(request)}, {request.class_size} students."],
            _link("events.detail", request_id=request.id),
        )
        for request in _class_events(EventRequest.teacher_id == user.id, now)
    ]


def _partner_class_events(user: User, now: datetime) -> list[ical.CalendarEvent]:
    """Requests to the employer's partners: the school, teacher and class size."""
    return [
        _class_event(
            request,
            f"{KIND_WORDS[request.kind]}: {request.school.name} class",
            [
                f"{request.teacher.full_name}'s class at {request.school.name}, "
                f"{request.class_size} students ({request.partner.name})."
            ],
            _link("events.detail", request_id=request.id),
        )
        for request in _class_events(EventRequest.partner_id.in_(partner_ids_of(user)), now)
    ]


# --- interviews ------------------------------------------------------------------------------


def _interviews(condition: ColumnElement[bool], now: datetime) -> list[Interview]:
    statement: Select[Interview] = (
        select(Interview)
        .where(
            condition,
            _still_shown(Interview.status == InterviewStatus.CANCELLED, Interview.starts_at, now),
        )
        .options(
            joinedload(Interview.panel, innerjoin=True),
            joinedload(Interview.student, innerjoin=True)
            .joinedload(StudentProfile.user, innerjoin=True)
            .lazyload(User.roles),
        )
        .order_by(Interview.starts_at.desc(), Interview.id.desc())
        .limit(MOST_PER_PART)
    )
    return list(db.session.scalars(statement).unique())


def _description(panel: InterviewPanel) -> str:
    where = panel.location or panel.video_url
    return f"Work ready interview. {where}".strip()


def _student_interviews(student_id: int, now: datetime) -> list[ical.CalendarEvent]:
    return [
        ics.interview_event(
            interview,
            summary="Work ready interview",
            description=_description(interview.panel),
            url=_link("certificates.student", student_id=student_id),
        )
        for interview in _interviews(Interview.student_id == student_id, now)
    ]


def _panel_interviews(user: User, now: datetime) -> list[ical.CalendarEvent]:
    """The interviews of the panels ``user`` sits on (the student's name, as the panelist's
    invitation gives it)."""
    panels = select(panel_member.c.panel_id).where(panel_member.c.user_id == user.id)
    return [
        ics.interview_event(
            interview,
            summary=f"Work ready interview: {interview.student.user.full_name}",
            description=_description(interview.panel),
            url=_link("certificates.slot", interview_id=interview.id),
        )
        for interview in _interviews(Interview.panel_id.in_(panels), now)
    ]
