"""Welfare-optimal allocation: place as many students as possible, then rank-maximal.

Why beside deferred acceptance (``matching.allocate``): when demand exceeds seats, the stable
allocation can leave seats empty while students go unplaced, because a popular offering holds
a seat for a student who would also have been happy elsewhere. Staff asked for the other end of
the trade-off: the allocation that places the most students and, among those, gives the most
first choices, then the most second choices, and so on (a *rank-maximal* allocation in the
sense of Irving, Kavitha, Mehlhorn, Michail and Paluch, "Rank-maximal matchings", 2006, with
the number placed as the first criterion). It can be *unstable* (:func:`blocking_pairs` names
the student/offering pairs who would both rather be matched to each other), and unlike deferred
acceptance students may gain by misreporting their lists; staff choose which one to publish.

The inputs and rules are those of ``allocate``: a student is only placed where they applied
and where the offering lists them (its eligibility); unknown ids are ignored; an offering
missing from ``capacities`` or with capacity <= 0 has no seats; a repeated id counts at its
first place. A student's rank of an offering is its position in their own list.

How, and why this way: the problem is a min-cost flow (source -> student -> offering ->
sink), but its lexicographic objective needs weights like ``(n + 1) ** choices`` -- about
``10 ** 43`` for 20,000 students and 10 choices -- far beyond float64 (exact to ``2 ** 53``)
and int64, so one weighted solve (SciPy's ``linear_sum_assignment``,
``min_weight_full_bipartite_matching`` or HiGHS) cannot be exact. Those solvers were also
measured too slow on that round (3.9 s for the sparse assignment with seats expanded, 2.9 s
for one HiGHS LP). Instead the objective is optimised one criterion at a time, exactly:

1. the number placed: a maximum flow (``scipy.sparse.csgraph.maximum_flow``, integers);
2. for each rank k in turn, the number placed at rank k, as a min-cost circulation with costs
   in {-1, 0} solved by the primal-dual method (Dijkstra on reduced costs with
   ``scipy.sparse.csgraph.dijkstra`` -- small integers, exact in float64 -- then a maximum flow
   on the zero-reduced-cost arcs).

After each criterion the node potentials prove optimality, and complementary slackness says
which arcs every optimal solution leaves empty or full; those arcs are frozen, so later
criteria only choose among the optima of the earlier ones. Each step is a C routine over
arrays; the Python work is linear in the total length of the lists.

Deterministic: students are numbered in sorted id order (or in an order shuffled by ``seed``)
and SciPy's algorithms are deterministic, so equal inputs give equal results; which of several
equally good allocations comes out is decided by that numbering.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse.csgraph import breadth_first_order, dijkstra, maximum_flow

from matching.allocate import Allocation, _first_ranks, _sorted

__all__ = ["better_and_worse", "blocking_pairs", "rank_profile", "welfare_allocate"]

StudentT = TypeVar("StudentT", bound=Hashable)
OfferingT = TypeVar("OfferingT", bound=Hashable)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class _Network:
    """Arcs source -> student (capacity 1), student -> offering (1, with the student's rank),
    offering -> sink (its seats) and sink -> source (the flow's return, for circulations),
    with the current flow ``x`` and which arcs are ``frozen`` (fixed in every optimum)."""

    def __init__(
        self, n_students: int, seats: Sequence[int], pairs: tuple[IntArray, IntArray, IntArray]
    ) -> None:
        s_idx, o_idx, ranks = pairs
        n, m = n_students, len(seats)
        self.nodes = n + m + 2
        self.source, self.sink = 0, n + m + 1
        students = np.arange(1, n + 1, dtype=np.int64)
        offerings = np.arange(n + 1, n + m + 1, dtype=np.int64)
        self.tail = np.concatenate(
            [np.zeros(n, np.int64), s_idx + 1, offerings, np.array([self.sink], np.int64)]
        )
        self.head = np.concatenate(
            [students, o_idx + n + 1, np.full(m, self.sink, np.int64), np.zeros(1, np.int64)]
        )
        self.cap = np.concatenate(
            [
                np.ones(n, np.int64),
                np.ones(len(s_idx), np.int64),
                np.asarray(seats, dtype=np.int64).reshape(m),
                np.array([max(n, 1)], np.int64),
            ]
        )
        self.rank = np.concatenate([np.full(n, -1, np.int64), ranks, np.full(m + 1, -1, np.int64)])
        self.choice = slice(n, n + len(s_idx))  # the student -> offering arcs
        self.x = np.zeros(len(self.tail), np.int64)
        self.frozen = np.zeros(len(self.tail), np.bool_)

    def _flow_on(self, flow: sparse.csr_matrix, arcs: IntArray) -> IntArray:
        """Net flow of a maximum-flow result along each of ``arcs`` (tail -> head): its
        entries, in row then column order, are looked up by the key ``row * size + column``."""
        flow = sparse.csr_matrix(flow)
        flow.sort_indices()
        size = flow.shape[1]
        rows = np.repeat(np.arange(flow.shape[0], dtype=np.int64), np.diff(flow.indptr))
        keys = rows * size + flow.indices
        wanted = self.tail[arcs] * size + self.head[arcs]
        where = np.minimum(np.searchsorted(keys, wanted), max(len(keys) - 1, 0))
        if not len(keys):
            return np.zeros(len(arcs), np.int64)
        found = keys[where] == wanted
        return np.where(found, flow.data[where], 0).astype(np.int64)

    def maximise_flow(self) -> None:
        """Criterion 1, the number placed: a maximum flow, then freeze the arcs across the
        minimum cut (saturated forward, empty backward in every maximum flow)."""
        arcs = np.arange(len(self.tail) - 1)  # not the return arc
        graph = sparse.csr_matrix(
            (self.cap[arcs].astype(np.int32), (self.tail[arcs], self.head[arcs])),
            shape=(self.nodes, self.nodes),
        )
        result = maximum_flow(graph, self.source, self.sink, method="dinic")
        self.x[arcs] = self._flow_on(result.flow, arcs)
        self.x[-1] = int(result.flow_value)
        # Potentials 0 on the source's side of the cut, 1 beyond it; the return arc costs -1
        # (it is left out of the residual graph here: the cut is the one of the flow alone).
        self.frozen[-1] = True
        tail, head, _cost, _rescap, _origin = self._residual(np.zeros(len(self.tail), np.int64))
        self.frozen[-1] = False
        residual = sparse.csr_matrix(
            (np.ones(len(tail), np.int8), (tail, head)), shape=(self.nodes, self.nodes)
        )
        reached = breadth_first_order(residual, self.source, return_predecessors=False)
        potential = np.ones(self.nodes, np.int64)
        potential[reached] = 0
        cost = np.zeros(len(self.tail), np.int64)
        cost[-1] = -1
        self._freeze(cost, potential)

    def _residual(self, cost: IntArray) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
        """The residual arcs of the unfrozen arcs: (tail, head, cost, residual capacity, the
        arc each comes from); the forward ones first (arc index order), then the backward."""
        free = ~self.frozen
        fwd = np.flatnonzero(free & (self.x < self.cap))
        bwd = np.flatnonzero(free & (self.x > 0))
        return (
            np.concatenate([self.tail[fwd], self.head[bwd]]),
            np.concatenate([self.head[fwd], self.tail[bwd]]),
            np.concatenate([cost[fwd], -cost[bwd]]),
            np.concatenate([self.cap[fwd] - self.x[fwd], self.x[bwd]]),
            np.concatenate([fwd, bwd]),
        )

    def maximise_rank(self, k: int) -> None:
        """Criterion 2 + k: the number placed at rank k, among the optima of the earlier
        criteria (the frozen arcs keep those), by the primal-dual method."""
        cost = np.zeros(len(self.tail), np.int64)
        cost[self.choice] = -(self.rank[self.choice] == k).astype(np.int64)
        cost[self.frozen] = 0
        if not cost.any():  # every arc of this rank is already decided
            return
        # Start from the current flow with every negative arc saturated: reduced costs are then
        # non-negative, and the imbalance this makes is routed back at the least cost.
        saturate = (cost < 0) & (self.x < self.cap)
        self.x[saturate] = self.cap[saturate]
        potential = np.zeros(self.nodes, np.int64)
        while True:
            balance = np.bincount(self.head, self.x, self.nodes) - np.bincount(
                self.tail, self.x, self.nodes
            )
            surplus = np.flatnonzero(balance > 0)
            if not len(surplus):
                break
            short = np.flatnonzero(balance < 0)
            tail, head, arc_cost, rescap, origin = self._residual(cost)
            reduced = arc_cost + potential[tail] - potential[head]
            graph = sparse.csr_matrix(
                (reduced.astype(np.float64), (tail, head)), shape=(self.nodes, self.nodes)
            )
            distance = dijkstra(graph, indices=surplus, min_only=True)
            reach = float(distance[short].min())
            if not np.isfinite(reach):  # cannot happen: the flow before saturating was feasible
                raise RuntimeError("welfare allocation: imbalance cannot be routed")
            potential += np.minimum(distance, reach).astype(np.int64)
            reduced = arc_cost + potential[tail] - potential[head]
            tight = reduced == 0
            ss, tt = self.nodes, self.nodes + 1
            graph = sparse.csr_matrix(
                (
                    np.concatenate([rescap[tight], balance[surplus], -balance[short]]).astype(
                        np.int32
                    ),
                    (
                        np.concatenate([tail[tight], np.full(len(surplus), ss), short]),
                        np.concatenate([head[tight], surplus, np.full(len(short), tt)]),
                    ),
                ),
                shape=(self.nodes + 2, self.nodes + 2),
            )
            result = maximum_flow(graph, ss, tt, method="dinic")
            if result.flow_value <= 0:  # cannot happen: a shortest path is tight
                raise RuntimeError("welfare allocation: no progress")
            carries = np.zeros(len(self.tail), np.bool_)
            carries[origin[tight]] = True  # only tight arcs carry flow
            moved = np.flatnonzero(carries)
            self.x[moved] += self._flow_on(result.flow, moved)
        self._freeze(cost, potential)

    def _freeze(self, cost: IntArray, potential: IntArray) -> None:
        """Complementary slackness: an arc of positive reduced cost is empty, one of negative
        reduced cost is full, in every optimal solution; fix both."""
        reduced = cost + potential[self.tail] - potential[self.head]
        self.frozen |= reduced != 0

    def assigned(self) -> IntArray:
        """Index (into the choice arcs) of each arc carrying a student."""
        return np.flatnonzero(self.x[self.choice] > 0)


def welfare_allocate(
    student_prefs: Mapping[StudentT, Sequence[OfferingT]],
    offering_prefs: Mapping[OfferingT, Sequence[StudentT]],
    capacities: Mapping[OfferingT, int],
    *,
    seed: int | None = None,
) -> Allocation[StudentT, OfferingT]:
    """The allocation placing the most students, then the most at their first choice, then
    at their second, and so on, over the same acceptable pairs and seats as ``allocate``.

    ``offering_prefs`` only says who each offering may take (its order does not matter here);
    ``seed`` shuffles the numbering that decides between equally good allocations.
    """
    students: list[StudentT] = _sorted(student_prefs)
    if seed is not None:
        random.Random(seed).shuffle(students)  # noqa: S311 - a reproducible tie-break
    student_index = {s: i for i, s in enumerate(students)}
    index: dict[OfferingT, int] = {}
    seats: list[int] = []
    accepted: list[int] = []  # student index * offerings + offering index, per listed pair
    for offering in offering_prefs:
        cap = int(capacities.get(offering, 0))
        if cap > 0:
            index[offering] = len(seats)
            seats.append(cap)
    m = len(seats)
    for offering, ranking in offering_prefs.items():
        oi = index.get(offering)
        if oi is not None:
            get_student = student_index.get
            accepted.extend(get_student(s, 0) * m + oi for s in ranking if s in student_index)
    lists = [student_prefs[s] for s in students]
    lengths = np.fromiter((len(p) for p in lists), np.int64, len(lists))
    get_index = index.get
    flat = np.fromiter((get_index(o, -1) for p in lists for o in p), np.int64, int(lengths.sum()))
    owner = np.repeat(np.arange(len(lists), dtype=np.int64), lengths)
    position = np.arange(len(flat), dtype=np.int64) - np.repeat(
        np.cumsum(lengths) - lengths, lengths
    )
    known = flat >= 0
    codes = owner[known] * m + flat[known]
    # the first place of each (student, offering), if the offering lists the student
    codes, first = np.unique(codes, return_index=True)
    keep = np.isin(codes, np.asarray(accepted, np.int64))
    s_arr, o_arr = np.divmod(codes[keep], max(m, 1))
    r_arr = position[known][first[keep]]
    assignments: dict[StudentT, OfferingT] = {}
    if len(s_arr):
        net = _Network(len(students), seats, (s_arr, o_arr, r_arr))
        net.maximise_flow()
        for k in range(int(r_arr.max())):  # the last rank is what is left of the others
            net.maximise_rank(k)
        offering_ids = list(index)
        chosen = net.assigned()
        for si, oi in zip(s_arr[chosen].tolist(), o_arr[chosen].tolist(), strict=True):
            assignments[students[si]] = offering_ids[oi]
    ordered = {s: assignments[s] for s in _sorted(assignments)}
    unmatched = [s for s in _sorted(student_prefs) if s not in assignments]
    return Allocation(assignments=ordered, unmatched=unmatched)


def rank_profile(
    result: Allocation[StudentT, OfferingT],
    student_prefs: Mapping[StudentT, Sequence[OfferingT]],
) -> tuple[int, ...]:
    """``(placed, at 1st choice, at 2nd choice, ...)`` up to the longest list: comparing two
    profiles as tuples is the welfare order (more placed first, then more first choices...)."""
    longest = max((len(p) for p in student_prefs.values()), default=0)
    counts = [0] * (longest + 1)
    for student, offering in result.assignments.items():
        rank = _first_ranks(student_prefs[student]).get(offering)
        if rank is not None:
            counts[0] += 1
            counts[rank + 1] += 1
    return tuple(counts)


def blocking_pairs(
    result: Allocation[StudentT, OfferingT],
    student_prefs: Mapping[StudentT, Sequence[OfferingT]],
    offering_prefs: Mapping[OfferingT, Sequence[StudentT]],
    capacities: Mapping[OfferingT, int],
) -> list[tuple[StudentT, OfferingT]]:
    """Pairs (student, offering) that would both rather be matched to each other: the
    student lists the offering above their placement (or is unplaced), the offering lists
    the student, and it has a seat free or holds someone it ranks lower. Deferred acceptance
    has none; each one is a student who could fairly complain. In student-id order, then the
    student's order."""
    seats = {o: max(0, int(c)) for o, c in capacities.items()}
    ranks = {o: _first_ranks(p) for o, p in offering_prefs.items()}
    held: dict[OfferingT, int] = {}
    worst: dict[OfferingT, int] = {}
    for student, offering in result.assignments.items():
        held[offering] = held.get(offering, 0) + 1
        rank = ranks.get(offering, {}).get(student)
        if rank is not None:
            worst[offering] = max(worst.get(offering, -1), rank)
    pairs: list[tuple[StudentT, OfferingT]] = []
    for student in _sorted(student_prefs):
        current = result.assignments.get(student)
        for offering in dict.fromkeys(student_prefs[student]):
            if offering == current:
                break
            rank = ranks.get(offering, {}).get(student)
            cap = seats.get(offering, 0)
            if rank is None or cap <= 0:
                continue
            if held.get(offering, 0) < cap or rank < worst.get(offering, -1):
                pairs.append((student, offering))
    return pairs


def better_and_worse(
    before: Allocation[StudentT, OfferingT],
    after: Allocation[StudentT, OfferingT],
    student_prefs: Mapping[StudentT, Sequence[OfferingT]],
) -> tuple[int, int]:
    """How many students ``after`` places better, and how many worse, than ``before`` (by
    their own list; any placement is better than none)."""
    better = worse = 0
    for student, prefs in student_prefs.items():
        first = _first_ranks(prefs)
        unplaced = len(prefs)
        a = before.assignments.get(student)
        b = after.assignments.get(student)
        rank_a = first.get(a, unplaced) if a is not None else unplaced
        rank_b = first.get(b, unplaced) if b is not None else unplaced
        if rank_b < rank_a:
            better += 1
        elif rank_b > rank_a:
            worse += 1
    return better, worse
