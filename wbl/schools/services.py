"""Teachers keep their classes: the groups they book guest speakers and workplace visits for.

A class belongs to the teacher's school, and only that school's students can be in it (a
teacher sees their own school's students and no one else's: FERPA, legitimate educational
interest). Another teacher's class is reported as not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from wbl.access import Role, require
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db
from wbl.schools import queries
from wbl.schools.models import ClassSection
from wbl.students.models import StudentProfile
from wbl.students.queries import students_of_school

if TYPE_CHECKING:
    from wbl.auth.models import User

MAX_NAME_LENGTH = 120
MAX_PERIOD_LENGTH = 20


@dataclass(frozen=True, slots=True)
class ClassWithCount:
    section: ClassSection
    student_count: int


@dataclass(frozen=True, slots=True)
class ClassInput:
    name: str
    period: str
    student_ids: frozenset[int]


class NoSchool(DomainError):
    message = "Your account is not linked to a school yet. Ask your CTE coordinator."


def _school_of(actor: User) -> int:
    require(actor.has_role(Role.TEACHER))
    if actor.school_id is None:
        raise NoSchool()
    return actor.school_id


def own_classes(actor: User) -> list[ClassWithCount]:
    require(actor.has_role(Role.TEACHER))
    rows = db.session.execute(queries.classes_of_teacher(actor)).all()
    return [ClassWithCount(section, count) for section, count in rows]


def own_class(actor: User, class_id: int) -> ClassSection:
    """One of the actor's classes; another teacher's is not found."""
    require(actor.has_role(Role.TEACHER))
    section = db.session.scalar(queries.class_of_teacher(actor, class_id))
    if section is None:
        raise NotFound()
    return section


def selectable_students(actor: User) -> list[StudentProfile]:
    """The students of the teacher's own school, by name: who may be put in a class."""
    return list(db.session.scalars(students_of_school(_school_of(actor))))


def _checked(actor: User, data: ClassInput) -> tuple[str, str, list[StudentProfile]]:
    school_id = _school_of(actor)
    name, period = data.name.strip(), data.period.strip()
    if not name:
        raise DomainError("Give the class a name.", field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise DomainError(f"Use at most {MAX_NAME_LENGTH} characters.", field="name")
    if len(period) > MAX_PERIOD_LENGTH:
        raise DomainError(f"Use at most {MAX_PERIOD_LENGTH} characters.", field="period")
    students = list(
        db.session.scalars(
            select(StudentProfile).where(
                StudentProfile.id.in_(data.student_ids), StudentProfile.school_id == school_id
            )
        )
    )
    if len(students) != len(data.student_ids):
        raise DomainError("Choose students of your own school from the list.", field="student_ids")
    return name, period, students


@atomic
def create_class(actor: User, data: ClassInput) -> ClassSection:
    name, period, students = _checked(actor, data)
    section = ClassSection(
        school_id=actor.school_id, teacher=actor, name=name, period=period, students=students
    )
    db.session.add(section)
    db.session.commit()
    return section


@atomic
def update_class(actor: User, class_id: int, data: ClassInput) -> ClassSection:
    section = own_class(actor, class_id)
    name, period, students = _checked(actor, data)
    section.name, section.period, section.students = name, period, students
    db.session.commit()
    return section


@atomic
def archive_class(actor: User, class_id: int) -> ClassSection:
    """Take a class off the teacher's list (the end of a term). Its past and booked events
    keep pointing at it, so it is hidden rather than deleted."""
    section = own_class(actor, class_id)
    section.active = False
    db.session.commit()
    return section
