"""The incident lists, scoped as ``policies.reads_in_full`` is: staff their district's
students' incidents (all for county staff), a teacher their classes' students'."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, false, func, or_, select
from sqlalchemy.orm import selectinload

from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.incidents.models import Incident, IncidentStatus
from wbl.placements.models import Placement
from wbl.schools.models import ClassSection, School, class_section_student
from wbl.scopes import in_staff_district
from wbl.students.models import StudentProfile

# Open first, then those being followed up, then the closed ones.
_STATUS_ORDER = case(
    (Incident.status == IncidentStatus.OPEN, 0),
    (Incident.status == IncidentStatus.FOLLOWED_UP, 1),
    else_=2,
)


def _teaches_student(user: User) -> ColumnElement[bool]:
    if not user.has_role(Role.TEACHER):
        return false()
    return exists().where(
        ClassSection.teacher_id == user.id,
        class_section_student.c.class_section_id == ClassSection.id,
        class_section_student.c.student_id == Placement.student_id,
    )


def _in_scope(actor: User) -> ColumnElement[bool]:
    return or_(in_staff_district(actor, School.district_id), _teaches_student(actor))


def _scoped(select_: Select[Any], actor: User) -> Select[Any]:
    return (
        select_.join(Placement, Placement.id == Incident.placement_id)
        .join(StudentProfile, StudentProfile.id == Placement.student_id)
        .join(School, School.id == StudentProfile.school_id)
        .where(_in_scope(actor))
    )


def visible_to(actor: User, *, status: IncidentStatus | None = None) -> Select[Incident]:
    """The incidents ``actor`` reads in full, open first, newest first within a status, with
    the student, the offering and its partner loaded for the list."""
    query = _scoped(select(Incident), actor)
    if status is not None:
        query = query.where(Incident.status == status)
    return query.options(
        selectinload(Incident.placement)
        .selectinload(Placement.student)
        .selectinload(StudentProfile.user),
        selectinload(Incident.placement)
        .selectinload(Placement.offering)
        .selectinload(Offering.partner),
    ).order_by(_STATUS_ORDER, Incident.created_at.desc(), Incident.id.desc())


def open_count(actor: User) -> Select[int]:
    """How many incidents in ``actor``'s scope are not closed yet (the staff home's badge)."""
    return _scoped(select(func.count(Incident.id)), actor).where(
        Incident.status != IncidentStatus.CLOSED
    )


def reported_by(actor: User, placement_id: int) -> Select[Incident]:
    """The reports ``actor`` made on a placement (the placement page lists them with their
    status)."""
    return (
        select(Incident)
        .where(and_(Incident.placement_id == placement_id, Incident.reporter_id == actor.id))
        .order_by(Incident.created_at.desc(), Incident.id.desc())
    )
