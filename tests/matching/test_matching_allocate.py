"""Allocation: student-proposing deferred acceptance, checked against brute force."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import Allocation, allocate, is_stable, lottery_order
from tests.support.markets import Instance, instances

FAST = settings(max_examples=150, deadline=None, database=None)


def first_rank(prefs: Sequence[int], item: int | None) -> int:
    """Position of the first occurrence, or past the end for 'not listed / nothing'."""
    if item is None or item not in prefs:
        return len(prefs) + 1
    return list(prefs).index(item)


def acceptable(
    sp: Mapping[int, list[int]],
    op: Mapping[int, list[int]],
    caps: Mapping[int, int],
    s: int,
    o: int,
) -> bool:
    return o in sp.get(s, []) and s in op.get(o, []) and caps.get(o, 0) > 0


def brute_force_stable(inst: Instance) -> list[dict[int, int]]:
    """Every stable matching, by enumerating all assignments (independent of is_stable)."""
    sp, op, caps = inst
    students = list(sp)
    options = [
        [None, *sorted({o for o in sp[s] if acceptable(sp, op, caps, s, o)})] for s in students
    ]
    stable = []
    for combo in itertools.product(*options):
        match = {s: o for s, o in zip(students, combo, strict=True) if o is not None}
        load: dict[int, list[int]] = {}
        for s, o in match.items():
            load.setdefault(o, []).append(s)
        if any(len(v) > caps[o] for o, v in load.items()):
            continue
        blocked = False
        for s in students:
            for o in sp[s]:
                if first_rank(sp[s], o) >= first_rank(sp[s], match.get(s)):
                    break
                if not acceptable(sp, op, caps, s, o):
                    continue
                held = load.get(o, [])
                if len(held) < caps[o] or any(
                    first_rank(op[o], s) < first_rank(op[o], t) for t in held
                ):
                    blocked = True
                    break
            if blocked:
                break
        if not blocked:
            stable.append(match)
    return stable


@FAST
@given(instances())
def test_result_is_the_student_optimal_stable_matching(inst: Instance) -> None:
    sp, op, caps = inst
    result = allocate(sp, op, caps)
    stable = brute_force_stable(inst)
    assert result.assignments in stable
    for other in stable:
        for s in sp:
            assert first_rank(sp[s], result.assignments.get(s)) <= first_rank(sp[s], other.get(s))


@FAST
@given(instances(max_students=8, max_offerings=4))
def test_result_is_valid_and_stable(inst: Instance) -> None:
    sp, op, caps = inst
    result = allocate(sp, op, caps)
    assert is_stable(result, sp, op, caps)
    load: dict[int, int] = {}
    for s, o in result.assignments.items():
        assert acceptable(sp, op, caps, s, o)
        load[o] = load.get(o, 0) + 1
    assert all(n <= caps[o] for o, n in load.items())
    # every student exactly once: placed or unmatched
    assert sorted([*result.assignments, *result.unmatched]) == sorted(sp)


@FAST
@given(instances(max_students=8, max_offerings=4), st.randoms(use_true_random=False))
def test_identical_across_runs_and_insertion_orders(inst: Instance, rnd: object) -> None:
    sp, op, caps = inst
    first = allocate(sp, op, caps)
    keys_s, keys_o = list(sp), list(op)
    rnd.shuffle(keys_s)  # type: ignore[attr-defined]
    rnd.shuffle(keys_o)  # type: ignore[attr-defined]
    again = allocate(
        {s: sp[s] for s in keys_s}, {o: op[o] for o in keys_o}, dict(reversed(caps.items()))
    )
    assert again == first
    assert list(again.assignments.items()) == list(first.assignments.items())
    assert again.unmatched == first.unmatched


def test_eviction_chain() -> None:
    # one seat each; A ranks 3 > 1 > 2 and B ranks 1 > 2
    sp = {1: ["A", "B"], 2: ["A", "B"], 3: ["A"]}
    op = {"A": [3, 1, 2], "B": [1, 2, 3]}
    caps = {"A": 1, "B": 1}
    result = allocate(sp, op, caps)
    # 3 takes A from 1, who then takes B from 2, who has nowhere left to go
    assert result.assignments == {1: "B", 3: "A"}
    assert result.unmatched == [2]
    assert is_stable(result, sp, op, caps)
    assert result.by_offering() == {"A": [3], "B": [1]}


def test_only_mutually_acceptable_pairs_and_no_seats() -> None:
    sp = {1: ["A"], 2: ["B"], 3: ["C"]}
    op = {"A": [2], "B": [2], "C": [3]}  # A did not list 1
    result = allocate(sp, op, {"A": 1, "B": 1, "C": 0})
    assert result.assignments == {2: "B"}
    assert result.unmatched == [1, 3]


def test_is_stable_rejects_bad_allocations() -> None:
    sp = {1: ["A", "B"], 2: ["A"]}
    op = {"A": [1, 2], "B": [1]}
    caps = {"A": 1, "B": 1}
    good = allocate(sp, op, caps)
    assert good.assignments == {1: "A"}
    assert is_stable(good, sp, op, caps)
    # blocking pair: 1 prefers A, and A prefers 1 to 2
    assert not is_stable(Allocation({1: "B", 2: "A"}, []), sp, op, caps)
    # over capacity
    assert not is_stable(Allocation({1: "A", 2: "A"}, []), sp, op, caps)
    # unacceptable pair (2 never listed B)
    assert not is_stable(Allocation({1: "A", 2: "B"}, []), sp, op, caps)
    # unmatched list wrong
    assert not is_stable(Allocation({1: "A"}, []), sp, op, caps)
    # an empty seat that a student wants is a blocking pair
    assert not is_stable(Allocation({}, [1, 2]), sp, op, caps)


def test_larger_random_market_is_stable() -> None:
    rng = np.random.default_rng(7)
    n_s, n_o = 400, 40
    sp = {s: rng.choice(n_o, size=6, replace=False).tolist() for s in range(n_s)}
    applicants: dict[int, list[int]] = {o: [] for o in range(n_o)}
    for s, prefs in sp.items():
        for o in prefs:
            applicants[o].append(s)
    op = {o: rng.permutation(v).tolist() for o, v in applicants.items()}
    caps = {o: int(rng.integers(0, 12)) for o in range(n_o)}
    result = allocate(sp, op, caps)
    assert is_stable(result, sp, op, caps)
    assert result == allocate(sp, op, caps)


@given(
    tiers=st.lists(st.lists(st.integers(0, 30), max_size=8), max_size=4),
    seed=st.integers(0, 2**32),
)
def test_lottery_order_keeps_tiers_and_is_reproducible(tiers, seed) -> None:
    order = lottery_order(tiers, seed)
    assert order == lottery_order([list(reversed(t)) for t in tiers], seed)
    assert len(order) == len(set(order))
    assert set(order) == {s for t in tiers for s in t}
    # Everyone in an earlier tier comes before everyone first seen in a later one.
    first_tier = {}
    for i, tier in enumerate(tiers):
        for s in tier:
            first_tier.setdefault(s, i)
    assert [first_tier[s] for s in order] == sorted(first_tier[s] for s in order)


def test_lottery_seed_changes_the_draw() -> None:
    tier = list(range(20))
    assert lottery_order([tier], 1) != lottery_order([tier], 2)
    assert sorted(lottery_order([tier], 1)) == tier
