"""Externship lists: what each role sees, and the staff views per partner and per school.

The staff views are one query each for the rows (hours summed in a subquery) plus one for
the externships, whatever the number of teams, so they stay fast as the county grows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from wbl.auth.models import User
from wbl.catalog.models import Partner
from wbl.extensions import db
from wbl.externships.models import (
    ON_TEAM,
    Externship,
    ExternshipApplication,
    ExternshipHour,
    ExternshipHourEvent,
    ExternshipHourStatus,
    ExternshipStatus,
    TeacherApplicationStatus,
)
from wbl.schools.models import School
from wbl.scopes import in_staff_district, is_staff, partner_ids_of


def open_externships(today: date) -> Select[Externship]:
    """What teachers browse: open, the apply-by date not passed, and seats left for at
    least one team (fewer than the minimum team size left is full)."""
    return (
        select(Externship)
        .where(
            Externship.status == ExternshipStatus.OPEN,
            or_(Externship.apply_by.is_(None), Externship.apply_by >= today),
            Externship.seats - Externship.seats_taken >= Externship.min_team_size,
        )
        .options(selectinload(Externship.partner))
        .order_by(Externship.starts_on, Externship.id)
    )


def managed_externships(actor: User) -> Select[Externship]:
    """Staff: every externship; an employer: their partners' externships."""
    query = (
        select(Externship)
        .options(selectinload(Externship.partner))
        .order_by(Externship.starts_on.desc(), Externship.id)
    )
    if not is_staff(actor):
        query = query.where(Externship.partner_id.in_(partner_ids_of(actor)))
    return query


def teacher_applications(teacher_id: int) -> Select[ExternshipApplication]:
    return (
        select(ExternshipApplication)
        .where(ExternshipApplication.teacher_id == teacher_id)
        .options(selectinload(ExternshipApplication.externship).selectinload(Externship.partner))
        .order_by(ExternshipApplication.applied_at.desc(), ExternshipApplication.id.desc())
    )


def district_teachers(actor: User) -> list[Any]:
    """Conditions that keep a district's staff to the teachers of their district's schools
    (none for county-wide staff and everyone else), on a query that joins ``School`` on the
    teacher's school."""
    if not is_staff(actor) or actor.is_county_wide:
        return []
    return [in_staff_district(actor, School.district_id)]


def applications_of(externship_id: int, actor: User) -> Select[ExternshipApplication]:
    """The externship's applications the actor may see (district staff: their district's
    teachers only)."""
    query = (
        select(ExternshipApplication)
        .where(ExternshipApplication.externship_id == externship_id)
        .options(selectinload(ExternshipApplication.teacher).selectinload(User.school))
        .order_by(ExternshipApplication.applied_at, ExternshipApplication.id)
    )
    scope = district_teachers(actor)
    if scope:
        teacher = aliased(User)
        query = (
            query.join(teacher, ExternshipApplication.teacher_id == teacher.id)
            .join(School, teacher.school_id == School.id)
            .where(*scope)
        )
    return query


def hours_of(application_id: int) -> Select[ExternshipHour]:
    return (
        select(ExternshipHour)
        .where(ExternshipHour.application_id == application_id)
        .options(selectinload(ExternshipHour.decided_by))
        .order_by(ExternshipHour.work_date.desc(), ExternshipHour.id.desc())
    )


def trail_of(application_id: int) -> Select[ExternshipHourEvent]:
    """The hours' audit trail of one placed teacher, newest first."""
    return (
        select(ExternshipHourEvent)
        .where(ExternshipHourEvent.application_id == application_id)
        .options(selectinload(ExternshipHourEvent.actor))
        .order_by(ExternshipHourEvent.at.desc(), ExternshipHourEvent.id.desc())
    )


def _hour_totals() -> Any:
    """Confirmed and pending minutes per application (a subquery)."""
    status = ExternshipHour.status
    return (
        select(
            ExternshipHour.application_id.label("application_id"),
            func.sum(
                case((status == ExternshipHourStatus.CONFIRMED, ExternshipHour.minutes), else_=0)
            ).label("confirmed"),
            func.sum(
                case((status == ExternshipHourStatus.PENDING, ExternshipHour.minutes), else_=0)
            ).label("pending"),
        )
        .group_by(ExternshipHour.application_id)
        .subquery()
    )


def application_totals(application_id: int) -> Select[int, int]:
    totals = _hour_totals()
    return select(
        func.coalesce(func.max(totals.c.confirmed), 0), func.coalesce(func.max(totals.c.pending), 0)
    ).where(totals.c.application_id == application_id)


@dataclass
class MemberRow:
    """One placed teacher, as the staff views list them."""

    application_id: int
    status: TeacherApplicationStatus
    team_id: int | None
    teacher: str
    school: str
    school_id: int | None
    externship_id: int
    externship: str
    partner: str
    partner_id: int
    starts_on: date
    ends_on: date
    confirmed: int
    pending: int
    project_title: str
    has_project: bool
    has_file: bool


@dataclass
class Group:
    """Rows under one heading (a school, or a partner's externship)."""

    key: int | None
    title: str
    subtitle: str = ""
    rows: list[MemberRow] = field(default_factory=list)
    seats: int = 0
    seats_taken: int = 0


def _member_rows(where: list[Any], order: list[Any]) -> list[MemberRow]:
    totals = _hour_totals()
    teacher = aliased(User)
    query = (
        select(
            ExternshipApplication.id,
            ExternshipApplication.status,
            ExternshipApplication.team_id,
            teacher.full_name,
            func.coalesce(School.name, ""),
            School.id,
            Externship.id,
            Externship.title,
            Partner.name,
            Partner.id,
            Externship.starts_on,
            Externship.ends_on,
            func.coalesce(totals.c.confirmed, 0),
            func.coalesce(totals.c.pending, 0),
            ExternshipApplication.project_title,
            ExternshipApplication.project_submitted_at.is_not(None),
            ExternshipApplication.project_file_key.is_not(None),
        )
        .join(teacher, ExternshipApplication.teacher_id == teacher.id)
        .outerjoin(School, teacher.school_id == School.id)
        .join(Externship, ExternshipApplication.externship_id == Externship.id)
        .join(Partner, Externship.partner_id == Partner.id)
        .outerjoin(totals, totals.c.application_id == ExternshipApplication.id)
        .where(ExternshipApplication.status.in_(ON_TEAM), *where)
        .order_by(*order, ExternshipApplication.team_id, teacher.full_name)
    )
    return [MemberRow(*cast(tuple[Any, ...], row)) for row in db.session.execute(query)]


def by_school(actor: User) -> list[Group]:
    """Placed teachers grouped by their school (district staff: their district's schools)."""
    where = district_teachers(actor)
    rows = _member_rows(where, [func.coalesce(School.name, "~"), Externship.starts_on])
    groups: dict[int | None, Group] = {}
    for row in rows:
        group = groups.setdefault(row.school_id, Group(row.school_id, row.school or "No school"))
        group.rows.append(row)
    return list(groups.values())


def by_partner(actor: User) -> list[Group]:
    """Every externship under its partner, with its teams (an externship with no team yet
    is listed too, so staff see where seats are free). A district's staff see every
    externship and its seat counts, but only their district's teachers in the rows."""
    externships = db.session.execute(
        select(Externship, Partner.name)
        .join(Partner, Externship.partner_id == Partner.id)
        .where(Externship.status != ExternshipStatus.CANCELLED)
        .order_by(Partner.name, Externship.starts_on, Externship.id)
    ).all()
    rows = _member_rows(
        [Externship.status != ExternshipStatus.CANCELLED, *district_teachers(actor)],
        [Externship.id],
    )
    groups: dict[int | None, Group] = {}
    for externship, partner_name in externships:
        groups[externship.id] = Group(
            externship.id,
            externship.title,
            partner_name,
            seats=externship.seats,
            seats_taken=externship.seats_taken,
        )
    for row in rows:
        groups[row.externship_id].rows.append(row)
    return list(groups.values())
