"""Demographics of the rostered students, in aggregate only, with small groups suppressed.

The roster brings each student's sex, race and ethnicity flags and, where the student
information system sends them, English learner, disability and free or reduced-price meal
status (``StudentDemographics``, kept apart from the profile). They serve one use: county and
district CTE staff checking who their programs reach (equity gaps in work-based learning).
So this module is the only reader of that table, and it answers with counts per school or
district, never a student's row; employers and teachers are refused.

Small groups are suppressed by the simple rule California's Department of Education and most
state agencies publish with (primary and complementary cell suppression):

1. **Primary.** Any count under 11 (zero included) is shown as "fewer than 11".
2. **Complementary.** Where shown numbers add up to a shown total (female + male + other =
   the students of a school; the schools' counts = the total row), a single hidden cell could
   be worked out by subtraction. So whenever a row or a column has exactly one hidden cell,
   its next-smallest cell is hidden too, and this repeats until no row or column has a lone
   hidden cell.

The rule is ``suppress``, a pure function over integers, tested on its own.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import QueryableAttribute

from wbl.access import require
from wbl.auth.models import User
from wbl.extensions import db
from wbl.roster.models import StudentDemographics
from wbl.schools.models import District, School
from wbl.scopes import in_staff_district, is_staff
from wbl.students.models import StudentProfile

SMALLEST_SHOWN = 11  # counts below it are suppressed


class GroupBy(enum.StrEnum):
    DISTRICT = "district"
    SCHOOL = "school"


class Hidden(enum.StrEnum):
    SMALL = "fewer than 11"  # primary: the count is under SMALLEST_SHOWN
    COMPLEMENT = "hidden"  # complementary: would reveal a small count by subtraction


@dataclass(frozen=True, slots=True)
class Measure:
    key: str
    label: str


STUDENTS = Measure("students", "Students")
SEXES = (
    Measure("female", "Female"),
    Measure("male", "Male"),
    Measure("other_sex", "Other or not reported"),
)
RACES = (
    Measure("american_indian_or_alaska_native", "American Indian or Alaska Native"),
    Measure("asian", "Asian"),
    Measure("black_or_african_american", "Black or African American"),
    Measure("native_hawaiian_or_other_pacific_islander", "Native Hawaiian or Pacific Islander"),
    Measure("white", "White"),
    Measure("two_or_more_races", "Two or more races"),
    Measure("hispanic_or_latino", "Hispanic or Latino"),
)
PROGRAMS = (
    Measure("english_learner", "English learners"),
    Measure("disability", "Students with disabilities"),
    Measure("free_reduced_meals", "Free or reduced-price meals"),
)
SEX_KEYS = tuple(m.key for m in SEXES)  # they add up to STUDENTS in every row
MEASURES = (STUDENTS, *SEXES, *RACES, *PROGRAMS)
KEYS = tuple(m.key for m in MEASURES)


@dataclass(frozen=True, slots=True)
class Cell:
    value: int | None  # None when hidden: the number never reaches the template
    hidden: Hidden | None = None

    @property
    def text(self) -> str:
        return self.hidden.value if self.hidden else f"{self.value:,}"


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    cells: dict[str, Cell]


@dataclass(frozen=True, slots=True)
class DemographicsTable:
    by: GroupBy
    groups: list[Group]
    total: Group
    any_hidden: bool


# ---------------------------------------------------------------------------------------
# The rule


def suppress(
    rows: Sequence[dict[str, int]],
    *,
    whole: str = STUDENTS.key,
    parts: Sequence[str] = SEX_KEYS,
    smallest: int = SMALLEST_SHOWN,
) -> tuple[list[dict[str, Hidden]], dict[str, Hidden]]:
    """Which cells to hide in ``rows`` and in their total row (the column sums), by the
    primary and complementary rule in the module's docstring. ``whole`` is the column that
    ``parts`` add up to in every row. Returns, per row and for the total, the hidden keys."""
    keys = list(rows[0]) if rows else []
    total = {key: sum(row[key] for row in rows) for key in keys}
    grid: dict[tuple[int, str], int] = {(-1, key): total[key] for key in keys}
    for r, row in enumerate(rows):
        for key in keys:
            grid[r, key] = row[key]
    # Each line is a shown total and the cells that add up to it.
    lines: list[list[tuple[int, str]]] = [
        [(r, whole), *((r, part) for part in parts)] for r in range(-1, len(rows))
    ]
    lines += [[(-1, key), *((r, key) for r in range(len(rows)))] for key in keys]
    hidden: dict[tuple[int, str], Hidden] = {
        cell: Hidden.SMALL for cell, value in grid.items() if value < smallest
    }
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(cell in hidden for cell in line) != 1:
                continue
            shown = [cell for cell in line if cell not in hidden]
            if shown:
                smallest_shown = min(shown, key=lambda cell: grid[cell])
                hidden[smallest_shown] = Hidden.COMPLEMENT
                changed = True
    per_row: list[dict[str, Hidden]] = [{} for _ in rows]
    total_hidden: dict[str, Hidden] = {}
    for (r, key), why in hidden.items():
        (total_hidden if r == -1 else per_row[r])[key] = why
    return per_row, total_hidden


# ---------------------------------------------------------------------------------------
# The counts


def sees_demographics(actor: User) -> bool:
    """CTE staff and administrators: county-wide ones every district, a district's staff
    their own. Never teachers, employers or students."""
    return is_staff(actor)


def _yes(column: QueryableAttribute[bool | None]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((column.is_(True), 1), else_=0)), 0)


def counts_query(actor: User, by: GroupBy) -> Select[*tuple[Any, ...]]:
    """One statement: the active rostered students' counts per group (GROUP BY)."""
    sex = StudentDemographics.sex
    group_id, group_name = (
        (District.id, District.name) if by is GroupBy.DISTRICT else (School.id, School.name)
    )
    return (
        select(
            group_id,
            group_name,
            func.count(),
            func.coalesce(func.sum(case((sex == "female", 1), else_=0)), 0),
            func.coalesce(func.sum(case((sex == "male", 1), else_=0)), 0),
            func.coalesce(func.sum(case((sex.in_(("female", "male")), 0), else_=1)), 0),
            *(_yes(getattr(StudentDemographics, m.key)) for m in (*RACES, *PROGRAMS)),
        )
        .select_from(StudentDemographics)
        .join(StudentProfile, StudentProfile.id == StudentDemographics.student_id)
        .join(User, User.id == StudentProfile.user_id)
        .join(School, School.id == StudentProfile.school_id)
        .join(District, District.id == School.district_id)
        .where(User.active.is_(True), in_staff_district(actor, School.district_id))
        .group_by(group_id, group_name)
        .order_by(group_name, group_id)
    )


def demographics_table(actor: User, by: GroupBy) -> DemographicsTable:
    """The counts of the actor's students by school (or district, for county-wide staff),
    suppressed. A district's staff always see their district's schools."""
    require(sees_demographics(actor))
    if not actor.is_county_wide:
        by = GroupBy.SCHOOL
    names: list[str] = []
    rows: list[dict[str, int]] = []
    for found in db.session.execute(counts_query(actor, by)):
        names.append(str(found[1]))
        rows.append(dict(zip(KEYS, (int(v) for v in found[2:]), strict=True)))
    per_row, total_hidden = suppress(rows)
    totals = {key: sum(row[key] for row in rows) for key in KEYS}

    def group(name: str, values: dict[str, int], hidden: dict[str, Hidden]) -> Group:
        return Group(
            name,
            {key: Cell(None, hidden[key]) if key in hidden else Cell(values[key]) for key in KEYS},
        )

    groups = [
        group(name, row, hidden) for name, row, hidden in zip(names, rows, per_row, strict=True)
    ]
    return DemographicsTable(
        by=by,
        groups=groups,
        total=group("All", totals, total_hidden),
        any_hidden=bool(total_hidden) or any(per_row),
    )
