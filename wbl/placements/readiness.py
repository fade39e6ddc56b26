"""Readiness: the preparatory activities a student has done (career interest survey, resume
workshop, mock interview, workplace safety orientation... the list staff keep in the
reference data).

Preparation-stage experiences want these done first (DOMAIN.md, "the continuum"): an
offering names the ones it needs (``Offering.prerequisites``), a student who misses one
sees which, and neither the recommendations nor the application let them through until a
teacher or CTE staff member has recorded it. Students never record their own.

Who may record for whom follows the student-record scope (FERPA): a teacher their own
school's students (and, for a whole class at once, only their own classes), district staff
their district's, county staff everyone. A student outside the actor's scope is reported as
not found. One record per student and activity, kept by a unique constraint.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ScalarSelect, Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.clock import local_today
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db
from wbl.placements.models import ReadinessRecord
from wbl.reference.models import PreparatoryActivity
from wbl.schools import services as school_services
from wbl.schools.models import ClassSection
from wbl.scopes import is_staff
from wbl.students.models import StudentProfile
from wbl.students.queries import students_visible_to


class AlreadyRecorded(DomainError):
    """The student already has this activity on record (one record per activity)."""


@dataclass(frozen=True, slots=True)
class ActivityStatus:
    """One line of a student's readiness: the activity and its record, if done."""

    activity: PreparatoryActivity
    record: ReadinessRecord | None


@dataclass(frozen=True, slots=True)
class StudentReadiness:
    student: StudentProfile
    activities: list[ActivityStatus]


@dataclass(frozen=True, slots=True)
class RemovedRecord:
    student_id: int
    activity_name: str


@dataclass(frozen=True, slots=True)
class ClassSheet:
    """A teacher's class with what each of its students has done (activity ids)."""

    section: ClassSection
    students: list[StudentProfile]
    activities: list[PreparatoryActivity]
    done: dict[int, dict[int, date]]


@dataclass(frozen=True, slots=True)
class ClassRecording:
    activity_name: str
    recorded: int
    already_done: int


# --- Queries ------------------------------------------------------------------------------


def _records_of(student_ids: Iterable[int]) -> Select[int, int]:
    return select(ReadinessRecord.student_id, ReadinessRecord.activity_id).where(
        ReadinessRecord.student_id.in_(list(student_ids))
    )


def completed_codes_query(student_ids: list[int] | ScalarSelect[int]) -> Select[int, str]:
    """(student id, activity code) for the given ids, or a subquery of ids: what the matcher
    compares with an offering's prerequisites (codes are the stable keys)."""
    return (
        select(ReadinessRecord.student_id, PreparatoryActivity.code)
        .join(PreparatoryActivity, PreparatoryActivity.id == ReadinessRecord.activity_id)
        .where(ReadinessRecord.student_id.in_(student_ids))
    )


def readiness_of(student_ids: Iterable[int]) -> dict[int, set[int]]:
    """Each student's done activity ids (every requested id is a key), in one query."""
    ids = list(student_ids)
    done: dict[int, set[int]] = {student_id: set() for student_id in ids}
    if not ids:
        return done
    for student_id, activity_id in db.session.execute(_records_of(ids)):
        done[student_id].add(activity_id)
    return done


def completed_codes(student_id: int) -> frozenset[str]:
    """The codes of the activities the student has done (for the recommendations)."""
    return frozenset(code for _, code in db.session.execute(completed_codes_query([student_id])))


def missing_prerequisites(student_id: int, offering: Offering) -> list[PreparatoryActivity]:
    """The offering's prerequisites the student has not done yet, in the county's order.
    No query when the offering asks for nothing."""
    required = list(offering.prerequisites)
    if not required:
        return []
    done = readiness_of([student_id])[student_id]
    return sorted(
        (a for a in required if a.id not in done), key=lambda a: (a.position, a.name, a.id)
    )


def readiness_for_viewer(user: User, offering: Offering) -> list[PreparatoryActivity] | None:
    """What the offering page tells a student: the prerequisites they still miss (possibly
    none). None when there is nothing to say: the viewer is not a student (or has no
    profile yet), or the offering asks for no preparatory activity."""
    if not user.has_role(Role.STUDENT) or not offering.prerequisites:
        return None
    student_id = db.session.scalar(
        select(StudentProfile.id).where(StudentProfile.user_id == user.id)
    )
    if student_id is None:
        return None
    return missing_prerequisites(student_id, offering)


# --- Scope --------------------------------------------------------------------------------


def _may_record(actor: User) -> bool:
    return actor.has_role(Role.TEACHER) or is_staff(actor)


def _student_in_scope(actor: User, student_id: int) -> StudentProfile:
    """A student the actor may record for; anyone else's is not found."""
    require(_may_record(actor))
    student = db.session.scalar(
        students_visible_to(actor)
        .where(StudentProfile.id == student_id)
        .options(selectinload(StudentProfile.user), selectinload(StudentProfile.school))
    )
    if student is None:
        raise NotFound()
    return student


def _activity(activity_id: int) -> PreparatoryActivity:
    activity = db.session.get(PreparatoryActivity, activity_id)
    if activity is None or not activity.active:
        raise DomainError("Choose an activity from the list.", field="activity_id")
    return activity


def _check_day(completed_on: date) -> None:
    if completed_on > local_today():
        raise DomainError(
            "The date cannot be in the future: record an activity once it is done.",
            field="completed_on",
        )


def activities() -> list[PreparatoryActivity]:
    """The county's active activities, in its order."""
    return list(
        db.session.scalars(
            select(PreparatoryActivity)
            .where(PreparatoryActivity.active.is_(True))
            .order_by(PreparatoryActivity.position, PreparatoryActivity.id)
        )
    )


# --- One student ----------------------------------------------------------------------------


def student_readiness(actor: User, student_id: int) -> StudentReadiness:
    """Every active activity with the student's record of it, if any; an activity staff have
    since retired still shows when the student has it on record."""
    student = _student_in_scope(actor, student_id)
    records = {
        r.activity_id: r
        for r in db.session.scalars(
            select(ReadinessRecord)
            .where(ReadinessRecord.student_id == student.id)
            .options(
                selectinload(ReadinessRecord.activity), selectinload(ReadinessRecord.recorded_by)
            )
        )
    }
    listed = activities()
    listed_ids = {a.id for a in listed}
    retired = [r.activity for r in records.values() if r.activity_id not in listed_ids]
    return StudentReadiness(
        student=student,
        activities=[ActivityStatus(a, records.get(a.id)) for a in [*listed, *retired]],
    )


@atomic
def record_activity(
    actor: User, student_id: int, activity_id: int, completed_on: date
) -> ReadinessRecord:
    """Record that the student has done the activity (on a day not in the future)."""
    student = _student_in_scope(actor, student_id)
    activity = _activity(activity_id)
    _check_day(completed_on)
    record = ReadinessRecord(
        student_id=student.id,
        activity_id=activity.id,
        completed_on=completed_on,
        recorded_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():  # the unique constraint decides, not a read first
            db.session.add(record)
    except IntegrityError:
        raise AlreadyRecorded(
            f"{activity.name} is already recorded for {student.user.full_name}. "
            "Remove that record first to change its date.",
            field="activity_id",
        ) from None
    db.session.commit()
    return record


@atomic
def remove_record(actor: User, record_id: int) -> RemovedRecord:
    """Take a record back (recorded by mistake, or for the wrong student or date)."""
    require(_may_record(actor))
    scope = students_visible_to(actor).with_only_columns(StudentProfile.id).scalar_subquery()
    record = db.session.scalar(
        select(ReadinessRecord)
        .where(ReadinessRecord.id == record_id, ReadinessRecord.student_id.in_(scope))
        .options(selectinload(ReadinessRecord.activity))
    )
    if record is None:
        raise NotFound()
    removed = RemovedRecord(student_id=record.student_id, activity_name=record.activity.name)
    db.session.delete(record)
    db.session.commit()
    return removed


# --- A whole class --------------------------------------------------------------------------


def class_sheet(actor: User, class_id: int) -> ClassSheet:
    """One of the teacher's own classes (another teacher's is not found), its students by
    name, and the day each did each activity (one query for the records)."""
    section = school_services.own_class(actor, class_id)
    students = sorted(section.students, key=lambda s: (s.user.full_name, s.id))
    done: dict[int, dict[int, date]] = {s.id: {} for s in students}
    if students:
        for student_id, activity_id, day in db.session.execute(
            select(
                ReadinessRecord.student_id,
                ReadinessRecord.activity_id,
                ReadinessRecord.completed_on,
            ).where(ReadinessRecord.student_id.in_(list(done)))
        ):
            done[student_id][activity_id] = day
    return ClassSheet(section=section, students=students, activities=activities(), done=done)


@atomic
def record_for_class(
    actor: User,
    class_id: int,
    activity_id: int,
    completed_on: date,
    student_ids: Iterable[int],
) -> ClassRecording:
    """Record one activity, done on one day, for the ticked students of the teacher's own
    class (a class workshop). Students who already have it on record keep their record."""
    require(actor.has_role(Role.TEACHER))
    section = school_services.own_class(actor, class_id)
    chosen = set(student_ids)
    if not chosen:
        raise DomainError("Tick at least one student.", field="student_ids")
    if not chosen <= {s.id for s in section.students}:
        raise DomainError("Choose students of this class from the list.", field="student_ids")
    activity = _activity(activity_id)
    _check_day(completed_on)
    already = {
        student_id
        for student_id, _ in db.session.execute(
            _records_of(chosen).where(ReadinessRecord.activity_id == activity.id)
        )
    }
    new = sorted(chosen - already)
    try:
        with db.session.begin_nested():
            db.session.add_all(
                ReadinessRecord(
                    student_id=student_id,
                    activity_id=activity.id,
                    completed_on=completed_on,
                    recorded_by_id=actor.id,
                )
                for student_id in new
            )
    except IntegrityError:  # someone recorded one of them in the meantime
        raise AlreadyRecorded(
            f"{activity.name} was just recorded for some of these students by someone else. "
            "Reload the page and try again.",
            field="student_ids",
        ) from None
    db.session.commit()
    return ClassRecording(activity.name, recorded=len(new), already_done=len(already))
