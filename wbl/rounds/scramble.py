"""Scramble rounds: a second chance after a round is published.

A published round leaves students unplaced and seats empty. From it staff open a *scramble*:
a new round (``scramble_of_id`` is its parent) over the parent's offerings that still have a
seat, with a short deadline, open only to the parent's students who took part (ranked) and
hold no seat now, and who may rank at least one of those offerings. They are e-mailed in their
language and rank on the usual choice page; employers rank (or the staff rules order) as in
the parent; the allocation runs over what is left, both modes, and staff publish one through
the usual path. A scramble is itself a round, so once published the next one opens from it,
until seats or students run out.

A student who holds a seat is never in a scramble: not invited when it opens, left out when
it runs, and if one is placed (or a seat is taken) between the run and publishing, publishing
refuses and staff run it again (``stale_result``). The capacities are the seats left when
the scramble runs, read again at every run, and seats are taken at publishing by the same
conditional update as every other admission.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import has_request_context, url_for
from sqlalchemy import exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.catalog.models import Offering, OfferingStatus
from wbl.errors import DomainError
from wbl.extensions import atomic, db, utcnow
from wbl.notifications.services import queue_email
from wbl.placements.models import SEAT_HOLDING, Application, Placement, PlacementStatus
from wbl.rounds.models import (
    AllocationRound,
    RoundChoice,
    RoundEmployerRank,
    RoundRanking,
    RoundStatus,
    round_invitee,
)
from wbl.rounds.opening import (
    MAX_CHOICES_LIMIT,
    eligibility_problem,
    get_round,
    require_manager,
    round_offerings,
)
from wbl.students.models import StudentProfile

MAX_SCRAMBLE_DAYS = 14  # a scramble is short: the seats are needed soon
DEFAULT_SCRAMBLE_DAYS = 3  # the open form's suggestion


# --- who holds a seat, who is invited ------------------------------------------------------


def students_holding_a_seat(student_ids: Iterable[int]) -> set[int]:
    """Those of ``student_ids`` who hold a seat now: an accepted (consent pending) or placed
    application whose placement has not ended (a completed or cancelled placement is over)."""
    ids = list(set(student_ids))
    if not ids:
        return set()
    ended = exists().where(
        Placement.application_id == Application.id,
        Placement.status.in_([PlacementStatus.COMPLETED.value, PlacementStatus.CANCELLED.value]),
    )
    return set(
        db.session.scalars(
            select(Application.student_id)
            .where(
                Application.student_id.in_(ids),
                Application.status.in_([s.value for s in SEAT_HOLDING]),
                ~ended,
            )
            .distinct()
        )
    )


def is_invited(round_: AllocationRound, student_id: int) -> bool:
    """Whether the student may see and rank in the round: every student in an ordinary round,
    only the invited ones in a scramble."""
    if round_.scramble_of_id is None:
        return True
    return (
        db.session.scalar(
            select(round_invitee.c.student_id).where(
                round_invitee.c.round_id == round_.id, round_invitee.c.student_id == student_id
            )
        )
        is not None
    )


def invited_count(round_id: int) -> int:
    query = select(func.count()).select_from(round_invitee)
    return db.session.scalar(query.where(round_invitee.c.round_id == round_id)) or 0


def visible_to(student_id: int) -> Any:
    """The SQL condition for the rounds a student may see: ordinary ones and the scrambles
    they are invited to."""
    return AllocationRound.scramble_of_id.is_(None) | AllocationRound.id.in_(
        select(round_invitee.c.round_id).where(round_invitee.c.student_id == student_id)
    )


# --- what a scramble of a round would hold -------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScrambleCandidates:
    """What a scramble opened now from ``parent`` would be over and open to."""

    parent: AllocationRound
    offerings: list[Offering]  # the parent's offerings with a seat left now
    students: list[StudentProfile]  # took part, hold no seat, eligible for one of them

    @property
    def seats(self) -> int:
        return sum(o.seats_left for o in self.offerings)


def scramble_candidates(parent: AllocationRound) -> ScrambleCandidates:
    offerings = [
        o
        for o in round_offerings(parent.id)
        if o.status is OfferingStatus.PUBLISHED and o.seats_left > 0
    ]
    took_part = list(
        db.session.scalars(
            select(RoundChoice.student_id).where(RoundChoice.round_id == parent.id).distinct()
        )
    )
    holding = students_holding_a_seat(took_part)
    profiles = list(
        db.session.scalars(
            select(StudentProfile)
            .join(User, User.id == StudentProfile.user_id)
            .where(
                StudentProfile.id.in_([s for s in took_part if s not in holding]),
                User.active.is_(True),
            )
            .options(selectinload(StudentProfile.user), selectinload(StudentProfile.school))
            .order_by(StudentProfile.id)
        )
    )
    students = [s for s in profiles if any(not eligibility_problem(s, o) for o in offerings)]
    return ScrambleCandidates(parent, offerings, students)


def scramble_of(round_id: int) -> AllocationRound | None:
    """The round's scramble, if one has been opened."""
    return db.session.scalar(
        select(AllocationRound).where(AllocationRound.scramble_of_id == round_id)
    )


def chain(round_: AllocationRound) -> list[AllocationRound]:
    """The round with the rounds it follows and the scrambles that followed it, the first
    round first (a few queries: a chain is a handful of rounds)."""
    before: list[AllocationRound] = []
    current = round_
    while current.scramble_of_id is not None:
        current = get_round(current.scramble_of_id)
        before.append(current)
    after: list[AllocationRound] = []
    current = round_
    while (following := scramble_of(current.id)) is not None:
        after.append(following)
        current = following
    return [*reversed(before), round_, *after]


def default_name(parent: AllocationRound) -> str:
    """ "Summer internships — second chance", then "— third chance", ..."""
    first, depth = parent, 1
    while first.scramble_of_id is not None:
        first = get_round(first.scramble_of_id)
        depth += 1
    ordinals = ["second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
    which = ordinals[depth - 1] if depth <= len(ordinals) else f"{depth + 1}th"
    return f"{first.name[:130]} — {which} chance"


# --- opening a scramble --------------------------------------------------------------------


def _link(round_id: int) -> str:
    if not has_request_context():
        return ""
    return url_for("rounds.choose", round_id=round_id, _external=True)


@atomic
def open_scramble(
    actor: User,
    parent_id: int,
    *,
    deadline: datetime,
    name: str = "",
    max_choices: int | None = None,
) -> AllocationRound:
    """Open a scramble of the published round ``parent_id``: over its offerings with a seat
    left, for its students who took part and hold no seat, ranked as the parent was (the
    employers' ranking of those students carried over, for them to change), with a new
    lottery seed stored. The invited students are e-mailed in their language."""
    require_manager(actor)
    parent = get_round(parent_id)
    if parent.status is not RoundStatus.PUBLISHED:
        raise DomainError("Publish this round first: a scramble is for what its result left.")
    if scramble_of(parent.id) is not None:
        raise DomainError(
            "This round already has a scramble. Open the next one from that scramble once it "
            "is published."
        )
    now = utcnow()
    if deadline.tzinfo is None or deadline <= now:
        raise DomainError("The deadline must be in the future.", field="deadline_date")
    if deadline > now + timedelta(days=MAX_SCRAMBLE_DAYS):
        raise DomainError(
            f"A scramble is short: set a deadline within {MAX_SCRAMBLE_DAYS} days.",
            field="deadline_date",
        )
    name = name.strip() or default_name(parent)
    if len(name) > 160:
        raise DomainError("Keep the name under 160 characters.", field="name")
    candidates = scramble_candidates(parent)
    if not candidates.offerings:
        raise DomainError(
            "No opportunity in this round has a seat left: there is nothing to scramble for."
        )
    if not candidates.students:
        raise DomainError(
            "Every student who took part in this round holds a seat now (or none may take the "
            "seats left): there is nobody to invite."
        )
    if max_choices is None:
        max_choices = min(parent.max_choices, len(candidates.offerings))
    if not 1 <= max_choices <= MAX_CHOICES_LIMIT:
        raise DomainError(
            f"Students may rank between 1 and {MAX_CHOICES_LIMIT} choices.", field="max_choices"
        )
    round_ = AllocationRound(
        name=name,
        deadline=deadline,
        max_choices=max_choices,
        ranking=parent.ranking,
        priority_rules=list(parent.priority_rules or ["lottery"]),
        seed=secrets.randbelow(2**31),
        status=RoundStatus.OPEN,
        result={},
        created_by_id=actor.id,
        offerings=candidates.offerings,
        scramble_of_id=parent.id,
    )
    db.session.add(round_)
    try:
        db.session.flush()
    except IntegrityError:  # another scramble of this round was opened at the same moment
        raise DomainError(
            "This round already has a scramble. Open the next one from that scramble once it "
            "is published."
        ) from None
    invited = [s.id for s in candidates.students]
    db.session.execute(
        insert(round_invitee), [{"round_id": round_.id, "student_id": sid} for sid in invited]
    )
    if parent.ranking is RoundRanking.EMPLOYER:
        _carry_employer_ranks(parent.id, round_.id, [o.id for o in candidates.offerings], invited)
    link = _link(round_.id)
    for student in candidates.students:
        queue_email(
            kind="round_scramble",
            to=student.user.email,
            template="rounds/round_scramble",
            context={
                "round": round_,
                "parent": parent,
                "name": student.user.full_name,
                "link": link,
                "seats": candidates.seats,
            },
        )
    db.session.commit()
    return round_


def _carry_employer_ranks(
    parent_id: int, round_id: int, offering_ids: list[int], invited: list[int]
) -> None:
    """Each employer's ranking of the invited students in the parent, renumbered 1, 2, ...:
    the scramble starts from what the employer said; they may change it until its deadline.
    (Only students who choose the offering in the scramble count when it runs.)"""
    rows = db.session.execute(
        select(RoundEmployerRank.offering_id, RoundEmployerRank.student_id)
        .where(
            RoundEmployerRank.round_id == parent_id,
            RoundEmployerRank.offering_id.in_(offering_ids),
            RoundEmployerRank.student_id.in_(invited),
        )
        .order_by(RoundEmployerRank.offering_id, RoundEmployerRank.rank)
    ).all()
    rank: Counter[int] = Counter()
    for oid, sid in rows:
        rank[oid] += 1
        db.session.add(
            RoundEmployerRank(round_id=round_id, offering_id=oid, student_id=sid, rank=rank[oid])
        )


# --- running and publishing: what changed since -------------------------------------------


def left_out_at_run(round_: AllocationRound, student_ids: Iterable[int]) -> set[int]:
    """The students a scramble leaves out when it runs: those holding a seat now, and any not
    invited (they cannot have ranked, but the rule is the scramble's, not the form's)."""
    if round_.scramble_of_id is None:
        return set()
    ids = set(student_ids)
    invited = set(
        db.session.scalars(
            select(round_invitee.c.student_id).where(round_invitee.c.round_id == round_.id)
        )
    )
    return (ids - invited) | students_holding_a_seat(ids & invited)


def stale_result(round_: AllocationRound, result: dict[str, Any]) -> str:
    """Why a scramble's result can no longer be published as it is ("" when it can): a
    student in it was placed since the run, or an offering has fewer seats left than it
    fills. Staff then run it again, over what is left now."""
    if round_.scramble_of_id is None:
        return ""
    assignments = {int(s): int(o) for s, o in result.get("assignments", {}).items()}
    placed = students_holding_a_seat(assignments)
    if placed:
        return (
            f"{len(placed)} student(s) in this result have been placed since it was run. "
            "Run the round again, then publish."
        )
    needed = Counter(assignments.values())
    left = {
        oid: (capacity - taken) if status == OfferingStatus.PUBLISHED else 0
        for oid, capacity, taken, status in db.session.execute(
            select(Offering.id, Offering.capacity, Offering.seats_taken, Offering.status).where(
                Offering.id.in_(list(needed))
            )
        ).all()
    }
    short = [oid for oid, n in needed.items() if left.get(oid, 0) < n]
    if short:
        return (
            "Seats have been taken (or opportunities closed) since this result was run. "
            "Run the round again, then publish."
        )
    return ""
