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
acceptance) and the placement itself (placed → completed); overall, by school and by student
group. A school's or a group's median measured over fewer than ``SMALLEST_SHOWN``
applications is hidden ("fewer than 11"): the median of a few is close to one student's own
wait (of three, it *is* the middle one's), and the school or the group says whose. So is the
overall median on a page filtered to a group, which is that group's.

Staff may narrow the funnel to one student group (``ReachFilters.group``: the timeline holds
that group's applications only, through ``students_in_scope``): every count is then the
group's, suppressed against the unfiltered funnel (``groups.suppress_filtered``; the schools'
rows add up to the total), and the table by student group is not shown.

All of it in SQL: the counts grouped by school, the counts grouped by the demographics, and
the medians (window functions, which SQLite and PostgreSQL both have, partitioned by wait and
by school or group): three statements over one common table of the applications' steps (the
medians' statement reads it four times, once per wait, and the database builds it once).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from datetime import time, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Float,
    Select,
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
from wbl.reporting.reach import ReachFilters, scope_name, sees_groups, students_in_scope
from wbl.roster.demographics import SMALLEST_SHOWN, Cell, Hidden
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
#: What each step's applications are a part of: the step before's.
WITHIN = {step: STEPS[i - 1] for i, step in enumerate(STEPS) if i}
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
    """A school's or the whole scope's applications per step; on a page filtered to a
    student group, the hidden counts are in ``hidden`` and not in ``values``."""

    name: str
    values: dict[str, int]  # per step
    key: Hashable = None  # the school's
    hidden: Mapping[str, Hidden] = field(default_factory=dict)

    def cell(self, step: str) -> Cell:
        why = self.hidden.get(step)
        return Cell(None, why) if why else Cell(self.values[step])

    def share(self, step: str, whole: str = "applied") -> float | None:
        if step in self.hidden or whole in self.hidden:
            return None
        applied = self.values[whole]
        return self.values[step] / applied if applied else None


@dataclass(frozen=True, slots=True)
class Median:
    """The median days of a wait: none measured, hidden (measured over too few) or days."""

    days: float | None
    hidden: bool = False

    @property
    def text(self) -> str:
        if self.hidden:
            return Hidden.SMALL.value
        return "—" if self.days is None else f"{self.days:.1f}"


NOTHING = Median(None)
FEW = Median(None, hidden=True)  # measured over fewer than SMALLEST_SHOWN (none included)


@dataclass(frozen=True, slots=True)
class GroupMedians:
    """A student group's medians, per wait (``cells``, as ``groups.GroupRow`` has them)."""

    family: str
    name: str
    cells: dict[str, Median]


@dataclass(frozen=True, slots=True)
class Funnel:
    filters: ReachFilters
    scope: str
    total: StepRow
    schools: list[StepRow]
    groups: list[groups.GroupRow]
    any_hidden: bool
    medians: dict[str, float | None]  # per wait, in days (None: nothing to measure, or hidden)
    median_cells: dict[str, Median]  # the same, as shown
    school_medians: dict[Hashable, dict[str, Median]]  # per school's key, per wait
    group_medians: list[GroupMedians]  # per student group (none on a page filtered to one)

    def school_median(self, school: Hashable, wait: str) -> Median:
        return self.school_medians.get(school, {}).get(wait, FEW)

    def conversion(self, step: str) -> float | None:
        """Of the applications at the step before, the share that reached ``step``."""
        position = STEPS.index(step)
        if position == 0:
            return None
        return self.total.share(step, whole=STEPS[position - 1])


def _timeline(actor: User, filters: ReachFilters) -> CTE:
    """One row per application of the year and scope: when it reached each step (NULL: not)."""
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
    ids = students_in_scope(actor, filters).subquery("scope")
    year = filters.year
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
        .cte("timeline")
    )


def _counts(timeline: CTE) -> list[Any]:
    return [func.count(timeline.c[step]) for step in STEPS]


def _medians(timeline: CTE, by_group: bool) -> Select[Any]:
    """One statement: the median days of each wait (``WAITS``' position) over the timeline
    (part 0 of dimension 0), per school (dimension 1, the school's id) and, ``by_group``, per
    student group (dimension 2, the group's position in ``groups.GROUP_KEYS``), with how
    many applications each median is of."""
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
    measured = (
        select(
            waits.c.wait,
            waits.c.days,
            StudentProfile.school_id.label("school_id"),
            *groups.labelled_columns(),
        )
        .join(StudentProfile, StudentProfile.id == waits.c.student_id)
        .outerjoin(StudentDemographics, StudentDemographics.student_id == StudentProfile.id)
        .cte("measured")
    )
    m = measured.c

    def part(dim: int, key: Any, *where: ColumnElement[bool]) -> Select[Any]:
        return select(literal(dim).label("dim"), key.label("part"), m.wait, m.days).where(*where)

    parts = [part(0, literal(0)), part(1, m.school_id)]
    if by_group:
        parts += [
            part(2, literal(i), groups.member(key, {name: m[name] for name in groups.COLUMN_NAMES}))
            for i, key in enumerate(groups.GROUP_KEYS)
        ]
    rows = union_all(*parts).subquery("parts")
    within = (rows.c.dim, rows.c.part, rows.c.wait)
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
            ranked.c.dim,
            ranked.c.part,
            ranked.c.wait,
            func.avg(ranked.c.days).label("days"),
            func.max(ranked.c.n).label("n"),
        )
        .where(middle)
        .group_by(ranked.c.dim, ranked.c.part, ranked.c.wait)
    )


def _median(days: Any, n: Any, *, few_hidden: bool) -> Median:
    """``few_hidden``: a school's or a group's, hidden when measured over fewer than 11 (none
    too, or "—" would tell 0 from a few)."""
    if few_hidden and (days is None or int(n) < SMALLEST_SHOWN):
        return FEW
    return NOTHING if days is None else Median(float(days))


def funnel(actor: User, filters: ReachFilters) -> Funnel:
    """The funnel of the actor's scope and year (see the module's docstring); filtered to a
    student group, that group's counts suppressed against the unfiltered funnel's."""
    require(is_staff(actor))  # the scope is staff's: a district or the county
    scope = scope_name(actor, filters)
    if filters.group is None:
        return _funnel(actor, filters, scope)
    require(sees_groups(actor))
    unfiltered = _funnel(actor, replace(filters, group=None), scope, with_groups=False)
    keys = groups.partition(filters.group)
    pages = [_funnel(actor, replace(filters, group=k), scope, with_groups=False) for k in keys]
    lines: list[list[groups.CellKey]] = [
        [*(("schools", row.key, step) for row in unfiltered.schools), ("total", None, step)]
        for step in STEPS
    ]
    cells = _cells(unfiltered, unfiltered)
    hidden = groups.suppress_filtered(
        [_cells(page, unfiltered) for page in pages],
        cells,
        groups.Layout(lines, {(t, r, s): (t, r, WITHIN.get(s, s)) for t, r, s in cells}),
    )
    mine = keys.index(filters.group)
    page, gone = pages[mine], hidden[mine]
    mine_cells = _cells(page, unfiltered)

    def row(table: str, like: StepRow) -> StepRow:
        out = {s: gone[table, like.key, s] for s in STEPS if (table, like.key, s) in gone}
        values = {s: mine_cells[table, like.key, s] for s in STEPS if s not in out}
        return StepRow(like.name, values, like.key, out)

    return replace(
        page,
        total=row("total", page.total),
        schools=[row("schools", r) for r in unfiltered.schools],
        groups=[],
        any_hidden=bool(gone),
    )


def _cells(page: Funnel, unfiltered: Funnel) -> dict[groups.CellKey, int]:
    """Every count of ``page`` in the rows of ``unfiltered`` (a school the page lacks: 0)."""
    cells: dict[groups.CellKey, int] = {("total", None, s): page.total.values[s] for s in STEPS}
    mine = {row.key: row.values for row in page.schools}
    for row in unfiltered.schools:
        cells.update({("schools", row.key, s): mine.get(row.key, {}).get(s, 0) for s in STEPS})
    return cells


def _funnel(actor: User, filters: ReachFilters, scope: str, *, with_groups: bool = True) -> Funnel:
    """Every figure of the funnel, unsuppressed but for the student groups."""
    timeline = _timeline(actor, filters)
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
    group_rows: list[groups.GroupRow] = []
    any_hidden = False
    if with_groups:
        rolled = groups.roll_up(
            db.session.execute(
                select(*groups.columns(), *_counts(timeline))
                .select_from(timeline)
                .join(StudentProfile, StudentProfile.id == timeline.c.student_id)
                .outerjoin(StudentDemographics, StudentDemographics.student_id == StudentProfile.id)
                .group_by(*groups.columns())
            ),
            len(STEPS),
        )
        group_rows, any_hidden = groups.suppressed(rolled, STEPS, WITHIN)
    filtered = filters.group is not None
    overall = dict.fromkeys((key for key, *_ in WAITS), FEW if filtered else NOTHING)
    by_school: dict[Hashable, dict[str, Median]] = {
        row.key: dict.fromkeys(overall, FEW) for row in per_school
    }
    by_group = [dict.fromkeys(overall, FEW) for _ in groups.GROUP_KEYS]
    for dim, part, position, days, n in db.session.execute(_medians(timeline, with_groups)):
        wait = WAITS[int(position)][0]
        if dim == 0:  # a page filtered to a group: the overall median is the group's
            overall[wait] = _median(days, n, few_hidden=filtered)
        elif dim == 1:
            by_school.setdefault(part, dict.fromkeys(overall, FEW))[wait] = _median(
                days, n, few_hidden=True
            )
        else:
            by_group[int(part)][wait] = _median(days, n, few_hidden=True)
    return Funnel(
        filters=filters,
        scope=scope,
        total=StepRow("All applications", totals),
        schools=per_school,
        groups=group_rows,
        any_hidden=any_hidden,
        medians={wait: median.days for wait, median in overall.items()},
        median_cells=overall,
        school_medians=by_school,
        group_medians=[
            GroupMedians(family, name, waits)
            for (family, name), waits in zip(groups.GROUPS, by_group, strict=True)
        ]
        if with_groups
        else [],
    )


def table_rows(found: Funnel) -> tuple[list[str], list[list[object]]]:
    """The funnel's tables as one sheet (hidden figures as the words the page shows)."""
    header = ["Section", "Group", *(STEP_LABELS[s] for s in STEPS)]
    scope = found.scope
    if found.filters.group is not None:
        scope = f"{scope}, student group: {groups.GROUP_LABELS[found.filters.group]}"

    def counts(row: StepRow) -> list[object]:
        return [row.values[s] if s in row.values else row.cell(s).text for s in STEPS]

    rows: list[list[object]] = [
        [f"{found.filters.year.label}, {scope}", found.total.name, *counts(found.total)]
    ]
    rows += [["By school", r.name, *counts(r)] for r in found.schools]
    rows += [["By student group", g.name, *(g.cells[s].text for s in STEPS)] for g in found.groups]
    for key, label, _, _ in WAITS:
        rows.append(["Median days", label, _days(found.median_cells[key])])
    for row in found.schools:
        for key, label, _, _ in WAITS:
            median = found.school_median(row.key, key)
            rows.append(["Median days by school", f"{row.name}: {label}", _days(median)])
    for group in found.group_medians:
        for key, label, _, _ in WAITS:
            rows.append(
                ["Median days by student group", f"{group.name}: {label}", _days(group.cells[key])]
            )
    return header, rows


def _days(median: Median) -> object:
    """A median as a download shows it: days to a tenth, "" for none, or why it is hidden."""
    if median.hidden:
        return median.text
    return "" if median.days is None else round(median.days, 1)
