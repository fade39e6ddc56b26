"""Student groups in reports: who is in which group, each group's figures rolled up from one
grouped statement, and the small ones hidden.

The groups are the roster's (``wbl.roster.demographics``): sex, race and ethnicity, English
learners and students with disabilities, plus free or reduced-price meals from the profile
(the flag staff keep, which incentive funding counts too). A student the roster gave no
demographics counts as sex not reported and in no other group. A report groups its
statement by school and two codes of the demographics (``columns()``: a few hundred
combinations per school at most), and ``roll_up_places`` adds each combination's figures
to the groups it belongs to and to the complements of those it does not; ``suppressed``
then hides, per group:

- a figure under ``SMALLEST_SHOWN`` (zero included): "fewer than 11";
- a figure whose members *not* counted in it (the group's whole minus the figure) are fewer
  than that, as subtraction would show them: "hidden";
- a figure of a yes/no group (a race, a program) whose other side (the scope outside the
  group) is small, as it could be worked out from the scope's total by subtraction: "hidden";
- the sexes add up to the scope's total (shown): in a column with one hidden sex, the
  smallest other one is hidden too, as ``wbl.roster.demographics.suppress`` does.

A report shows a group's figures for a school, a district and the county, and a district's
are its schools' sum: pages read together could give away what each hides alone. So reports
suppress every place of the county at once (``roll_up_places`` then ``suppress_places``,
whose docstring has the rules across places), from one statement over the whole county
whoever looks: each page hides the same cells for everyone, and the group filter (one
group's line here and in each district or school) shows exactly those cells. What the rules
guarantee, and the property test checks over generated counties, is that no hidden count is
fixed by the sums the pages publish; like every cell-suppression scheme, they do not hide
that a hidden count lies between 0 and 10, or within the bounds its sums allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, literal, literal_column, or_

from wbl.roster.demographics import PROGRAMS, RACES, SEXES, SMALLEST_SHOWN, Cell, Hidden
from wbl.roster.models import StudentDemographics
from wbl.students.models import StudentProfile

#: Every student group shown: (family, label), in the tables' order.
GROUPS: tuple[tuple[str, str], ...] = (
    *(("sex", m.label) for m in SEXES),
    *(("race", m.label) for m in RACES),
    *(("program", m.label) for m in PROGRAMS),
)
#: Each group's key (the filter's value), in ``GROUPS``' order.
GROUP_KEYS: tuple[str, ...] = tuple(m.key for m in (*SEXES, *RACES, *PROGRAMS))
FAMILY_LABELS = {"sex": "Sex", "race": "Race and ethnicity", "program": "Programs"}
_SEX_POSITION = {"female": 0, "male": 1, "other": 2}
_FLAGS = tuple(m.key for m in (*RACES, *PROGRAMS))  # the yes/no groups, in GROUPS' order


NOT_DESCRIBED = 3  # the sex code of a student the roster gave no demographics


def columns() -> list[Any]:
    """What a report's statement groups by (outer-joined to ``StudentDemographics``), as two
    small integers (a dozen columns made PostgreSQL sort 50,000 rows on disk): the sex's
    code (its position in ``GROUPS``; any other value "other", and ``NOT_DESCRIBED`` when the
    roster gave none), and the yes/no groups the student is in, as bits (bit ``i`` for the
    ``i``-th after the sexes; a flag the roster left blank is not a yes)."""
    d = StudentDemographics
    sex = case(
        (d.sex == "female", _SEX_POSITION["female"]),
        (d.sex == "male", _SEX_POSITION["male"]),
        (d.student_id.is_(None), NOT_DESCRIBED),
        else_=_SEX_POSITION["other"],
    )
    flags = [
        StudentProfile.frl_eligible if key == "free_reduced_meals" else getattr(d, key)
        for key in _FLAGS
    ]
    mask = sum(
        (case((flag.is_(True), 1 << i), else_=0) for i, flag in enumerate(flags)), literal(0)
    )
    return [sex.label("sex_code"), mask.label("flag_bits")]


def grouped_by() -> list[Any]:
    """The ``columns()`` in a GROUP BY: by their names (each expression rendered again would
    carry bind parameters of its own, which PostgreSQL takes for other expressions)."""
    return [literal_column("sex_code"), literal_column("flag_bits")]


def member(group: int) -> ColumnElement[bool]:
    """Whether a student is in the group at position ``group`` of ``GROUPS`` (a statement
    outer-joined to ``StudentDemographics``, as ``columns()``' are): ``roll_up_places``' rule."""
    sex = StudentDemographics.sex
    if group < len(SEXES):
        key = SEXES[group].key
        if key == "female":
            return sex == "female"
        if key == "male":
            return sex == "male"
        return or_(sex.is_(None), sex.not_in(("female", "male")))
    key = _FLAGS[group - len(SEXES)]
    column = (
        StudentProfile.frl_eligible
        if key == "free_reduced_meals"
        else getattr(StudentDemographics, key)
    )
    return column.is_(True)


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


def suppressed(rolled: RolledUp, keys: Sequence[str]) -> tuple[list[GroupRow], bool]:
    """One scope's groups, alone (no other scope's figures shown beside it): the rules of
    the module's docstring."""
    place = Place(None, None)
    found = suppress_places({place: rolled}, keys)
    return found.rows(place), found.any_hidden(place)


# --- the county's places, suppressed together ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    """Where a report looks: the county (``Place(None, None)``), a district
    (``Place(d, None)``) or a school (``Place(d, s)``)."""

    district_id: int | None
    school_id: int | None

    @property
    def order(self) -> tuple[int, int]:
        return (self.district_id or 0, self.school_id or 0)  # ids start at 1

    @property
    def parent(self) -> Place | None:
        if self.school_id is not None:
            return Place(self.district_id, None)
        if self.district_id is not None:
            return Place(None, None)
        return None


COUNTY = Place(None, None)


def roll_up_places(rows: Iterable[Sequence[Any]], width: int) -> dict[Place, RolledUp]:
    """``rows``: a statement's grouped by school and the ``columns()``, each the district,
    the school, those two codes, then ``width`` figures (the first the whole). Every
    school's groups, and its district's and the county's as their sums (so a district's
    figures are its schools'): one pass in NumPy, as a county has a few thousand rows."""
    import numpy as np  # here: a web worker loads NumPy only when a report asks

    table = list(rows)
    schools = sorted({(row[0], row[1]) for row in table})
    places = [Place(d, s) for d, s in schools]
    index = {key: i for i, key in enumerate(schools)}
    values = np.array([row[4:] for row in table], dtype=np.int64).reshape(-1, width)
    codes = np.array([(row[2], row[3]) for row in table], dtype=np.int64).reshape(-1, 2)
    at = np.array([index[(row[0], row[1])] for row in table], dtype=np.int64)
    sex = np.minimum(codes[:, 0], _SEX_POSITION["other"])
    member = np.zeros((len(table), len(GROUPS)), dtype=np.int64)
    member[np.arange(len(table)), sex] = 1
    for i in range(len(_FLAGS)):
        member[:, len(SEXES) + i] = (codes[:, 1] >> i) & 1
    described = np.zeros(len(schools), dtype=np.int64)
    np.add.at(described, at, np.where(codes[:, 0] != NOT_DESCRIBED, values[:, 0], 0))
    inside = np.zeros((len(schools), len(GROUPS), width), dtype=np.int64)
    np.add.at(inside, at, member[:, :, None] * values[:, None, :])
    whole = np.zeros((len(schools), width), dtype=np.int64)
    np.add.at(whole, at, values)
    sums: dict[Place, list[int]] = {COUNTY: list(range(len(schools)))}
    for i, place in enumerate(places):
        sums[place] = [i]
        sums.setdefault(Place(place.district_id, None), []).append(i)
    found: dict[Place, RolledUp] = {}
    for place, of in sums.items():
        mine, all_of = inside[of].sum(axis=0), whole[of].sum(axis=0)
        found[place] = RolledUp(
            mine.tolist(), (all_of[None, :] - mine).tolist(), int(described[of].sum())
        )
    return found


@dataclass(frozen=True, slots=True)
class Suppressed:
    """Every place's groups, hidden together (see ``suppress_places``)."""

    rolled: dict[Place, RolledUp]
    keys: tuple[str, ...]
    hidden: dict[Place, list[dict[str, Hidden]]]

    def rows(self, place: Place) -> list[GroupRow]:
        """The groups of ``place`` (a place with no students: every figure 0, hidden)."""
        rolled = self.rolled.get(place)
        if rolled is None or place not in self.hidden:
            return [
                GroupRow(
                    family, name, dict.fromkeys(self.keys, Cell(None, Hidden.SMALL)), self.keys[0]
                )
                for family, name in GROUPS
            ]
        hidden = self.hidden[place]
        return [
            GroupRow(
                family,
                name,
                {
                    key: Cell(None, hidden[r][key])
                    if key in hidden[r]
                    else Cell(rolled.inside[r][self.keys.index(key)])
                    for key in self.keys
                },
                self.keys[0],
            )
            for r, (family, name) in enumerate(GROUPS)
        ]

    def across(self, group: int, places: Sequence[tuple[str, Place]]) -> list[tuple[str, GroupRow]]:
        """One group's row in each of ``places`` (named): the cells their own pages show."""
        return [(name, self.rows(place)[group]) for name, place in places]

    def any_hidden(self, place: Place) -> bool:
        return place not in self.hidden or any(self.hidden[place])


def suppress_places(rolled: dict[Place, RolledUp], keys: Sequence[str]) -> Suppressed:
    """Hide small figures in every place at once, so that no page, and no pages read
    together, shows a hidden one: each place by the rules of the module's docstring, then
    across places, as a district's figure is the sum of its schools' and the county's the
    sum of its districts' (both shown on their pages):

    - in a sum whose total shows, a lone hidden part takes the smallest shown part with it
      (or, when there is none, the total);
    - a hidden total whose parts all show takes the smallest part with it;
    - and, as the sexes add up to each place's total in the other direction, a table of
      places by sex can pin a hidden cell down by a chain of sums even when no sum has one
      hidden part alone: such a cell (found by linear algebra: it is fixed whatever values
      the other hidden cells take) takes the smallest shown cell of its sums with it.

    Places with no students are left out of the sums: all their figures are known zeros.
    A yes/no group's sums form a tree (school → district → county), where no hidden cell can
    be pinned once no sum has a lone hidden part, so only the sexes need the third rule.
    """
    keys = tuple(keys)
    live = {place: r for place, r in rolled.items() if _whole(r) > 0 or place == COUNTY}
    hidden = {place: _primary(r, keys) for place, r in live.items()}
    children: dict[Place, list[Place]] = {}
    for place in sorted(live, key=lambda p: p.order):
        parent = place.parent
        if parent is not None and parent in live:
            children.setdefault(parent, []).append(place)

    def value(place: Place, r: int, key: str) -> int:
        return live[place].inside[r][keys.index(key)]

    def hide(place: Place, r: int, key: str) -> None:
        hidden[place][r][key] = Hidden.COMPLEMENT

    sexes = [r for r, (family, _) in enumerate(GROUPS) if family == "sex"]
    changed = True
    while changed:
        changed = False
        for place in live:
            for key in keys:
                while sum(key in hidden[place][r] for r in sexes) == 1:
                    others = [r for r in sexes if key not in hidden[place][r]]
                    hide(place, min(others, key=lambda r: value(place, r, key)), key)
                    changed = True
        for parent, parts in children.items():
            for r in range(len(GROUPS)):
                for key in keys:
                    lone = sum(key in hidden[p][r] for p in parts)
                    shown = [p for p in parts if key not in hidden[p][r]]
                    if key not in hidden[parent][r] and lone == 1:
                        if shown:
                            hide(min(shown, key=lambda p: value(p, r, key)), r, key)
                        else:
                            hide(parent, r, key)
                        changed = True
                    elif key in hidden[parent][r] and lone == 0 and shown:
                        hide(min(shown, key=lambda p: value(p, r, key)), r, key)
                        changed = True
        if not changed:
            for key in keys:
                pinned = _pinned_sex_cell(live, children, hidden, sexes, key)
                if pinned is not None:
                    place, r = _smallest_shown_beside(
                        pinned, live, children, hidden, sexes, key, value
                    )
                    hide(place, r, key)
                    changed = True
                    break
    return Suppressed(rolled, keys, hidden)


def _whole(rolled: RolledUp) -> int:
    return sum(rolled.inside[r][0] for r, (family, _) in enumerate(GROUPS) if family == "sex")


def _primary(rolled: RolledUp, keys: Sequence[str]) -> list[dict[str, Hidden]]:
    """One place's own rules (the module's docstring), but the sexes' sum."""
    hidden: list[dict[str, Hidden]] = [{} for _ in GROUPS]
    for r, (family, _) in enumerate(GROUPS):
        row = dict(zip(keys, rolled.inside[r], strict=True))
        other = dict(zip(keys, rolled.outside[r], strict=True))
        for key in keys:
            if row[key] < SMALLEST_SHOWN:
                hidden[r][key] = Hidden.SMALL
            elif key != keys[0] and row[keys[0]] - row[key] < SMALLEST_SHOWN:
                hidden[r][key] = Hidden.COMPLEMENT  # it would show the few it leaves out
            elif family != "sex" and other[key] < SMALLEST_SHOWN:
                hidden[r][key] = Hidden.COMPLEMENT
    return hidden


Cellref = tuple[Place, int]  # a sex's cell of a place, for one figure


def _sex_sums(
    live: dict[Place, RolledUp], children: dict[Place, list[Place]], sexes: list[int]
) -> list[list[Cellref]]:
    """The sums the sexes' cells of one figure are in: each place's sexes (to its total),
    and each parent's sex (to its parts')."""
    sums = [[(place, r) for r in sexes] for place in live]
    sums += [
        [(parent, r), *((p, r) for p in parts)] for parent, parts in children.items() for r in sexes
    ]
    return sums


def _pinned_sex_cell(
    live: dict[Place, RolledUp],
    children: dict[Place, list[Place]],
    hidden: dict[Place, list[dict[str, Hidden]]],
    sexes: list[int],
    key: str,
) -> Cellref | None:
    """A hidden sex cell of ``key`` that the published sums fix (the first), or None: a
    cell is fixed when every solution of the sums over the hidden cells, less one
    particular, leaves it unchanged (it is 0 in every vector of the null space)."""
    import numpy as np

    unknown = sorted(
        ((p, r) for p in live for r in sexes if key in hidden[p][r]),
        key=lambda c: (c[0].order, c[1]),
    )
    if not unknown:
        return None
    column = {cell: j for j, cell in enumerate(unknown)}
    equations = [
        [column[c] for c in line if c in column] for line in _sex_sums(live, children, sexes)
    ]
    matrix = np.zeros((max(len(equations), 1), len(unknown)))
    for i, line in enumerate(equations):
        matrix[i, line] = 1.0
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null = vt[rank:]
    for j, cell in enumerate(unknown):
        if null.shape[0] == 0 or np.all(np.abs(null[:, j]) < 1e-9):
            return cell
    return None


def _smallest_shown_beside(
    pinned: Cellref,
    live: dict[Place, RolledUp],
    children: dict[Place, list[Place]],
    hidden: dict[Place, list[dict[str, Hidden]]],
    sexes: list[int],
    key: str,
    value: Any,
) -> Cellref:
    """The smallest shown cell of a sum ``pinned`` is in (one always is: a sum of hidden
    cells only would leave it free)."""
    beside = [
        c
        for line in _sex_sums(live, children, sexes)
        if pinned in line
        for c in line
        if key not in hidden[c[0]][c[1]]
    ]
    return min(beside, key=lambda c: (value(c[0], c[1], key), c[0].order, c[1]))
