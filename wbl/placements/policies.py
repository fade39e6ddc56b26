"""Who may act on an application: pure predicates over the actor and the application
(the services enforce them; the pages use them to decide which actions to offer)."""

from __future__ import annotations

from wbl.access import Role
from wbl.auth.models import User
from wbl.placements.models import Application
from wbl.scopes import speaks_for, staff_sees_student, teaches


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
    return user.has_role(Role.EMPLOYER) and speaks_for(user, application.offering.partner_id)
