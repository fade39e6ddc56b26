"""Why not: what an unplaced student sees of a published round: for each of their choices,
the plain reason they did not get it, and the best opportunities still open to them.

The reasons come from the published allocation (the top of the round's stored result) and
the round's inputs, the same ones the run used (``allocation._compute``): the students'
choices, the employers' rankings, the priority rules with the stored lottery seed, and the
seats each offering had at the run (``stats.seats_at_run``):

- an offering with no seat at the run: withdrawn (it is no longer published) or already full;
- **stable** (deferred acceptance): a choice a student did not get gave all its seats to
  students that offering ranked above them, so the reason is who decided between them and
  the *last* student it took (the one whose seat they would have had): the employer ranked
  that student higher; that student is in a higher priority tier (seniors first); or the
  same tier, where the lottery decided;
- **welfare-optimal**: seats go where they place the most students overall, not by the
  offering's ranking, so the reason says just that.

A grade, age or readiness rule the student does not meet (``opening.eligibility_problem``,
the offering's prerequisites) is said first: the allocation does not check readiness (a
student is placed, then asked to prepare), but a student who misses one learns what to do.

A student sees their own reasons only: never another student's name, grade or rank.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.catalog.models import Offering, OfferingStatus
from wbl.clock import local_today
from wbl.extensions import db
from wbl.placements.readiness import missing_prerequisites
from wbl.rounds.allocation import _priority_order
from wbl.rounds.models import (
    AllocationMode,
    AllocationRound,
    RoundChoice,
    RoundEmployerRank,
    RoundRanking,
    RoundStatus,
)
from wbl.rounds.opening import GRADE_RULES, get_round, round_result
from wbl.rounds.ranking import _own_profile
from wbl.students.models import StudentProfile

MAX_ALTERNATIVES = 5


class Reason(enum.StrEnum):
    EMPLOYER = "employer"  # filled by students the employer ranked higher
    TIER = "tier"  # filled by students in a higher priority tier
    LOTTERY = "lottery"  # filled by the lottery among the student's tier
    WELFARE = "welfare"  # given to another student to place more students overall
    WITHDRAWN = "withdrawn"  # the offering was withdrawn before the run
    FULL = "full"  # the offering had no seat left when the round ran
    NOT_ELIGIBLE = "not_eligible"  # a grade, age or readiness rule the student does not meet
    NO_SEAT = "no_seat"  # none of the above could be told apart (a result from before)


@dataclass(frozen=True, slots=True)
class ChoiceReason:
    rank: int
    offering: Offering
    reasons: list[Reason]
    missing: list[str] = field(default_factory=list)  # readiness activities not done
    min_grade: int | None = None  # the offering's grade rule the student does not meet
    minimum_age: int | None = None  # ... or its age rule


@dataclass(frozen=True, slots=True)
class WhyNot:
    round: AllocationRound
    mode: AllocationMode
    tier_rule: str  # "grade_desc", "grade_asc" or "lottery"
    choices: list[ChoiceReason]
    alternatives: list[Offering]


def _inputs(
    round_: AllocationRound,
) -> tuple[dict[int, list[int]], dict[int, list[int]], dict[int, int]]:
    """The round's offerings' rankings as the run built them: per offering, the students
    who chose it, employer-ranked ones first, then the priority order (tiers, then the
    lottery); also the employer-ranked students per offering and each student's grade."""
    choices = db.session.execute(
        select(RoundChoice.student_id, RoundChoice.offering_id).where(
            RoundChoice.round_id == round_.id
        )
    ).all()
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
    choosers: dict[int, set[int]] = {}
    for sid, oid in choices:
        choosers.setdefault(oid, set()).add(sid)
    employer: dict[int, list[int]] = {}
    if round_.ranking is RoundRanking.EMPLOYER:
        for oid, sid in db.session.execute(
            select(RoundEmployerRank.offering_id, RoundEmployerRank.student_id)
            .where(RoundEmployerRank.round_id == round_.id)
            .order_by(RoundEmployerRank.offering_id, RoundEmployerRank.rank)
        ).all():
            if sid in choosers.get(oid, ()):
                employer.setdefault(oid, []).append(sid)
    prefs = {
        oid: employer.get(oid, [])
        + [s for s in order if s in chose and s not in set(employer.get(oid, []))]
        for oid, chose in choosers.items()
    }
    return prefs, employer, grades


def _tier(rule: str, grade: int) -> int:
    """A student's priority tier under the round's grade rule (lower goes first)."""
    return -grade if rule == "grade_desc" else grade if rule == "grade_asc" else 0


def why_not(actor: User, round_id: int) -> WhyNot | None:
    """The signed-in student's reasons in a published round they ranked in and were not
    placed by; None otherwise (placed, not in it, or not published)."""
    profile = _own_profile(actor)
    round_ = get_round(round_id)
    result = round_result(round_)
    if round_.status is not RoundStatus.PUBLISHED or not result:
        return None
    if str(profile.id) in result.get("assignments", {}):
        return None
    chosen = list(
        db.session.execute(
            select(RoundChoice.rank, RoundChoice.offering_id)
            .where(RoundChoice.round_id == round_id, RoundChoice.student_id == profile.id)
            .order_by(RoundChoice.rank)
        ).all()
    )
    if not chosen:
        return None
    mode = AllocationMode(result.get("mode", AllocationMode.STABLE.value))
    rule = next((r for r in round_.priority_rules or [] if r in GRADE_RULES), "lottery")
    offerings = {
        o.id: o
        for o in db.session.scalars(
            select(Offering)
            .where(Offering.id.in_([oid for _rank, oid in chosen]))
            .options(selectinload(Offering.partner), selectinload(Offering.prerequisites))
        )
    }
    stats = result.get("stats", {})
    seats_at_run = {int(k): int(v) for k, v in stats.get("seats_at_run", {}).items()}
    holders: dict[int, list[int]] = {}
    for sid, oid in result.get("assignments", {}).items():
        holders.setdefault(int(oid), []).append(int(sid))
    prefs, employer, grades = _inputs(round_) if mode is AllocationMode.STABLE else ({}, {}, {})
    today = local_today()
    rows: list[ChoiceReason] = []
    for rank, oid in chosen:
        offering = offerings[oid]
        reasons: list[Reason] = []
        missing = [a.name for a in missing_prerequisites(profile.id, offering)]
        start = offering.start_date or today
        low_grade = offering.min_grade if (offering.min_grade or 0) > profile.grade else None
        too_young = (
            offering.minimum_age
            if offering.minimum_age and profile.age_on(start) < offering.minimum_age
            else None
        )
        if missing or low_grade or too_young:
            reasons.append(Reason.NOT_ELIGIBLE)
        if seats_at_run.get(oid, 0) <= 0 and oid in seats_at_run:
            reasons.append(
                Reason.WITHDRAWN if offering.status is not OfferingStatus.PUBLISHED else Reason.FULL
            )
        elif mode is AllocationMode.WELFARE:
            reasons.append(Reason.WELFARE if holders.get(oid) else Reason.NO_SEAT)
        else:
            reasons.append(
                _stable_reason(
                    profile.id,
                    holders.get(oid, []),
                    prefs.get(oid, []),
                    employer.get(oid, []),
                    grades,
                    rule,
                )
            )
        rows.append(ChoiceReason(rank, offering, reasons, missing, low_grade, too_young))
    return WhyNot(round_, mode, rule, rows, _alternatives(profile, today))


def _stable_reason(
    student_id: int,
    holders: list[int],
    ranking: list[int],
    employer_ranked: list[int],
    grades: dict[int, int],
    rule: str,
) -> Reason:
    """Who decided between the student and the last student the offering took."""
    position = {sid: i for i, sid in enumerate(ranking)}
    taken = [s for s in holders if s in position]
    if not taken or student_id not in position:
        return Reason.NO_SEAT
    last = max(taken, key=lambda s: position[s])
    if position[last] > position[student_id]:
        return Reason.NO_SEAT  # not stable for this student: an old or changed result
    if last in employer_ranked:
        return Reason.EMPLOYER
    if _tier(rule, grades.get(last, 0)) < _tier(rule, grades.get(student_id, 0)):
        return Reason.TIER
    return Reason.LOTTERY


def _alternatives(profile: StudentProfile, today: date) -> list[Offering]:
    """The student's best recommendations still open with a seat left (the recommendations
    check both on the live rows) that they may take: at most ``MAX_ALTERNATIVES``."""
    from wbl.catalog.recommendations import recommendations_for
    from wbl.rounds.opening import eligibility_problem

    found: list[Offering] = []
    for rec in recommendations_for(profile, today, k=20):
        offering = rec.offering
        if offering.seats_left <= 0 or offering.status is not OfferingStatus.PUBLISHED:
            continue
        if eligibility_problem(profile, offering):
            continue
        found.append(offering)
        if len(found) == MAX_ALTERNATIVES:
            break
    return found
