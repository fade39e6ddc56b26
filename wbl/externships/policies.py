"""Who may see and do what with an externship: pure predicates over the actor and the
externship or application (the services enforce them; the pages ask them which actions to
offer)."""

from __future__ import annotations

from wbl.auth.models import User
from wbl.externships.models import Externship, ExternshipApplication
from wbl.scopes import acts_for, is_county_wide, is_staff, staff_sees_school


def is_contact_of(user: User, partner_id: int) -> bool:
    return acts_for(user, partner_id)


def can_manage(user: User, externship: Externship) -> bool:
    """Staff, or a contact of the externship's partner."""
    return is_staff(user) or is_contact_of(user, externship.partner_id)


def staff_sees_teacher(user: User, teacher: User) -> bool:
    """County-wide staff see every teacher; a district's staff only the teachers of their
    district's schools (a teacher with no school belongs to no district)."""
    school = teacher.school
    return is_county_wide(user) or (school is not None and staff_sees_school(user, school))


def is_teacher_of(user: User, application: ExternshipApplication) -> bool:
    return application.teacher_id == user.id


def can_decide(user: User, application: ExternshipApplication) -> bool:
    """A contact of the externship's partner, or staff who see the teacher (their district's,
    or county-wide); never the teacher themself."""
    if application.teacher_id == user.id:
        return False
    return is_contact_of(user, application.externship.partner_id) or staff_sees_teacher(
        user, application.teacher
    )
