"""Partners' impact: what one business gave students in a school year, and the county's
partners at a glance.

A partner's impact page (its employer sees it and can print it; staff see every partner's):
the students it hosted (placements of its offerings that started in the year, not
cancelled), by experience type; the placements completed; the hours its supervisors
confirmed; the class events it held and the students present; and the average of the
ratings its supervisors gave in their evaluations, per skill and Portrait of a Graduate
outcome. Counts and averages only: no student is named.

The partners overview (staff): how many partners are active, hosted anything this year,
endorse the Work Ready Certificate, or have a worksite agreement or insurance that has
lapsed; and the partners ranked by the hours they hosted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from wbl.access import require
from wbl.auth.models import User
from wbl.catalog.models import Offering, Partner
from wbl.catalog.policies import get_partner
from wbl.clock import local_to_utc
from wbl.evaluations.models import PlacementEvaluation
from wbl.events.models import EventDateOption, EventRequest, EventRequestStatus
from wbl.extensions import db
from wbl.hours.models import EntryStatus, EventAttendance, HourEntry
from wbl.placements.models import Placement, PlacementStatus
from wbl.reference.models import ExperienceKind
from wbl.reporting.reach import SchoolYear
from wbl.scopes import is_staff

TOP_PARTNERS = 25  # the overview's ranking


@dataclass(frozen=True, slots=True)
class Average:
    name: str
    average: float
    ratings: int


@dataclass(frozen=True, slots=True)
class PartnerImpact:
    partner: Partner
    year: SchoolYear
    students: int  # distinct students hosted
    placements_by_kind: dict[ExperienceKind, int]
    completed: int
    hours: float
    events: int
    event_students: int
    evaluations: int
    skills: list[Average]  # per evaluation category
    outcomes: list[Average]  # per Portrait of a Graduate outcome

    @property
    def placements(self) -> int:
        return sum(self.placements_by_kind.values())


def _in_year(column: Any, year: SchoolYear) -> Any:
    return column.between(year.first_day, year.last_day)


def _at_in_year(column: Any, year: SchoolYear) -> Any:
    return and_(
        column >= local_to_utc(year.first_day, time.min),
        column < local_to_utc(year.last_day + timedelta(days=1), time.min),
    )


def _averages(rows: list[list[dict[str, object]]], key: str) -> list[Average]:
    """The mean rating per item (by ``key``) over the evaluations' lists, in first-seen order."""
    totals: dict[object, list[float]] = defaultdict(list)
    names: dict[object, str] = {}
    for items in rows:
        for item in items if isinstance(items, list) else []:
            rating = item.get("rating") if isinstance(item, dict) else None
            if isinstance(rating, int | float) and not isinstance(rating, bool):
                totals[item.get(key)].append(float(rating))
                names.setdefault(item.get(key), str(item.get("name") or item.get(key)))
    return [Average(names[k], sum(v) / len(v), len(v)) for k, v in totals.items()]


def partner_impact(actor: User, partner_id: int, year: SchoolYear) -> PartnerImpact:
    """One partner's year (staff: any partner; an employer: their own; else not found)."""
    partner = get_partner(actor, partner_id)
    of_partner = Offering.partner_id == partner.id
    started = and_(
        of_partner,
        Placement.status != PlacementStatus.CANCELLED,
        _in_year(Placement.start_date, year),
    )
    by_kind: dict[ExperienceKind, int] = {
        kind: int(count)
        for kind, count in db.session.execute(
            select(Offering.kind, func.count(Placement.id))
            .join(Offering, Offering.id == Placement.offering_id)
            .where(started)
            .group_by(Offering.kind)
        )
    }
    students = db.session.scalar(
        select(func.count(Placement.student_id.distinct()))
        .join(Offering, Offering.id == Placement.offering_id)
        .where(started)
    )
    completed = db.session.scalar(
        select(func.count(Placement.id))
        .join(Offering, Offering.id == Placement.offering_id)
        .where(
            of_partner,
            Placement.status == PlacementStatus.COMPLETED,
            _in_year(func.coalesce(Placement.end_date, func.date(Placement.completed_at)), year),
        )
    )
    minutes = db.session.scalar(
        select(func.coalesce(func.sum(HourEntry.minutes), 0))
        .join(Placement, Placement.id == HourEntry.placement_id)
        .join(Offering, Offering.id == Placement.offering_id)
        .where(
            of_partner,
            HourEntry.status == EntryStatus.CONFIRMED,
            _in_year(HourEntry.work_date, year),
        )
    )
    chosen = and_(EventDateOption.request_id == EventRequest.id, EventDateOption.chosen.is_(True))
    events, present = db.session.execute(
        select(
            func.count(EventRequest.id.distinct()),
            func.count(EventAttendance.id),
        )
        .select_from(EventRequest)
        .join(EventDateOption, chosen)
        .outerjoin(
            EventAttendance,
            and_(EventAttendance.event_id == EventRequest.id, EventAttendance.present.is_(True)),
        )
        .where(
            EventRequest.partner_id == partner.id,
            EventRequest.status == EventRequestStatus.ACCEPTED,
            _at_in_year(EventDateOption.starts_at, year),
        )
    ).one()
    evaluations = db.session.execute(
        select(PlacementEvaluation.ratings, PlacementEvaluation.outcome_ratings)
        .join(Placement, Placement.id == PlacementEvaluation.placement_id)
        .join(Offering, Offering.id == Placement.offering_id)
        .where(of_partner, _at_in_year(PlacementEvaluation.submitted_at, year))
    ).all()
    return PartnerImpact(
        partner=partner,
        year=year,
        students=int(students or 0),
        placements_by_kind=by_kind,
        completed=int(completed or 0),
        hours=int(minutes or 0) / 60,
        events=int(events or 0),
        event_students=int(present or 0),
        evaluations=len(evaluations),
        skills=_averages([row[0] for row in evaluations], "code"),
        outcomes=_averages([row[1] for row in evaluations], "code"),
    )


# --- the overview (staff) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartnerLine:
    partner_id: int
    name: str
    placements: int
    hours: float
    events: int


@dataclass(frozen=True, slots=True)
class PartnersOverview:
    year: SchoolYear
    active: int
    hosting: int  # active partners with a placement started or an event held in the year
    endorsing: int
    lapsed: int  # active partners whose worksite agreement or insurance has expired
    hours: float
    top: list[PartnerLine]


def partners_overview(actor: User, year: SchoolYear, today: date) -> PartnersOverview:
    """The county's partners in the year: staff only (partners serve the whole county)."""
    require(is_staff(actor))
    expired = or_(Partner.worksite_agreement_expiry < today, Partner.insurance_expiry < today)
    active, endorsing, lapsed = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Partner.endorses_certificate.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(case((expired, 1), else_=0)), 0),
        ).where(Partner.active.is_(True))
    ).one()
    placements = (
        select(Offering.partner_id.label("partner_id"), func.count(Placement.id).label("n"))
        .join(Offering, Offering.id == Placement.offering_id)
        .where(Placement.status != PlacementStatus.CANCELLED, _in_year(Placement.start_date, year))
        .group_by(Offering.partner_id)
        .subquery()
    )
    hours = (
        select(Offering.partner_id.label("partner_id"), func.sum(HourEntry.minutes).label("m"))
        .join(Placement, Placement.id == HourEntry.placement_id)
        .join(Offering, Offering.id == Placement.offering_id)
        .where(HourEntry.status == EntryStatus.CONFIRMED, _in_year(HourEntry.work_date, year))
        .group_by(Offering.partner_id)
        .subquery()
    )
    chosen = and_(EventDateOption.request_id == EventRequest.id, EventDateOption.chosen.is_(True))
    events = (
        select(EventRequest.partner_id.label("partner_id"), func.count().label("n"))
        .join(EventDateOption, chosen)
        .where(
            EventRequest.status == EventRequestStatus.ACCEPTED,
            _at_in_year(EventDateOption.starts_at, year),
        )
        .group_by(EventRequest.partner_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Partner.id,
            Partner.name,
            func.coalesce(placements.c.n, 0),
            func.coalesce(hours.c.m, 0),
            func.coalesce(events.c.n, 0),
        )
        .outerjoin(placements, placements.c.partner_id == Partner.id)
        .outerjoin(hours, hours.c.partner_id == Partner.id)
        .outerjoin(events, events.c.partner_id == Partner.id)
        .where(
            Partner.active.is_(True),
            or_(placements.c.n.is_not(None), events.c.n.is_not(None), hours.c.m.is_not(None)),
        )
        .order_by(func.coalesce(hours.c.m, 0).desc(), Partner.name, Partner.id)
    ).all()
    lines = [PartnerLine(pid, name, int(p), int(m) / 60, int(e)) for pid, name, p, m, e in rows]
    return PartnersOverview(
        year=year,
        active=int(active or 0),
        hosting=sum(1 for line in lines if line.placements or line.events),
        endorsing=int(endorsing or 0),
        lapsed=int(lapsed or 0),
        hours=sum(line.hours for line in lines),
        top=lines[:TOP_PARTNERS],
    )
