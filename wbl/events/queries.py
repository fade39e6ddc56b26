"""Which class-event requests an actor may see, and the lists the pages and home cards show.

Teachers see their own requests; employers those made to a partner they are a contact of;
county staff all, district staff their district's schools'. Each returns a ``Select``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Partner, PartnerContact
from wbl.events.models import EventDateOption, EventRequest, EventRequestStatus
from wbl.schools.models import ClassSection, School, class_section_student
from wbl.scopes import in_staff_district, is_staff, partner_ids_of


def contact_emails(partner_id: int) -> Select[str]:
    """Where a request to the partner goes: its contacts' active accounts."""
    return (
        select(User.email)
        .join(PartnerContact, PartnerContact.user_id == User.id)
        .where(PartnerContact.partner_id == partner_id, User.active.is_(True))
        .order_by(PartnerContact.is_primary.desc(), User.email)
    )


def _with_details(query: Select[EventRequest]) -> Select[EventRequest]:
    return query.options(
        selectinload(EventRequest.partner),
        selectinload(EventRequest.offering),
        selectinload(EventRequest.class_section),
        selectinload(EventRequest.options),
        selectinload(EventRequest.teacher),
        selectinload(EventRequest.school),
    )


def requests_visible_to(actor: User) -> Select[EventRequest]:
    query = select(EventRequest)
    if actor.is_county_wide:
        return query
    scopes: list[ColumnElement[bool]] = []
    if is_staff(actor):
        district_schools = select(School.id).where(in_staff_district(actor, School.district_id))
        scopes.append(EventRequest.school_id.in_(district_schools))
    if actor.has_role(Role.TEACHER):
        scopes.append(EventRequest.teacher_id == actor.id)
    if actor.has_role(Role.EMPLOYER):
        scopes.append(EventRequest.partner_id.in_(partner_ids_of(actor)))
    return query.where(or_(*scopes) if scopes else false())


def request_list(actor: User) -> Select[EventRequest]:
    """Pending first (what needs an answer), then newest first."""
    pending_first = case((EventRequest.status == EventRequestStatus.PENDING, 0), else_=1)
    return _with_details(requests_visible_to(actor)).order_by(
        pending_first, EventRequest.created_at.desc(), EventRequest.id.desc()
    )


def request_detail(actor: User, request_id: int) -> Select[EventRequest]:
    return _with_details(requests_visible_to(actor).where(EventRequest.id == request_id))


def request_for_contact(actor: User, request_id: int) -> Select[EventRequest]:
    """A request the actor may decide: one made to a partner they are a contact of."""
    return _with_details(
        select(EventRequest).where(
            EventRequest.id == request_id,
            EventRequest.partner_id.in_(partner_ids_of(actor)),
        )
    )


def _upcoming(now: datetime) -> Select[EventRequest]:
    """Confirmed events whose chosen date is still ahead, soonest first."""
    return (
        select(EventRequest)
        .join(
            EventDateOption,
            (EventDateOption.request_id == EventRequest.id) & EventDateOption.chosen.is_(True),
        )
        .where(EventRequest.status == EventRequestStatus.ACCEPTED, EventDateOption.starts_at >= now)
        .options(
            # Many-to-one: joined into the same statement (a home page's card; 3 fewer queries).
            joinedload(EventRequest.partner),
            joinedload(EventRequest.offering),
            joinedload(EventRequest.class_section),
            selectinload(EventRequest.options),
        )
        .order_by(EventDateOption.starts_at, EventRequest.id)
    )


def upcoming_for_teacher(actor: User, now: datetime) -> Select[EventRequest]:
    return _upcoming(now).where(EventRequest.teacher_id == actor.id)


def upcoming_for_student(student_id: int, now: datetime) -> Select[EventRequest]:
    """Confirmed events of the active classes the student is in."""
    classes = (
        select(class_section_student.c.class_section_id)
        .join(ClassSection, ClassSection.id == class_section_student.c.class_section_id)
        .where(class_section_student.c.student_id == student_id, ClassSection.active.is_(True))
    )
    return _upcoming(now).where(EventRequest.class_section_id.in_(classes))


def pending_count_for_contact(actor: User) -> Select[int]:
    return select(func.count(EventRequest.id)).where(
        EventRequest.status == EventRequestStatus.PENDING,
        EventRequest.partner_id.in_(partner_ids_of(actor)),
    )


def active_partners() -> Select[Partner]:
    """Partners a teacher may ask for a class event."""
    return select(Partner).where(Partner.active.is_(True)).order_by(Partner.name, Partner.id)
