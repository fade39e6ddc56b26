from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ScalarSelect, Select, func, select
from sqlalchemy.orm import selectinload

from wbl.schools.models import ClassSection, District, School, class_section_student
from wbl.students.models import StudentProfile

if TYPE_CHECKING:
    from wbl.auth.models import User


def schools_visible_to(actor: User) -> Select[School]:
    """County-wide users see every school; district staff their district's; others their own."""
    query = select(School).where(School.active.is_(True)).order_by(School.name)
    if actor.is_county_wide:
        return query
    if actor.district_id is not None and actor.school_id is None:
        return query.where(School.district_id == actor.district_id)
    return query.where(School.id == actor.school_id)


def districts_visible_to(actor: User) -> Select[District]:
    query = select(District).where(District.active.is_(True)).order_by(District.name)
    if actor.is_county_wide:
        return query
    return query.where(District.id == actor.district_id)


def _student_count() -> ScalarSelect[int]:
    return (
        select(func.count())
        .select_from(class_section_student)
        .where(class_section_student.c.class_section_id == ClassSection.id)
        .scalar_subquery()
    )


def classes_of_teacher(actor: User) -> Select[ClassSection, int]:
    """A teacher's active classes, each with its number of students (one query)."""
    return (
        select(ClassSection, _student_count())
        .where(ClassSection.teacher_id == actor.id, ClassSection.active.is_(True))
        .order_by(ClassSection.period, ClassSection.name, ClassSection.id)
    )


def class_of_teacher(actor: User, class_id: int) -> Select[ClassSection]:
    """One of the teacher's own classes with its students (another teacher's: no row)."""
    return (
        select(ClassSection)
        .where(
            ClassSection.id == class_id,
            ClassSection.teacher_id == actor.id,
            ClassSection.active.is_(True),
        )
        .options(selectinload(ClassSection.students).selectinload(StudentProfile.user))
    )
