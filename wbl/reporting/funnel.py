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
acceptance) and the placement itself (placed → completed); overall, by school, and for the
student group the page is filtered to, here and by school. A school's or a group's median of
fewer than ``SMALLEST_SHOWN`` applications is hidden (``Median``).

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
    schools_for,
    scope_name,
    students_in_scope,
)
from wbl.roster.demographics import SMALLEST_SHOWN, Hidden
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
    key: int | None = None  # the school's id

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
    school_medians: list[tuple[str, dict[str, Median]]]  # per school of the scope, per wait
    group_medians: list[tuple[str, dict[str, Median]]]  # the group's: here, then per school

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


ALL, BY_SCHOOL, GROUP, GROUP_BY_SCHOOL = range(4)  # the parts the medians are taken over


def _medians(timeline: CTE, group: int | None) -> Select[Any]:
    """One statement: the median days of each wait (its position in ``WAITS``) and how many
    applications it is of, over the whole timeline (``ALL``), per school (``BY_SCHOOL``, the
    school's id) and, for a student ``group``, over its applications (``GROUP``) and per
    school (``GROUP_BY_SCHOOL``): rows ``(part, school id or 0, wait, days, n)``."""
    waits = union_all(
        *(
            select(
                literal(i).label("wait"),
                timeline.c.student_id,
                days_between(timeline.c[start], timeline.c[end]).label("days"),
            ).where(timeline.c[start].is_not(None), timeline.c[end].is_not(None))
            for i, (_, _, start, end) in enumerate(WAITS)
        )
    ).subquery("waits")
    member = literal(0) if group is None else case((groups.member(group), 1), else_=0)
    measured = (
        select(
            waits.c.wait,
            waits.c.days,
            StudentProfile.school_id.label("school_id"),
            member.label("member"),
        )
        .join(StudentProfile, StudentProfile.id == waits.c.student_id)
        .outerjoin(StudentDemographics, StudentDemographics.student_id == StudentProfile.id)
        .cte("measured")
    )
    m = measured.c

    def part(kind: int, key: Any, *where: ColumnElement[bool]) -> Select[Any]:
        return select(literal(kind).label("kind"), key.label("part"), m.wait, m.days).where(*where)

    parts = [part(ALL, literal(0)), part(BY_SCHOOL, m.school_id)]
    if group is not None:
        parts += [
            part(GROUP, literal(0), m.member == 1),
            part(GROUP_BY_SCHOOL, m.school_id, m.member == 1),
        ]
    rows = union_all(*parts).subquery("parts")
    within = (rows.c.kind, rows.c.part, rows.c.wait)
    ranked = select(
        *within,
        rows.c.days,
        func.row_number().over(partition_by=within, order_by=rows.c.days).label("rn"),
        func.count().over(partition_by=within).label("n"),
    ).subquery("ranked")
    middle: ColumnElement[bool] = or_(
        ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2
    )
    return (
        select(
            ranked.c.kind,
            ranked.c.part,
            ranked.c.wait,
            func.avg(ranked.c.days).label("days"),
            func.max(ranked.c.n).label("n"),
        )
        .where(middle)
        .group_by(ranked.c.kind, ranked.c.part, ranked.c.wait)
    )


@dataclass(frozen=True, slots=True)
class Median:
    """A wait's median days as shown: measured over fewer than ``SMALLEST_SHOWN``
    applications (none included), a school's or a group's is hidden: the median of a few is
    close to one student's own wait (of three, it *is* the middle one's)."""

    days: float | None
    hidden: bool = False

    @property
    def text(self) -> str:
        if self.hidden:
            return Hidden.SMALL.value
        return "—" if self.days is None else f"{self.days:.1f}"


FEW = Median(None, hidden=True)


def _shown(days: Any, n: Any) -> Median:
    return FEW if int(n) < SMALLEST_SHOWN else Median(float(days))


def funnel(actor: User, filters: ReachFilters) -> Funnel:
    """The funnel of the actor's scope and year (see the module's docstring)."""
    require(is_staff(actor))  # the scope is staff's: a district or the county
    scope = scope_name(actor, filters)
    timeline = _timeline(students_in_scope(actor, filters).subquery("scope"), filters.year)
    per_school: list[StepRow] = []
    totals = dict.fromkeys(STEPS, 0)
    for school_id, name, *values in db.session.execute(
        select(School.id, School.name, *_counts(timeline))
        .select_from(timeline)
        .join(StudentProfile, StudentProfile.id == timeline.c.student_id)
        .join(School, School.id == StudentProfile.school_id)
        .group_by(School.id, School.name)
        .order_by(School.name, School.id)
    ):
        row = StepRow(name, dict(zip(STEPS, (int(v) for v in values), strict=True)), school_id)
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
                .group_by(School.id, *groups.grouped_by())
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
    by_school: dict[int | None, dict[str, Median]] = {}
    of_group: dict[str, Median] = {}
    group_by_school: dict[int, dict[str, Median]] = {}
    for kind, part, position, days, n in db.session.execute(_medians(timeline, filters.group)):
        wait = WAITS[int(position)][0]
        if kind == ALL:
            medians[wait] = None if days is None else float(days)
        elif kind == BY_SCHOOL:
            by_school.setdefault(int(part), {})[wait] = _shown(days, n)
        elif kind == GROUP:
            of_group[wait] = _shown(days, n)
        else:
            group_by_school.setdefault(int(part), {})[wait] = _shown(days, n)
    school_medians = [
        (row.name, {w: by_school.get(row.key, {}).get(w, FEW) for w, *_ in WAITS})
        for row in per_school
    ]
    group_medians: list[tuple[str, dict[str, Median]]] = []
    if filters.group is not None:
        group_medians = [(across[0][0], {w: of_group.get(w, FEW) for w, *_ in WAITS})]
        group_medians += [
            (name, {w: group_by_school.get(school_id, {}).get(w, FEW) for w, *_ in WAITS})
            for name, school_id in _schools_named(actor, place)
        ]
    return Funnel(
        filters=filters,
        scope=scope,
        total=StepRow("All applications", totals),
        schools=per_school,
        groups=group_rows,
        any_hidden=any_hidden,
        medians=medians,
        across=across,
        school_medians=school_medians,
        group_medians=group_medians,
    )


def _schools_named(actor: User, place: groups.Place) -> list[tuple[str, int]]:
    """The schools of a place staff look at, named."""
    if place.school_id is not None:
        school = db.session.get(School, place.school_id)
        return [] if school is None else [(school.name, school.id)]
    return [(s.name, s.id) for s in schools_for(actor, place.district_id)]


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
    for section, medians in (
        ("Median days by school", found.school_medians),
        (f"Median days, {_group_name(found)}, here and by school", found.group_medians),
    ):
        for name, cells in medians:
            rows.append([section, name, *(cells[key].text for key, *_ in WAITS)])
    return header, rows


def _group_name(found: Funnel) -> str:
    return "" if found.filters.group is None else groups.GROUPS[found.filters.group][1]
