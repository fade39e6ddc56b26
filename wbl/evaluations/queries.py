"""Read-side selects for the end of placements: the completed placements a staff member or a
supervisor looks after, with their evaluations and reflections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.evaluations.models import PlacementEvaluation, PlacementReflection
from wbl.extensions import db
from wbl.placements.models import Placement, PlacementStatus
from wbl.schools.models import School
from wbl.scopes import in_staff_district, is_staff, partner_ids_of
from wbl.students.models import StudentProfile

EVALUATED = "evaluated"
AWAITING = "awaiting"


def completed_placements(
    user: User, *, school_id: int | None = None, state: str = ""
) -> Select[Placement]:
    """Completed placements, the latest ended first: staff see their district's students'
    (county staff: all), a supervisor their partners'. ``state`` is ``evaluated`` or
    ``awaiting`` (no evaluation yet); ``school_id`` narrows to one school."""
    query = (
        select(Placement)
        .join(StudentProfile, StudentProfile.id == Placement.student_id)
        .join(School, School.id == StudentProfile.school_id)
        .where(Placement.status == PlacementStatus.COMPLETED)
    )
    if is_staff(user):
        query = query.where(in_staff_district(user, School.district_id))
    else:
        partners = partner_ids_of(user)
        query = query.join(Offering, Offering.id == Placement.offering_id).where(
            Offering.partner_id.in_(partners)
        )
    if school_id is not None:
        query = query.where(StudentProfile.school_id == school_id)
    evaluated = exists().where(PlacementEvaluation.placement_id == Placement.id)
    if state == EVALUATED:
        query = query.where(evaluated)
    elif state == AWAITING:
        query = query.where(~evaluated)
    return query.options(
        selectinload(Placement.student).selectinload(StudentProfile.user),
        selectinload(Placement.student).selectinload(StudentProfile.school),
        selectinload(Placement.offering).selectinload(Offering.partner),
    ).order_by(Placement.completed_at.desc().nulls_last(), Placement.id.desc())


def schools_of(user: User) -> Select[School]:
    """The schools a staff member may filter by."""
    return select(School).where(in_staff_district(user, School.district_id)).order_by(School.name)


def submitted_at(placement_ids: Sequence[int]) -> tuple[dict[int, datetime], dict[int, datetime]]:
    """When each placement's evaluation and reflection came in (two queries for a page)."""
    ids = list(placement_ids)
    evaluations: dict[int, datetime] = dict(
        db.session.execute(
            select(PlacementEvaluation.placement_id, PlacementEvaluation.submitted_at).where(
                PlacementEvaluation.placement_id.in_(ids)
            )
        ).all()
    )
    reflections: dict[int, datetime] = dict(
        db.session.execute(
            select(PlacementReflection.placement_id, PlacementReflection.submitted_at).where(
                PlacementReflection.placement_id.in_(ids)
            )
        ).all()
    )
    return evaluations, reflections
