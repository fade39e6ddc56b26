"""Attendance at class events: the teacher records the whole class at once.

A guest speaker or a workplace visit is booked for a class (wbl/events); once the partner has
accepted a date and that date has started, the teacher who asked (or CTE staff whose scope
the school is in) marks who was there. Every student of the class gets one row per event:
present with the event's length in minutes, or absent (0 minutes). Saving again updates the
rows (an upsert on the unique (event, student) pair, in one statement), so a late correction
never makes a second row. The rows show in each student's experience log (wbl/hours/logs.py).

Rules (DOMAIN.md: guest speakers and workplace visits are whole-class awareness activities):
- only a confirmed (accepted) event with a chosen date, and not before that date has started;
- only the class's own students; the time is 0 to 12 hours, in quarter hours (as hour entries).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.clock import local_when
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.events import queries as event_queries
from wbl.events.models import EventDateOption, EventRequest, EventRequestStatus
from wbl.extensions import atomic, db, utcnow
from wbl.hours.models import EventAttendance
from wbl.schools.models import ClassSection
from wbl.scopes import is_staff
from wbl.students.models import StudentProfile

MAX_MINUTES = 12 * 60


@dataclass(frozen=True, slots=True)
class AttendanceSheet:
    """What the attendance page shows: the event, its date, the class's students (by name)
    and what was recorded before (by student id)."""

    event: EventRequest
    option: EventDateOption | None
    students: list[StudentProfile]
    recorded: dict[int, EventAttendance]
    refusal: str | None  # why attendance cannot be recorded (yet); None when it can

    @property
    def default_minutes(self) -> int:
        return self.option.duration_minutes if self.option else 60


@dataclass(frozen=True, slots=True)
class AttendanceRecorded:
    present: int
    absent: int


# --- who may -------------------------------------------------------------------------------


def can_record(actor: User, event: EventRequest) -> bool:
    """The teacher who asked for the event, or staff (the caller has already scoped the event
    to the actor: ``get_request`` finds only what they may see)."""
    return event.teacher_id == actor.id or is_staff(actor)


def refusal(event: EventRequest, now: datetime) -> str | None:
    """Why attendance cannot be recorded for the event at ``now``; None when it can."""
    option = event.confirmed_option
    if event.status is not EventRequestStatus.ACCEPTED or option is None:
        return "Attendance is recorded for a confirmed event: this one is not confirmed."
    if option.starts_at > now:
        return (
            "You can record attendance once the event has started "
            f"({local_when(option.starts_at, option.duration_minutes)})."
        )
    if event.class_section_id is None:
        return "This event is not booked for a class, so there is no class list to mark."
    return None


def _event_of(actor: User, event_id: int) -> EventRequest:
    """An event whose attendance the actor may record: out of scope is not found; visible but
    not theirs (a partner's contact) is forbidden."""
    event = db.session.scalar(event_queries.request_detail(actor, event_id))
    if event is None:
        raise NotFound()
    if not can_record(actor, event):
        raise Forbidden("Only the teacher who asked for the event records its attendance.")
    return event


def _class_students(event: EventRequest) -> list[StudentProfile]:
    if event.class_section_id is None:
        return []
    section = db.session.scalar(
        select(ClassSection)
        .where(ClassSection.id == event.class_section_id)
        .options(selectinload(ClassSection.students).selectinload(StudentProfile.user))
    )
    assert section is not None  # noqa: S101 - a foreign key
    return sorted(section.students, key=lambda s: (s.user.full_name.casefold(), s.id))


def attendance_sheet(actor: User, event_id: int, *, now: datetime | None = None) -> AttendanceSheet:
    event = _event_of(actor, event_id)
    recorded = {
        row.student_id: row
        for row in db.session.scalars(
            select(EventAttendance).where(EventAttendance.event_id == event.id)
        )
    }
    return AttendanceSheet(
        event=event,
        option=event.confirmed_option,
        students=_class_students(event),
        recorded=recorded,
        refusal=refusal(event, now or utcnow()),
    )


# --- recording -----------------------------------------------------------------------------


def _upsert(rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT (event, student) DO UPDATE: one statement for the whole class,
    and two people saving at once cannot make a second row."""
    dialect = db.session.connection().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(EventAttendance).values(rows)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[EventAttendance.event_id, EventAttendance.student_id],
            set_={
                "present": statement.excluded.present,
                "minutes": statement.excluded.minutes,
                "recorded_by_id": statement.excluded.recorded_by_id,
                "recorded_at": statement.excluded.recorded_at,
            },
        )
    )


@atomic
def record_attendance(
    actor: User,
    event_id: int,
    present_ids: Set[int],
    minutes: int,
    *,
    now: datetime | None = None,
) -> AttendanceRecorded:
    """Record the whole class: the students in ``present_ids`` were there for ``minutes``,
    every other student of the class was absent. Saving again replaces what was recorded."""
    now = now or utcnow()
    event = _event_of(actor, event_id)
    why_not = refusal(event, now)
    if why_not:
        raise DomainError(why_not)
    if minutes < 0 or minutes > MAX_MINUTES or minutes % 15:
        raise DomainError(
            "Enter the time in quarter hours (15, 30, 45 … minutes), at most 12 hours.",
            field="minutes",
        )
    students = _class_students(event)
    class_ids = {s.id for s in students}
    if not set(present_ids) <= class_ids:
        raise DomainError("Tick students of this class only.", field="present_ids")
    if not students:
        raise DomainError("This class has no students to mark.", field="present_ids")
    _upsert(
        [
            {
                "event_id": event.id,
                "student_id": student_id,
                "present": student_id in present_ids,
                "minutes": minutes if student_id in present_ids else 0,
                "recorded_by_id": actor.id,
                "recorded_at": now,
            }
            for student_id in sorted(class_ids)
        ]
    )
    db.session.commit()
    present = len(set(present_ids))
    return AttendanceRecorded(present=present, absent=len(class_ids) - present)
