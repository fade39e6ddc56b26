"""What staff see of an allocation round, its read model: demand per offering, and once it has
run the statistics, every assignment and the unmatched students with their best remaining
options.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.extensions import db
from wbl.rounds.models import AllocationMode, AllocationRound, RoundChoice, RoundEmployerRank
from wbl.rounds.opening import (
    eligibility_problem,
    get_round,
    require_manager,
    round_offerings,
    round_result,
)
from wbl.students.models import StudentProfile

# --- 5. staff review the proposal ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssignmentRow:
    student: StudentProfile
    offering: Offering
    rank: int


@dataclass(frozen=True, slots=True)
class UnmatchedRow:
    student: StudentProfile
    options: list[Offering]  # best remaining options, best first
    from_list: bool  # True: from their own ranking; False: other offerings with seats


@dataclass(frozen=True, slots=True)
class DemandRow:
    offering: Offering
    choosers: int
    first_choices: int
    seats_left_after: int | None


@dataclass(frozen=True, slots=True)
class ModeSummary:
    """One allocation's figures on the comparison: placed, shares, blocking pairs, and how
    many students it places better or worse than the other allocation."""

    mode: AllocationMode
    stats: dict[str, Any]
    proposed: bool  # the one at the top of the result: published by default (or published)


@dataclass(frozen=True, slots=True)
class RoundReview:
    round: AllocationRound
    offerings: list[DemandRow]
    students_ranked: int
    employer_ranked: int
    stats: dict[str, Any]
    assignments: list[AssignmentRow] = field(default_factory=list)
    unmatched: list[UnmatchedRow] = field(default_factory=list)
    published: dict[str, int] = field(default_factory=dict)
    mode: AllocationMode | None = None  # the allocation the assignments below are of
    modes: list[ModeSummary] = field(default_factory=list)  # stable first, when both ran


def round_review(actor: User, round_id: int) -> RoundReview:
    """What staff see of a round, in a constant number of queries: demand per offering, and
    once run the statistics, every assignment, and the unmatched students with their best
    remaining options (their own choices with seats left, else other offerings with seats
    they are eligible for)."""
    require_manager(actor)
    round_ = get_round(round_id)
    offerings = round_offerings(round_id)
    by_id = {o.id: o for o in offerings}
    demand = db.session.execute(
        select(
            RoundChoice.offering_id,
            func.count(),
            func.sum(case((RoundChoice.rank == 1, 1), else_=0)),
        )
        .where(RoundChoice.round_id == round_id)
        .group_by(RoundChoice.offering_id)
    ).all()
    demand_by = {oid: (n, int(firsts or 0)) for oid, n, firsts in demand}
    students_ranked = (
        db.session.scalar(
            select(func.count(func.distinct(RoundChoice.student_id))).where(
                RoundChoice.round_id == round_id
            )
        )
        or 0
    )
    employer_ranked = (
        db.session.scalar(select(func.count()).where(RoundEmployerRank.round_id == round_id)) or 0
    )
    result = round_result(round_)
    stats: dict[str, Any] = dict(result.get("stats", {}))
    left: dict[str, int] = stats.get("seats_left", {})
    rows = [
        DemandRow(
            o,
            demand_by.get(o.id, (0, 0))[0],
            demand_by.get(o.id, (0, 0))[1],
            left.get(str(o.id)) if left else None,
        )
        for o in offerings
    ]
    review = RoundReview(
        round=round_,
        offerings=rows,
        students_ranked=students_ranked,
        employer_ranked=employer_ranked,
        stats=stats,
        published=dict(result.get("published", {})),
        mode=AllocationMode(result.get("mode", "stable")) if result else None,
        modes=_modes(result),
    )
    if not result:
        return review
    assignments = {int(s): int(o) for s, o in result.get("assignments", {}).items()}
    ranks = {int(s): int(r) for s, r in result.get("ranks", {}).items()}
    unmatched = [int(s) for s in result.get("unmatched", [])]
    students = {
        s.id: s
        for s in db.session.scalars(
            select(StudentProfile)
            .where(StudentProfile.id.in_([*assignments, *unmatched]))
            .options(selectinload(StudentProfile.user), selectinload(StudentProfile.school))
        )
    }
    lists: dict[int, list[int]] = {}
    if unmatched:
        for sid, oid in db.session.execute(
            select(RoundChoice.student_id, RoundChoice.offering_id)
            .where(RoundChoice.round_id == round_id, RoundChoice.student_id.in_(unmatched))
            .order_by(RoundChoice.student_id, RoundChoice.rank)
        ).all():
            lists.setdefault(sid, []).append(oid)
    with_seats = [o for o in offerings if left.get(str(o.id), 0) > 0]
    for sid, oid in assignments.items():
        if sid in students and oid in by_id:
            review.assignments.append(AssignmentRow(students[sid], by_id[oid], ranks.get(sid, 0)))
    review.assignments.sort(key=lambda r: (r.student.user.full_name, r.student.id))
    for sid in unmatched:
        student = students.get(sid)
        if student is None:
            continue
        own = [by_id[o] for o in lists.get(sid, []) if left.get(str(o), 0) > 0 and o in by_id]
        if own:
            review.unmatched.append(UnmatchedRow(student, own, True))
        else:
            others = [o for o in with_seats if not eligibility_problem(student, o)][:3]
            review.unmatched.append(UnmatchedRow(student, others, False))
    review.unmatched.sort(key=lambda r: (r.student.user.full_name, r.student.id))
    return review


def _modes(result: dict[str, Any]) -> list[ModeSummary]:
    """Both allocations' figures, the stable one first; empty before the round has run or for
    a result stored before both were computed."""
    other = result.get("alternative")
    if not result or not other:
        return []
    modes = [
        ModeSummary(AllocationMode(result.get("mode", "stable")), dict(result["stats"]), True),
        ModeSummary(AllocationMode(other["mode"]), dict(other.get("stats", {})), False),
    ]
    return sorted(modes, key=lambda m: list(AllocationMode).index(m.mode))
