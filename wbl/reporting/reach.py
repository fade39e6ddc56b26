"""Reach: which students work-based learning reached in a school year, and who it missed.

A student is *reached* in a school year (July 1 to June 30) by an experience of that year:
a class event they were marked present at (a guest speaker or a workplace visit, on the
event's chosen date) or a placement of theirs that started in the year and was not
cancelled. Each experience type sits at a stage of the continuum (awareness → exploration →
preparation → training; the stage is the experience type's, from the reference data), and a
student reaches a stage with any experience of it.

The dashboard counts the active students of the viewer's scope (county staff every district,
a district's staff their own, narrowed to a district or a school; a teacher the students of
their active classes, or of one) as the roster has them now, and answers with counts, never
a student's row:

- the totals, and reach by stage and by experience type;
- by school, by grade and by the pathway students chose (a student in each of theirs);
- by student group (sex, race and ethnicity, English learners, students with disabilities,
  free or reduced-price meals), small counts and what subtraction would reveal hidden
  (``wbl.reporting.groups``); for staff only, as teachers never see demographics;
- the seniors (grade 12): who has reached each stage by now, in any year.

Staff may narrow the page to one student group (``ReachFilters.group``, applied where the
scope is, in ``students_in_scope``): every figure becomes the group's, suppressed against the
same page unfiltered (``groups.suppress_filtered``), and the table by student group is not
shown (the page is one group's). Teachers never get it.

Every figure is aggregated in SQL: five statements whatever the number of students (per
page computed: a group's page is computed with the unfiltered one, and a sex's with the
other sexes', as they are suppressed together).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    func,
    literal,
    select,
    union_all,
)

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.clock import local_to_utc
from wbl.errors import DomainError, NotFound
from wbl.events.models import EventDateOption, EventRequest
from wbl.extensions import db
from wbl.hours.models import EventAttendance
from wbl.placements.models import Placement, PlacementStatus
from wbl.reference.models import (
    ContinuumStage,
    ExperienceKind,
    ExperienceType,
    IndustrySector,
    Pathway,
)
from wbl.reference.queries import experience_type_names
from wbl.reporting import groups
from wbl.roster.demographics import Cell, Hidden
from wbl.roster.models import StudentDemographics
from wbl.schools.models import ClassSection, District, School, class_section_student
from wbl.scopes import in_staff_district, is_staff, staff_sees_district
from wbl.students.models import StudentProfile, student_pathway

STAGES: tuple[ContinuumStage, ...] = tuple(ContinuumStage)
KINDS: tuple[ExperienceKind, ...] = tuple(ExperienceKind)
GRADES = (9, 10, 11, 12)
SENIOR_GRADE = 12
YEARS_OFFERED = 5  # the current school year and the four before it
FIRST_YEAR, LAST_YEAR = 2000, 2998  # the school years that can be asked for (by their start)

# The figures of a row, in order: students, then reached, then each stage, then each type.
FIGURES: tuple[str, ...] = ("students", "reached", *STAGES, *KINDS)
# What each is a part of: a stage or a type of the students reached, those of the students.
WITHIN: dict[str, str] = {"reached": "students", **dict.fromkeys((*STAGES, *KINDS), "reached")}


# --- the school year ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class SchoolYear:
    """July 1 of ``start`` to June 30 of the next year."""

    start: int

    @classmethod
    def of(cls, day: date) -> SchoolYear:
        return cls(day.year if day.month >= 7 else day.year - 1)

    @classmethod
    def parse(cls, text: str) -> SchoolYear:
        """``2025-2026`` (or ``2025-26``); anything else is a clear error."""
        found = re.fullmatch(r"\s*(\d{4})\s*[-–]\s*(\d{2}|\d{4})\s*", text or "")
        if found is None:
            raise DomainError("Write the school year as 2025-2026.", field="year")
        start, end = int(found[1]), found[2]
        if not FIRST_YEAR <= start <= LAST_YEAR:
            raise DomainError(
                f"Choose a school year from {FIRST_YEAR} to {LAST_YEAR + 1}, e.g. 2025-2026.",
                field="year",
            )
        if int(end) not in (start + 1, (start + 1) % 100):
            raise DomainError("A school year runs into the next, e.g. 2025-2026.", field="year")
        return cls(start)

    @property
    def first_day(self) -> date:
        return date(self.start, 7, 1)

    @property
    def last_day(self) -> date:
        return date(self.start + 1, 6, 30)

    @property
    def code(self) -> str:
        return f"{self.start}-{self.start + 1}"

    @property
    def label(self) -> str:
        return f"{self.start}–{(self.start + 1) % 100:02d}"

    def recent(self, count: int = YEARS_OFFERED) -> list[SchoolYear]:
        """This year and the ``count - 1`` before it, newest first."""
        return [SchoolYear(self.start - n) for n in range(count)]


# --- what is asked, and the answer ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReachFilters:
    year: SchoolYear
    district_id: int | None = None
    school_id: int | None = None
    class_id: int | None = None  # a teacher's own class (a teacher's scope is their classes)
    group: str | None = None  # one student group's figures (a key of groups.GROUP_KEYS; staff)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a table: a school, a grade or the whole scope. On a page filtered to a
    student group some figures are hidden: they are in ``hidden`` and not in ``values``, so
    the number never reaches a template or a download."""

    name: str
    values: dict[str, int]
    key: Hashable = None  # the school's, grade's or pathway's (rows are matched by it)
    hidden: Mapping[str, Hidden] = field(default_factory=dict)

    def cell(self, key: str) -> Cell:
        why = self.hidden.get(key)
        return Cell(None, why) if why else Cell(self.values[key])

    def share(self, key: str, whole: str = "students") -> float | None:
        if key in self.hidden or whole in self.hidden:
            return None
        students = self.values[whole]
        return self.values[key] / students if students else None


@dataclass(frozen=True, slots=True)
class Reach:
    filters: ReachFilters
    scope: str  # "the county", a district's or a school's name
    total: Row
    schools: list[Row]
    grades: list[Row]
    pathways: list[Row]  # each pathway students chose (a student in up to three), then none
    groups: list[groups.GroupRow]
    seniors: Row  # reached each stage by now, in any year
    any_hidden: bool
    without_demographics: int  # students of the scope the roster gave no demographics for


# --- who may look, at what -------------------------------------------------------------------


def sees_reach(actor: User) -> bool:
    """CTE staff and administrators (their scope), and teachers (their own classes)."""
    return is_staff(actor) or actor.has_role(Role.TEACHER)


def sees_groups(actor: User) -> bool:
    """Student groups (demographics) are for staff only, as on the demographics page: a
    class is too small a scope, and teachers never see demographics."""
    return is_staff(actor)


def classes_for(actor: User) -> list[ClassSection]:
    """A teacher's active classes (staff have none here)."""
    if is_staff(actor):
        return []
    return list(
        db.session.scalars(
            select(ClassSection)
            .where(ClassSection.teacher_id == actor.id, ClassSection.active.is_(True))
            .order_by(ClassSection.period, ClassSection.name, ClassSection.id)
        )
    )


def districts_for(actor: User) -> list[District]:
    return list(
        db.session.scalars(
            select(District).where(in_staff_district(actor, District.id)).order_by(District.name)
        )
    )


def schools_for(actor: User, district_id: int | None) -> list[School]:
    query = select(School).where(in_staff_district(actor, School.district_id))
    if district_id is not None:
        query = query.where(School.district_id == district_id)
    return list(db.session.scalars(query.order_by(School.name)))


def scope_name(actor: User, filters: ReachFilters) -> str:
    """The scope's name; a district, school or class the actor does not see is not found
    (and a student group, for a teacher: teachers never see demographics)."""
    if not is_staff(actor):  # a teacher: their classes
        if (
            filters.district_id is not None
            or filters.school_id is not None
            or filters.group is not None
        ):
            raise NotFound()
        if filters.class_id is None:
            return "your classes"
        section = db.session.get(ClassSection, filters.class_id)
        if section is None or section.teacher_id != actor.id or not section.active:
            raise NotFound()
        return section.name
    if filters.class_id is not None:
        raise NotFound()  # staff look by district and school
    if filters.group is not None and filters.group not in groups.GROUP_KEYS:
        raise NotFound()
    if filters.school_id is not None:
        school = db.session.get(School, filters.school_id)
        if school is None or not staff_sees_district(actor, school.district_id):
            raise NotFound()
        if filters.district_id is not None and school.district_id != filters.district_id:
            raise NotFound()
        return school.name
    if filters.district_id is not None:
        district = db.session.get(District, filters.district_id)
        if district is None or not staff_sees_district(actor, district.id):
            raise NotFound()
        return district.name
    if actor.is_county_wide:
        return "the county"
    district = db.session.get(District, actor.district_id)
    return district.name if district is not None else "your district"


# --- the statements -------------------------------------------------------------------------


def _experiences(year: SchoolYear | None) -> Subquery:
    """(student_id, kind): each experience, of the year (None: of any year)."""
    chosen = and_(EventDateOption.request_id == EventRequest.id, EventDateOption.chosen.is_(True))
    events = (
        select(EventAttendance.student_id.label("student_id"), EventRequest.kind.label("kind"))
        .join(EventRequest, EventRequest.id == EventAttendance.event_id)
        .join(EventDateOption, chosen)
        .where(EventAttendance.present.is_(True))
    )
    placements = (
        select(Placement.student_id.label("student_id"), Offering.kind.label("kind"))
        .join(Offering, Offering.id == Placement.offering_id)
        .where(Placement.status != PlacementStatus.CANCELLED)
    )
    if year is not None:
        events = events.where(
            EventDateOption.starts_at >= local_to_utc(year.first_day, time.min),
            EventDateOption.starts_at < local_to_utc(year.last_day + timedelta(days=1), time.min),
        )
        placements = placements.where(
            Placement.start_date >= year.first_day, Placement.start_date <= year.last_day
        )
    return union_all(events, placements).subquery("experience")


def _per_student(year: SchoolYear | None) -> Subquery:
    """One row per student with any experience: a 0/1 flag per stage and per type."""
    done = _experiences(year)
    stage = ExperienceType.stage

    def flag(condition: ColumnElement[bool], name: str) -> Any:
        return func.max(case((condition, 1), else_=0)).label(name)

    return (
        select(
            done.c.student_id,
            *(flag(stage == s, s.value) for s in STAGES),
            *(flag(done.c.kind == k, k.value) for k in KINDS),
        )
        .join(ExperienceType, ExperienceType.code == done.c.kind)
        .group_by(done.c.student_id)
        .subquery("reached")
    )


def students_in_scope(
    actor: User, filters: ReachFilters, *, active_only: bool = True
) -> Select[Any]:
    """The active students of the scope: staff's district (or county), narrowed to a district
    or school and to a student group; a teacher's active classes, or one of them (never a
    group: ``scope_name`` refuses it). ``active_only=False`` keeps the students whose account
    was closed too (Perkins 5S3 counts graduates, whom the next roster deactivates)."""
    if not is_staff(actor):
        taught = (
            select(class_section_student.c.student_id)
            .join(ClassSection, ClassSection.id == class_section_student.c.class_section_id)
            .where(ClassSection.teacher_id == actor.id, ClassSection.active.is_(True))
        )
        if filters.class_id is not None:
            taught = taught.where(ClassSection.id == filters.class_id)
        return (
            select(StudentProfile.id)
            .join(User, User.id == StudentProfile.user_id)
            .where(User.active.is_(True), StudentProfile.id.in_(taught))
        )
    query = (
        select(StudentProfile.id)
        .join(User, User.id == StudentProfile.user_id)
        .join(School, School.id == StudentProfile.school_id)
        .where(in_staff_district(actor, School.district_id))
    )
    if active_only:
        query = query.where(User.active.is_(True))
    if filters.district_id is not None:
        query = query.where(School.district_id == filters.district_id)
    if filters.school_id is not None:
        query = query.where(StudentProfile.school_id == filters.school_id)
    if filters.group is not None:
        query = query.outerjoin(
            StudentDemographics, StudentDemographics.student_id == StudentProfile.id
        ).where(groups.member(filters.group))
    return query


def _figures(reached: Subquery, only: ColumnElement[bool] | None = None) -> list[Any]:
    """count, reached, then a sum per stage and per type (over the rows ``only`` keeps)."""

    def count(condition: ColumnElement[bool]) -> Any:
        if only is not None:
            condition = and_(only, condition)
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return [
        count(literal(True)),
        count(reached.c.student_id.is_not(None)),
        *(count(reached.c[s.value] == 1) for s in STAGES),
        *(count(reached.c[k.value] == 1) for k in KINDS),
    ]


def _row(name: str, values: Sequence[Any], key: Hashable = None) -> Row:
    return Row(name, dict(zip(FIGURES, (int(v) for v in values), strict=True)), key)


# --- the dashboard ----------------------------------------------------------------------------


def reach(actor: User, filters: ReachFilters, today: date) -> Reach:
    """The reach dashboard of the actor's scope (see the module's docstring); filtered to a
    student group, that group's figures suppressed against the unfiltered page's."""
    require(sees_reach(actor))
    scope = scope_name(actor, filters)
    if filters.group is None:
        return _reach(actor, filters, scope)
    require(sees_groups(actor))
    unfiltered = _reach(actor, replace(filters, group=None), scope, with_groups=False)
    keys = groups.partition(filters.group)
    pages = [_reach(actor, replace(filters, group=k), scope, with_groups=False) for k in keys]
    hidden = groups.suppress_filtered(
        [_cells(page, unfiltered) for page in pages],
        _cells(unfiltered, unfiltered),
        _layout(unfiltered),
    )
    mine = keys.index(filters.group)
    return _suppressed(pages[mine], unfiltered, hidden[mine])


_TABLES = ("schools", "grades", "pathways")


def _rows(page: Reach, table: str) -> list[Row]:
    found: list[Row] = getattr(page, table)
    return found


def _cells(page: Reach, unfiltered: Reach) -> dict[groups.CellKey, int]:
    """Every count of ``page`` in the rows of ``unfiltered`` (a row the page lacks is 0)."""
    cells: dict[groups.CellKey, int] = {}
    for table, row in (("total", page.total), ("seniors", page.seniors)):
        cells.update({(table, None, f): row.values[f] for f in FIGURES})
    for table in _TABLES:
        mine = {row.key: row for row in _rows(page, table)}
        for row in _rows(unfiltered, table):
            values = mine[row.key].values if row.key in mine else {}
            cells.update({(table, row.key, f): values.get(f, 0) for f in FIGURES})
    return cells


def _layout(unfiltered: Reach) -> groups.Layout:
    """What adds up on the page: each column of the schools, the grades and the pathways to
    the total (the pathways overlap: see ``groups``' docstring); the seniors are grade 12."""
    lines: list[list[groups.CellKey]] = [
        [*((table, row.key, f) for row in _rows(unfiltered, table)), ("total", None, f)]
        for table in _TABLES
        for f in FIGURES
    ]
    lines.append([("grades", SENIOR_GRADE, "students"), ("seniors", None, "students")])
    wholes = {
        (table, key, f): (table, key, WITHIN.get(f, f))
        for table, key, f in _cells(unfiltered, unfiltered)
    }
    return groups.Layout(lines, wholes)


def _suppressed(page: Reach, unfiltered: Reach, hidden: dict[groups.CellKey, Hidden]) -> Reach:
    """``page`` in the rows of ``unfiltered``, its ``hidden`` counts taken out."""
    cells = _cells(page, unfiltered)

    def row(table: str, like: Row) -> Row:
        gone = {f: hidden[table, like.key, f] for f in FIGURES if (table, like.key, f) in hidden}
        values = {f: cells[table, like.key, f] for f in FIGURES if f not in gone}
        return Row(like.name, values, like.key, gone)

    return replace(
        page,
        total=row("total", page.total),
        seniors=row("seniors", page.seniors),
        schools=[row("schools", r) for r in unfiltered.schools],
        grades=[row("grades", r) for r in unfiltered.grades],
        pathways=[row("pathways", r) for r in unfiltered.pathways],
        groups=[],
        any_hidden=bool(hidden),
        without_demographics=0,
    )


def _reach(actor: User, filters: ReachFilters, scope: str, *, with_groups: bool = True) -> Reach:
    """Every figure of the page, unsuppressed but for the student groups: five statements,
    each grouped in SQL (by school and grade; by pathway; no pathway; the seniors; by the
    demographics' combinations, for staff), rolled up here."""
    ids = students_in_scope(actor, filters).subquery("scope")
    of_year = _per_student(filters.year)

    def base(reached: Subquery, *columns: Any) -> Select[Any]:
        return (
            select(*columns)
            .select_from(StudentProfile)
            .join(ids, ids.c.id == StudentProfile.id)
            .outerjoin(reached, reached.c.student_id == StudentProfile.id)
        )

    totals = [0] * len(FIGURES)
    schools: dict[tuple[str, int], list[int]] = {}
    by_grade: dict[int, list[int]] = {}
    for school_id, name, grade, *values in db.session.execute(
        base(of_year, School.id, School.name, StudentProfile.grade, *_figures(of_year))
        .join(School, School.id == StudentProfile.school_id)
        .group_by(School.id, School.name, StudentProfile.grade)
    ):
        for target in (
            totals,
            schools.setdefault((name, school_id), [0] * len(FIGURES)),
            by_grade.setdefault(grade, [0] * len(FIGURES)),
        ):
            _add(target, values)
    grades = [_row(f"Grade {g}", by_grade.get(g, [0] * len(FIGURES)), g) for g in GRADES]
    grades += [_row(f"Grade {g}", v, g) for g, v in sorted(by_grade.items()) if g not in GRADES]

    chosen = select(student_pathway.c.student_id).where(
        student_pathway.c.student_id == StudentProfile.id
    )
    pathways = [
        _row(f"{name} ({sector})", values, pathway_id)
        for pathway_id, name, sector, *values in db.session.execute(
            base(of_year, Pathway.id, Pathway.name, IndustrySector.name, *_figures(of_year))
            .join(student_pathway, student_pathway.c.student_id == StudentProfile.id)
            .join(Pathway, Pathway.id == student_pathway.c.pathway_id)
            .join(IndustrySector, IndustrySector.id == Pathway.sector_id)
            .group_by(
                Pathway.id,
                Pathway.name,
                IndustrySector.name,
                IndustrySector.position,
                Pathway.position,
            )
            .order_by(IndustrySector.position, Pathway.position, Pathway.name)
        )
    ]
    no_pathway = _row(
        "No pathway chosen",
        db.session.execute(base(of_year, *_figures(of_year)).where(~chosen.exists())).one(),
        "none",
    )

    ever = _per_student(None)
    seniors = _row(
        "Seniors",
        db.session.execute(
            base(ever, *_figures(ever)).where(StudentProfile.grade == SENIOR_GRADE)
        ).one(),
    )
    total = _row("All students", totals)
    schools_rows = [
        _row(name, values, school_id) for (name, school_id), values in sorted(schools.items())
    ]
    group_rows: list[groups.GroupRow] = []
    any_hidden, without = False, 0
    if with_groups and sees_groups(actor):
        rolled = groups.roll_up(
            db.session.execute(
                base(of_year, *groups.columns(), *_figures(of_year))
                .outerjoin(StudentDemographics, StudentDemographics.student_id == StudentProfile.id)
                .group_by(*groups.columns())
            ),
            len(FIGURES),
        )
        group_rows, any_hidden = groups.suppressed(rolled, FIGURES, WITHIN)
        without = total.values["students"] - rolled.described
    return Reach(
        filters=filters,
        scope=scope,
        total=total,
        schools=schools_rows,
        grades=grades,
        pathways=[*pathways, no_pathway],
        groups=group_rows,
        seniors=seniors,
        any_hidden=any_hidden,
        without_demographics=without,
    )


def _add(target: list[int], values: Sequence[Any]) -> None:
    for i, value in enumerate(values):
        target[i] += int(value)


STAGE_LABELS = {
    ContinuumStage.AWARENESS: "Awareness",
    ContinuumStage.EXPLORATION: "Exploration",
    ContinuumStage.PREPARATION: "Preparation",
    ContinuumStage.TRAINING: "Training",
}


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share:.1%}"


def table_rows(found: Reach) -> tuple[list[str], list[list[object]]]:
    """Every table of the dashboard as one sheet: a section column, then the figures (hidden
    ones as the words the page shows)."""
    kind_names = experience_type_names()
    header = [
        "Section",
        "Group",
        "Students",
        "Reached",
        "Share reached",
        *(f"Reached {STAGE_LABELS[s].lower()}" for s in STAGES),
        *(f"Had a {kind_names[k.value].lower()}" for k in KINDS),
    ]
    rows: list[list[object]] = []

    def count(row: Row, key: str) -> object:
        return row.values[key] if key in row.values else row.cell(key).text

    def add(section: str, row: Row) -> None:
        rows.append(
            [
                section,
                row.name,
                count(row, "students"),
                count(row, "reached"),
                _percent(row.share("reached")),
                *(count(row, s) for s in STAGES),
                *(count(row, k) for k in KINDS),
            ]
        )

    scope = found.scope
    if found.filters.group is not None:
        scope = f"{scope}, student group: {groups.GROUP_LABELS[found.filters.group]}"
    add(f"{found.filters.year.label}, {scope}", found.total)
    for school in found.schools:
        add("By school", school)
    for grade in found.grades:
        add("By grade", grade)
    for pathway in found.pathways:
        add("By pathway chosen", pathway)
    for group in found.groups:
        cells = group.cells
        rows.append(
            [
                "By student group",
                group.name,
                *(cells[key].text for key in ("students", "reached")),
                _percent(group.share("reached")),
                *(cells[s].text for s in STAGES),
                *(cells[k].text for k in KINDS),
            ]
        )
    add("Seniors, by now (any year)", found.seniors)
    return header, rows
