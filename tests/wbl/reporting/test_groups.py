"""The suppression rule of student groups in reports (wbl/reporting/groups.py)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wbl.reporting.groups import GROUPS, CellKey, Layout, RolledUp, suppress_filtered, suppressed
from wbl.roster.demographics import SMALLEST_SHOWN, Hidden

KEYS = ("students", "reached")


def _rolled(inside: dict[str, list[int]], outside: dict[str, list[int]]) -> RolledUp:
    names = [name for _, name in GROUPS]
    return RolledUp(
        inside=[inside.get(name, [100, 50]) for name in names],
        outside=[outside.get(name, [100, 50]) for name in names],
        described=0,
    )


def _hidden(rolled: RolledUp) -> dict[str, dict[str, Hidden | None]]:
    rows, _ = suppressed(rolled, KEYS)
    return {row.name: {key: row.cells[key].hidden for key in KEYS} for row in rows}


def test_a_small_count_and_zero_are_fewer_than_11() -> None:
    found = _hidden(_rolled({"Asian": [40, 10], "White": [40, 0]}, {}))
    assert found["Asian"] == {"students": None, "reached": Hidden.SMALL}
    assert found["White"]["reached"] is Hidden.SMALL


def test_a_count_that_leaves_out_a_few_of_its_group_is_hidden() -> None:
    found = _hidden(_rolled({"Asian": [40, 35]}, {}))  # 5 not reached, by subtraction
    assert found["Asian"] == {"students": None, "reached": Hidden.COMPLEMENT}


def test_a_group_whose_outside_is_small_is_hidden() -> None:
    found = _hidden(_rolled({"White": [95, 60]}, {"White": [5, 3]}))
    assert found["White"] == {"students": Hidden.COMPLEMENT, "reached": Hidden.COMPLEMENT}


def test_one_hidden_sex_takes_the_smallest_other_with_it() -> None:
    found = _hidden(
        _rolled({"Female": [60, 30], "Male": [50, 20], "Other or not reported": [4, 1]}, {})
    )
    assert found["Other or not reported"]["students"] is Hidden.SMALL
    assert found["Male"]["students"] is Hidden.COMPLEMENT
    assert found["Female"]["students"] is None


def test_a_sex_whose_outside_is_small_is_hidden() -> None:
    # 50 of 59 students are girls: showing 50 would say that 9 are not.
    found = _hidden(
        _rolled(
            {"Female": [50, 30], "Male": [5, 1], "Other or not reported": [4, 1]},
            {"Female": [9, 2]},
        )
    )
    assert found["Female"]["students"] is Hidden.COMPLEMENT


# --- a page filtered to one group: suppress_filtered ----------------------------------------


@st.composite
def partitions(draw: st.DrawFn) -> tuple[list[dict[CellKey, int]], dict[CellKey, int], Layout]:
    """A page of a few schools x (students, reached) with its total, split into the pages of
    a partition: three (the sexes) or two (a yes/no group and the rest, whose page nobody
    sees); the unfiltered page is their sum."""
    schools = draw(st.integers(1, 4))
    count = draw(st.sampled_from((2, 3)))
    parts: list[dict[CellKey, int]] = []
    for _ in range(count):
        page: dict[CellKey, int] = {}
        for school in range(schools):
            students = draw(st.integers(0, 40))
            page["schools", school, "students"] = students
            page["schools", school, "reached"] = draw(st.integers(0, students))
        for key in KEYS:
            page["total", None, key] = sum(page["schools", s, key] for s in range(schools))
        parts.append(page)
    unfiltered = {cell: sum(page[cell] for page in parts) for cell in parts[0]}
    lines = [[*(("schools", s, key) for s in range(schools)), ("total", None, key)] for key in KEYS]
    wholes = {(t, r, k): (t, r, "students") for t, r, k in unfiltered}
    shown = parts if count == 3 else parts[:1]
    return shown, unfiltered, Layout(lines, wholes)


@settings(max_examples=300, deadline=None)
@given(partitions())
def test_no_filtered_count_is_small_or_gives_one_away(
    found: tuple[list[dict[CellKey, int]], dict[CellKey, int], Layout],
) -> None:
    parts, unfiltered, layout = found
    hidden = suppress_filtered(parts, unfiltered, layout)
    nothing = {cell for cell, value in unfiltered.items() if value == 0}
    for page, gone in zip(parts, hidden, strict=True):
        for cell, value in page.items():
            if cell in gone:
                continue
            assert value >= SMALLEST_SHOWN, cell
            assert unfiltered[cell] - value >= SMALLEST_SHOWN, cell
            whole = layout.wholes[cell]
            assert whole == cell or page[whole] - value >= SMALLEST_SHOWN, cell
        for line in layout.lines:  # a column and its total: never one hidden alone
            assert sum(c in gone for c in line if c not in nothing) != 1, line
    if len(parts) == 3:  # the sexes add up to the unfiltered page, cell by cell
        for cell in unfiltered.keys() - nothing:
            assert sum(cell in gone for gone in hidden) != 1, cell
