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

Every figure is aggregated in SQL: five statements whatever the number of students.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
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
from wbl.reporting.groups import GroupRow
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
    group: int | None = None  # a student group (its position in ``groups.GROUPS``), staff's


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a table: a school, a grade or the whole scope, every figure shown."""

    name: str
    values: dict[str, int]

    def share(self, key: str) -> float | None:
        students = self.values["students"]
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
    across: list[tuple[str, GroupRow]]  # the group filtered to: here, then each part


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
    """The scope's name; a district, school or class the actor does not see is not found."""
    if not is_staff(actor):  # a teacher: their classes
        if filters.district_id is not None or filters.school_id is not None:
            raise NotFound()
        if filters.class_id is None:
            return "your classes"
        section = db.session.get(ClassSection, filters.class_id)
        if section is None or section.teacher_id != actor.id or not section.active:
            raise NotFound()
        return section.name
    if filters.class_id is not None:
        raise NotFound()  # staff look by district and school
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
    or school; a teacher's active classes, or one of them. ``active_only=False`` keeps the
    students whose account was closed too (Perkins 5S3 counts graduates, whom the next
    roster deactivates)."""
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
    return query


def county_students(*, active_only: bool = True) -> Select[Any]:
    """Every student of the county, whoever looks: student groups are suppressed over every
    place at once (``groups.suppress_places``), so that each page hides the same cells
    for everyone and no two pages read together give a hidden one away."""
    query = select(StudentProfile.id).join(User, User.id == StudentProfile.user_id)
    return query.where(User.active.is_(True)) if active_only else query


def place_of(actor: User, filters: ReachFilters) -> groups.Place:
    """Where staff look (``scope_name`` has checked they may): a school, a district, or
    their whole scope (the county, or their district)."""
    if filters.school_id is not None:
        school = db.session.get(School, filters.school_id)
        if school is None:  # scope_name found it; a school deleted since is not found
            raise NotFound()
        return groups.Place(school.district_id, school.id)
    if filters.district_id is not None:
        return groups.Place(filters.district_id, None)
    if actor.is_county_wide:
        return groups.COUNTY
    return groups.Place(actor.district_id, None)


def across_places(actor: User, scope: str, place: groups.Place) -> list[tuple[str, groups.Place]]:
    """The group filter's places, named: the place looked at, then those it is the sum of,
    as staff see them (the county's districts, a district's schools; a school has none)."""
    here = [(scope[:1].upper() + scope[1:], place)]
    if place.school_id is not None:
        return here
    if place.district_id is None:
        return here + [(d.name, groups.Place(d.id, None)) for d in districts_for(actor)]
    return here + [
        (s.name, groups.Place(s.district_id, s.id)) for s in schools_for(actor, place.district_id)
    ]


def places_statement(*columns: Any) -> Select[Any]:
    """``columns`` of a statement grouped by district, school and the demographics, as
    ``groups.roll_up_places`` reads it (the caller adds its FROM and the figures)."""
    return select(School.district_id, School.id, *groups.columns(), *columns)


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


def _row(name: str, values: Sequence[Any]) -> Row:
    return Row(name, dict(zip(FIGURES, (int(v) for v in values), strict=True)))


# --- the dashboard ----------------------------------------------------------------------------


def reach(actor: User, filters: ReachFilters, today: date) -> Reach:
    """The reach dashboard of the actor's scope (see the module's docstring): five statements,
    each grouped in SQL (by school and grade; by pathway; no pathway; the seniors; by the
    demographics' combinations, for staff), rolled up here."""
    require(sees_reach(actor))
    scope = scope_name(actor, filters)
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
    grades = [_row(f"Grade {g}", by_grade.get(g, [0] * len(FIGURES))) for g in GRADES]
    grades += [_row(f"Grade {g}", v) for g, v in sorted(by_grade.items()) if g not in GRADES]

    chosen = select(student_pathway.c.student_id).where(
        student_pathway.c.student_id == StudentProfile.id
    )
    pathways = [
        _row(f"{name} ({sector})", values)
        for _, name, sector, *values in db.session.execute(
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
    )

    ever = _per_student(None)
    seniors = _row(
        "Seniors",
        db.session.execute(
            base(ever, *_figures(ever)).where(StudentProfile.grade == SENIOR_GRADE)
        ).one(),
    )
    total = _row("All students", totals)
    schools_rows = [_row(name, values) for (name, _), values in sorted(schools.items())]
    group_rows: list[groups.GroupRow] = []
    across: list[tuple[str, groups.GroupRow]] = []
    any_hidden, without = False, 0
    if sees_groups(actor):
        everyone = county_students().subquery("county")
        rolled = groups.roll_up_places(
            db.session.execute(
                places_statement(*_figures(of_year))
                .select_from(StudentProfile)
                .join(everyone, everyone.c.id == StudentProfile.id)
                .join(School, School.id == StudentProfile.school_id)
                .outerjoin(of_year, of_year.c.student_id == StudentProfile.id)
                .outerjoin(StudentDemographics, StudentDemographics.student_id == StudentProfile.id)
                .group_by(School.id, *groups.grouped_by())
            ),
            len(FIGURES),
        )
        found = groups.suppress_places(rolled, FIGURES)
        place = place_of(actor, filters)
        group_rows, any_hidden = found.rows(place), found.any_hidden(place)
        without = total.values["students"] - (rolled[place].described if place in rolled else 0)
        if filters.group is not None:
            across = found.across(filters.group, across_places(actor, scope, place))
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
        across=across,
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

    def add(section: str, row: Row) -> None:
        values = row.values
        rows.append(
            [
                section,
                row.name,
                values["students"],
                values["reached"],
                _percent(row.share("reached")),
                *(values[s] for s in STAGES),
                *(values[k] for k in KINDS),
            ]
        )

    add(f"{found.filters.year.label}, {found.scope}", found.total)
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
    if found.across:
        section = f"{groups.GROUPS[found.filters.group or 0][1]}, here and by place"
        for name, group in found.across:
            cells = group.cells
            rows.append(
                [
                    section,
                    name,
                    *(cells[key].text for key in ("students", "reached")),
                    _percent(group.share("reached")),
                    *(cells[s].text for s in STAGES),
                    *(cells[k].text for k in KINDS),
                ]
            )
    return header, rows
