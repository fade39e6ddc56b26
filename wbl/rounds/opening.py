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

This module opens a round and holds what every stage asks of one: who manages rounds, the
round and its offerings, which offerings a round may include and whether a student may rank
one. The stages: here staff open a round; ``ranking``: students rank their choices
and employers the students who chose them; ``allocation``: the allocation is run and
published; ``proposal``: what staff see of a round before they publish it.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from wbl.access import require
from wbl.auth.models import User
from wbl.catalog.models import INDIVIDUAL_KINDS, Offering, OfferingStatus, Partner
from wbl.clock import local_today
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, utcnow
from wbl.reference.models import ExperienceKind
from wbl.rounds.models import AllocationRound, RoundRanking, RoundStatus, round_offering
from wbl.scopes import is_county_wide
from wbl.students.models import StudentProfile

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


# --- who manages rounds, the round and who may rank what --------------------------------


def require_manager(actor: User) -> None:
    """Rounds cross districts (their students and offerings do), so only county-wide staff
    (and administrators) open, run, review and publish them."""
    require(is_county_wide(actor))


def get_round(round_id: int) -> AllocationRound:
    found = db.session.get(AllocationRound, round_id)
    if found is None:
        raise NotFound()
    return found


def round_result(round_: AllocationRound) -> dict[str, Any]:
    """The stored result: empty until the round is run, then the proposal (assignments,
    ranks, unmatched, statistics), with what was published once it is."""
    return dict(round_.result or {})


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


def round_offerings(round_id: int) -> list[Offering]:
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
    require_manager(actor)
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
