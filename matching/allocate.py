"""Stable allocation of students to offering seats (the hospitals/residents problem).

Why deferred acceptance: when placements are decided in one round (students rank the
offerings they applied to, partners or staff rank the applicants), a *stable*
allocation means no student and offering would both rather be matched to each other
than keep what they got -- nobody has a reason to go around the process. Among all
stable allocations, the student-proposing algorithm yields the one every student likes
best (the student-optimal one), it is unique for a given input, and students cannot gain
by misreporting their preferences. That makes the result explainable to families and
reproducible for audits.

Business rules:

* A pair is acceptable only if each lists the other: a student is never placed where
  they did not apply, nor with a partner who did not accept them as a candidate.
* Ids not known to the other side are ignored; an offering missing from ``capacities``
  or with capacity <= 0 has no seats. A repeated id in a list counts at its first place.
* Results do not depend on dict insertion order: ``assignments`` and ``unmatched`` are
  in sorted student-id order.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Allocation", "allocate", "is_stable"]

StudentT = TypeVar("StudentT", bound=Hashable)
OfferingT = TypeVar("OfferingT", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Allocation(Generic[StudentT, OfferingT]):
    """The outcome: who got which offering, and who got nothing."""

    assignments: dict[StudentT, OfferingT]
    unmatched: list[StudentT]

    def by_offering(self) -> dict[OfferingT, list[StudentT]]:
        """Students placed in each offering (offerings without anyone are absent)."""
        out: dict[OfferingT, list[StudentT]] = {}
        for student, offering in self.assignments.items():
            out.setdefault(offering, []).append(student)
        return out


def _sorted(ids: Iterable[StudentT]) -> list[StudentT]:
    items = list(ids)
    try:
        # ids are only Hashable: ordering is tried, and unorderable ones fall back below
        return sorted(items)  # type: ignore[type-var]
    except TypeError:  # mixed or unorderable ids: still deterministic
        return sorted(items, key=repr)


def _first_ranks(prefs: Sequence[StudentT]) -> dict[StudentT, int]:
    """Rank (position of first occurrence) of each id in a preference list."""
    # later duplicates are written first and overwritten by earlier ones
    return dict(zip(reversed(prefs), range(len(prefs) - 1, -1, -1), strict=True))


def allocate(
    student_prefs: Mapping[StudentT, Sequence[OfferingT]],
    offering_prefs: Mapping[OfferingT, Sequence[StudentT]],
    capacities: Mapping[OfferingT, int],
) -> Allocation[StudentT, OfferingT]:
    """Student-optimal stable allocation by student-proposing deferred acceptance.

    ``student_prefs`` lists each student's offerings, most preferred first;
    ``offering_prefs`` each offering's students in priority order; ``capacities`` the
    seats per offering. Runs in time linear in the total length of the lists: each
    student walks down their list once, and each full offering tracks its worst held
    rank with a pointer that only moves towards better ranks (a full offering stays
    full), so evictions need no heap.
    """
    index: dict[OfferingT, int] = {}
    ranks: list[dict[StudentT, int]] = []
    lists: list[Sequence[StudentT]] = []
    seats: list[int] = []
    for offering, ranking in offering_prefs.items():
        cap = int(capacities.get(offering, 0))
        if cap <= 0 or offering in index:
            continue
        index[offering] = len(lists)
        rank = _first_ranks(ranking)
        ranks.append(rank)
        lists.append(ranking)
        seats.append(cap)

    students: list[StudentT] = list(student_prefs)
    student_index = {s: i for i, s in enumerate(students)}
    choices: list[Sequence[OfferingT]] = [student_prefs[s] for s in students]
    room = seats  # seats still free, per offering (the list is ours to change)
    worst = [-1] * len(lists)  # worst (largest) rank held, per offering
    flags = [bytearray(len(lst)) for lst in lists]  # ranks currently held, per offering
    placed = [-1] * len(students)
    cursor = [0] * len(students)
    free = list(range(len(students) - 1, -1, -1))

    get_index = index.get
    while free:
        si = free.pop()
        student = students[si]
        prefs = choices[si]
        p = cursor[si]
        end = len(prefs)
        while p < end:
            oi = get_index(prefs[p])
            p += 1
            if oi is None:
                continue
            r = ranks[oi].get(student)
            if r is None:
                continue
            left = room[oi]
            if left:
                room[oi] = left - 1
                flags[oi][r] = 1
                if r > worst[oi]:
                    worst[oi] = r
                placed[si] = oi
                break
            w = worst[oi]
            if r < w:  # full, but this student ranks above the worst one held: swap
                flag = flags[oi]
                flag[w] = 0
                flag[r] = 1
                loser = student_index[lists[oi][w]]
                placed[loser] = -1
                free.append(loser)
                w -= 1
                while not flag[w]:
                    w -= 1
                worst[oi] = w
                placed[si] = oi
                break
        cursor[si] = p

    offering_ids = list(index)
    assignments: dict[StudentT, OfferingT] = {}
    unmatched: list[StudentT] = []
    for s in _sorted(students):
        oi = placed[student_index[s]]
        if oi < 0:
            unmatched.append(s)
        else:
            assignments[s] = offering_ids[oi]
    return Allocation(assignments=assignments, unmatched=unmatched)


def is_stable(
    result: Allocation[StudentT, OfferingT],
    student_prefs: Mapping[StudentT, Sequence[OfferingT]],
    offering_prefs: Mapping[OfferingT, Sequence[StudentT]],
    capacities: Mapping[OfferingT, int],
) -> bool:
    """True when ``result`` is a valid stable allocation for these preferences.

    Valid: only known students, each at most once, only acceptable pairs (each lists the
    other), no offering over capacity, and ``unmatched`` is exactly everybody else.
    Stable: no student and offering that both list each other where the student prefers
    the offering to their placement and the offering has a free seat or holds someone it
    ranks lower.
    """
    seats = {o: max(0, int(c)) for o, c in capacities.items()}
    ranks = {o: _first_ranks(p) for o, p in offering_prefs.items()}
    held: dict[OfferingT, int] = {}
    worst: dict[OfferingT, int] = {}
    for student, offering in result.assignments.items():
        if student not in student_prefs or offering not in student_prefs[student]:
            return False
        rank = ranks.get(offering, {}).get(student)
        if rank is None or seats.get(offering, 0) <= 0:
            return False
        held[offering] = held.get(offering, 0) + 1
        worst[offering] = max(worst.get(offering, -1), rank)
    if any(count > seats.get(o, 0) for o, count in held.items()):
        return False
    expected_unmatched = set(student_prefs) - set(result.assignments)
    if len(result.unmatched) != len(expected_unmatched) or set(result.unmatched) != (
        expected_unmatched
    ):
        return False
    for student, prefs in student_prefs.items():
        current = result.assignments.get(student)
        for offering in prefs:
            if offering == current:
                break  # everything further down the list is liked less
            rank = ranks.get(offering, {}).get(student)
            cap = seats.get(offering, 0)
            if rank is None or cap <= 0:
                continue
            if held.get(offering, 0) < cap or rank < worst[offering]:
                return False
    return True


def lottery_order(tiers: Sequence[Sequence[StudentT]], seed: int) -> list[StudentT]:
    """An offering's priority list from tiers of equally ranked students (e.g. seniors, then
    juniors), each tier shuffled by a lottery seeded with ``seed``.

    ``allocate`` needs strict priorities; ties are broken here, before calling it, and the
    seed is stored with the allocation round so the same inputs give the same result. Each
    tier is sorted before shuffling, so the order students were read in does not matter. A
    student listed in more than one tier keeps their first (best) place.
    """
    rng = random.Random(seed)  # noqa: S311 - a reproducible lottery, not a secret
    seen: set[StudentT] = set()
    order: list[StudentT] = []
    for tier in tiers:
        members = [s for s in _sorted(dict.fromkeys(tier)) if s not in seen]
        rng.shuffle(members)
        seen.update(members)
        order.extend(members)
    return order
