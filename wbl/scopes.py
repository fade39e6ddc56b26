"""The few facts every access rule is built from, each defined once.

A route's ``@policy(...)`` (``wbl.access``) says which roles may call it; these functions
say *whose records* a signed-in user may reach, as DESIGN.md's "scoping is by data" puts it:
county staff and administrators see every district, a district's staff their district, a
teacher their school's students, an employer the partners they are a contact of. Each
feature's ``policies.py`` (or its services, where it has no policy module) builds its
``can_*`` predicates on these and on ``User.has_role``; nobody works a scope out again in
place. ``tests/wbl/test_scopes.py`` checks each fact for every role.

Queries ask the same facts in SQL: ``in_staff_district(user, School.district_id)`` is the
condition that keeps a query to the rows ``user`` sees as staff (true for county-wide staff,
the district's rows for a district's staff, none for anyone else), so that a list and the
predicate on one of its rows cannot disagree.

The partners an employer speaks for come in one form, a ``Select`` of partner ids, to put in
queries (``Offering.partner_id.in_(partner_ids_of(user))``); ``speaks_for`` asks about one
partner, ``acts_for`` whether an employer's account acts for it (the check every "a contact
of the partner may ..." rule makes), and ``partner_id_set`` loads the ids for pure
predicates that are handed a set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, exists, false, select, true

from wbl.access import Role
from wbl.catalog.models import PartnerContact
from wbl.extensions import db

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.schools.models import School
    from wbl.students.models import StudentProfile


def is_staff(user: User) -> bool:
    """CTE staff, of the county office or of a district. Administrators may do whatever CTE
    staff may do (``wbl.access.user_has_any_role``), so they count as staff."""
    return user.has_role(Role.STAFF) or user.has_role(Role.ADMIN)


def is_county_wide(user: User) -> bool:
    """County-wide staff: administrators, and CTE staff of the county office (an account
    with no district). They see and keep every district's records and the county's shared
    lists (the catalog, reference data, rosters, jobs)."""
    return user.has_role(Role.ADMIN) or (user.has_role(Role.STAFF) and user.district_id is None)


def can_run_jobs(user: User) -> bool:
    """County-wide staff and administrators: every job works on the whole county (all
    districts' postings, placements, hours and e-mail), so a district's staff may watch the
    jobs but not start one."""
    return is_county_wide(user)


def district_of(user: User) -> int | None:
    """The district an account belongs to: a district's staff keep its records. None for
    the county office (and for accounts that belong to no district)."""
    return user.district_id


def school_of(user: User) -> int | None:
    """The school an account belongs to: a teacher sees its students. None when the
    account belongs to no school."""
    return user.school_id


def staff_sees_district(user: User, district_id: int) -> bool:
    """Whether ``user`` is staff who see a district's records: county-wide staff see every
    district's, a district's staff their own."""
    return is_staff(user) and (is_county_wide(user) or district_id == district_of(user))


def staff_sees_school(user: User, school: School) -> bool:
    """Whether ``user`` is staff who see the records of ``school`` (through its district)."""
    return staff_sees_district(user, school.district_id)


def staff_sees_student(user: User, student: StudentProfile) -> bool:
    """Whether ``user`` is staff who see ``student``'s records (through the student's school)."""
    return staff_sees_school(user, student.school)


def in_staff_district(user: User, column: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """``staff_sees_district`` as a SQL condition on a district id column
    (``School.district_id``, ``District.id``): every row for county-wide staff, their
    district's rows for a district's staff, no row for anyone else."""
    if is_county_wide(user):
        return true()
    district_id = district_of(user)
    if is_staff(user) and district_id is not None:
        return column == district_id
    return false()


def teaches_at(user: User, school_id: int) -> bool:
    """Whether ``user`` is a teacher at the school ``school_id``."""
    return user.has_role(Role.TEACHER) and school_of(user) == school_id


def teaches(user: User, student: StudentProfile) -> bool:
    """Whether ``user`` teaches ``student``: a teacher of the student's school (the district's
    rosters do not say which class, so a school's teachers share its students)."""
    return teaches_at(user, student.school_id)


def partner_ids_of(user: User | int) -> Select[int]:
    """The partners ``user`` speaks for (is a contact of), as a subquery for ``.in_(...)``.
    Only employers are contacts; callers that act for an employer check the role too. A
    signed link carries only the account's id, so the id will do."""
    user_id = user if isinstance(user, int) else user.id
    return select(PartnerContact.partner_id).where(PartnerContact.user_id == user_id)


def speaks_for(user: User, partner_id: int) -> bool:
    """Whether ``user`` is a contact of the partner ``partner_id`` (one query)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    PartnerContact.user_id == user.id, PartnerContact.partner_id == partner_id
                )
            )
        )
    )


def acts_for(user: User, partner_id: int) -> bool:
    """Whether ``user`` acts for the partner ``partner_id`` as its employer: an employer's
    account that is one of its contacts. This is what lets an account see the partner's
    applicants, supervise its placements and propose its offerings; a contact whose account
    is not (or no longer) an employer's acts for no one."""
    return user.has_role(Role.EMPLOYER) and speaks_for(user, partner_id)


def partner_id_set(user: User) -> frozenset[int]:
    """``partner_ids_of`` loaded: for a page that asks about many partners at once, or a
    pure predicate that is handed the set."""
    return frozenset(db.session.scalars(partner_ids_of(user)))
