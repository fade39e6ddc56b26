"""An application from the student's side up to the employer: who may see it, how its status
moves (and the history that records every move), applying, the teacher's approval.

Every state change is a conditional UPDATE on the application's current status (so a double
submit, a second tab or two people deciding at once change it once), is allowed only to the
people the rule names, and is written to the application's history. What happens from the
employer's decision on (seats, consent, placement) is in ``lifecycle``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import has_request_context, url_for
from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.catalog.models import Offering, OfferingStatus, PartnerContact
from wbl.clock import local_today
from wbl.errors import N_, DomainError, NotFound
from wbl.extensions import atomic, db, rows_affected, utcnow
from wbl.notifications.services import queue_email
from wbl.placements import policies
from wbl.placements.models import (
    ACTIVE_STATUSES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
)
from wbl.placements.readiness import missing_prerequisites
from wbl.schools.models import ClassSection, class_section_student
from wbl.students.models import StudentProfile

MIN_STATEMENT = 20
MAX_STATEMENT = 2000


class AlreadyApplied(DomainError):
    message = N_("You have already applied for this opportunity.")


class AlreadyDecided(DomainError):
    message = N_("This application has already moved on; nothing was changed.")


def get_application(actor: User, application_id: int) -> Application:
    """An application the actor may see (the student, their school's teachers, the partner's
    contacts once approved, staff in scope); anything else is not found."""
    application = db.session.scalar(
        select(Application)
        .where(Application.id == application_id)
        .options(
            selectinload(Application.student).selectinload(StudentProfile.user),
            selectinload(Application.student).selectinload(StudentProfile.school),
            selectinload(Application.offering).selectinload(Offering.partner),
            selectinload(Application.events).selectinload(ApplicationEvent.actor),
            selectinload(Application.consent),
            selectinload(Application.placement),
        )
    )
    if application is None:
        raise NotFound()
    if not policies.sees(actor, application):
        raise NotFound()
    return application


# --- history and status moves --------------------------------------------------------------


def move_application(
    application: Application,
    allowed: Iterable[ApplicationStatus],
    to: ApplicationStatus,
    *,
    actor: User | None,
    actor_label: str = "",
    note: str = "",
) -> None:
    """Change the status only if it is still one of ``allowed`` (a conditional UPDATE), and
    write the change to the history. Raises ``AlreadyDecided`` when someone was first."""
    allowed = frozenset(allowed)
    before = application.status
    changed = rows_affected(
        db.session.execute(
            update(Application)
            .where(Application.id == application.id, Application.status.in_(allowed))
            .values(status=to, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    if changed != 1:
        raise AlreadyDecided()
    db.session.expire(application, ["status", "updated_at"])
    db.session.add(
        ApplicationEvent(
            application_id=application.id,
            from_status=before.value,
            to_status=to.value,
            actor_id=actor.id if actor else None,
            actor_label=actor_label or (actor.full_name if actor else ""),
            note=note,
        )
    )


def email_link(endpoint: str, **values: Any) -> str:
    """An absolute link for an e-mail (only inside a request; jobs write plain text)."""
    if not has_request_context():
        return ""
    return url_for(endpoint, _external=True, **values)


def contacts_of(partner_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(PartnerContact, PartnerContact.user_id == User.id)
            .where(PartnerContact.partner_id == partner_id, User.active.is_(True))
            .order_by(PartnerContact.is_primary.desc(), PartnerContact.id)
        )
    )


def teachers_of(student: StudentProfile) -> list[User]:
    """The teachers whose classes the student is in (their school's teachers otherwise see
    the application on their page; we do not e-mail every teacher of a school)."""
    return list(
        db.session.scalars(
            select(User)
            .join(ClassSection, ClassSection.teacher_id == User.id)
            .join(
                class_section_student, class_section_student.c.class_section_id == ClassSection.id
            )
            .where(class_section_student.c.student_id == student.id, User.active.is_(True))
            .distinct()
        )
    )


# --- 1. readiness and 2. apply -------------------------------------------------------------


def _own_profile(actor: User) -> StudentProfile:
    require(actor.has_role(Role.STUDENT))
    profile = db.session.scalar(select(StudentProfile).where(StudentProfile.user_id == actor.id))
    if profile is None:
        raise NotFound(gettext("Your student profile has not been set up yet. Ask your teacher."))
    return profile


def can_apply_problems(profile: StudentProfile, offering: Offering, today: date) -> list[str]:
    """Why the student cannot apply now (empty: they can)."""
    problems: list[str] = []
    if offering.status is not OfferingStatus.PUBLISHED or not offering.partner.active:
        problems.append(gettext("This opportunity is not open for applications."))
        return problems
    if not offering.is_individual:
        problems.append(gettext("Guest speakers and workplace visits are booked by your teacher."))
    if offering.application_deadline and offering.application_deadline < today:
        problems.append(gettext("The application deadline has passed."))
    if offering.end_date and offering.end_date < today:
        problems.append(gettext("This opportunity has ended."))
    if offering.min_grade and profile.grade < offering.min_grade:
        problems.append(
            gettext("This opportunity is for grade %(grade)s and up.", grade=offering.min_grade)
        )
    if (
        offering.minimum_age
        and offering.start_date
        and profile.age_on(offering.start_date) < offering.minimum_age
    ):
        problems.append(gettext("You must be %(age)s by the start date.", age=offering.minimum_age))
    missing = missing_prerequisites(profile.id, offering)
    if missing:
        names = ", ".join(a.name for a in missing)
        problems.append(gettext("Complete these first (ask your teacher): %(names)s.", names=names))
    return problems


@atomic
def apply(actor: User, offering_id: int, statement: str, *, share_resume: bool) -> Application:
    profile = _own_profile(actor)
    offering = db.session.get(Offering, offering_id)
    if (
        offering is None
        or offering.status is not OfferingStatus.PUBLISHED
        or not offering.partner.active
    ):
        raise NotFound()  # not open to students (catalog queries.open_to_students)
    text = statement.strip()
    if len(text) < MIN_STATEMENT:
        raise DomainError(
            gettext(
                "Tell the employer a little more: at least %(least)s characters.",
                least=MIN_STATEMENT,
            ),
            field="statement",
        )
    if len(text) > MAX_STATEMENT:
        raise DomainError(
            gettext("Keep it under %(most)s characters.", most=MAX_STATEMENT), field="statement"
        )
    problems = can_apply_problems(profile, offering, local_today())
    if problems:
        raise DomainError(" ".join(problems))
    application = Application(
        student_id=profile.id,
        offering_id=offering.id,
        statement=text,
        share_resume=share_resume,
        status=ApplicationStatus.SUBMITTED,
    )
    if db.session.scalar(
        select(Application.id).where(
            Application.student_id == profile.id,
            Application.offering_id == offering.id,
            Application.status.in_([s.value for s in ACTIVE_STATUSES]),
        )
    ):
        raise AlreadyApplied()
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:  # a second tab won the race: the unique index said no
        raise AlreadyApplied() from None
    db.session.add(
        ApplicationEvent(
            application_id=application.id,
            to_status=ApplicationStatus.SUBMITTED.value,
            actor_id=actor.id,
            actor_label=actor.full_name,
        )
    )
    link = email_link("placements.application", application_id=application.id)
    for teacher in teachers_of(profile):
        queue_email(
            kind="application_submitted",
            to=teacher.email,
            template="placements/application_submitted",
            context={"actor": actor, "offering": offering, "link": link},
        )
    db.session.commit()
    return application


@atomic
def resubmit(actor: User, application_id: int, statement: str) -> Application:
    """A student revises an application their teacher returned."""
    application = get_application(actor, application_id)
    require(policies.is_student_of(actor, application))
    text = statement.strip()
    if not MIN_STATEMENT <= len(text) <= MAX_STATEMENT:
        raise DomainError(
            gettext(
                "Write between %(least)s and %(most)s characters.",
                least=MIN_STATEMENT,
                most=MAX_STATEMENT,
            ),
            field="statement",
        )
    move_application(
        application, {ApplicationStatus.RETURNED}, ApplicationStatus.SUBMITTED, actor=actor
    )
    application.statement = text
    db.session.commit()
    return application


# --- 3. teacher approval -------------------------------------------------------------------


@atomic
def teacher_decide(actor: User, application_id: int, *, approve: bool, comment: str) -> Application:
    application = get_application(actor, application_id)
    require(policies.is_teacher_of(actor, application) or policies.staff_sees(actor, application))
    comment = comment.strip()
    if not approve and not comment:
        raise DomainError("Tell the student what to change.", field="comment")
    to = ApplicationStatus.APPROVED if approve else ApplicationStatus.RETURNED
    move_application(application, {ApplicationStatus.SUBMITTED}, to, actor=actor, note=comment)
    application.teacher_comment = comment
    offering = application.offering
    student = application.student.user
    if approve:
        link = email_link("placements.application", application_id=application.id)
        for contact in contacts_of(offering.partner_id):
            queue_email(
                kind="application_to_employer",
                to=contact.email,
                template="placements/application_to_employer",
                context={"student": application.student, "offering": offering, "link": link},
            )
    else:
        queue_email(
            kind="application_returned",
            to=student.email,
            template="placements/application_returned",
            context={
                "actor": actor,
                "offering": offering,
                "comment": comment,
                "link": email_link("placements.application", application_id=application.id),
            },
        )
    db.session.commit()
    return application
