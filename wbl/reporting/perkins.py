"""Perkins V indicator 5S3 (program quality, work-based learning): the share of CTE
concentrators who graduate having participated in work-based learning.

For a school year (July 1 to June 30), in the viewer's scope (``reach.students_in_scope``:
county staff every district, a district's staff their own, narrowed to a district or school;
students whose account was closed included, since the roster deactivates graduates once they
leave and 5S3 is reported after they have):

- the *denominator*: the concentrators (``CteConcentrator.concentrator``) whose graduation
  year is the school year's end (a 2025–26 graduate has 2026), as the district's last list
  (``wbl.reporting.concentrators``) gave it;
- the *numerator*: those of them who participated in work-based learning: at least one
  placement of any kind (a job shadow, a project, an internship…) that was not cancelled and
  started on or before the school year's last day, in that year or any before it. Class
  events (guest speakers, workplace visits) alone do not count: Perkins asks for participation
  in work-based learning, and a class event marks a class present, not a student's own
  experience. A placement with no start date has not started and does not count.

Shown overall, by school and by student group (``wbl.reporting.groups``: the whole is the
group's concentrators; small counts hidden). Two grouped statements (by school; by the
demographics' combinations), rolled up here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Exists, Select, and_, case, exists, func, select

from wbl.access import require
from wbl.auth.models import User
from wbl.extensions import db
from wbl.placements.models import Placement, PlacementStatus
from wbl.reporting import groups
from wbl.reporting.groups import GroupRow
from wbl.reporting.models import CteConcentrator
from wbl.reporting.reach import (
    ReachFilters,
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

FIGURES: tuple[str, ...] = ("concentrators", "participated")
LABELS = {"concentrators": "Graduating concentrators", "participated": "Participated in WBL"}


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    values: dict[str, int]

    @property
    def share(self) -> float | None:
        whole = self.values["concentrators"]
        return self.values["participated"] / whole if whole else None


@dataclass(frozen=True, slots=True)
class Perkins5S3:
    filters: ReachFilters
    scope: str
    graduation_year: int
    total: Row
    schools: list[Row]
    groups: list[groups.GroupRow]
    any_hidden: bool
    without_demographics: int  # concentrators the roster gave no demographics for
    across: list[tuple[str, GroupRow]]  # the group filtered to: here, then each part


def _participated_by(last_day: date) -> Exists:
    """The student has a placement not cancelled that started by ``last_day``."""
    return exists().where(
        and_(
            Placement.student_id == StudentProfile.id,
            Placement.status != PlacementStatus.CANCELLED,
            Placement.start_date.is_not(None),
            Placement.start_date <= last_day,
        )
    )


def indicator(actor: User, filters: ReachFilters) -> Perkins5S3:
    """5S3 of the actor's scope and year (see the module's docstring)."""
    require(is_staff(actor))  # the scope is staff's: a district or the county
    scope = scope_name(actor, filters)
    # Closed accounts too: the next year's roster deactivates the graduates 5S3 counts.
    ids = students_in_scope(actor, filters, active_only=False).subquery("scope")
    graduating = filters.year.start + 1
    participated = _participated_by(filters.year.last_day)
    figures = [func.count(), func.coalesce(func.sum(case((participated, 1), else_=0)), 0)]

    def base(*columns: Any, of: Any = ids, statement: Select[Any] | None = None) -> Select[Any]:
        return (
            (select(*columns) if statement is None else statement)
            .select_from(StudentProfile)
            .join(of, of.c.id == StudentProfile.id)
            .join(CteConcentrator, CteConcentrator.student_id == StudentProfile.id)
            .where(
                CteConcentrator.concentrator.is_(True),
                CteConcentrator.graduation_year == graduating,
            )
        )

    totals = dict.fromkeys(FIGURES, 0)
    schools: list[Row] = []
    for _, name, *values in db.session.execute(
        base(School.id, School.name, *figures)
        .join(School, School.id == StudentProfile.school_id)
        .group_by(School.id, School.name)
        .order_by(School.name, School.id)
    ):
        row = Row(name, dict(zip(FIGURES, (int(v) for v in values), strict=True)))
        schools.append(row)
        for key in FIGURES:
            totals[key] += row.values[key]
    everyone = county_students(active_only=False).subquery("county")
    rolled = groups.roll_up_places(
        db.session.execute(
            base(of=everyone, statement=places_statement(*figures))
            .join(School, School.id == StudentProfile.school_id)
            .outerjoin(StudentDemographics, StudentDemographics.student_id == StudentProfile.id)
            .group_by(School.id, *groups.grouped_by())
        ),
        len(FIGURES),
    )
    found = groups.suppress_places(rolled, FIGURES)
    place = place_of(actor, filters)
    group_rows, any_hidden = found.rows(place), found.any_hidden(place)
    across: list[tuple[str, groups.GroupRow]] = []
    if filters.group is not None:
        across = found.across(filters.group, across_places(actor, scope, place))
    return Perkins5S3(
        filters=filters,
        scope=scope,
        graduation_year=graduating,
        total=Row("All graduating concentrators", totals),
        schools=schools,
        groups=group_rows,
        any_hidden=any_hidden,
        without_demographics=totals["concentrators"]
        - (rolled[place].described if place in rolled else 0),
        across=across,
    )


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share:.1%}"


def table_rows(found: Perkins5S3) -> tuple[list[str], list[list[object]]]:
    """The indicator's tables as one sheet (hidden figures as the words the page shows)."""
    header = ["Section", "Group", LABELS["concentrators"], LABELS["participated"], "Share"]
    rows: list[list[object]] = [
        [
            f"5S3, {found.filters.year.label} graduates ({found.graduation_year}), {found.scope}",
            found.total.name,
            *found.total.values.values(),
            _percent(found.total.share),
        ]
    ]
    rows += [["By school", r.name, *r.values.values(), _percent(r.share)] for r in found.schools]
    rows += [
        [
            "By student group",
            g.name,
            *(g.cells[key].text for key in FIGURES),
            _percent(g.share("participated")),
        ]
        for g in found.groups
    ]
    if found.across:
        section = f"{groups.GROUPS[found.filters.group or 0][1]}, here and by place"
        rows += [
            [
                section,
                name,
                *(g.cells[key].text for key in FIGURES),
                _percent(g.share("participated")),
            ]
            for name, g in found.across
        ]
    return header, rows
