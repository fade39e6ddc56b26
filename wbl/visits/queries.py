"""The visit lists and the "visit due" rule in SQL, scoped as ``policies.sees_visits`` is:
staff their district's students' placements (all for county staff), a teacher their school's.

The rule (``rules.is_due``) is one condition per distinct ``N`` among the districts' settings
(a county has a handful of districts), each with its cut-off day worked out here, so the same
SQL runs on SQLite and PostgreSQL with no date arithmetic in the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    and_,
    case,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import selectinload

from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.extensions import db
from wbl.placements.models import Placement, PlacementStatus
from wbl.schools.models import School
from wbl.scopes import in_staff_district, school_of
from wbl.students.models import StudentProfile
from wbl.visits.models import VisitChecklistItem, VisitDueFlag, VisitSettings, WorksiteVisit
from wbl.visits.rules import DEFAULT_CHECKLIST, DEFAULT_DUE_AFTER_DAYS, due_from


def _teaches_student(actor: User) -> ColumnElement[bool]:
    school_id = school_of(actor)
    if not actor.has_role(Role.TEACHER) or school_id is None:
        return false()
    return School.id == school_id


def in_scope(actor: User) -> ColumnElement[bool]:
    """On rows joined to the student's ``School``: the placements whose visits ``actor``
    sees."""
    return or_(in_staff_district(actor, School.district_id), _teaches_student(actor))


def _placement_options() -> tuple[Any, ...]:
    return (
        selectinload(Placement.student).selectinload(StudentProfile.user),
        selectinload(Placement.offering).selectinload(Offering.partner),
    )


# --- the district's settings -----------------------------------------------------------------


def due_after_days_by_district() -> dict[int, int]:
    """Every district's own N (one small query); a district missing here uses the default."""
    return dict(
        db.session.execute(select(VisitSettings.district_id, VisitSettings.due_after_days)).all()
    )


def due_after_days(district_id: int) -> int:
    value = db.session.scalar(
        select(VisitSettings.due_after_days).where(VisitSettings.district_id == district_id)
    )
    return DEFAULT_DUE_AFTER_DAYS if value is None else value


def checklist(district_id: int) -> list[str]:
    """The district's checklist, in order; the defaults when it has not written its own."""
    items = list(
        db.session.scalars(
            select(VisitChecklistItem.text)
            .where(VisitChecklistItem.district_id == district_id)
            .order_by(VisitChecklistItem.position)
        )
    )
    return items or list(DEFAULT_CHECKLIST)


# --- visit due -------------------------------------------------------------------------------


def _last_visits() -> Any:
    return (
        select(
            WorksiteVisit.placement_id.label("placement_id"),
            func.max(WorksiteVisit.visited_on).label("last_visit"),
        )
        .group_by(WorksiteVisit.placement_id)
        .subquery("last_visits")
    )


def _rule_due(reference: ColumnElement[Any], today: date, every: dict[int, int]) -> Any:
    """``rules.is_due`` for each district's N, as one condition."""
    by_days: dict[int, list[int]] = defaultdict(list)
    for district_id, days in every.items():
        by_days[days].append(district_id)
    conditions = [
        and_(School.district_id.in_(ids), reference <= today - timedelta(days=days))
        for days, ids in sorted(by_days.items())
    ]
    default_cut = reference <= today - timedelta(days=DEFAULT_DUE_AFTER_DAYS)
    conditions.append(
        and_(School.district_id.not_in(list(every)), default_cut) if every else default_cut
    )
    return or_(*conditions)


def _due(today: date, every: dict[int, int]) -> tuple[Select[Any], Any]:
    last = _last_visits()
    reference = func.coalesce(last.c.last_visit, Placement.start_date, type_=Date)
    started = or_(Placement.start_date.is_(None), Placement.start_date <= today)
    by_rule = and_(
        Placement.status == PlacementStatus.ACTIVE, started, _rule_due(reference, today, every)
    )
    by_hand = and_(
        VisitDueFlag.placement_id.is_not(None),
        Placement.status.in_((PlacementStatus.ACTIVE, PlacementStatus.PAUSED)),
    )
    base = (
        select(Placement)
        .join(StudentProfile, StudentProfile.id == Placement.student_id)
        .join(School, School.id == StudentProfile.school_id)
        .outerjoin(last, last.c.placement_id == Placement.id)
        .outerjoin(VisitDueFlag, VisitDueFlag.placement_id == Placement.id)
        .where(or_(by_rule, by_hand))
    )
    return base, (last, reference)


@dataclass(frozen=True, slots=True)
class DueRow:
    placement: Placement
    last_visit: date | None
    due_since: date | None  # by the rule; None when only the flag makes it due
    flag: VisitDueFlag | None


def due_placements(actor: User, today: date, every: dict[int, int]) -> Select[Any]:
    """Placements in ``actor``'s scope that are due a visit, flagged ones and then the longest
    overdue first: rows of (placement, last visit, district id, flag)."""
    base, (last, reference) = _due(today, every)
    return (
        base.add_columns(last.c.last_visit, School.district_id, VisitDueFlag)
        .where(in_scope(actor))
        .options(*_placement_options())
        .order_by(
            case((VisitDueFlag.placement_id.is_not(None), 0), else_=1),
            case((reference.is_(None), 0), else_=1),
            reference,
            Placement.id,
        )
    )


def due_rows(rows: Any, today: date, every: dict[int, int]) -> list[DueRow]:
    """The rows of ``due_placements`` with the day each became due by the rule."""
    result = []
    for placement, last_visit, district_id, flag in rows:
        days = every.get(district_id, DEFAULT_DUE_AFTER_DAYS)
        due = due_from(placement.start_date, last_visit, days)
        result.append(DueRow(placement, last_visit, due if due and due <= today else None, flag))
    return result


def due_count(actor: User, today: date, every: dict[int, int]) -> Select[int]:
    base, _ = _due(today, every)
    inner = base.with_only_columns(Placement.id).where(in_scope(actor)).subquery()
    return select(func.count()).select_from(inner)


# --- visits ----------------------------------------------------------------------------------


def _scoped_visits(query: Select[Any], actor: User) -> Select[Any]:
    return (
        query.join(Placement, Placement.id == WorksiteVisit.placement_id)
        .join(StudentProfile, StudentProfile.id == Placement.student_id)
        .join(School, School.id == StudentProfile.school_id)
        .where(in_scope(actor))
    )


def _visit_options() -> tuple[Any, ...]:
    return (
        selectinload(WorksiteVisit.placement)
        .selectinload(Placement.student)
        .selectinload(StudentProfile.user),
        selectinload(WorksiteVisit.placement)
        .selectinload(Placement.offering)
        .selectinload(Offering.partner),
        selectinload(WorksiteVisit.visitor),
    )


def visits_visible_to(actor: User) -> Select[WorksiteVisit]:
    """Every visit in scope, the latest first."""
    return (
        _scoped_visits(select(WorksiteVisit), actor)
        .options(*_visit_options())
        .order_by(WorksiteVisit.visited_on.desc(), WorksiteVisit.id.desc())
    )


def open_follow_ups(actor: User) -> Select[WorksiteVisit]:
    """Visits in scope whose follow-up is not done yet, the oldest first."""
    return (
        _scoped_visits(select(WorksiteVisit), actor)
        .where(WorksiteVisit.follow_up_needed.is_(True))
        .where(WorksiteVisit.follow_up_closed_at.is_(None))
        .options(*_visit_options())
        .order_by(WorksiteVisit.visited_on, WorksiteVisit.id)
    )


def open_follow_up_count(actor: User) -> Select[int]:
    return (
        _scoped_visits(select(func.count(WorksiteVisit.id)), actor)
        .where(WorksiteVisit.follow_up_needed.is_(True))
        .where(WorksiteVisit.follow_up_closed_at.is_(None))
    )


def visits_of(placement_id: int) -> Select[WorksiteVisit]:
    return (
        select(WorksiteVisit)
        .where(WorksiteVisit.placement_id == placement_id)
        .options(selectinload(WorksiteVisit.visitor))
        .order_by(WorksiteVisit.visited_on.desc(), WorksiteVisit.id.desc())
    )
