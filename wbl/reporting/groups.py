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
- a figure of a yes/no group (a race, a program) whose other side (the scope outside the
  group) is small, as it could be worked out from the scope's total by subtraction: "hidden";
- the sexes add up to the scope's total (shown): in a column with one hidden sex, the
  smallest other one is hidden too, as ``wbl.roster.demographics.suppress`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from wbl.roster.demographics import PROGRAMS, RACES, SEXES, SMALLEST_SHOWN, Cell, Hidden
from wbl.roster.models import StudentDemographics
from wbl.students.models import StudentProfile

#: Every student group shown: (family, label), in the tables' order.
GROUPS: tuple[tuple[str, str], ...] = (
    *(("sex", m.label) for m in SEXES),
    *(("race", m.label) for m in RACES),
    *(("program", m.label) for m in PROGRAMS),
)
FAMILY_LABELS = {"sex": "Sex", "race": "Race and ethnicity", "program": "Programs"}
_SEX_POSITION = {"female": 0, "male": 1, "other": 2}
_FLAGS = tuple(m.key for m in (*RACES, *PROGRAMS))  # the yes/no groups, in GROUPS' order


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
        targets = [(_SEX_POSITION.get(sex, _SEX_POSITION["other"]), True)]
        targets += [(p, flag is True) for p, flag in enumerate(flags, start=len(SEXES))]
        for position, member in targets:
            target = inside[position] if member else outside[position]
            for i, value in enumerate(values):
                target[i] += value
    return RolledUp(inside, outside, described)


def suppressed(rolled: RolledUp, keys: Sequence[str]) -> tuple[list[GroupRow], bool]:
    """Each group's figures (named ``keys``; the first is the whole) with the small ones
    hidden by the rules in the module's docstring; and whether any is."""
    whole = keys[0]
    rows = [dict(zip(keys, values, strict=True)) for values in rolled.inside]
    others = [dict(zip(keys, values, strict=True)) for values in rolled.outside]
    hidden: list[dict[str, Hidden]] = [{} for _ in rows]
    for r, row in enumerate(rows):
        for key in keys:
            value = row[key]
            not_counted = row[whole] - value
            if value < SMALLEST_SHOWN:
                hidden[r][key] = Hidden.SMALL
            elif key != whole and not_counted < SMALLEST_SHOWN:
                hidden[r][key] = Hidden.COMPLEMENT  # it would show the few it leaves out
            elif GROUPS[r][0] != "sex" and others[r][key] < SMALLEST_SHOWN:
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
