"""Allocation rounds, before the deadline: students rank up to the round's ``max_choices`` of
its offerings (recommended ones first), and, in a round ranked by employers, each offering's
employer ranks the students who chose it. Both change until the round is run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.clock import local_today
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, utcnow
from wbl.rounds.models import (
    AllocationRound,
    RoundChoice,
    RoundEmployerRank,
    RoundRanking,
    RoundStatus,
    round_offering,
)
from wbl.rounds.opening import (
    eligibility_problem,
    get_round,
    round_offerings,
    round_result,
)
from wbl.rounds.scramble import is_invited, visible_to
from wbl.scopes import partner_ids_of
from wbl.students.models import StudentProfile


class RoundClosed(DomainError):
    message = "This round is closed: the deadline has passed and choices can no longer change."


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


def _student_scope(profile: StudentProfile, round_id: int) -> AllocationRound:
    """The round, when the student may take part: a scramble only for those it invited."""
    round_ = get_round(round_id)
    if not is_invited(round_, profile.id):
        raise NotFound()
    return round_


def _accepting_choices(round_: AllocationRound, now: datetime) -> bool:
    return round_.status is RoundStatus.OPEN and round_.deadline > now


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
            .where(AllocationRound.status != RoundStatus.PROPOSED, visible_to(profile.id))
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
    assignments = round_result(round_).get("assignments", {})
    value = assignments.get(str(student_id))
    return int(value) if value is not None else None


def student_round(actor: User, round_id: int) -> StudentRound:
    """The choice page: the round's offerings (recommended ones first), the student's current
    choices, and whether choices can still change."""
    profile = _own_profile(actor)
    round_ = _student_scope(profile, round_id)
    offerings = round_offerings(round_id)
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
    round_ = _student_scope(profile, round_id)
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
    round_ = get_round(round_id)
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
