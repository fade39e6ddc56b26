"""The suppression rule of student groups in reports (wbl/reporting/groups.py)."""

from __future__ import annotations

from wbl.reporting.groups import GROUPS, RolledUp, suppressed
from wbl.roster.demographics import Hidden

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
