"""The placement workflow's use cases: apply, teacher approval, employer decision, guardian
consent, placement, withdrawal and cancellation, and the waitlist.

Every state change is a conditional UPDATE on the application's current status (so a double
submit, a second tab or two people deciding at once change it once), is allowed only to the
people the rule names, and is written to the application's history.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, has_request_context, url_for
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.catalog.models import Offering, OfferingStatus, PartnerContact
from wbl.clock import local_today
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, rows_affected, utcnow
from wbl.notifications.services import queue_email
from wbl.placements import policies, seats, training
from wbl.placements.consent import UsedLink, clean_scan, consent_link
from wbl.placements.models import (
    ACTIVE_STATUSES,
    SEAT_HOLDING,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ConsentMethod,
    ConsentStatus,
    GuardianConsent,
    Placement,
    PlacementStatus,
)
from wbl.placements.readiness import missing_prerequisites
from wbl.schools.models import ClassSection, class_section_student
from wbl.storage import storage
from wbl.students.models import StudentProfile

MIN_STATEMENT = 20
MAX_STATEMENT = 2000


class NoSeatsLeft(DomainError):
    message = "No seats left: the application is on the waitlist and gets the next free seat."


class AlreadyApplied(DomainError):
    message = "You have already applied for this opportunity."


class AlreadyDecided(DomainError):
    message = "This application has already moved on; nothing was changed."


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


def _move(
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


def _link(endpoint: str, **values: Any) -> str:
    """An absolute link for an e-mail (only inside a request; jobs write plain text)."""
    if not has_request_context():
        return ""
    return url_for(endpoint, _external=True, **values)


def _contacts_of(partner_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(PartnerContact, PartnerContact.user_id == User.id)
            .where(PartnerContact.partner_id == partner_id, User.active.is_(True))
            .order_by(PartnerContact.is_primary.desc(), PartnerContact.id)
        )
    )


def _teachers_of(student: StudentProfile) -> list[User]:
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
        raise NotFound("Your student profile has not been set up yet. Ask your teacher.")
    return profile


def can_apply_problems(profile: StudentProfile, offering: Offering, today: date) -> list[str]:
    """Why the student cannot apply now (empty: they can)."""
    problems: list[str] = []
    if offering.status is not OfferingStatus.PUBLISHED or not offering.partner.active:
        problems.append("This opportunity is not open for applications.")
        return problems
    if not offering.is_individual:
        problems.append("Guest speakers and workplace visits are booked by your teacher.")
    if offering.application_deadline and offering.application_deadline < today:
        problems.append("The application deadline has passed.")
    if offering.end_date and offering.end_date < today:
        problems.append("This opportunity has ended.")
    if offering.min_grade and profile.grade < offering.min_grade:
        problems.append(f"This opportunity is for grade {offering.min_grade} and up.")
    if (
        offering.minimum_age
        and offering.start_date
        and profile.age_on(offering.start_date) < offering.minimum_age
    ):
        problems.append(f"You must be {offering.minimum_age} by the start date.")
    missing = missing_prerequisites(profile.id, offering)
    if missing:
        names = ", ".join(a.name for a in missing)
        problems.append(f"Complete these first (ask your teacher): {names}.")
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
            f"Tell the employer a little more: at least {MIN_STATEMENT} characters.",
            field="statement",
        )
    if len(text) > MAX_STATEMENT:
        raise DomainError(f"Keep it under {MAX_STATEMENT} characters.", field="statement")
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
    link = _link("placements.application", application_id=application.id)
    for teacher in _teachers_of(profile):
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
            f"Write between {MIN_STATEMENT} and {MAX_STATEMENT} characters.", field="statement"
        )
    _move(application, {ApplicationStatus.RETURNED}, ApplicationStatus.SUBMITTED, actor=actor)
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
    _move(application, {ApplicationStatus.SUBMITTED}, to, actor=actor, note=comment)
    application.teacher_comment = comment
    offering = application.offering
    student = application.student.user
    if approve:
        link = _link("placements.application", application_id=application.id)
        for contact in _contacts_of(offering.partner_id):
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
                "link": _link("placements.application", application_id=application.id),
            },
        )
    db.session.commit()
    return application


# --- 4. employer decision and seats --------------------------------------------------------


class Outcome(enum.StrEnum):
    PLACED = "placed"  # an adult: placed at once
    AWAITING_CONSENT = "awaiting_consent"  # a minor: the guardian has been asked
    WAITLISTED = "waitlisted"  # no seat left
    DECLINED = "declined"


@atomic
def employer_decide(
    actor: User, application_id: int, *, accept: bool, message: str = ""
) -> Outcome:
    """Accept (which takes a seat) or decline. With no seat left the application goes on the
    waitlist and gets the next seat that frees up."""
    application = get_application(actor, application_id)
    require(policies.is_employer_of(actor, application) or policies.staff_sees(actor, application))
    message = message.strip()
    student = application.student.user
    offering = application.offering
    if not accept:
        _move(
            application,
            {ApplicationStatus.APPROVED, ApplicationStatus.WAITLISTED},
            ApplicationStatus.DECLINED,
            actor=actor,
            note=message,
        )
        application.employer_message = message
        queue_email(
            kind="application_declined",
            to=student.email,
            template="placements/application_declined",
            context={"offering": offering, "message": message},
        )
        db.session.commit()
        return Outcome.DECLINED
    _move(
        application,
        {ApplicationStatus.APPROVED},
        ApplicationStatus.ACCEPTED,
        actor=actor,
        note=message,
    )
    application.employer_message = message
    if not seats.take_seat(offering.id):
        _to_waitlist(application, actor)
        db.session.commit()
        return Outcome.WAITLISTED
    outcome = _after_seat_taken(application)
    db.session.commit()
    return outcome


def _to_waitlist(application: Application, actor: User | None) -> None:
    application.waitlisted_at = utcnow()
    _move(
        application,
        {ApplicationStatus.ACCEPTED},
        ApplicationStatus.WAITLISTED,
        actor=actor,
        note="No seats left.",
    )
    queue_email(
        kind="application_waitlisted",
        to=application.student.user.email,
        template="placements/application_waitlisted",
        context={"offering": application.offering},
    )


def _is_minor(application: Application) -> bool:
    start = application.offering.start_date or local_today()
    return application.student.age_on(start) < 18


def _after_seat_taken(application: Application) -> Outcome:
    """A seat is held: a minor's guardian is asked; an adult is placed at once."""
    if _is_minor(application):
        _ask_guardian(application)
        return Outcome.AWAITING_CONSENT
    _place(application, actor=None, actor_label="adult student: no consent needed")
    return Outcome.PLACED


# --- 5. guardian consent -------------------------------------------------------------------


CONSENT_PURPOSE = "consent"


def _ask_guardian(application: Application) -> GuardianConsent:
    student = application.student
    now = utcnow()
    consent = application.consent or GuardianConsent(application=application)
    consent.guardian_name = student.guardian_name
    consent.guardian_email = student.guardian_email
    consent.status = ConsentStatus.PENDING
    consent.nonce = secrets.token_hex(16)
    consent.sent_at = now
    consent.due_at = now + timedelta(days=current_app.config["CONSENT_DAYS"])
    db.session.add(consent)
    db.session.flush()
    offering = application.offering
    if not student.guardian_email:
        return consent  # staff see it in the list and record paper consent
    queue_email(
        kind="guardian_consent",
        to=student.guardian_email,
        template="placements/guardian_consent",
        context={
            "student": student,
            "offering": offering,
            "days": current_app.config["CONSENT_DAYS"],
            "link": consent_link(consent),
        },
    )
    return consent


def signature(typed_name: str, *, give: bool) -> str:
    """The guardian's typed name, spaces collapsed. It signs a consent (at least three
    characters); a refusal may leave it blank."""
    typed = " ".join(typed_name.split())
    if give and len(typed) < 3:
        raise DomainError("Type your full name to sign.", field="typed_name")
    return typed


@atomic
def answer_consent(
    consent_id: int, nonce: str, *, give: bool, typed_name: str, ip_address: str
) -> Application:
    """The guardian's answer from the link. The nonce is cleared, so the link works once."""
    consent = db.session.get(GuardianConsent, consent_id)
    if consent is None:
        raise NotFound()
    typed = signature(typed_name, give=give)
    used = rows_affected(
        db.session.execute(
            update(GuardianConsent)
            .where(
                GuardianConsent.id == consent.id,
                GuardianConsent.nonce == nonce,
                GuardianConsent.status == ConsentStatus.PENDING,
            )
            .values(
                nonce=None,
                status=ConsentStatus.GIVEN if give else ConsentStatus.REFUSED,
                method=ConsentMethod.LINK,
                typed_name=typed,
                answered_at=utcnow(),
                ip_address=ip_address[:64],
            )
            .execution_options(synchronize_session=False)
        )
    )
    if used != 1:
        raise UsedLink()
    db.session.expire(consent)
    application = consent.application
    label = f"guardian {typed or consent.guardian_name}".strip()
    if give:
        _place(application, actor=None, actor_label=label)
    else:
        _move(
            application,
            {ApplicationStatus.ACCEPTED},
            ApplicationStatus.CONSENT_REFUSED,
            actor=None,
            actor_label=label,
        )
        _free_seat_and_promote(application.offering_id)
        queue_email(
            kind="consent_refused",
            to=application.student.user.email,
            template="placements/consent_refused",
            context={"offering": application.offering},
        )
    db.session.commit()
    return application


@atomic
def record_paper_consent(
    actor: User, application_id: int, *, guardian_name: str, give: bool, scan: bytes
) -> Application:
    """Staff record a signed paper form; the scan is kept through the storage service."""

    application = get_application(actor, application_id)
    require(policies.staff_sees(actor, application))
    if application.status is not ApplicationStatus.ACCEPTED or application.consent is None:
        raise DomainError("This application is not waiting for consent.")
    name = " ".join(guardian_name.split())
    if len(name) < 3:
        raise DomainError("Enter the guardian's name as signed.", field="guardian_name")
    scan_file = clean_scan(scan)
    consent = application.consent
    key = storage().save(scan_file.data, folder="consents", extension=scan_file.extension)
    used = rows_affected(
        db.session.execute(
            update(GuardianConsent)
            .where(
                GuardianConsent.id == consent.id, GuardianConsent.status == ConsentStatus.PENDING
            )
            .values(
                nonce=None,
                status=ConsentStatus.GIVEN if give else ConsentStatus.REFUSED,
                method=ConsentMethod.PAPER,
                typed_name=name,
                answered_at=utcnow(),
                scan_key=key,
                recorded_by_id=actor.id,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if used != 1:
        storage().delete(key)
        raise DomainError("The guardian has already answered.")
    db.session.expire(consent)
    if give:
        _place(application, actor=actor, note="paper consent recorded")
    else:
        _move(
            application,
            {ApplicationStatus.ACCEPTED},
            ApplicationStatus.CONSENT_REFUSED,
            actor=actor,
            note="paper form: consent refused",
        )
        _free_seat_and_promote(application.offering_id)
    db.session.commit()
    return application


@atomic
def expire_overdue_consents(now: datetime) -> int:
    """Consents not answered in time release the seat (for the scheduler; idempotent: an
    expired consent is no longer pending, so a second run finds nothing)."""
    overdue = db.session.scalars(
        select(GuardianConsent).where(
            GuardianConsent.status == ConsentStatus.PENDING, GuardianConsent.due_at < now
        )
    ).all()
    expired = 0
    for consent in overdue:
        done = rows_affected(
            db.session.execute(
                update(GuardianConsent)
                .where(
                    GuardianConsent.id == consent.id,
                    GuardianConsent.status == ConsentStatus.PENDING,
                )
                .values(status=ConsentStatus.EXPIRED, nonce=None)
                .execution_options(synchronize_session=False)
            )
        )
        if done != 1:
            continue
        application = consent.application
        _move(
            application,
            {ApplicationStatus.ACCEPTED},
            ApplicationStatus.CONSENT_EXPIRED,
            actor=None,
            actor_label="no answer in time",
        )
        _free_seat_and_promote(application.offering_id)
        expired += 1
    db.session.commit()
    return expired


# --- 6. placement --------------------------------------------------------------------------


def _supervisor_of(partner_id: int) -> PartnerContact | None:
    return db.session.scalar(
        select(PartnerContact)
        .where(PartnerContact.partner_id == partner_id)
        .order_by(PartnerContact.is_primary.desc(), PartnerContact.id)
        .limit(1)
    )


def _place(
    application: Application, *, actor: User | None, actor_label: str = "", note: str = ""
) -> Placement:
    _move(
        application,
        {ApplicationStatus.ACCEPTED},
        ApplicationStatus.PLACED,
        actor=actor,
        actor_label=actor_label,
        note=note,
    )
    offering = application.offering
    supervisor = _supervisor_of(offering.partner_id)
    placement = Placement(
        application_id=application.id,
        student_id=application.student_id,
        offering_id=offering.id,
        supervisor=supervisor,
        start_date=offering.start_date,
        end_date=offering.end_date,
        expected_hours=offering.expected_hours,
    )
    db.session.add(placement)
    db.session.flush()
    training.start_agreement(placement)
    _announce_placement(application, supervisor)
    return placement


def _announce_placement(application: Application, supervisor: PartnerContact | None) -> None:
    offering, student = application.offering, application.student
    link = _link("placements.application", application_id=application.id)
    recipients = {student.user.email: "placement_student"}
    for teacher in _teachers_of(student):
        recipients.setdefault(teacher.email, "placement_teacher")
    for contact in _contacts_of(offering.partner_id):
        recipients.setdefault(contact.email, "placement_employer")
    program = current_app.config["PROGRAM_EMAIL"]
    if program:
        recipients.setdefault(program, "placement_staff")
    for email, kind in recipients.items():
        queue_email(
            kind=kind,
            to=email,
            template="placements/placed",
            context={
                "kind": kind,
                "student": student,
                "offering": offering,
                "supervisor": supervisor,
                "link": link,
            },
        )


# --- withdrawal, cancellation and the waitlist ---------------------------------------------


@atomic
def withdraw(actor: User, application_id: int) -> Application:
    application = get_application(actor, application_id)
    require(policies.is_student_of(actor, application))
    _end(application, ApplicationStatus.WITHDRAWN, actor=actor, note="withdrawn by the student")
    db.session.commit()
    return application


@atomic
def cancel(actor: User, application_id: int, reason: str) -> Application:
    application = get_application(actor, application_id)
    require(policies.staff_sees(actor, application))
    reason = reason.strip()
    if not reason:
        raise DomainError("Give a reason for the cancellation.", field="reason")
    _end(application, ApplicationStatus.CANCELLED, actor=actor, note=reason)
    queue_email(
        kind="application_cancelled",
        to=application.student.user.email,
        template="placements/application_cancelled",
        context={"actor": actor, "offering": application.offering, "note": reason},
    )
    db.session.commit()
    return application


def _end(application: Application, to: ApplicationStatus, *, actor: User, note: str) -> None:
    # An ended placement gave its seat back when it ended (``evaluations.complete_*``).
    ended = application.placement is not None and application.placement.status in (
        PlacementStatus.COMPLETED,
        PlacementStatus.CANCELLED,
    )
    held_seat = application.status in SEAT_HOLDING and not ended
    active = {s for s in ApplicationStatus if s.is_active}
    _move(application, active, to, actor=actor, note=note)
    if application.placement is not None and application.placement.status is PlacementStatus.ACTIVE:
        application.placement.status = PlacementStatus.CANCELLED
        application.placement.cancel_reason = note
    if application.consent is not None and application.consent.status is ConsentStatus.PENDING:
        application.consent.status = ConsentStatus.EXPIRED
        application.consent.nonce = None
    if held_seat:
        _free_seat_and_promote(application.offering_id)


def _free_seat_and_promote(offering_id: int) -> None:
    """Give the seat back; the longest-waiting application on the waitlist takes it."""
    seats.give_back_seat(offering_id)
    waiting = db.session.scalars(
        select(Application)
        .where(
            Application.offering_id == offering_id,
            Application.status == ApplicationStatus.WAITLISTED,
        )
        .order_by(Application.waitlisted_at, Application.id)
    ).all()
    for application in waiting:
        if not seats.take_seat(offering_id):
            return
        _move(
            application,
            {ApplicationStatus.WAITLISTED},
            ApplicationStatus.ACCEPTED,
            actor=None,
            actor_label="waitlist: a seat freed up",
        )
        queue_email(
            kind="waitlist_offered",
            to=application.student.user.email,
            template="placements/waitlist_offered",
            context={"offering": application.offering},
        )
        _after_seat_taken(application)
        return


@dataclass(frozen=True, slots=True)
class Counts:
    seats_taken: int
    capacity: int


def offering_seats(offering_id: int) -> Counts:
    row = db.session.execute(
        select(Offering.seats_taken, Offering.capacity).where(Offering.id == offering_id)
    ).one()
    return Counts(row.seats_taken, row.capacity)


def admit_allocated(actor: User, student_id: int, offering_id: int, note: str) -> Outcome:
    """Inside the caller's transaction (flushes, never commits): an allocation round's
    result for one student becomes an accepted application holding a seat, which then goes
    the usual way (a minor's guardian is asked; an adult is placed). An existing active
    application of the student for that offering is reused. ``WAITLISTED`` when the seat
    was taken meanwhile."""
    application = db.session.scalar(
        select(Application).where(
            Application.student_id == student_id,
            Application.offering_id == offering_id,
            Application.status.in_([s.value for s in ACTIVE_STATUSES]),
        )
    )
    if application is None:
        application = Application(
            student_id=student_id,
            offering_id=offering_id,
            statement=note,
            status=ApplicationStatus.APPROVED,
        )
        db.session.add(application)
        db.session.flush()
        db.session.add(
            ApplicationEvent(
                application_id=application.id,
                to_status=ApplicationStatus.APPROVED.value,
                actor_id=actor.id,
                actor_label=actor.full_name,
                note=note,
            )
        )
    if application.status in SEAT_HOLDING:
        return (
            Outcome.PLACED
            if application.status is ApplicationStatus.PLACED
            else (Outcome.AWAITING_CONSENT)
        )
    _move(
        application,
        {
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.RETURNED,
            ApplicationStatus.APPROVED,
            ApplicationStatus.WAITLISTED,
        },
        ApplicationStatus.ACCEPTED,
        actor=actor,
        note=note,
    )
    if not seats.take_seat(offering_id):
        _to_waitlist(application, actor)
        return Outcome.WAITLISTED
    return _after_seat_taken(application)
