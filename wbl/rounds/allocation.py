"""Allocation rounds, at and after the deadline: the allocation is run (by the scheduler at
the deadline, or by staff) and kept as a proposal, then published: assigned students are
admitted through the ordinary seat and consent path, unmatched ones are told what to do next.

Every run computes two allocations of the same choices, priorities and seats: the stable one
(deferred acceptance, ``matching.allocate``) and the welfare-optimal one (most placed, then
most first choices, ...: ``matching.welfare``). The result's top level is the one that will be
(or was) published, the stable one until staff choose; the other is kept under
``"alternative"``, with the figures staff compare (docs/domain.md, "Allocation rounds").
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import has_request_context, url_for
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

import matching
from wbl.auth.models import User
from wbl.catalog.models import Offering, OfferingStatus
from wbl.errors import DomainError
from wbl.extensions import atomic, db, move_status, rows_affected, utcnow
from wbl.notifications.services import queue_email
from wbl.placements.lifecycle import Outcome, admit_allocated
from wbl.rounds.models import (
    AllocationMode,
    AllocationRound,
    RoundChoice,
    RoundEmployerRank,
    RoundRanking,
    RoundStatus,
    round_offering,
)
from wbl.rounds.opening import GRADE_RULES, get_round, require_manager, round_result
from wbl.rounds.scramble import left_out_at_run, stale_result
from wbl.students.models import StudentProfile

log = logging.getLogger(__name__)

# --- 4. run the allocation -----------------------------------------------------------------


def _priority_order(round_: AllocationRound, grades: dict[int, int]) -> list[int]:
    """Every student in the round in the staff rules' order; ties broken by the lottery."""
    students = sorted(grades)
    rules = list(round_.priority_rules or ["lottery"])
    grade_rule = next((r for r in rules if r in GRADE_RULES), None)
    if grade_rule is None:
        tiers = [students]
    else:
        levels = sorted(set(grades.values()), reverse=grade_rule == "grade_desc")
        tiers = [[s for s in students if grades[s] == level] for level in levels]
    return matching.lottery_order(tiers, round_.seed)


def _compute(round_: AllocationRound) -> dict[str, Any]:
    """The allocation for the round's current choices, rankings and free seats."""
    choices = db.session.execute(
        select(RoundChoice.student_id, RoundChoice.offering_id, RoundChoice.rank)
        .where(RoundChoice.round_id == round_.id)
        .order_by(RoundChoice.student_id, RoundChoice.rank)
    ).all()
    # A scramble leaves out whoever holds a seat now (placed since it opened): never moved.
    left_out = left_out_at_run(round_, {sid for sid, _oid, _rank in choices})
    if left_out:
        choices = [row for row in choices if row[0] not in left_out]
    student_prefs: dict[int, list[int]] = {}
    for sid, oid, _rank in choices:
        student_prefs.setdefault(sid, []).append(oid)
    grades = dict(
        db.session.execute(
            select(StudentProfile.id, StudentProfile.grade).where(
                StudentProfile.id.in_(
                    select(RoundChoice.student_id).where(RoundChoice.round_id == round_.id)
                )
            )
        ).all()
    )
    grades = {sid: grade for sid, grade in grades.items() if sid not in left_out}
    order = _priority_order(round_, grades)
    # An offering closed since the round opened has no seats to give.
    seats = {
        oid: max(capacity - taken, 0) if status == OfferingStatus.PUBLISHED else 0
        for oid, capacity, taken, status in db.session.execute(
            select(Offering.id, Offering.capacity, Offering.seats_taken, Offering.status)
            .join(round_offering, round_offering.c.offering_id == Offering.id)
            .where(round_offering.c.round_id == round_.id)
        ).all()
    }
    choosers: dict[int, set[int]] = {oid: set() for oid in seats}
    for sid, oid, _rank in choices:
        choosers.setdefault(oid, set()).add(sid)
    employer_ranks: dict[int, list[int]] = {}
    if round_.ranking is RoundRanking.EMPLOYER:
        for oid, sid in db.session.execute(
            select(RoundEmployerRank.offering_id, RoundEmployerRank.student_id)
            .where(RoundEmployerRank.round_id == round_.id)
            .order_by(RoundEmployerRank.offering_id, RoundEmployerRank.rank)
        ).all():
            if sid in choosers.get(oid, ()):
                employer_ranks.setdefault(oid, []).append(sid)
    offering_prefs: dict[int, list[int]] = {}
    for oid, chose in choosers.items():
        ranked = employer_ranks.get(oid, [])
        placed = set(ranked)
        offering_prefs[oid] = ranked + [s for s in order if s in chose and s not in placed]
    # SciPy loads here, at the first run, not when the app starts (tests/wbl/test_startup.py).
    from matching.welfare import better_and_worse, blocking_pairs, welfare_allocate

    stable = matching.allocate(student_prefs, offering_prefs, seats)
    welfare = welfare_allocate(student_prefs, offering_prefs, seats, seed=round_.seed)
    rank_of = {(sid, oid): rank for sid, oid, rank in choices}
    result = _summary(AllocationMode.STABLE, stable, rank_of, seats, len(student_prefs))
    other = _summary(AllocationMode.WELFARE, welfare, rank_of, seats, len(student_prefs))
    better, worse = better_and_worse(stable, welfare, student_prefs)
    for summary, allocated, gained, lost in (
        (result, stable, worse, better),
        (other, welfare, better, worse),
    ):
        pairs = blocking_pairs(allocated, student_prefs, offering_prefs, seats)
        summary["stats"].update(
            blocking_pairs=len(pairs),
            blocking_students=len({sid for sid, _oid in pairs}),
            better_than_other=gained,
            worse_than_other=lost,
        )
    return {**result, "alternative": other}


def _summary(
    mode: AllocationMode,
    allocation: matching.Allocation[int, int],
    rank_of: dict[tuple[int, int], int],
    seats: dict[int, int],
    ranked_students: int,
) -> dict[str, Any]:
    """One mode's allocation as stored: assignments, the rank each student got, the unmatched
    and the statistics staff review."""
    got_ranks = {sid: rank_of[(sid, oid)] for sid, oid in allocation.assignments.items()}
    used = Counter(allocation.assignments.values())
    seats_left = {str(oid): seats[oid] - used.get(oid, 0) for oid in sorted(seats)}
    first = sum(1 for r in got_ranks.values() if r == 1)
    top3 = sum(1 for r in got_ranks.values() if r <= 3)
    return {
        "mode": mode.value,
        "assignments": {str(s): o for s, o in sorted(allocation.assignments.items())},
        "ranks": {str(s): r for s, r in sorted(got_ranks.items())},
        "unmatched": list(allocation.unmatched),
        "stats": {
            "students": ranked_students,
            "assigned": len(allocation.assignments),
            "first_choice": first,
            "first_choice_share": round(first / ranked_students, 4) if ranked_students else 0.0,
            "top3": top3,
            "top3_share": round(top3 / ranked_students, 4) if ranked_students else 0.0,
            "unmatched": len(allocation.unmatched),
            "seats_at_run": {str(oid): seats[oid] for oid in sorted(seats)},
            "seats_left": seats_left,
            "seats_left_total": sum(seats_left.values()),
        },
    }


def chosen_result(result: dict[str, Any], mode: AllocationMode | None) -> dict[str, Any]:
    """The stored result with ``mode``'s allocation at the top level (the other one under
    ``"alternative"``); unchanged when ``mode`` is None or already there. A result stored
    before rounds computed both modes only has the stable one."""
    current = AllocationMode(result.get("mode", AllocationMode.STABLE.value))
    if mode is None or mode is current:
        return result
    other = dict(result.get("alternative") or {})
    if other.get("mode") != mode.value:
        raise DomainError(
            f"This round has no {mode.label.lower()} result to publish; run it again first."
        )
    rest = {k: v for k, v in result.items() if k != "alternative"}
    return {**other, "alternative": rest}


def _run(round_: AllocationRound, *, allowed: frozenset[RoundStatus]) -> bool:
    """Compute and store the proposed result if the round is still in an ``allowed`` status
    (a conditional UPDATE: two runners at once store it once). Flushes, never commits."""
    result = _compute(round_)
    changed = rows_affected(
        db.session.execute(
            update(AllocationRound)
            .where(
                AllocationRound.id == round_.id,
                AllocationRound.status.in_([s.value for s in allowed]),
            )
            .values(status=RoundStatus.PROPOSED, result=result, run_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    db.session.expire(round_)
    return changed == 1


@atomic
def run_round(actor: User | None, round_id: int) -> AllocationRound:
    """Run the allocation now (staff by hand, or the job at the deadline) and keep the result
    as a proposal for staff to review. Staff may run it again while it is a proposal (e.g.
    after seats changed); the stored seed makes equal inputs give equal results."""
    if actor is not None:
        require_manager(actor)
    round_ = get_round(round_id)
    if round_.status is RoundStatus.PUBLISHED:
        raise DomainError("This round has been published; it cannot be run again.")
    if not _run(round_, allowed=frozenset({RoundStatus.OPEN, RoundStatus.PROPOSED})):
        raise DomainError("This round has been published; it cannot be run again.")
    db.session.commit()
    return round_


class DueRoundsFailed(RuntimeError):
    """Some due rounds could not be run (the others were); the job's run shows this."""

    def __init__(self, ran: int, failed: Sequence[int]) -> None:
        ids = ", ".join(str(round_id) for round_id in failed)
        super().__init__(
            f"{ran} round(s) run; {len(failed)} failed and stay open (round id {ids}), "
            "see the log for why"
        )
        self.ran, self.failed = ran, list(failed)


def run_due_rounds(now: datetime) -> int:
    """The scheduler's job: run every open round whose deadline has passed. Idempotent: a
    round that has been run is no longer open, so it is not run twice. Returns how many ran.

    Each round is its own transaction, so one bad round does not hold back the others: an
    error while running one rolls that round back (it stays open, to be tried at the next
    run) and is logged, the loop goes on, and at the end ``DueRoundsFailed`` names the rounds
    that failed, so the job's run is marked failed for staff to see."""
    due = list(
        db.session.scalars(
            select(AllocationRound.id)
            .where(AllocationRound.status == RoundStatus.OPEN, AllocationRound.deadline <= now)
            .order_by(AllocationRound.deadline, AllocationRound.id)
        )
    )
    ran = 0
    failed: list[int] = []
    for round_id in due:
        try:
            if _run(get_round(round_id), allowed=frozenset({RoundStatus.OPEN})):
                ran += 1
            db.session.commit()
        except Exception:  # any failure of one round: roll it back, report it, go on
            db.session.rollback()
            log.exception("allocation round %s could not be run", round_id)
            failed.append(round_id)
    if failed:
        raise DueRoundsFailed(ran, failed)
    return ran


# --- 6. staff publish ----------------------------------------------------------------------


def _link(endpoint: str) -> str:
    return url_for(endpoint, _external=True) if has_request_context() else ""


def _preload(assignments: dict[int, int]) -> None:
    """Load the students and offerings being admitted (with what the e-mails name) in a few
    queries, so the admission path finds them in the session instead of one query each."""
    if not assignments:
        return
    list(
        db.session.scalars(
            select(StudentProfile)
            .where(StudentProfile.id.in_(list(assignments)))
            .options(selectinload(StudentProfile.user), selectinload(StudentProfile.school))
        )
    )
    list(
        db.session.scalars(
            select(Offering)
            .where(Offering.id.in_(set(assignments.values())))
            .options(selectinload(Offering.partner))
        )
    )


@atomic
def publish_round(actor: User, round_id: int, mode: AllocationMode | None = None) -> dict[str, int]:
    """Turn the proposal into placements: each assigned student gets an accepted application
    holding a seat (a minor's guardian is asked; an adult is placed), each unmatched student
    an e-mail with what to do next. Published once: the status moves by a conditional
    UPDATE first, so a second publish (another tab, a double click) is refused.

    ``mode`` is the allocation staff chose on the comparison (None: the one at the top of the
    result, the stable one); it goes through the same seat, consent and e-mail path, and is
    stored at the top of the result so every later page shows what was published."""
    require_manager(actor)
    round_ = get_round(round_id)
    if round_.status is RoundStatus.PROPOSED:
        # A scramble whose result a placement or a taken seat has overtaken is run again.
        problem = stale_result(round_, chosen_result(round_result(round_), mode))
        if problem:
            raise DomainError(problem)
    if not move_status(
        round_, RoundStatus.PROPOSED, status=RoundStatus.PUBLISHED, published_at=utcnow()
    ):
        db.session.refresh(round_)
        if round_.status is RoundStatus.PUBLISHED:
            raise DomainError("This round has already been published; nothing was changed.")
        raise DomainError("Run the round first, then review and publish its result.")
    db.session.refresh(round_)
    result = chosen_result(round_result(round_), mode)
    note = f"Allocated in {round_.name}"
    outcomes: Counter[str] = Counter()
    assignments = {int(s): int(o) for s, o in result.get("assignments", {}).items()}
    _preload(assignments)
    for sid, oid in assignments.items():
        outcome = admit_allocated(actor, sid, oid, note)
        outcomes[outcome.value] += 1
    unmatched = [int(s) for s in result.get("unmatched", [])]
    if unmatched:
        catalog = _link("catalog.browse")
        # The round's page says, to each of them, why each choice went to someone else and
        # what is still open (wbl/rounds/why_not.py).
        why = (
            url_for("rounds.choose", round_id=round_.id, _external=True)
            if has_request_context()
            else ""
        )
        for email, name in db.session.execute(
            select(User.email, User.full_name)
            .join(StudentProfile, StudentProfile.user_id == User.id)
            .where(StudentProfile.id.in_(unmatched))
        ).all():
            queue_email(
                kind="round_unmatched",
                to=email,
                template="rounds/round_unmatched",
                context={"round": round_, "name": name, "catalog": catalog, "why": why},
            )
    published = {
        "placed": outcomes[Outcome.PLACED.value],
        "awaiting_consent": outcomes[Outcome.AWAITING_CONSENT.value],
        "waitlisted": outcomes[Outcome.WAITLISTED.value],
        "unmatched": len(unmatched),
    }
    round_.result = {**result, "published": published}
    db.session.commit()
    return published
