"""The placement funnel: where applications of a school year went, and how long each step took.

Each application made in the school year (by a student of the viewer's scope, as the roster
has them now) is followed through its history (``ApplicationEvent``) and its placement:

    applied → teacher approved → employer accepted → consent given (or not needed)
            → placed → completed

An application has reached a step when its history first shows it there or further along
(an application the employer waitlisted was approved by the teacher first). Guardian consent
is the guardian's "yes" for a minor; an adult's application passes the step when it is
placed. The counts are of applications (a student who applied three times counts three
times), by school and by student group with small counts hidden (``wbl.reporting.groups``).

Between steps, the median days: the teacher's review (applied → approved), the employer's
decision (approved → accepted), the guardian's answer (the consent e-mail's answer after
acceptance) and the placement itself (placed → completed).

All of it in SQL: the counts grouped by school, the counts grouped by the demographics, and
the medians (window functions, which SQLite and PostgreSQL both have): three statements over
one common table of the applications' steps (the medians' statement reads it four times,
and the database builds it once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Float,
    Select,
    Subquery,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from wbl.access import require
from wbl.auth.models import User
from wbl.clock import local_to_utc
from wbl.extensions import db
from wbl.placements.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ConsentStatus,
    GuardianConsent,
    Placement,
    PlacementStatus,
)
from wbl.reporting import groups
from wbl.reporting.groups import GroupRow
from wbl.reporting.reach import (
    ReachFilters,
    SchoolYear,
    across_places,
    county_students,
    place_of,
    places_statement,
    scope_name,
    students_in_scope,
)
from wbl.roster.models import StudentDemographics
from wbl.schools.models import School
from wbl.scopes import is_staff
from wbl.students.models import StudentProfile

STEPS: tuple[str, ...] = ("applied", "approved", "accepted", "consented", "placed", "completed")
STEP_LABELS = {
    "applied": "Applied",
    "approved": "Teacher approved",
    "accepted": "Employer accepted",
    "consented": "Consent given or not needed",
    "placed": "Placed",
    "completed": "Completed",
}
_APPROVED_OR_LATER = (
    ApplicationStatus.APPROVED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.PLACED,
)
_ACCEPTED_OR_LATER = (ApplicationStatus.ACCEPTED, ApplicationStatus.PLACED)

#: The waits the medians measure: (key, label, from, to) over the timeline's columns.
WAITS: tuple[tuple[str, str, str, str], ...] = (
    ("review", "Teacher's review", "applied", "approved"),
    ("decision", "Employer's decision", "approved", "accepted"),
    ("consent", "Guardian's consent", "accepted", "consent_given"),
    ("placement", "The placement itself", "placed", "completed"),
)


class days_between(FunctionElement[float]):  # noqa: N801 - a SQL function, named like one
    """Days (fractional) from the first timestamp to the second, on either database."""

    type = Float()
    inherit_cache = True


@compiles(days_between)
def _days_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(julianday({end}) - julianday({start}))"


@compiles(days_between, "postgresql")
def _days_postgresql(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"


@dataclass(frozen=True, slots=True)
class StepRow:
    name: str
    values: dict[str, int]  # per step

    def share(self, step: str) -> float | None:
        applied = self.values["applied"]
        return self.values[step] / applied if applied else None


@dataclass(frozen=True, slots=True)
class Funnel:
    filters: ReachFilters
    scope: str
    total: StepRow
    schools: list[StepRow]
    groups: list[groups.GroupRow]
    any_hidden: bool
    medians: dict[str, float | None]  # per wait, in days (None: nothing to measure)
    across: list[tuple[str, GroupRow]]  # the group filtered to: here, then each part

    def conversion(self, step: str) -> float | None:
        """Of the applications at the step before, the share that reached ``step``."""
        position = STEPS.index(step)
        if position == 0:
            return None
        before = self.total.values[STEPS[position - 1]]
        return self.total.values[step] / before if before else None


def _timeline(ids: Subquery, year: SchoolYear, name: str = "timeline") -> CTE:
    """One row per application of the year by the students ``ids`` holds: when it reached each
    step (NULL: not)."""
    ev = ApplicationEvent

    def first(statuses: tuple[ApplicationStatus, ...]) -> Any:
        return func.min(case((ev.to_status.in_([s.value for s in statuses]), ev.at)))

    history = (
        select(
            ev.application_id,
            first(_APPROVED_OR_LATER).label("approved"),
            first(_ACCEPTED_OR_LATER).label("accepted"),
            first((ApplicationStatus.PLACED,)).label("placed"),
        )
        .group_by(ev.application_id)
        .subquery("history")
    )
    given = and_(
        GuardianConsent.status == ConsentStatus.GIVEN, GuardianConsent.answered_at.is_not(None)
    )
    placed = func.coalesce(history.c.placed, Placement.created_at)
    return (
        select(
            Application.id,
            Application.student_id,
            Application.created_at.label("applied"),
            history.c.approved,
            history.c.accepted,
            case(
                (given, GuardianConsent.answered_at),
                (GuardianConsent.id.is_(None), placed),
            ).label("consented"),
            case((given, GuardianConsent.answered_at)).label("consent_given"),
            placed.label("placed"),
            case((Placement.status == PlacementStatus.COMPLETED, Placement.completed_at)).label(
                "completed"
            ),
        )
        .join(ids, ids.c.id == Application.student_id)
        .outerjoin(history, history.c.application_id == Application.id)
        .outerjoin(GuardianConsent, GuardianConsent.application_id == Application.id)
        .outerjoin(Placement, Placement.application_id == Application.id)
        .where(
            Application.created_at >= local_to_utc(year.first_day, time.min),
            Application.created_at < local_to_utc(year.last_day + timedelta(days=1), time.min),
        )
        .cte(name)
    )


def _counts(timeline: CTE) -> list[Any]:
    return [func.count(timeline.c[step]) for step in STEPS]


def _median(timeline: CTE, position: int, start: str, end: str) -> Select[Any]:
    """The median of the days from ``start`` to ``end`` where the application has both."""
    days = (
        select(days_between(timeline.c[start], timeline.c[end]).label("days"))
        .where(timeline.c[start].is_not(None), timeline.c[end].is_not(None))
        .subquery()
    )
    ranked = select(
        days.c.days,
        func.row_number().over(order_by=days.c.days).label("rn"),
        func.count().over().label("n"),
    ).subquery()
    middle: ColumnElement[bool] = or_(
        ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2
    )
    return select(literal(position).label("wait"), func.avg(ranked.c.days).label("days")).where(
        middle
    )


def funnel(actor: User, filters: ReachFilters) -> Funnel:
    """The funnel of the actor's scope and year (see the module's docstring)."""
    require(is_staff(actor))  # the scope is staff's: a district or the county
    scope = scope_name(actor, filters)
    timeline = _timeline(students_in_scope(actor, filters).subquery("scope"), filters.year)
    per_school: list[StepRow] = []
    totals = dict.fromkeys(STEPS, 0)
    for _, name, *values in db.session.execute(
        select(School.id, School.name, *_counts(timeline))
        .select_from(timeline)
        .join(StudentProfile, StudentProfile.id == timeline.c.student_id)
        .join(School, School.id == StudentProfile.school_id)
        .group_by(School.id, School.name)
        .order_by(School.name, School.id)
    ):
        row = StepRow(name, dict(zip(STEPS, (int(v) for v in values), strict=True)))
        per_school.append(row)
        for step in STEPS:
            totals[step] += row.values[step]
    everyone = _timeline(county_students().subquery("county"), filters.year, "everyone")
    found = groups.suppress_places(
        groups.roll_up_places(
            db.session.execute(
                places_statement(*_counts(everyone))
                .select_from(everyone)
                .join(StudentProfile, StudentProfile.id == everyone.c.student_id)
                .join(School, School.id == StudentProfile.school_id)
                .outerjoin(StudentDemographics, StudentDemographics.student_id == StudentProfile.id)
                .group_by(School.district_id, School.id, *groups.columns())
            ),
            len(STEPS),
        ),
        STEPS,
    )
    place = place_of(actor, filters)
    group_rows, any_hidden = found.rows(place), found.any_hidden(place)
    across: list[tuple[str, groups.GroupRow]] = []
    if filters.group is not None:
        across = found.across(filters.group, across_places(actor, scope, place))
    medians: dict[str, float | None] = {key: None for key, *_ in WAITS}
    for position, days in db.session.execute(
        union_all(*(_median(timeline, i, start, end) for i, (_, _, start, end) in enumerate(WAITS)))
    ):
        if days is not None:
            medians[WAITS[int(position)][0]] = float(days)
    return Funnel(
        filters=filters,
        scope=scope,
        total=StepRow("All applications", totals),
        schools=per_school,
        groups=group_rows,
        any_hidden=any_hidden,
        medians=medians,
        across=across,
    )


def table_rows(found: Funnel) -> tuple[list[str], list[list[object]]]:
    """The funnel's tables as one sheet (hidden figures as the words the page shows)."""
    header = ["Section", "Group", *(STEP_LABELS[s] for s in STEPS)]
    rows: list[list[object]] = [
        [
            f"{found.filters.year.label}, {found.scope}",
            found.total.name,
            *found.total.values.values(),
        ]
    ]
    rows += [["By school", r.name, *r.values.values()] for r in found.schools]
    rows += [["By student group", g.name, *(g.cells[s].text for s in STEPS)] for g in found.groups]
    if found.across:
        section = f"{groups.GROUPS[found.filters.group or 0][1]}, here and by place"
        rows += [[section, name, *(g.cells[s].text for s in STEPS)] for name, g in found.across]
    for key, label, _, _ in WAITS:
        days = found.medians[key]
        rows.append(["Median days", label, "" if days is None else round(days, 1)])
    return header, rows
