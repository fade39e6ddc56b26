"""Which students an actor may see. Scoping is by data, not only by role (FERPA)."""

from __future__ import annotations

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from wbl.access import Role
from wbl.auth.models import User
from wbl.schools.models import School
from wbl.scopes import in_staff_district, is_staff
from wbl.students.models import StudentProfile


def students_visible_to(actor: User) -> Select[StudentProfile]:
    """County staff and admins: all; district staff: their district; teachers: their school;
    students: themselves. Employers see only their applicants (placements issue), so none here."""
    query = select(StudentProfile)
    if actor.is_county_wide:
        return query
    if is_staff(actor):
        return query.join(School, StudentProfile.school_id == School.id).where(
            in_staff_district(actor, School.district_id)
        )
    if actor.has_role(Role.TEACHER) and actor.school_id is not None:
        return query.where(StudentProfile.school_id == actor.school_id)
    if actor.has_role(Role.STUDENT):
        return query.where(StudentProfile.user_id == actor.id)
    return query.where(false())


def student_roster(
    actor: User, *, name: str = "", grade: int | None = None
) -> Select[StudentProfile]:
    """A list page's query: names sorted, user, school and pathways loaded up front (no
    N+1; the user from the join the sort needs, without the roles a list never shows),
    optionally narrowed to a grade or to names containing ``name`` (any case)."""
    query = (
        students_visible_to(actor)
        .join(User, StudentProfile.user_id == User.id)
        .options(
            contains_eager(StudentProfile.user).lazyload(User.roles),
            selectinload(StudentProfile.pathways),
            joinedload(StudentProfile.school, innerjoin=True),
        )
        .order_by(StudentProfile.grade.desc(), User.full_name, StudentProfile.id)
    )
    if name.strip():
        query = query.where(
            func.lower(User.full_name).contains(name.strip().lower(), autoescape=True)
        )
    if grade is not None:
        query = query.where(StudentProfile.grade == grade)
    return query


def count_by_grade(actor: User) -> Select[int, int]:
    sub = students_visible_to(actor).subquery()
    return select(sub.c.grade, func.count()).group_by(sub.c.grade).order_by(sub.c.grade)


def profile_for_user(user_id: int) -> Select[StudentProfile]:
    return (
        select(StudentProfile)
        .where(StudentProfile.user_id == user_id)
        .options(selectinload(StudentProfile.pathways), joinedload(StudentProfile.school))
    )


def students_of_school(school_id: int) -> Select[StudentProfile]:
    """The students a teacher may put in a class: their own school's, by name."""
    return (
        select(StudentProfile)
        .join(User, StudentProfile.user_id == User.id)
        .where(StudentProfile.school_id == school_id, User.active.is_(True))
        .options(selectinload(StudentProfile.user))
        .order_by(User.full_name, StudentProfile.id)
    )
