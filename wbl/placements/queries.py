"""The placement workflow's lists, each scoped to the person looking.

Every function returns a ``Select`` that loads what its page shows (``selectinload``), so a
page runs the same few queries however many applications it lists. Scope follows the rule
in ``applications.get_application``: a student sees their own; a teacher their school's
students'; a partner's contacts the applications to their partner's offerings once a teacher
has approved them; staff their district's schools (county staff and administrators: all).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import selectinload

from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Offering, PartnerContact
from wbl.extensions import db
from wbl.placements.models import (
    ACTIVE_STATUSES,
    Application,
    ApplicationStatus,
    ConsentStatus,
    GuardianConsent,
    Placement,
    PlacementStatus,
)
from wbl.schools.models import School
from wbl.scopes import in_staff_district, partner_ids_of
from wbl.students.models import StudentProfile
from wbl.students.queries import students_visible_to

# Employers see an application only once a teacher has approved it (policies.sees).
EMPLOYER_VISIBLE = frozenset(ApplicationStatus) - {
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.RETURNED,
}


def _with_people(query: Select[Application]) -> Select[Application]:
    """What a list row shows: the student (name, school), the offering and its partner, the
    guardian consent and the placement."""
    return query.options(
        selectinload(Application.student).selectinload(StudentProfile.user),
        selectinload(Application.student).selectinload(StudentProfile.school),
        selectinload(Application.offering).selectinload(Offering.partner),
        selectinload(Application.consent),
        selectinload(Application.placement),
    )


def own_profile(user: User) -> Select[StudentProfile]:
    return select(StudentProfile).where(StudentProfile.user_id == user.id)


def student_application_for(user: User, offering_id: int) -> Application | None:
    """The student's latest application for an offering (for the offering page's "Apply"
    card). One query, and only for students: nobody else applies."""
    if not user.has_role(Role.STUDENT):
        return None
    return db.session.scalar(
        select(Application)
        .join(StudentProfile, StudentProfile.id == Application.student_id)
        .where(StudentProfile.user_id == user.id, Application.offering_id == offering_id)
        .order_by(Application.id.desc())
        .limit(1)
    )


@dataclass(frozen=True, slots=True)
class Taken:
    """What a student already has, for their recommendations: the offerings not to suggest
    again, and the experience types (codes) they have done."""

    offering_ids: frozenset[int]
    kinds_done: frozenset[str]


def taken_by(student_id: int) -> Taken:
    """The offerings the student has an application under way for (placed included) or a
    completed placement of (its application may have been withdrawn since), in one query."""
    rows = db.session.execute(
        select(Offering.id, Offering.kind, Placement.status)
        .join(Application, Application.offering_id == Offering.id)
        .outerjoin(Placement, Placement.application_id == Application.id)
        .where(
            Application.student_id == student_id,
            or_(
                Application.status.in_([s.value for s in ACTIVE_STATUSES]),
                Placement.status == PlacementStatus.COMPLETED,
            ),
        )
    ).all()
    return Taken(
        offering_ids=frozenset(offering_id for offering_id, _, _ in rows),
        kinds_done=frozenset(
            kind.value for _, kind, status in rows if status is PlacementStatus.COMPLETED
        ),
    )


def active_application_id(user: User, offering_id: int) -> Select[int]:
    return (
        select(Application.id)
        .join(StudentProfile, StudentProfile.id == Application.student_id)
        .where(
            StudentProfile.user_id == user.id,
            Application.offering_id == offering_id,
            Application.status.in_([s.value for s in ACTIVE_STATUSES]),
        )
    )


def applications_of_student(user: User) -> Select[Application]:
    return _with_people(
        select(Application)
        .join(StudentProfile, StudentProfile.id == Application.student_id)
        .where(StudentProfile.user_id == user.id)
        .order_by(Application.updated_at.desc(), Application.id.desc())
    )


def _of_school(user: User) -> Select[Application]:
    return (
        select(Application)
        .join(StudentProfile, StudentProfile.id == Application.student_id)
        .where(StudentProfile.school_id == (user.school_id or -1))
    )


def teacher_to_approve(user: User) -> Select[Application]:
    """Submitted applications of the teacher's school's students, oldest first."""
    return _with_people(
        _of_school(user)
        .where(Application.status == ApplicationStatus.SUBMITTED)
        .order_by(Application.updated_at, Application.id)
    )


def teacher_recent(user: User, limit: int = 25) -> Select[Application]:
    """The school's other applications, most recently changed first."""
    return _with_people(
        _of_school(user)
        .where(Application.status != ApplicationStatus.SUBMITTED)
        .order_by(Application.updated_at.desc(), Application.id.desc())
        .limit(limit)
    )


def employer_applications(user: User) -> Select[Application]:
    """Applications to the employer's partners' offerings, once a teacher approved them."""
    return _with_people(
        select(Application)
        .join(Offering, Offering.id == Application.offering_id)
        .where(
            Offering.partner_id.in_(partner_ids_of(user)),
            Application.status.in_([s.value for s in EMPLOYER_VISIBLE]),
        )
        .order_by(Offering.start_date, Offering.id, Application.updated_at.desc())
    )


def _staff_scope(user: User, query: Select[Application]) -> Select[Application]:
    if user.is_county_wide:
        return query
    return (
        query.join(StudentProfile, StudentProfile.id == Application.student_id)
        .join(School, School.id == StudentProfile.school_id)
        .where(in_staff_district(user, School.district_id))
    )


def staff_applications(user: User, status: ApplicationStatus | None = None) -> Select[Application]:
    query = select(Application)
    if status is not None:
        query = query.where(Application.status == status)
    query = query.order_by(Application.updated_at.desc(), Application.id.desc())
    return _with_people(_staff_scope(user, query))


def staff_waiting_for_consent(user: User) -> Select[Application]:
    """Accepted minors whose guardian has not answered, the nearest deadline first (staff
    chase these, or record a signed paper form)."""
    query = (
        select(Application)
        .join(GuardianConsent, GuardianConsent.application_id == Application.id)
        .where(
            Application.status == ApplicationStatus.ACCEPTED,
            GuardianConsent.status == ConsentStatus.PENDING,
        )
        .order_by(GuardianConsent.due_at, Application.id)
    )
    return _with_people(_staff_scope(user, query))


def consent_page(application_id: int) -> Select[Application]:
    """What the guardian's page shows: the student's name, the offering and its partner."""
    return (
        select(Application)
        .where(Application.id == application_id)
        .options(
            selectinload(Application.student).selectinload(StudentProfile.user),
            selectinload(Application.offering).selectinload(Offering.partner),
        )
    )


def supervisor_of(partner_id: int) -> Select[PartnerContact]:
    """The partner's primary contact (the placement's supervisor), else its first."""
    return (
        select(PartnerContact)
        .where(PartnerContact.partner_id == partner_id)
        .order_by(PartnerContact.is_primary.desc(), PartnerContact.id)
        .limit(1)
        .options(selectinload(PartnerContact.user))
    )


def placements_visible_to(actor: User) -> Select[Placement]:
    """Every placement ``actor`` sees, as the policies say one at a time (``policies``:
    the student, teachers of the student's school, staff in scope, and the supervising
    partner's employers), for the API's lists: student, offering and partner loaded."""
    seen: ColumnElement[bool] = Placement.student_id.in_(
        students_visible_to(actor).with_only_columns(StudentProfile.id)
    )
    if actor.has_role(Role.EMPLOYER):
        hosted = select(Offering.id).where(Offering.partner_id.in_(partner_ids_of(actor)))
        seen = or_(seen, Placement.offering_id.in_(hosted))
    return (
        select(Placement)
        .where(seen)
        .options(
            selectinload(Placement.student).selectinload(StudentProfile.user),
            selectinload(Placement.offering).selectinload(Offering.partner),
        )
    )
