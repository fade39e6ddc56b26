"""Who may act on an application: pure predicates over the actor and the application
(the services enforce them; the pages use them to decide which actions to offer)."""

from __future__ import annotations

from sqlalchemy import select

from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import PartnerContact
from wbl.extensions import db
from wbl.placements.models import Application


def is_staff(user: User) -> bool:
    return user.has_role(Role.STAFF) or user.has_role(Role.ADMIN)


def staff_sees(user: User, application: Application) -> bool:
    """County staff see every application; district staff their district's students'."""
    if not is_staff(user):
        return False
    return user.is_county_wide or application.student.school.district_id == user.district_id


def is_student_of(user: User, application: Application) -> bool:
    return user.has_role(Role.STUDENT) and application.student.user_id == user.id


def is_teacher_of(user: User, application: Application) -> bool:
    """A teacher of the student's school."""
    return (
        user.has_role(Role.TEACHER)
        and user.school_id is not None
        and user.school_id == application.student.school_id
    )


def is_employer_of(user: User, application: Application) -> bool:
    """A contact of the partner whose offering the application is for."""
    if not user.has_role(Role.EMPLOYER):
        return False
    return (
        db.session.scalar(
            select(PartnerContact.id).where(
                PartnerContact.user_id == user.id,
                PartnerContact.partner_id == application.offering.partner_id,
            )
        )
        is not None
    )
