"""Student groups in reports: who is in which group, each group's figures rolled up from one
grouped statement, and the small ones hidden.

The groups are the roster's (``wbl.roster.demographics``): sex, race and ethnicity, English
learners and students with disabilities, plus free or reduced-price meals from the profile
(the flag staff keep, which incentive funding counts too). A student the roster gave no
demographics counts as sex not reported and in no other group. A report groups its
statement by the demographics' columns (``COLUMNS``: a few hundred combinations at most),
and ``roll_up`` adds each combination's figures to the groups it belongs to and to the
complements of those it does not; ``suppressed`` then hides, per group:

- a figure under ``SMALLEST_SHOWN`` (zero included): "fewer than 11";
- a figure whose members *not* counted in it (the group's whole minus the figure) are fewer
  than that, as subtraction would show them: "hidden";
- a figure whose other side (the scope outside the group) is small, as it could be worked
  out from the scope's total by subtraction: "hidden" (for a sex too: female + male + other
  is the total, so 50 girls of 59 students would say that 9 are not girls);
- the sexes add up to the scope's total (shown): in a column with one hidden sex, the
  smallest other one is hidden too, as ``wbl.roster.demographics.suppress`` does.

A report *filtered* to one group (staff choose it on the Reach and Funnel pages: every figure
of the page becomes the group's) is suppressed by ``suppress_filtered``, against the same
page unfiltered, which anyone who may open one may open too:

- every count under ``SMALLEST_SHOWN``: "fewer than 11";
- every count whose complement, the same cell unfiltered minus this one, is small: "hidden"
  (open both pages and subtract);
- every count that leaves few out of the figure of its row it is part of ("hidden", as
  above: a stage reached of the students reached, an accepted application of the approved);
- in a table whose rows add up to a shown total (the schools, the grades), a column with one
  hidden cell hides its next smallest too, until none has one; the pathways' rows overlap
  (a student counts in each of up to three pathways), but when few students chose two the
  rows nearly add up, and the overlap is known from the unfiltered page, so they are
  treated as adding up too;
- the sexes partition the scope: the female, male and other pages add up to the unfiltered
  one cell by cell, so a cell hidden on one sex's page hides the smallest of the others' too,
  and the three pages are suppressed together (each shows the same whichever is opened).

The rows a filtered page shows are the unfiltered page's (a school with none of the group
shows "fewer than 11", not nothing: a missing row would say 0).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_

from wbl.roster.demographics import PROGRAMS, RACES, SEXES, SMALLEST_SHOWN, Cell, Hidden
from wbl.roster.models import StudentDemographics
from wbl.students.models import StudentProfile

#: Every student group shown: (family, label), in the tables' order.
GROUPS: tuple[tuple[str, str], ...] = (
    *(("sex", m.label) for m in SEXES),
    *(("race", m.label) for m in RACES),
    *(("program", m.label) for m in PROGRAMS),
)
#: Each group's key (the roster's column, or the sex), in GROUPS' order: what a filter names.
GROUP_KEYS: tuple[str, ...] = tuple(m.key for m in (*SEXES, *RACES, *PROGRAMS))
GROUP_LABELS = dict(zip(GROUP_KEYS, (name for _, name in GROUPS), strict=True))
SEX_GROUP_KEYS: tuple[str, ...] = tuple(m.key for m in SEXES)
FAMILY_LABELS = {"sex": "Sex", "race": "Race and ethnicity", "program": "Programs"}
_SEX_POSITION = {"female": 0, "male": 1, "other": 2}
_FLAGS = tuple(m.key for m in (*RACES, *PROGRAMS))  # the yes/no groups, in GROUPS' order


def member(key: str, source: Mapping[str, Any] | None = None) -> ColumnElement[bool]:
    """Whether a student (``StudentProfile`` outer-joined to ``StudentDemographics``) is in
    the group ``key``: as ``roll_up`` counts them, a student with no demographics is of sex
    "other or not reported" and in no yes/no group. ``source``: where the columns are, by
    ``COLUMN_NAMES`` (a subquery's ``.c`` of ``labelled_columns()``), else the tables."""
    found = source if source is not None else dict(zip(COLUMN_NAMES, columns(), strict=True))
    sex = found["sex"]
    if key in ("female", "male"):
        return sex == key
    if key == "other_sex":
        return or_(sex.is_(None), sex.not_in(("female", "male")))
    if key in _FLAGS:
        return found[key].is_(True)
    return false()


#: The names of ``columns()``, as ``labelled_columns()`` labels them.
COLUMN_NAMES: tuple[str, ...] = ("sex", *_FLAGS)


def labelled_columns() -> list[Any]:
    """``columns()`` labelled by ``COLUMN_NAMES``, for a subquery that ``member`` reads."""
    return [c.label(name) for c, name in zip(columns(), COLUMN_NAMES, strict=True)]


def partition(key: str) -> tuple[str, ...]:
    """The groups suppressed together with ``key``'s page: the sexes (they add up to the
    scope), or the group alone (its complement is the unfiltered page minus it)."""
    return SEX_GROUP_KEYS if key in SEX_GROUP_KEYS else (key,)


def columns() -> list[Any]:
    """What a report's statement groups by (outer-joined to ``StudentDemographics``): the
    sex, then each yes/no group's column."""
    d = StudentDemographics
    return [
        d.sex,
        *(
            StudentProfile.frl_eligible if key == "free_reduced_meals" else getattr(d, key)
            for key in _FLAGS
        ),
    ]


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One student group's line, its small numbers suppressed (a hidden cell has no value)."""

    family: str  # "sex", "race", "program"
    name: str
    cells: dict[str, Cell]
    whole: str  # the key the shares are of (the group's students, its applications)

    def share(self, key: str) -> float | None:
        part, whole = self.cells[key], self.cells[self.whole]
        if part.value is None or not whole.value:
            return None
        return part.value / whole.value


@dataclass(frozen=True, slots=True)
class RolledUp:
    inside: list[list[int]]  # per group: its figures
    outside: list[list[int]]  # per group: the figures of the scope outside it
    described: int  # the whole of those the roster gave demographics for


def roll_up(rows: Iterable[Sequence[Any]], width: int) -> RolledUp:
    """``rows``: the grouped statement's, each the ``columns()`` then ``width`` figures (the
    first of them the whole)."""
    inside = [[0] * width for _ in GROUPS]
    outside = [[0] * width for _ in GROUPS]
    described = 0
    n = len(_FLAGS) + 1
    for row in rows:
        sex, flags, values = row[0], row[1:n], [int(v) for v in row[n:]]
        if sex is not None:  # the roster gave these students' demographics
            described += values[0]
        own_sex = _SEX_POSITION.get(sex, _SEX_POSITION["other"])
        targets = [(p, p == own_sex) for p in range(len(SEXES))]
        targets += [(p, flag is True) for p, flag in enumerate(flags, start=len(SEXES))]
        for position, member in targets:
            target = inside[position] if member else outside[position]
            for i, value in enumerate(values):
                target[i] += value
    return RolledUp(inside, outside, described)


def suppressed(
    rolled: RolledUp, keys: Sequence[str], within: Mapping[str, str] | None = None
) -> tuple[list[GroupRow], bool]:
    """Each group's figures (named ``keys``; the first is the whole) with the small ones
    hidden by the rules in the module's docstring; and whether any is. ``within``: the
    figure each is a part of, when nearer than the whole (a stage reached is part of the
    students reached; an accepted application part of the approved ones): those it leaves
    out are counted from there."""
    whole = keys[0]
    within = within or {}
    rows = [dict(zip(keys, values, strict=True)) for values in rolled.inside]
    others = [dict(zip(keys, values, strict=True)) for values in rolled.outside]
    hidden: list[dict[str, Hidden]] = [{} for _ in rows]
    for r, row in enumerate(rows):
        for key in keys:
            value = row[key]
            not_counted = row[within.get(key, whole)] - value
            if value < SMALLEST_SHOWN:
                hidden[r][key] = Hidden.SMALL
            elif key != whole and not_counted < SMALLEST_SHOWN:
                hidden[r][key] = Hidden.COMPLEMENT  # it would show the few it leaves out
            elif others[r][key] < SMALLEST_SHOWN:
                hidden[r][key] = Hidden.COMPLEMENT
    sexes = [r for r, (family, _) in enumerate(GROUPS) if family == "sex"]
    for key in keys:
        while sum(key in hidden[r] for r in sexes) == 1:
            shown = [r for r in sexes if key not in hidden[r]]
            hidden[min(shown, key=lambda r: rows[r][key])][key] = Hidden.COMPLEMENT
    groups = [
        GroupRow(
            family,
            name,
            {
                key: Cell(None, hidden[r][key]) if key in hidden[r] else Cell(rows[r][key])
                for key in keys
            },
            whole,
        )
        for r, (family, name) in enumerate(GROUPS)
    ]
    return groups, any(hidden)


# --- a page filtered to one group -------------------------------------------------------------

#: A cell of a page: (table, row, figure), e.g. ("schools", 12, "reached").
CellKey = tuple[str, Hashable, str]


@dataclass(frozen=True, slots=True)
class Layout:
    """What a page's reader can add up. ``lines``: sets of cells of which one is the sum of
    the others (a column with its total; two cells that are equal); the rows come first,
    the total last, so a tie hides a row. ``wholes``: the cell of the same row that each
    cell is a part of (the students reached of a stage reached; a row's students of those
    reached), the cell itself for the row's whole."""

    lines: Sequence[Sequence[CellKey]]
    wholes: Mapping[CellKey, CellKey]


def suppress_filtered(
    parts: Sequence[Mapping[CellKey, int]],
    unfiltered: Mapping[CellKey, int],
    layout: Layout,
) -> list[dict[CellKey, Hidden]]:
    """The hidden cells of each page in ``parts`` (the pages of a ``partition``: the three
    sexes, which add up to ``unfiltered`` cell by cell, or one yes/no group's), by the rules
    for a filtered page in the module's docstring. Every page holds every cell of
    ``unfiltered``. A pure function over integers, so a property test can try it on any
    numbers."""
    hidden: list[dict[CellKey, Hidden]] = [{} for _ in parts]
    for page, values in zip(hidden, parts, strict=True):
        for cell, value in values.items():
            whole = values[layout.wholes[cell]]
            if value < SMALLEST_SHOWN:
                page[cell] = Hidden.SMALL
            elif unfiltered[cell] - value < SMALLEST_SHOWN:
                page[cell] = Hidden.COMPLEMENT  # the unfiltered page minus this one
            elif layout.wholes[cell] != cell and whole - value < SMALLEST_SHOWN:
                page[cell] = Hidden.COMPLEMENT  # the row's whole minus this one
    # Each line as (page, cell) pairs: the layout's on every page, and across the sexes. A
    # cell that is 0 unfiltered is 0 on every page for anyone to see: hiding it hides nothing,
    # so it is left out of the lines (its "fewer than 11" cannot cover another cell).
    nothing = {cell for cell, value in unfiltered.items() if value == 0}
    lines: list[list[tuple[int, CellKey]]] = [
        [(p, cell) for cell in line if cell not in nothing]
        for p in range(len(parts))
        for line in layout.lines
    ]
    if len(parts) > 1:
        lines += [
            [(p, cell) for p in range(len(parts))] for cell in unfiltered if cell not in nothing
        ]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(cell in hidden[p] for p, cell in line) != 1:
                continue
            shown = [(p, cell) for p, cell in line if cell not in hidden[p]]
            if shown:
                p, cell = min(shown, key=lambda pc: parts[pc[0]][pc[1]])
                hidden[p][cell] = Hidden.COMPLEMENT
                changed = True
    return hidden
