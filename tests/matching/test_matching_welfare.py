"""Welfare-optimal allocation: checked against brute force and against deferred acceptance."""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import Allocation, allocate, is_stable
from matching.welfare import better_and_worse, blocking_pairs, rank_profile, welfare_allocate
from tests.support.markets import Instance, Prefs, instances

FAST = settings(max_examples=150, deadline=None, database=None)


def acceptable(inst: Instance, s: int, o: int) -> bool:
    sp, op, caps = inst
    return o in sp.get(s, []) and s in op.get(o, []) and caps.get(o, 0) > 0


def feasible(inst: Instance) -> list[dict[int, int]]:
    """Every allocation respecting lists and seats, by enumeration."""
    sp, _op, caps = inst
    students = list(sp)
    options = [[None, *sorted({o for o in sp[s] if acceptable(inst, s, o)})] for s in students]
    out = []
    for combo in itertools.product(*options):
        match = {s: o for s, o in zip(students, combo, strict=True) if o is not None}
        load: dict[int, int] = {}
        for o in match.values():
            load[o] = load.get(o, 0) + 1
        if all(n <= caps[o] for o, n in load.items()):
            out.append(match)
    return out


def profile_of(match: Mapping[int, int], sp: Prefs) -> tuple[int, ...]:
    """(placed, at rank 1, at rank 2, ...), written independently of ``rank_profile``."""
    longest = max((len(p) for p in sp.values()), default=0)
    counts = [0] * (longest + 1)
    for s, o in match.items():
        counts[0] += 1
        counts[sp[s].index(o) + 1] += 1
    return tuple(counts)


def as_allocation(match: dict[int, int], sp: Prefs) -> Allocation[int, int]:
    return Allocation(
        assignments=dict(sorted(match.items())), unmatched=sorted(set(sp) - set(match))
    )


@FAST
@given(instances(max_students=6, max_offerings=3))
def test_result_is_the_best_profile_of_all_allocations(inst: Instance) -> None:
    sp, op, caps = inst
    result = welfare_allocate(sp, op, caps)
    best = max(profile_of(m, sp) for m in feasible(inst))
    assert result.assignments in feasible(inst)
    assert profile_of(result.assignments, sp) == best
    assert rank_profile(result, sp) == best
    assert sorted([*result.assignments, *result.unmatched]) == sorted(sp)


@FAST
@given(instances(max_students=10, max_offerings=5))
def test_capacity_and_lists_respected(inst: Instance) -> None:
    sp, op, caps = inst
    result = welfare_allocate(sp, op, caps)
    load: dict[int, int] = {}
    for s, o in result.assignments.items():
        assert acceptable(inst, s, o)
        load[o] = load.get(o, 0) + 1
    assert all(n <= caps[o] for o, n in load.items())
    assert result.unmatched == sorted(set(sp) - set(result.assignments))


@FAST
@given(instances(max_students=10, max_offerings=5))
def test_welfare_places_as_many_and_a_profile_at_least_that_of_deferred_acceptance(
    inst: Instance,
) -> None:
    sp, op, caps = inst
    da = allocate(sp, op, caps)
    welfare = welfare_allocate(sp, op, caps)
    assert len(welfare.assignments) >= len(da.assignments)
    assert rank_profile(welfare, sp) >= rank_profile(da, sp)
    assert blocking_pairs(da, sp, op, caps) == []  # deferred acceptance is stable
    better, worse = better_and_worse(da, welfare, sp)
    assert better + worse <= len(sp)
    if rank_profile(welfare, sp) == rank_profile(da, sp):
        assert (better == 0) == (worse == 0)  # same profile: gains and losses balance out


@FAST
@given(instances(max_students=6, max_offerings=3))
def test_blocking_pairs_agree_with_is_stable(inst: Instance) -> None:
    sp, op, caps = inst
    for match in feasible(inst):
        allocation = as_allocation(match, sp)
        assert (blocking_pairs(allocation, sp, op, caps) == []) == is_stable(
            allocation, sp, op, caps
        )


@FAST
@given(
    instances(max_students=10, max_offerings=5),
    st.integers(0, 2**32),
    st.randoms(use_true_random=False),
)
def test_deterministic_for_the_same_inputs_and_seed(inst: Instance, seed: int, rnd: object) -> None:
    sp, op, caps = inst
    first = welfare_allocate(sp, op, caps, seed=seed)
    keys_s, keys_o = list(sp), list(op)
    rnd.shuffle(keys_s)  # type: ignore[attr-defined]
    rnd.shuffle(keys_o)  # type: ignore[attr-defined]
    again = welfare_allocate(
        {s: sp[s] for s in keys_s}, {o: op[o] for o in keys_o}, caps, seed=seed
    )
    assert list(again.assignments.items()) == list(first.assignments.items())
    assert again.unmatched == first.unmatched
    # another seed may pick another optimum, never a worse one
    other = welfare_allocate(sp, op, caps, seed=seed + 1)
    assert rank_profile(other, sp) == rank_profile(first, sp)


def test_welfare_fills_the_seat_deferred_acceptance_leaves_empty() -> None:
    # One seat each. Offering A ranks 2 above 1; 1 can only go to A, 2 likes A then B.
    sp = {1: ["A"], 2: ["A", "B"]}
    op = {"A": [2, 1], "B": [2]}
    caps = {"A": 1, "B": 1}
    da = allocate(sp, op, caps)
    assert da.assignments == {2: "A"}
    assert da.unmatched == [1]
    welfare = welfare_allocate(sp, op, caps)
    assert welfare.assignments == {1: "A", 2: "B"}
    assert rank_profile(welfare, sp) == (2, 1, 1)
    # 2 prefers A and A ranks 2 above 1, who holds it: the price of placing everyone
    assert blocking_pairs(welfare, sp, op, caps) == [(2, "A")]
    assert better_and_worse(da, welfare, sp) == (1, 1)


def test_a_hand_made_round() -> None:
    # 2 taking X (their 1st) would push 0 to Y and leave 1 unplaced: fewer placed loses.
    sp = {0: ["X", "Y"], 1: ["Y", "X"], 2: ["X", "Z"]}
    op = {"X": [0, 1, 2], "Y": [0, 1], "Z": [2]}
    caps = {"X": 1, "Y": 1, "Z": 1}
    result = welfare_allocate(sp, op, caps)
    assert rank_profile(result, sp) == (3, 2, 1)
    assert result.assignments == {0: "X", 1: "Y", 2: "Z"}


def test_empty_and_unacceptable_inputs() -> None:
    assert welfare_allocate({}, {}, {}) == Allocation(assignments={}, unmatched=[])
    sp = {1: ["A", "B"], 2: []}
    op = {"A": [2], "B": [1]}
    assert welfare_allocate(sp, op, {"A": 1, "B": 0}).unmatched == [1, 2]


@pytest.mark.parametrize("seed", [1, 2])
def test_larger_random_market_beats_deferred_acceptance(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_students, n_offerings = 400, 40
    sp = {
        s: rng.choice(n_offerings, size=5, replace=False, p=None).tolist()
        for s in range(n_students)
    }
    op: dict[int, list[int]] = {o: [] for o in range(n_offerings)}
    for s in rng.permutation(n_students).tolist():
        for o in sp[s]:
            op[o].append(s)
    caps = {o: int(rng.integers(1, 12)) for o in range(n_offerings)}
    da = allocate(sp, op, caps)
    welfare = welfare_allocate(sp, op, caps)
    assert is_stable(da, sp, op, caps)
    assert len(welfare.assignments) >= len(da.assignments)
    assert rank_profile(welfare, sp) > rank_profile(da, sp)
    load: dict[int, int] = {}
    for o in welfare.assignments.values():
        load[o] = load.get(o, 0) + 1
    assert all(n <= caps[o] for o, n in load.items())
