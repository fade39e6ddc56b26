"""Allocation rounds: programs with more demand than seats (e.g. summer internships).

County staff open a round for some offerings with a deadline. Until then students rank up to
``max_choices`` of the round's offerings, and (when the round says so) each offering's
employer ranks the students who chose it. At the deadline the scheduler (``run_due_rounds``)
or staff by hand run ``matching.allocate``: the student-optimal stable allocation, so nobody
gains by ranking dishonestly and no student and offering would both rather have each other.
Staff review the proposed result with its statistics and publish it; publishing goes through
the ordinary seat and consent path (``placements.lifecycle.admit_allocated``).

Ties are broken by a lottery whose seed is stored on the round when it opens, so running the
same inputs again gives the same result (for audits and for families who ask why). Rounds
are county-wide (their offerings and students cross districts), so only county-wide staff
manage them.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import has_request_context, url_for
from sqlalchemy import Select, case, delete, func, select, update
from sqlalchemy.orm import selectinload

import matching
from wbl.access import Role, require
from wbl.auth.models import User
from wbl.catalog.models import INDIVIDUAL_KINDS, Offering, OfferingStatus, Partner
from wbl.clock import local_today
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, move_status, rows_affected, utcnow
from wbl.notifications.services import queue_email
from wbl.placements.lifecycle import Outcome, admit_allocated
from wbl.placements.models import (
    AllocationRound,
    RoundChoice,
    RoundEmployerRank,
    RoundRanking,
    RoundStatus,
    round_offering,
)
from wbl.reference.models import ExperienceKind
from wbl.scopes import is_county_wide, partner_ids_of
from wbl.students.models import StudentProfile

log = logging.getLogger(__name__)

MAX_CHOICES_LIMIT = 10
DEFAULT_MAX_CHOICES = 5
# Staff priority rules, in the order they are applied; the lottery always comes last and
# breaks the ties the rules before it leave.
PRIORITY_RULES: dict[str, str] = {
    "grade_desc": "Seniors first (higher grades before lower)",
    "grade_asc": "Younger students first (lower grades before higher)",
    "lottery": "Lottery",
}
GRADE_RULES = ("grade_desc", "grade_asc")


class RoundClosed(DomainError):
    message = "This round is closed: the deadline has passed and choices can no longer change."


# --- who is who ----------------------------------------------------------------------------


def _require_manager(actor: User) -> None:
    """Rounds cross districts (their students and offerings do), so only county-wide staff
    (and administrators) open, run, review and publish them."""
    require(is_county_wide(actor))


def _get_round(round_id: int) -> AllocationRound:
    found = db.session.get(AllocationRound, round_id)
    if found is None:
        raise NotFound()
    return found


def _own_profile(actor: User) -> StudentProfile:
    require(actor.has_role(Role.STUDENT))
    profile = db.session.scalar(
        select(StudentProfile)
        .where(StudentProfile.user_id == actor.id)
        .options(selectinload(StudentProfile.school))
    )
    if profile is None:
        raise NotFound("Your student profile has not been set up yet. Ask your teacher.")
    return profile


def _accepting_choices(round_: AllocationRound, now: datetime) -> bool:
    return round_.status is RoundStatus.OPEN and round_.deadline > now


def eligibility_problem(profile: StudentProfile, offering: Offering) -> str:
    """Why the student may not rank the offering ("" when they may): its grade and age rules."""
    if offering.min_grade and profile.grade < offering.min_grade:
        return f"{offering.title} is for grade {offering.min_grade} and up."
    start = offering.start_date or local_today()
    if offering.minimum_age and profile.age_on(start) < offering.minimum_age:
        return f"{offering.title} asks for students who are {offering.minimum_age} by its start."
    return ""


# --- queries -------------------------------------------------------------------------------


def eligible_offerings(kind: ExperienceKind | None = None, text: str = "") -> Select[Offering]:
    """Offerings a round can include: published individual placements of active partners
    that still have a seat, optionally of one kind or matching a title/partner text."""
    query = (
        select(Offering)
        .join(Offering.partner)
        .where(
            Offering.status == OfferingStatus.PUBLISHED,
            Offering.kind.in_([k.value for k in INDIVIDUAL_KINDS]),
            Offering.capacity > Offering.seats_taken,
            Partner.active.is_(True),
        )
        .options(selectinload(Offering.partner))
        .order_by(Offering.title, Offering.id)
    )
    if kind is not None:
        query = query.where(Offering.kind == kind)
    if text.strip():
        like = f"%{text.strip()}%"
        query = query.where(Offering.title.ilike(like) | Partner.name.ilike(like))
    return query


def rounds_for_staff() -> Select[AllocationRound]:
    return select(AllocationRound).order_by(AllocationRound.created_at.desc())


def _round_offerings(round_id: int) -> list[Offering]:
    return list(
        db.session.scalars(
            select(Offering)
            .join(round_offering, round_offering.c.offering_id == Offering.id)
            .where(round_offering.c.round_id == round_id)
            .options(selectinload(Offering.partner))
            .order_by(Offering.title, Offering.id)
        )
    )


# --- 1. staff open a round -----------------------------------------------------------------


def normalize_rules(rules: Sequence[str]) -> list[str]:
    """Known rules, each once, at most one grade rule, and the lottery last."""
    out: list[str] = []
    for rule in rules:
        if rule not in PRIORITY_RULES:
            raise DomainError(f"Unknown priority rule: {rule}.", field="priority")
        if rule == "lottery" or rule in out:
            continue
        if rule in GRADE_RULES and any(r in GRADE_RULES for r in out):
            raise DomainError("Choose one grade rule.", field="priority")
        out.append(rule)
    return [*out, "lottery"]


@atomic
def open_round(
    actor: User,
    *,
    name: str,
    deadline: datetime,
    offering_ids: Sequence[int],
    max_choices: int = DEFAULT_MAX_CHOICES,
    ranking: RoundRanking = RoundRanking.PRIORITY,
    priority_rules: Sequence[str] = ("lottery",),
) -> AllocationRound:
    """Open a round. Its offerings must be published individual placements with seats; the
    lottery seed is drawn now and stored, so the result can be reproduced."""
    _require_manager(actor)
    name = name.strip()
    if not name:
        raise DomainError("Give the round a name.", field="name")
    if len(name) > 160:
        raise DomainError("Keep the name under 160 characters.", field="name")
    if deadline.tzinfo is None or deadline <= utcnow():
        raise DomainError("The deadline must be in the future.", field="deadline_date")
    if not 1 <= max_choices <= MAX_CHOICES_LIMIT:
        raise DomainError(
            f"Students may rank between 1 and {MAX_CHOICES_LIMIT} choices.", field="max_choices"
        )
    rules = normalize_rules(priority_rules)
    ids = list(dict.fromkeys(offering_ids))
    if not ids:
        raise DomainError("Choose at least one opportunity for the round.", field="offering_ids")
    offerings = list(
        db.session.scalars(select(Offering).where(Offering.id.in_(ids)).order_by(Offering.id))
    )
    if len(offerings) != len(ids):
        raise DomainError("One of the chosen opportunities does not exist.", field="offering_ids")
    for offering in offerings:
        if (
            offering.status is not OfferingStatus.PUBLISHED
            or offering.kind not in INDIVIDUAL_KINDS
            or offering.capacity <= 0
        ):
            raise DomainError(
                f"{offering.title} cannot be in a round: only published job shadows, projects "
                "and internships with seats can.",
                field="offering_ids",
            )
    round_ = AllocationRound(
        name=name,
        deadline=deadline,
        max_choices=max_choices,
        ranking=ranking,
        priority_rules=rules,
        seed=secrets.randbelow(2**31),
        status=RoundStatus.OPEN,
        result={},
        created_by_id=actor.id,
        offerings=offerings,
    )
    db.session.add(round_)
    db.session.commit()
    return round_


# --- 2. students rank their choices --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChoiceOption:
    offering: Offering
    problem: str  # "" when the student may rank it
    recommended: bool


@dataclass(frozen=True, slots=True)
class StudentRound:
    round: AllocationRound
    options: list[ChoiceOption]
    chosen: list[int]  # offering ids, first choice first
    accepting: bool
    deadline_passed: bool
    outcome: Offering | None  # the published result for this student


def _recommended_ids(profile: StudentProfile) -> list[int]:
    """The student's recommendations (best first); the round's page lists those first."""
    from wbl.catalog.recommendations import recommendations_for

    return [r.offering.id for r in recommendations_for(profile, local_today(), k=50)]


def student_rounds(actor: User) -> list[tuple[AllocationRound, int, Offering | None]]:
    """Open and published rounds, with how many choices the student made in each and, once
    published, the offering they were given (None: not placed, or not taking part)."""
    profile = _own_profile(actor)
    rounds = list(
        db.session.scalars(
            select(AllocationRound)
            .where(AllocationRound.status != RoundStatus.PROPOSED)
            .order_by(AllocationRound.deadline.desc())
        )
    )
    counts = dict(
        db.session.execute(
            select(RoundChoice.round_id, func.count())
            .where(RoundChoice.student_id == profile.id)
            .group_by(RoundChoice.round_id)
        ).all()
    )
    given = {r.id: _assigned(r, profile.id) for r in rounds if r.status is RoundStatus.PUBLISHED}
    offerings = {
        o.id: o
        for o in db.session.scalars(
            select(Offering)
            .where(Offering.id.in_([o for o in given.values() if o is not None]))
            .options(selectinload(Offering.partner))
        )
    }
    out = []
    for r in rounds:
        count = counts.get(r.id, 0)
        if r.status is RoundStatus.PUBLISHED and not count:
            continue  # a past round they were not in
        oid = given.get(r.id)
        out.append((r, count, offerings.get(oid) if oid is not None else None))
    return out


def _assigned(round_: AllocationRound, student_id: int) -> int | None:
    assignments = _result(round_).get("assignments", {})
    value = assignments.get(str(student_id))
    return int(value) if value is not None else None


def student_round(actor: User, round_id: int) -> StudentRound:
    """The choice page: the round's offerings (recommended ones first), the student's current
    choices, and whether choices can still change."""
    profile = _own_profile(actor)
    round_ = _get_round(round_id)
    offerings = _round_offerings(round_id)
    recommended = _recommended_ids(profile)
    position = {oid: i for i, oid in enumerate(recommended)}
    offerings.sort(key=lambda o: (position.get(o.id, len(position)), o.title, o.id))
    chosen = list(
        db.session.scalars(
            select(RoundChoice.offering_id)
            .where(RoundChoice.round_id == round_id, RoundChoice.student_id == profile.id)
            .order_by(RoundChoice.rank)
        )
    )
    outcome_id = _assigned(round_, profile.id) if round_.status is RoundStatus.PUBLISHED else None
    return StudentRound(
        round=round_,
        options=[
            ChoiceOption(o, eligibility_problem(profile, o), o.id in position) for o in offerings
        ],
        chosen=chosen,
        accepting=_accepting_choices(round_, utcnow()),
        deadline_passed=round_.deadline <= utcnow(),
        outcome=next((o for o in offerings if o.id == outcome_id), None),
    )


@atomic
def rank_choices(actor: User, round_id: int, offering_ids_in_order: Sequence[int]) -> int:
    """Replace the student's choices in the round (first choice first); an empty list takes
    them out of the round. Returns how many choices are now saved."""
    profile = _own_profile(actor)
    round_ = _get_round(round_id)
    if not _accepting_choices(round_, utcnow()):
        raise RoundClosed()
    ids = list(offering_ids_in_order)
    if len(ids) > round_.max_choices:
        raise DomainError(f"You can rank at most {round_.max_choices} choices.", field="choice_1")
    seen: set[int] = set()
    for position, oid in enumerate(ids, start=1):
        if oid in seen:
            raise DomainError(
                "You chose this opportunity more than once. Pick each one only once.",
                field=f"choice_{position}",
            )
        seen.add(oid)
    offerings = {
        o.id: o
        for o in db.session.scalars(
            select(Offering)
            .join(round_offering, round_offering.c.offering_id == Offering.id)
            .where(round_offering.c.round_id == round_id, Offering.id.in_(ids))
        )
    }
    for position, oid in enumerate(ids, start=1):
        offering = offerings.get(oid)
        if offering is None:
            raise DomainError(
                "That opportunity is not part of this round.", field=f"choice_{position}"
            )
        problem = eligibility_problem(profile, offering)
        if problem:
            raise DomainError(problem, field=f"choice_{position}")
    db.session.execute(
        delete(RoundChoice).where(
            RoundChoice.round_id == round_id, RoundChoice.student_id == profile.id
        )
    )
    db.session.add_all(
        RoundChoice(round_id=round_id, student_id=profile.id, offering_id=oid, rank=rank)
        for rank, oid in enumerate(ids, start=1)
    )
    db.session.commit()
    return len(ids)


# --- 3. employers rank the students who chose their offering -------------------------------


@dataclass(frozen=True, slots=True)
class EmployerOffering:
    round: AllocationRound
    offering: Offering
    choosers: int


def employer_rounds(actor: User) -> list[EmployerOffering]:
    """The employer's offerings in rounds ranked by employers that are still open."""
    require(actor.has_role(Role.EMPLOYER))
    rows = db.session.execute(
        select(AllocationRound, Offering)
        .join(round_offering, round_offering.c.round_id == AllocationRound.id)
        .join(Offering, Offering.id == round_offering.c.offering_id)
        .where(
            AllocationRound.ranking == RoundRanking.EMPLOYER,
            AllocationRound.status == RoundStatus.OPEN,
            Offering.partner_id.in_(partner_ids_of(actor)),
        )
        .order_by(AllocationRound.deadline, Offering.title)
    ).all()
    counts = {
        (rid, oid): n
        for rid, oid, n in db.session.execute(
            select(RoundChoice.round_id, RoundChoice.offering_id, func.count())
            .where(RoundChoice.offering_id.in_([o.id for _, o in rows]))
            .group_by(RoundChoice.round_id, RoundChoice.offering_id)
        ).all()
    }
    return [EmployerOffering(r, o, counts.get((r.id, o.id), 0)) for r, o in rows]


@dataclass(frozen=True, slots=True)
class Candidate:
    student: StudentProfile
    rank: int | None


@dataclass(frozen=True, slots=True)
class EmployerRanking:
    round: AllocationRound
    offering: Offering
    candidates: list[Candidate]
    accepting: bool


def _employer_scope(
    actor: User, round_id: int, offering_id: int
) -> tuple[AllocationRound, Offering]:
    """The round and offering when the offering is in the round, the round is ranked by
    employers, and the actor speaks for the offering's partner; otherwise not found."""
    require(actor.has_role(Role.EMPLOYER))
    round_ = _get_round(round_id)
    offering = db.session.scalar(
        select(Offering)
        .join(round_offering, round_offering.c.offering_id == Offering.id)
        .where(
            round_offering.c.round_id == round_id,
            Offering.id == offering_id,
            Offering.partner_id.in_(partner_ids_of(actor)),
        )
        .options(selectinload(Offering.partner))
    )
    if offering is None or round_.ranking is not RoundRanking.EMPLOYER:
        raise NotFound()
    return round_, offering


def employer_ranking(actor: User, round_id: int, offering_id: int) -> EmployerRanking:
    """The students who chose the offering (name, school and grade only) and their ranks."""
    round_, offering = _employer_scope(actor, round_id, offering_id)
    students = list(
        db.session.scalars(
            select(StudentProfile)
            .join(RoundChoice, RoundChoice.student_id == StudentProfile.id)
            .where(RoundChoice.round_id == round_id, RoundChoice.offering_id == offering_id)
            .options(selectinload(StudentProfile.user), selectinload(StudentProfile.school))
        )
    )
    ranks = dict(
        db.session.execute(
            select(RoundEmployerRank.student_id, RoundEmployerRank.rank).where(
                RoundEmployerRank.round_id == round_id,
                RoundEmployerRank.offering_id == offering_id,
            )
        ).all()
    )
    students.sort(key=lambda s: (ranks.get(s.id) or 10**6, s.user.full_name, s.id))
    return EmployerRanking(
        round=round_,
        offering=offering,
        candidates=[Candidate(s, ranks.get(s.id)) for s in students],
        accepting=round_.status is RoundStatus.OPEN,
    )


@atomic
def rank_students(
    actor: User, round_id: int, offering_id: int, student_ids_in_order: Sequence[int]
) -> int:
    """Replace the employer's ranking of the students who chose the offering (best first).
    Students left out go after the ranked ones, in the round's lottery order."""
    round_, _offering = _employer_scope(actor, round_id, offering_id)
    if round_.status is not RoundStatus.OPEN:
        raise RoundClosed("This round has been run: its rankings can no longer change.")
    ids = list(student_ids_in_order)
    if len(set(ids)) != len(ids):
        raise DomainError("Each student can be ranked only once.")
    choosers = set(
        db.session.scalars(
            select(RoundChoice.student_id).where(
                RoundChoice.round_id == round_id, RoundChoice.offering_id == offering_id
            )
        )
    )
    if not set(ids) <= choosers:
        raise DomainError("You can rank only students who chose this opportunity.")
    db.session.execute(
        delete(RoundEmployerRank).where(
            RoundEmployerRank.round_id == round_id, RoundEmployerRank.offering_id == offering_id
        )
    )
    db.session.add_all(
        RoundEmployerRank(round_id=round_id, offering_id=offering_id, student_id=sid, rank=rank)
        for rank, sid in enumerate(ids, start=1)
    )
    db.session.commit()
    return len(ids)


# --- 4. run the allocation -----------------------------------------------------------------


def _result(round_: AllocationRound) -> dict[str, Any]:
    return dict(round_.result or {})


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
    allocation = matching.allocate(student_prefs, offering_prefs, seats)

    rank_of = {(sid, oid): rank for sid, oid, rank in choices}
    got_ranks = {sid: rank_of[(sid, oid)] for sid, oid in allocation.assignments.items()}
    used = Counter(allocation.assignments.values())
    seats_left = {str(oid): seats[oid] - used.get(oid, 0) for oid in sorted(seats)}
    ranked_students = len(student_prefs)
    first = sum(1 for r in got_ranks.values() if r == 1)
    top3 = sum(1 for r in got_ranks.values() if r <= 3)
    return {
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
        _require_manager(actor)
    round_ = _get_round(round_id)
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
            if _run(_get_round(round_id), allowed=frozenset({RoundStatus.OPEN})):
                ran += 1
            db.session.commit()
        except Exception:  # any failure of one round: roll it back, report it, go on
            db.session.rollback()
            log.exception("allocation round %s could not be run", round_id)
            failed.append(round_id)
    if failed:
        raise DueRoundsFailed(ran, failed)
    return ran


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
class RoundReview:
    round: AllocationRound
    offerings: list[DemandRow]
    students_ranked: int
    employer_ranked: int
    stats: dict[str, Any]
    assignments: list[AssignmentRow] = field(default_factory=list)
    unmatched: list[UnmatchedRow] = field(default_factory=list)
    published: dict[str, int] = field(default_factory=dict)


def round_review(actor: User, round_id: int) -> RoundReview:
    """What staff see of a round, in a constant number of queries: demand per offering, and
    once run the statistics, every assignment, and the unmatched students with their best
    remaining options (their own choices with seats left, else other offerings with seats
    they are eligible for)."""
    _require_manager(actor)
    round_ = _get_round(round_id)
    offerings = _round_offerings(round_id)
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
    result = _result(round_)
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


def proposed_view(actor: User, round_id: int) -> RoundReview:
    """The proposed result (the issue's name for the review)."""
    return round_review(actor, round_id)


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
def publish_round(actor: User, round_id: int) -> dict[str, int]:
    """Turn the proposal into placements: each assigned student gets an accepted application
    holding a seat (a minor's guardian is asked; an adult is placed), each unmatched student
    an e-mail with what to do next. Published once: the status moves by a conditional
    UPDATE first, so a second publish (another tab, a double click) is refused."""
    _require_manager(actor)
    round_ = _get_round(round_id)
    if not move_status(
        round_, RoundStatus.PROPOSED, status=RoundStatus.PUBLISHED, published_at=utcnow()
    ):
        db.session.refresh(round_)
        if round_.status is RoundStatus.PUBLISHED:
            raise DomainError("This round has already been published; nothing was changed.")
        raise DomainError("Run the round first, then review and publish its result.")
    db.session.refresh(round_)
    result = _result(round_)
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
        for email, name in db.session.execute(
            select(User.email, User.full_name)
            .join(StudentProfile, StudentProfile.user_id == User.id)
            .where(StudentProfile.id.in_(unmatched))
        ).all():
            queue_email(
                kind="round_unmatched",
                to=email,
                template="placements/round_unmatched",
                context={"round": round_, "name": name, "catalog": catalog},
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
