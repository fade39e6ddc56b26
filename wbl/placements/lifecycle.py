"""From the employer's decision to a placement and back: a seat taken (or the waitlist), the
guardian asked for a minor, the placement made, and an application withdrawn or cancelled,
whose seat goes to the longest-waiting student. Allocation rounds admit their result through
``admit_allocated``.

Seats move only through ``seats`` (conditional UPDATEs); status moves through
``applications.move_application``, so each is made once and recorded in the history.
"""

from __future__ import annotations

import enum
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from wbl.access import require
from wbl.auth.models import User
from wbl.catalog import clearances
from wbl.catalog.models import PartnerContact
from wbl.clock import local_today
from wbl.errors import N_, DomainError
from wbl.extensions import atomic, db, utcnow
from wbl.notifications.services import queue_email
from wbl.placements import permits, policies, seats, training
from wbl.placements.applications import (
    contacts_of,
    email_link,
    get_application,
    move_application,
    teachers_of,
)
from wbl.placements.consent import consent_link, guardian_language
from wbl.placements.models import (
    ACTIVE_STATUSES,
    SEAT_HOLDING,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ConsentStatus,
    GuardianConsent,
    Placement,
    PlacementStatus,
)


class NoSeatsLeft(DomainError):
    message = N_("No seats left: the application is on the waitlist and gets the next free seat.")


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
        move_application(
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
    require_cleared_supervisor(application)
    move_application(
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
    move_application(
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


def require_cleared_supervisor(application: Application) -> None:
    """A minor (their age on the first day) is not accepted into an individual placement
    whose supervisor lacks a clearance the student's district requires for the experience
    type (``wbl.catalog.clearances``). The supervisor is the one ``place`` will name: the
    partner's primary contact, else its first (no placement, so no chosen supervisor, exists
    before acceptance). A waitlisted student who gets a freed seat was accepted, and checked,
    before; the check is at the decisions people take (docs/safety.md)."""
    offering = application.offering
    if not offering.is_individual or not _is_minor(application):
        return
    clearances.require_cleared_supervisor(
        _supervisor_of(offering.partner_id),
        partner=offering.partner,
        kind=offering.kind,
        district_id=application.student.school.district_id,
        start=offering.start_date,
    )


def _after_seat_taken(application: Application) -> Outcome:
    """A seat is held: a minor's guardian is asked; an adult is placed at once."""
    if _is_minor(application):
        _ask_guardian(application)
        return Outcome.AWAITING_CONSENT
    place(application, actor=None, actor_label="adult student: no consent needed")
    return Outcome.PLACED


# --- 5. asking the guardian (their answer: consent_answers) ------------------------------


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
        language=guardian_language(consent),
        template="placements/guardian_consent",
        context={
            "student": student,
            "offering": offering,
            "days": current_app.config["CONSENT_DAYS"],
            "link": consent_link(consent),
        },
    )
    return consent


# --- 6. placement --------------------------------------------------------------------------


def _supervisor_of(partner_id: int) -> PartnerContact | None:
    return db.session.scalar(
        select(PartnerContact)
        .where(PartnerContact.partner_id == partner_id)
        .order_by(PartnerContact.is_primary.desc(), PartnerContact.id)
        .limit(1)
    )


def place(
    application: Application, *, actor: User | None, actor_label: str = "", note: str = ""
) -> Placement:
    """The accepted application becomes a placement (with its training agreement or, for a
    minor's paid placement, its work permit request started),
    and everyone is told. Flushes, never commits."""
    move_application(
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
    permits.start_permit(placement)
    _announce_placement(application, supervisor)
    return placement


def _announce_placement(application: Application, supervisor: PartnerContact | None) -> None:
    offering, student = application.offering, application.student
    link = email_link("placements.application", application_id=application.id)
    recipients = {student.user.email: "placement_student"}
    for teacher in teachers_of(student):
        recipients.setdefault(teacher.email, "placement_teacher")
    for contact in contacts_of(offering.partner_id):
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
    cancel_in_transaction(actor, application, reason)
    db.session.commit()
    return application


def cancel_in_transaction(actor: User, application: Application, reason: str) -> None:
    """Staff cancel an application, and the placement it became (active or paused): the
    seat goes back, the student is told with ``reason``. Flushes, never commits: ``cancel``
    and the incident that ends a placement (``wbl.incidents``) commit it with their own
    records."""
    require(policies.staff_sees(actor, application))
    reason = reason.strip()
    if not reason:
        raise DomainError(gettext("Give a reason for the cancellation."), field="reason")
    _end(application, ApplicationStatus.CANCELLED, actor=actor, note=reason)
    queue_email(
        kind="application_cancelled",
        to=application.student.user.email,
        template="placements/application_cancelled",
        context={"actor": actor, "offering": application.offering, "note": reason},
    )


def _end(application: Application, to: ApplicationStatus, *, actor: User, note: str) -> None:
    # An ended placement gave its seat back when it ended (``evaluations.complete_*``).
    ended = application.placement is not None and application.placement.status in (
        PlacementStatus.COMPLETED,
        PlacementStatus.CANCELLED,
    )
    held_seat = application.status in SEAT_HOLDING and not ended
    active = {s for s in ApplicationStatus if s.is_active}
    move_application(application, active, to, actor=actor, note=note)
    if application.placement is not None and application.placement.status in (
        PlacementStatus.ACTIVE,
        PlacementStatus.PAUSED,
    ):
        application.placement.status = PlacementStatus.CANCELLED
        application.placement.cancel_reason = note
    if application.consent is not None and application.consent.status is ConsentStatus.PENDING:
        application.consent.status = ConsentStatus.EXPIRED
        application.consent.nonce = None
    if held_seat:
        free_seat_and_promote(application.offering_id)


def free_seat_and_promote(offering_id: int) -> None:
    """Give the seat back; the longest-waiting application on the waitlist takes it. Flushes,
    never commits (the use case that freed the seat does)."""
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
        move_application(
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
    try:
        require_cleared_supervisor(application)
    except clearances.SupervisorNotCleared as refusal:
        raise clearances.SupervisorNotCleared(
            gettext(
                "Nothing was published. %(student)s, allocated to “%(title)s”: %(why)s",
                student=application.student.user.full_name,
                title=application.offering.title,
                why=refusal.message,
            )
        ) from None
    move_application(
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
