"""Who may act on an application or a placement: pure predicates over the actor and the
application or the placement it became (the same student at the same offering), which the
services enforce and the pages ask to decide which actions to offer. Hours and evaluations
ask these too: a placement's people are defined here once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from wbl.access import Role
from wbl.auth.models import User
from wbl.placements.models import Application, Placement
from wbl.placements.queries import EMPLOYER_VISIBLE
from wbl.scopes import acts_for, partner_id_set, staff_sees_student, teaches

# An application, or the placement it became: both name the student and the offering.
Engagement = Application | Placement


def staff_sees(user: User, application: Engagement) -> bool:
    """County staff see every application; district staff their district's students'."""
    return staff_sees_student(user, application.student)


def is_student_of(user: User, application: Engagement) -> bool:
    return user.has_role(Role.STUDENT) and application.student.user_id == user.id


def is_teacher_of(user: User, application: Engagement) -> bool:
    """A teacher of the student's school."""
    return teaches(user, application.student)


def is_employer_of(user: User, application: Engagement) -> bool:
    """A contact of the partner whose offering it is: the employer who decides an
    application, the supervisor of a placement."""
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


def may_end(user: User, placement: Placement) -> bool:
    """The placement's supervisor (a contact of its partner) or staff who see it."""
    return is_employer_of(user, placement) or staff_sees(user, placement)


def endable_now(user: User, placements: Iterable[Placement], today: date) -> frozenset[int]:
    """Of a list's ``placements``, the ids of those ``user`` may end today: under way (see
    ``Placement.under_way``) and theirs to end as in ``may_end``, the partners they are a
    contact of asked once for the whole list."""
    live = [p for p in placements if p.under_way(today)]
    if not live:
        return frozenset()
    supervised = partner_id_set(user) if user.has_role(Role.EMPLOYER) else frozenset()
    return frozenset(
        p.id for p in live if p.offering.partner_id in supervised or staff_sees(user, p)
    )
