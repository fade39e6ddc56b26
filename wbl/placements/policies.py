"""Who may act on an application: pure predicates over the actor and the application
(the services enforce them; the pages use them to decide which actions to offer)."""

from __future__ import annotations

from wbl.access import Role
from wbl.auth.models import User
from wbl.placements.models import Application
from wbl.placements.queries import EMPLOYER_VISIBLE
from wbl.scopes import acts_for, staff_sees_student, teaches


def staff_sees(user: User, application: Application) -> bool:
    """County staff see every application; district staff their district's students'."""
    return staff_sees_student(user, application.student)


def is_student_of(user: User, application: Application) -> bool:
    return user.has_role(Role.STUDENT) and application.student.user_id == user.id


def is_teacher_of(user: User, application: Application) -> bool:
    """A teacher of the student's school."""
    return teaches(user, application.student)


def is_employer_of(user: User, application: Application) -> bool:
    """A contact of the partner whose offering the application is for."""
    return acts_for(user, application.offering.partner_id)


def sees(user: User, application: Application) -> bool:
    """Who sees an application: the student, their school's teachers, staff in scope, and
    the partner's contacts once a teacher has approved it."""
    return (
        is_student_of(user, application)
        or is_teacher_of(user, application)
        or staff_sees(user, application)
        or (application.status in EMPLOYER_VISIBLE and is_employer_of(user, application))
    )
