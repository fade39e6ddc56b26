"""Incidents on a placement: reported by whoever was involved, followed up and closed by the
program staff (issue 21, "Incidents"; the rules of who sees what are in ``policies``).

A report notifies at once, through the outbox: the program's shared inbox (``PROGRAM_EMAIL``)
and the student's teachers (those whose class the student is in), and, when the student is a
minor, their guardian. No e-mail carries the description: an incident may name people and
injuries, and e-mail is forwarded and kept outside the district's records, so staff and
teachers get the kind, the day, the placement and a link to sign in and read it; the guardian
gets the kind and the day, and the program's address to ask (the staff call them as their
follow-up requires). A minor without a guardian e-mail on file is shown on the incident for
staff to reach another way.

Staff record follow-ups, close the incident with a closing note, and may pause the placement
(the student logs no hours until they resume it) or end it (the application's cancellation,
``lifecycle.cancel_in_transaction``: the seat goes back and the student is told the reason).
Every status move is a compare-and-set (``move_status``): of two staff members closing the
same incident at once, one closes it and the other is told it already was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wbl.access import require
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.clock import local_today
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, move_status, utcnow
from wbl.incidents import policies
from wbl.incidents.models import (
    Incident,
    IncidentKind,
    IncidentNote,
    IncidentStatus,
    NoteAction,
)
from wbl.notifications.services import queue_email
from wbl.placements.applications import contacts_of, email_link, teachers_of
from wbl.placements.lifecycle import cancel_in_transaction
from wbl.placements.models import Placement, PlacementStatus
from wbl.students.models import StudentProfile

MIN_DESCRIPTION = 10
MAX_TEXT = 4000
MAX_REASON = 1000


class AlreadyClosed(DomainError):
    message = "This incident has already been closed; nothing was changed."


@dataclass(frozen=True, slots=True)
class Report:
    kind: IncidentKind
    occurred_on: date
    description: str


# --- reading ---------------------------------------------------------------------------------


def get_incident(actor: User, incident_id: int) -> Incident:
    """An incident ``actor`` reads in full or reported; anything else is not found."""
    incident = db.session.scalar(
        select(Incident)
        .where(Incident.id == incident_id)
        .options(
            selectinload(Incident.placement)
            .selectinload(Placement.student)
            .selectinload(StudentProfile.user),
            selectinload(Incident.placement)
            .selectinload(Placement.student)
            .selectinload(StudentProfile.school),
            selectinload(Incident.placement)
            .selectinload(Placement.offering)
            .selectinload(Offering.partner),
            selectinload(Incident.notes).selectinload(IncidentNote.author),
            selectinload(Incident.reporter),
        )
    )
    if incident is None:
        raise NotFound()
    if not (policies.reads_in_full(actor, incident) or policies.is_reporter(actor, incident)):
        raise NotFound()
    return incident


def get_placement(actor: User, placement_id: int) -> Placement:
    """A placement ``actor`` may report on: one whose page they see (the student, the
    supervisor, a teacher of the student's school, staff who see the student, as the hours
    page is shown); anything else is not found."""
    placement = db.session.scalar(
        select(Placement)
        .where(Placement.id == placement_id)
        .options(
            selectinload(Placement.student).selectinload(StudentProfile.user),
            selectinload(Placement.student).selectinload(StudentProfile.school),
            selectinload(Placement.offering).selectinload(Offering.partner),
        )
    )
    if placement is None or policies.reporter_role(actor, placement) is None:
        raise NotFound()
    return placement


def _managed(actor: User, incident_id: int) -> Incident:
    incident = get_incident(actor, incident_id)
    require(policies.manages(actor, incident))
    return incident


def is_minor(student: StudentProfile, today: date) -> bool:
    return student.age_on(today) < 18


# --- reporting -------------------------------------------------------------------------------


def _check_report(placement: Placement, report: Report, today: date) -> str:
    if not isinstance(report.kind, IncidentKind):
        raise DomainError("Choose what kind of incident this is.", field="kind")
    if report.occurred_on > today:
        raise DomainError("The day it happened cannot be in the future.", field="occurred_on")
    if placement.start_date is not None and report.occurred_on < placement.start_date:
        raise DomainError(
            f"The placement started on {placement.start_date.isoformat()}: give a day from "
            "then on.",
            field="occurred_on",
        )
    description = report.description.strip()
    if len(description) < MIN_DESCRIPTION:
        raise DomainError(
            f"Describe what happened in at least {MIN_DESCRIPTION} characters.",
            field="description",
        )
    if len(description) > MAX_TEXT:
        raise DomainError(f"Keep the description under {MAX_TEXT} characters.", field="description")
    return description


@atomic
def report(actor: User, placement_id: int, report: Report) -> Incident:
    """Anyone involved reports an incident on a placement they see; staff and the student's
    teachers are told at once, and a minor's guardian."""
    placement = get_placement(actor, placement_id)
    role = policies.reporter_role(actor, placement)
    if role is None:  # get_placement has made sure of it; this is for mypy
        raise NotFound()
    today = local_today()
    description = _check_report(placement, report, today)
    incident = Incident(
        placement=placement,
        reporter_id=actor.id,
        reporter_role=role,
        kind=report.kind,
        occurred_on=report.occurred_on,
        description=description,
    )
    db.session.add(incident)
    db.session.flush()
    _notify_reported(incident, actor, today)
    db.session.commit()
    return incident


def _notify_reported(incident: Incident, reporter: User, today: date) -> None:
    placement = incident.placement
    student = placement.student
    link = email_link("incidents.detail", incident_id=incident.id)
    recipients: dict[str, str] = {}
    program = current_app.config["PROGRAM_EMAIL"]
    if program:
        recipients[program] = "incident_program"
    for teacher in teachers_of(student):
        recipients.setdefault(teacher.email, "incident_teacher")
    recipients.pop(reporter.email, None)  # they know: they wrote it
    for email, kind in recipients.items():
        queue_email(
            kind=kind,
            to=email,
            template="incidents/incident_reported",
            context={"kind": kind, "incident": incident, "student": student, "link": link},
        )
    if is_minor(student, today) and student.guardian_email:
        queue_email(
            kind="incident_guardian",
            to=student.guardian_email,
            template="incidents/incident_guardian",
            context={"incident": incident, "student": student, "program": program},
            language=_guardian_language(incident),
        )
        incident.guardian_notified_at = utcnow()


def _guardian_language(incident: Incident) -> str:
    """The guardian's language, as their consent to this placement gave it (chosen on the
    consent page, else the roster's), else the roster's for the student's guardian."""
    from wbl.placements.consent import guardian_language
    from wbl.placements.models import GuardianConsent
    from wbl.roster.queries import guardian_language as roster_language

    placement = incident.placement
    consent = db.session.scalar(
        select(GuardianConsent).where(GuardianConsent.application_id == placement.application_id)
    )
    if consent is not None:
        return guardian_language(consent)
    student = placement.student
    return roster_language(student.id, student.guardian_email)


# --- the staff's follow-up -------------------------------------------------------------------


def _text(value: str, field: str, missing: str, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if not value:
        raise DomainError(missing, field=field)
    if len(value) > limit:
        raise DomainError(f"Keep it under {limit} characters.", field=field)
    return value


def _note(incident: Incident, actor: User, action: NoteAction, body: str) -> None:
    db.session.add(IncidentNote(incident=incident, author_id=actor.id, action=action, body=body))


def _followed_up(incident: Incident) -> None:
    """Open -> followed up, or still followed up; refused once it is closed. A
    compare-and-set either way, so a note never lands on an incident someone just closed."""
    now = utcnow()
    for current in (IncidentStatus.OPEN, IncidentStatus.FOLLOWED_UP):
        if move_status(incident, current, status=IncidentStatus.FOLLOWED_UP, updated_at=now):
            return
    raise AlreadyClosed()


@atomic
def follow_up(actor: User, incident_id: int, note: str) -> Incident:
    incident = _managed(actor, incident_id)
    body = _text(note, "note", "Write what was done or decided.")
    _followed_up(incident)
    _note(incident, actor, NoteAction.FOLLOW_UP, body)
    db.session.commit()
    return incident


@atomic
def close(actor: User, incident_id: int, note: str) -> Incident:
    """Close with a closing note: what was concluded. Of two staff closing at once, one wins;
    the other is told it is already closed."""
    incident = _managed(actor, incident_id)
    body = _text(note, "closing_note", "Write a closing note: what was concluded.")
    now = utcnow()
    for current in (IncidentStatus.OPEN, IncidentStatus.FOLLOWED_UP):
        if move_status(
            incident,
            current,
            status=IncidentStatus.CLOSED,
            closing_note=body,
            closed_at=now,
            closed_by_id=actor.id,
            updated_at=now,
        ):
            break
    else:
        raise AlreadyClosed()
    _note(incident, actor, NoteAction.CLOSED, body)
    db.session.commit()
    return incident


# --- the placement, from the incident --------------------------------------------------------


def _tell_paused(placement: Placement, *, resumed: bool) -> None:
    """The student and the partner's contacts: stop going (or go again). No reason is given:
    the staff speak to the people concerned."""
    link = email_link("hours.placement", placement_id=placement.id)
    recipients = {placement.student.user.email: "placement_paused_student"}
    for contact in contacts_of(placement.offering.partner_id):
        recipients.setdefault(contact.email, "placement_paused_employer")
    for email, kind in recipients.items():
        queue_email(
            kind=kind.replace("paused", "resumed") if resumed else kind,
            to=email,
            template="incidents/placement_paused",
            context={
                "placement": placement,
                "resumed": resumed,
                "to_student": kind.endswith("student"),
                "link": link,
            },
        )


@atomic
def pause_placement(actor: User, incident_id: int, reason: str) -> Incident:
    """Pause an active placement while the incident is looked into: no hours are logged,
    nobody ends it early, until staff resume or end it."""
    incident = _managed(actor, incident_id)
    body = _text(reason, "pause_reason", "Say why the placement is paused.", MAX_REASON)
    placement = incident.placement
    if not move_status(placement, PlacementStatus.ACTIVE, status=PlacementStatus.PAUSED):
        raise DomainError(
            f"Only an active placement can be paused; this one is {placement.status.label}."
        )
    _followed_up(incident)
    _note(incident, actor, NoteAction.PAUSED, body)
    _tell_paused(placement, resumed=False)
    db.session.commit()
    return incident


@atomic
def resume_placement(actor: User, incident_id: int, note: str) -> Incident:
    """Resume a paused placement (also once the incident is closed)."""
    incident = _managed(actor, incident_id)
    body = note.strip()
    if len(body) > MAX_REASON:
        raise DomainError(f"Keep it under {MAX_REASON} characters.", field="resume_note")
    placement = incident.placement
    if not move_status(placement, PlacementStatus.PAUSED, status=PlacementStatus.ACTIVE):
        raise DomainError(
            f"Only a paused placement can be resumed; this one is {placement.status.label}."
        )
    _note(incident, actor, NoteAction.RESUMED, body)
    _tell_paused(placement, resumed=True)
    db.session.commit()
    return incident


@atomic
def end_placement(actor: User, incident_id: int, reason: str) -> Incident:
    """End an active or paused placement for good: its application is cancelled (the seat
    goes back; the student is e-mailed ``reason``, so it is written for them)."""
    incident = _managed(actor, incident_id)
    body = _text(reason, "end_reason", "Give the reason the student will read.", MAX_REASON)
    placement = incident.placement
    if placement.status not in (PlacementStatus.ACTIVE, PlacementStatus.PAUSED):
        raise DomainError(f"This placement is already {placement.status.label.lower()}.")
    if incident.status is IncidentStatus.CLOSED:
        raise AlreadyClosed()
    cancel_in_transaction(actor, placement.application, body)
    _followed_up(incident)
    _note(incident, actor, NoteAction.ENDED, body)
    db.session.commit()
    return incident
