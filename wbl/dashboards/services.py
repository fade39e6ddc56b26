"""What each role sees first when it signs in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select

from wbl.auth.models import User
from wbl.catalog import queries as catalog_queries
from wbl.catalog.manage_queries import ComplianceRow, compliance_rows, review_count
from wbl.catalog.models import Offering, Partner
from wbl.catalog.recommendations import RecommendedOffering, recommendations_for
from wbl.credentials import queries as credential_queries
from wbl.evaluations import queries as evaluation_queries
from wbl.evaluations.models import PlacementReflection
from wbl.events import queries as event_queries
from wbl.events.models import EventRequest
from wbl.extensions import db, utcnow
from wbl.hours import queries as hour_queries
from wbl.hours.logs import PlacementLine, placement_hours, stale_count
from wbl.incidents import queries as incident_queries
from wbl.pathways import services as pathway_services
from wbl.pathways.rules import RuleProgress
from wbl.placements import permits
from wbl.placements.models import PlacementStatus
from wbl.portfolio.services import CheckItem, checklist
from wbl.reference.models import ExperienceKind
from wbl.schools.queries import schools_visible_to
from wbl.students import queries as student_queries
from wbl.students.models import StudentProfile
from wbl.visits import queries as visit_queries
from wbl.visits.models import WorksiteVisit


@dataclass(frozen=True, slots=True)
class KindSummary:
    kind: ExperienceKind
    offerings: int
    seats: int


@dataclass(frozen=True, slots=True)
class StaffDashboard:
    partners: int
    published: int
    students: int
    schools: int
    by_kind: list[KindSummary]
    attention: list[ComplianceRow]
    attention_total: int
    to_review: int
    stale_placements: int = 0  # active, started, and no hours for 14 days
    credentials_waiting: int = 0  # recorded credentials of students in scope, not yet verified
    open_incidents: int = 0  # incidents on placements of students in scope, not closed
    # Placements in scope due a worksite visit (the first few, and how many), and visits
    # whose follow-up is still open.
    visits_due: list[visit_queries.DueRow] = field(default_factory=list)
    visits_due_total: int = 0
    visit_follow_ups: list[WorksiteVisit] = field(default_factory=list)
    visit_follow_ups_total: int = 0


VISITS_SHOWN = 6


def staff_dashboard(actor: User, today: date) -> StaffDashboard:
    counts = {
        kind: (n, seats)
        for kind, n, seats in db.session.execute(catalog_queries.published_counts_by_kind()).all()
    }
    by_kind = [KindSummary(k, *counts.get(k, (0, 0))) for k in ExperienceKind]
    attention = compliance_rows(today)
    students_q = student_queries.students_visible_to(actor).subquery()
    schools_q = schools_visible_to(actor).subquery()
    return StaffDashboard(
        partners=db.session.scalar(select(func.count(Partner.id)).where(Partner.active.is_(True)))
        or 0,
        published=sum(s.offerings for s in by_kind),
        students=db.session.scalar(select(func.count()).select_from(students_q)) or 0,
        schools=db.session.scalar(select(func.count()).select_from(schools_q)) or 0,
        by_kind=by_kind,
        attention=attention[:8],
        attention_total=len(attention),
        to_review=review_count(),
        stale_placements=stale_count(actor, today),
        credentials_waiting=db.session.scalar(credential_queries.pending_count(actor)) or 0,
        open_incidents=db.session.scalar(incident_queries.open_count(actor)) or 0,
        **_visits(actor, today),
    )


def _visits(actor: User, today: date) -> dict[str, Any]:
    every = visit_queries.due_after_days_by_district()
    due = db.session.execute(
        visit_queries.due_placements(actor, today, every).limit(VISITS_SHOWN)
    ).all()
    return {
        "visits_due": visit_queries.due_rows(due, today, every),
        "visits_due_total": db.session.scalar(visit_queries.due_count(actor, today, every)) or 0,
        "visit_follow_ups": list(
            db.session.scalars(visit_queries.open_follow_ups(actor).limit(VISITS_SHOWN))
        ),
        "visit_follow_ups_total": db.session.scalar(visit_queries.open_follow_up_count(actor)) or 0,
    }


@dataclass(frozen=True, slots=True)
class TeacherDashboard:
    grade_counts: dict[int, int]
    total: int
    upcoming_events: list[EventRequest] = field(default_factory=list)


UPCOMING_EVENTS_SHOWN = 5


def teacher_dashboard(actor: User) -> TeacherDashboard:
    grades: dict[int, int] = dict(db.session.execute(student_queries.count_by_grade(actor)).all())
    upcoming = event_queries.upcoming_for_teacher(actor, utcnow()).limit(UPCOMING_EVENTS_SHOWN)
    return TeacherDashboard(
        grade_counts=grades,
        total=sum(grades.values()),
        upcoming_events=list(db.session.scalars(upcoming)),
    )


@dataclass(frozen=True, slots=True)
class StudentDashboard:
    profile: StudentProfile | None
    recommendations: list[RecommendedOffering] = field(default_factory=list)
    upcoming_events: list[EventRequest] = field(default_factory=list)
    # Active and ended placements with their hours, and the ended ones still without the
    # student's reflection.
    placements: list[PlacementLine] = field(default_factory=list)
    reflection_due: frozenset[int] = frozenset()
    # The active placements that have started: the student logs hours on these.
    under_way: frozenset[int] = frozenset()
    # Of those, the ones waiting for their work permit (a minor's paid job): no hours yet.
    permit_waiting: frozenset[int] = frozenset()
    portfolio: list[CheckItem] = field(default_factory=list)  # the Work Ready checklist
    # Where the student stands on each graduation pathway rule of their district that
    # applies to their class (empty: the district has none).
    pathway: list[RuleProgress] = field(default_factory=list)


def student_dashboard(actor: User, today: date, limit: int = 10) -> StudentDashboard:
    """The student's profile and their top recommendations, with the reasons for each."""
    profile = db.session.scalar(student_queries.profile_for_user(actor.id))
    if profile is None:
        return StudentDashboard(profile=None)
    upcoming = event_queries.upcoming_for_student(profile.id, utcnow())
    placements = placement_hours(
        profile.id, (PlacementStatus.ACTIVE, PlacementStatus.PAUSED, PlacementStatus.COMPLETED)
    )
    ended = [p.placement.id for p in placements if p.placement.status is PlacementStatus.COMPLETED]
    reflected = set(
        db.session.scalars(
            select(PlacementReflection.placement_id).where(
                PlacementReflection.placement_id.in_(ended)
            )
        )
        if ended
        else ()
    )
    under_way = frozenset(p.placement.id for p in placements if p.placement.under_way(today))
    return StudentDashboard(
        profile=profile,
        recommendations=recommendations_for(profile, today, k=limit),
        upcoming_events=list(db.session.scalars(upcoming.limit(UPCOMING_EVENTS_SHOWN))),
        placements=placements,
        reflection_due=frozenset(set(ended) - reflected),
        under_way=under_way,
        permit_waiting=frozenset(
            p.placement.id
            for p in placements
            if p.placement.id in under_way
            and p.placement.offering.paid  # only paid placements have permits: no query else
            and permits.hours_blocked(p.placement, today)
        ),
        portfolio=checklist(profile),
        pathway=pathway_services.student_progress(profile, today),
    )


@dataclass(frozen=True, slots=True)
class EmployerDashboard:
    partners: list[Partner]
    offerings: list[Offering]
    pending_requests: int = 0
    hours_waiting: int = 0
    evaluations_awaiting: int = 0


def _count(query: Select[Any]) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def employer_dashboard(actor: User) -> EmployerDashboard:
    return EmployerDashboard(
        partners=list(db.session.scalars(catalog_queries.partners_of_contact(actor))),
        offerings=list(db.session.scalars(catalog_queries.offerings_of_contact(actor).limit(50))),
        pending_requests=db.session.scalar(event_queries.pending_count_for_contact(actor)) or 0,
        hours_waiting=_count(hour_queries.supervisor_pending(actor.id)),
        evaluations_awaiting=_count(
            evaluation_queries.completed_placements(actor, state=evaluation_queries.AWAITING)
        ),
    )
