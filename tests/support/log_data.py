"""Test data for experience logs, the hours report and the teacher digest: placements, hour
entries and attendance written directly (with chosen dates and times), flushed, never
committed. The services that make them are tested in their own modules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.support.builders import make_offering, make_partner
from wbl.auth.models import User
from wbl.catalog.models import Offering, Partner
from wbl.events.models import EventRequest
from wbl.extensions import db
from wbl.hours.models import EntryStatus, EventAttendance, HourEntry, HourEntryEvent
from wbl.placements.models import Application, ApplicationStatus, Placement, PlacementStatus
from wbl.reference.models import ExperienceKind
from wbl.students.models import StudentProfile


def make_placement(
    student: StudentProfile,
    *,
    offering: Offering | None = None,
    partner: Partner | None = None,
    kind: ExperienceKind = ExperienceKind.JOB_SHADOW,
    start: date | None = None,
    end: date | None = None,
    status: PlacementStatus = PlacementStatus.ACTIVE,
    created_at: datetime | None = None,
) -> Placement:
    offering = offering or make_offering(partner=partner or make_partner(), kind=kind)
    application = Application(
        student=student,
        offering=offering,
        statement="I would like to learn.",
        status=ApplicationStatus.PLACED,
    )
    placement = Placement(
        application=application,
        student=student,
        offering=offering,
        start_date=start,
        end_date=end,
        status=status,
    )
    if created_at is not None:
        placement.created_at = created_at
    db.session.add_all([application, placement])
    db.session.flush()
    return placement


def make_entry(
    placement: Placement,
    work_date: date,
    minutes: int = 60,
    status: EntryStatus = EntryStatus.CONFIRMED,
    *,
    at: datetime | None = None,
    decided_at: datetime | None = None,
    actor: User | None = None,
) -> HourEntry:
    """An entry with its audit trail: "created" at ``at``, and "confirmed"/"rejected" at
    ``decided_at`` when decided."""
    at = at or datetime.now(UTC)
    entry = HourEntry(
        placement_id=placement.id,
        student_id=placement.student_id,
        work_date=work_date,
        minutes=minutes,
        description="Helped out",
        status=status,
        created_at=at,
        decided_at=decided_at,
    )
    db.session.add(entry)
    db.session.flush()
    db.session.add(HourEntryEvent(entry_id=entry.id, action="created", at=at))
    if status in (EntryStatus.CONFIRMED, EntryStatus.REJECTED):
        db.session.add(
            HourEntryEvent(
                entry_id=entry.id,
                action=status.value,
                actor_id=actor.id if actor else None,
                at=decided_at or at,
            )
        )
    db.session.flush()
    return entry


def attend(
    event: EventRequest,
    student: StudentProfile,
    *,
    present: bool = True,
    minutes: int = 60,
    at: datetime | None = None,
) -> EventAttendance:
    row = EventAttendance(
        event_id=event.id,
        student_id=student.id,
        present=present,
        minutes=minutes if present else 0,
        recorded_by_id=event.teacher_id,
        recorded_at=at or datetime.now(UTC),
    )
    db.session.add(row)
    db.session.flush()
    return row


def days_ago(today: date, n: int) -> date:
    return today - timedelta(days=n)
