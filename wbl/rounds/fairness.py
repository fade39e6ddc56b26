"""The fairness report of an allocation round: who each allocation placed, by school, by
student group and by priority tier, its small cells hidden, and the groups it systematically
left unmatched.

Computed from the round's stored result (both modes, ``allocation._compute``) and the
students who ranked (their school, grade and the roster's demographics), in a constant
number of statements however many students, schools and groups: the round, one row per
student who ranked. Nothing is stored.

Per row and mode: the students who ranked, how many were placed and how many got their first
choice; the placement rate is placed / students, the first-choice share first choices /
students (both of every student who ranked, as the review page's shares are).

Small cells are hidden by the reports' rules (``wbl.reporting.groups``, ``SMALLEST_SHOWN``):
the student groups go through ``groups.roll_up_places`` and ``groups.suppress_places`` with
both modes' figures at once (their students are the same); the schools' and the tiers'
tables, whose rows add up to the round's totals, through ``suppress_table``: a count under 11
is hidden, so is a count whose complement in its row (students not placed, not at their
first choice) is under 11, and a line (a row's students = placed + not placed, a column =
its total) with one hidden cell hides its smallest shown cell too, until none has a lone
hidden cell; both modes in one table, so that one mode's shown counts never give away the
other's hidden ones. The totals themselves are never hidden: the review page shows them to
the same staff (so a round of one school hides that school's row, which equals them).

"Systematically left unmatched" (``flag``): a group, or a school, whose placement rate is
at least ``GAP`` (10 points) below the rate of every other student who ranked, with at least
``SMALLEST_SHOWN`` students on each side, and Fisher's exact test (one-sided: placed less
often) below ``ALPHA`` (0.05). The size rule keeps a handful of unlucky students from being
called a pattern, the gap keeps a tiny but "significant" difference of a huge round out, and
the test keeps a 10-point gap of 12 students (chance, often) out. A flag may stand on a row
whose placed count is hidden (a group of 30 with 4 placed is the case the report is for): it
says "well below", never the number. Priority tiers are not flagged: placing a higher tier
first is what the round's rules ask.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from wbl.auth.models import User
from wbl.extensions import db
from wbl.reporting import groups
from wbl.roster.demographics import SMALLEST_SHOWN, Cell, Hidden
from wbl.roster.models import StudentDemographics
from wbl.rounds.allocation import chosen_result
from wbl.rounds.models import AllocationMode, AllocationRound, RoundChoice
from wbl.rounds.opening import GRADE_RULES, get_round, require_manager, round_result
from wbl.schools.models import School
from wbl.students.models import StudentProfile

GAP = 0.10  # a placement rate this far below the rest's (10 points) can be flagged
ALPHA = 0.05  # ... when Fisher's exact test says chance explains it this rarely

GRADE_NAMES = {9: "Grade 9", 10: "Grade 10", 11: "Grade 11", 12: "Grade 12"}


@dataclass(frozen=True, slots=True)
class Figures:
    """One row's figures under one mode, small ones hidden (a hidden cell has no value)."""

    students: Cell
    placed: Cell
    first_choice: Cell
    flagged: bool = False
    p_value: float | None = None

    @property
    def placement_rate(self) -> float | None:
        return _share(self.placed, self.students)

    @property
    def first_choice_share(self) -> float | None:
        return _share(self.first_choice, self.students)


def _share(part: Cell, whole: Cell) -> float | None:
    if part.value is None or not whole.value:
        return None
    return part.value / whole.value


@dataclass(frozen=True, slots=True)
class FairnessRow:
    label: str
    family: str  # "all", "school", "sex", "race", "program", "tier"
    figures: dict[AllocationMode, Figures]


@dataclass(frozen=True, slots=True)
class FairnessReport:
    round: AllocationRound
    modes: list[AllocationMode]  # stable first
    chosen: AllocationMode | None  # the published one, or the one proposed for publishing
    total: FairnessRow | None = None
    schools: list[FairnessRow] = field(default_factory=list)
    groups: list[FairnessRow] = field(default_factory=list)
    tiers: list[FairnessRow] = field(default_factory=list)
    tier_rule: str = "lottery"
    any_hidden: bool = False

    @property
    def flagged(self) -> list[tuple[FairnessRow, AllocationMode]]:
        return [
            (row, mode)
            for row in (*self.schools, *self.groups)
            for mode in self.modes
            if row.figures[mode].flagged
        ]


def _keys(modes: Sequence[AllocationMode]) -> tuple[str, ...]:
    """The figures' keys: the students (the same in every mode), then each mode's two."""
    return ("students", *(f"{k}_{m.value}" for m in modes for k in ("placed", "first_choice")))


# --- hiding small cells ----------------------------------------------------------------------


def suppress_table(
    rows: Sequence[dict[str, int]], complements: Sequence[tuple[str, str]]
) -> list[dict[str, Hidden]]:
    """Which cells of ``rows`` to hide (their total row, the column sums, is the round's
    totals, which the review page shows, so it is never hidden but counts as known): a count
    under ``SMALLEST_SHOWN``; a count whose complement in its row (``students`` less it:
    ``complements`` names each ``(count, complement)``) is under it; and, while any line
    (a row's ``students`` = count + complement; a column = its total) has exactly one hidden
    cell, its smallest shown cell. Complements are never shown, but count as known cells:
    students and count shown would give them away."""
    keys = ["students", *(k for pair in complements for k in pair)]
    grid: dict[tuple[int, str], int] = {}
    for r, row in enumerate(rows):
        for key, value in row.items():
            grid[r, key] = value
        for count, rest in complements:
            grid[r, rest] = row["students"] - row[count]
    for key in keys:
        grid[-1, key] = sum(grid[r, key] for r in range(len(rows)))
    lines = [
        [(r, "students"), (r, count), (r, rest)]
        for r in range(-1, len(rows))
        for count, rest in complements
    ]
    lines += [[(-1, key), *((r, key) for r in range(len(rows)))] for key in keys]
    hidden: dict[tuple[int, str], Hidden] = {
        cell: Hidden.SMALL
        for cell, value in grid.items()
        if value < SMALLEST_SHOWN and cell[0] != -1
    }
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(cell in hidden for cell in line) != 1:
                continue
            shown = [cell for cell in line if cell not in hidden and cell[0] != -1]
            if shown:
                hidden[min(shown, key=lambda c: (grid[c], c[0], c[1]))] = Hidden.COMPLEMENT
                changed = True
    per_row: list[dict[str, Hidden]] = [{} for _ in rows]
    for (r, key), why in hidden.items():
        per_row[r][key] = why
    return per_row


# --- the flag ------------------------------------------------------------------------------


def flag(students: int, placed: int, rest_students: int, rest_placed: int) -> float | None:
    """The p-value when the row is "systematically left unmatched" (see the module's
    docstring), else None."""
    if students < SMALLEST_SHOWN or rest_students < SMALLEST_SHOWN:
        return None
    if rest_placed / rest_students - placed / students < GAP - 1e-9:
        return None
    from scipy.stats import fisher_exact  # here: SciPy never loads when the app starts

    table = [[placed, students - placed], [rest_placed, rest_students - rest_placed]]
    p_value = float(fisher_exact(table, alternative="less").pvalue)
    return p_value if p_value < ALPHA else None


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Student:
    district_id: int
    school_id: int
    school: str
    grade: int
    sex_code: int
    flag_bits: int


def _results(result: dict[str, Any]) -> dict[AllocationMode, dict[str, Any]]:
    """Each mode's allocation of the stored result, stable first."""
    found = {AllocationMode(result.get("mode", "stable")): result}
    other = result.get("alternative")
    if other:
        mode = AllocationMode(other["mode"])
        found[mode] = chosen_result(result, mode)
    return {m: found[m] for m in AllocationMode if m in found}


def _tier_of(round_: AllocationRound) -> tuple[str, Any]:
    """The round's grade rule ("lottery" when it has none) and a tier key per grade (lower
    keys go first)."""
    rule = next((r for r in round_.priority_rules or [] if r in GRADE_RULES), "lottery")
    if rule == "grade_desc":
        return rule, lambda grade: -grade
    if rule == "grade_asc":
        return rule, lambda grade: grade
    return rule, lambda grade: 0


def fairness_report(actor: User, round_id: int) -> FairnessReport:
    """The round's fairness report (empty before it has run); staff who manage rounds."""
    require_manager(actor)
    round_ = get_round(round_id)
    result = round_result(round_)
    if not result or "assignments" not in result:
        return FairnessReport(round_, [], None)
    per_mode = _results(result)
    modes = list(per_mode)
    placed = {
        m: {int(s) for s in r.get("assignments", {})} for m, r in per_mode.items()
    }  # students placed, per mode
    first = {
        m: {int(s) for s, rank in r.get("ranks", {}).items() if int(rank) == 1}
        for m, r in per_mode.items()
    }
    ranked = select(RoundChoice.student_id).where(RoundChoice.round_id == round_id).distinct()
    students = {
        sid: _Student(district, school, name, grade, int(sex), int(bits))
        for sid, district, school, name, grade, sex, bits in db.session.execute(
            select(
                StudentProfile.id,
                School.district_id,
                School.id,
                School.name,
                StudentProfile.grade,
                *groups.columns(),
            )
            .join(School, School.id == StudentProfile.school_id)
            .outerjoin(StudentDemographics, StudentDemographics.student_id == StudentProfile.id)
            .where(StudentProfile.id.in_(ranked))
        ).all()
    }
    keys = _keys(modes)

    def figures_of(sids: Sequence[int]) -> list[int]:
        out = [len(sids)]
        for m in modes:
            out += [sum(s in placed[m] for s in sids), sum(s in first[m] for s in sids)]
        return out

    # Student groups: one roll-up over (district, school, sex, flags), suppressed together.
    cells: dict[tuple[int, int, int, int], list[int]] = {}
    for sid, st in students.items():
        key = (st.district_id, st.school_id, st.sex_code, st.flag_bits)
        cells.setdefault(key, [])
        cells[key].append(sid)
    rolled = groups.roll_up_places(
        [(*key, *figures_of(sids)) for key, sids in sorted(cells.items())], len(keys)
    )
    found = groups.suppress_places(rolled, keys)
    county = rolled.get(groups.COUNTY)
    group_rows: list[FairnessRow] = []
    for r, row in enumerate(found.rows(groups.COUNTY)):
        inside = county.inside[r] if county else [0] * len(keys)
        outside = county.outside[r] if county else [0] * len(keys)
        group_rows.append(
            FairnessRow(
                row.name,
                row.family,
                _figures(modes, row.cells, inside, outside),
            )
        )

    # Schools and priority tiers: tables whose rows add up to the round's totals.
    by_school: dict[tuple[str, int], list[int]] = {}
    rule, tier_key = _tier_of(round_)
    by_tier: dict[int, list[int]] = {}
    for sid, st in students.items():
        by_school.setdefault((st.school, st.school_id), []).append(sid)
        by_tier.setdefault(tier_key(st.grade) if rule != "lottery" else 0, []).append(sid)
    everyone = figures_of(list(students))
    school_rows = _table(
        modes, keys, [(name, sids) for (name, _id), sids in sorted(by_school.items())], figures_of
    )
    tier_rows = _table(
        modes,
        keys,
        [
            (_tier_name(rule, sids, students), sids)
            for _key, sids in sorted(by_tier.items(), key=lambda kv: kv[0])
        ],
        figures_of,
        flags=False,
    )
    total = FairnessRow(
        "All students who ranked",
        "all",
        {
            m: Figures(Cell(everyone[0]), Cell(everyone[1 + 2 * i]), Cell(everyone[2 + 2 * i]))
            for i, m in enumerate(modes)
        },
    )
    any_hidden = found.any_hidden(groups.COUNTY) or any(
        c.hidden
        for row in (*school_rows, *tier_rows)
        for f in row.figures.values()
        for c in (f.students, f.placed, f.first_choice)
    )
    return FairnessReport(
        round=round_,
        modes=modes,
        chosen=AllocationMode(result.get("mode", "stable")),
        total=total,
        schools=school_rows,
        groups=group_rows,
        tiers=tier_rows,
        tier_rule=rule,
        any_hidden=any_hidden,
    )


def _tier_name(rule: str, sids: Sequence[int], students: dict[int, _Student]) -> str:
    if rule == "lottery":
        return "Everyone (one tier: the lottery)"
    grade = students[sids[0]].grade
    return GRADE_NAMES.get(grade, f"Grade {grade}")


def _figures(
    modes: Sequence[AllocationMode],
    cells: dict[str, Cell],
    inside: Sequence[int],
    outside: Sequence[int],
    flags: bool = True,
) -> dict[AllocationMode, Figures]:
    """Each mode's figures of a row from its (suppressed) cells; ``inside`` and ``outside``
    are its true figures and those of every other student who ranked, for the flag only."""
    out: dict[AllocationMode, Figures] = {}
    for i, m in enumerate(modes):
        p_value = (
            flag(inside[0], inside[1 + 2 * i], outside[0], outside[1 + 2 * i]) if flags else None
        )
        out[m] = Figures(
            cells["students"],
            cells[f"placed_{m.value}"],
            cells[f"first_choice_{m.value}"],
            flagged=p_value is not None,
            p_value=p_value,
        )
    return out


def _table(
    modes: Sequence[AllocationMode],
    keys: Sequence[str],
    named: list[tuple[str, list[int]]],
    figures_of: Any,
    *,
    flags: bool = True,
) -> list[FairnessRow]:
    """Rows (name, students) of a table that adds up to the round's totals, suppressed with
    ``suppress_table``."""
    values = [dict(zip(keys, figures_of(sids), strict=True)) for _name, sids in named]
    complements = [
        (f"{k}_{m.value}", f"not_{k}_{m.value}") for m in modes for k in ("placed", "first_choice")
    ]
    hidden = suppress_table(values, complements)
    grand = Counter[str]()
    for row in values:
        grand.update(row)
    rows = []
    for (name, _sids), row, hide in zip(named, values, hidden, strict=True):
        cells = {k: Cell(None, hide[k]) if k in hide else Cell(row[k]) for k in keys}
        outside = [grand[k] - row[k] for k in keys]
        rows.append(
            FairnessRow(name, "row", _figures(modes, cells, [row[k] for k in keys], outside, flags))
        )
    return rows


# --- the download --------------------------------------------------------------------------


def report_table(report: FairnessReport) -> tuple[list[str], list[list[object]]]:
    """The report as one table (a CSV or XLSX download): what the page shows, hidden cells
    as their reason ("fewer than 11", "hidden"), never their number."""
    header = ["Section", "Row"]
    for m in report.modes:
        label = m.label
        header += [
            f"{label}: students",
            f"{label}: placed",
            f"{label}: placement rate",
            f"{label}: first choice",
            f"{label}: first-choice share",
            f"{label}: systematically left unmatched",
        ]
    sections = [
        ("All", [report.total] if report.total else []),
        ("School", report.schools),
        ("Student group", report.groups),
        ("Priority tier", report.tiers),
    ]
    rows: list[list[object]] = []
    for section, lines in sections:
        for line in lines:
            out: list[object] = [section, line.label]
            for m in report.modes:
                f = line.figures[m]
                out += [
                    f.students.text,
                    f.placed.text,
                    _percent(f.placement_rate),
                    f.first_choice.text,
                    _percent(f.first_choice_share),
                    "yes" if f.flagged else "",
                ]
            rows.append(out)
    return header, rows


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"
