"""The end of a placement: completing it, the supervisor's evaluation, the student's
reflection.

A placement ends by its end date (the nightly job) or early, when its supervisor (or staff)
ends it; either way the seat it held goes back to the offering, the supervisor is asked to
evaluate the student and the student to reflect. When both the evaluation and the reflection
exist, the student gets a portfolio artifact draft built from them (``wbl.portfolio``).

The evaluation is California's intern evaluation template (categories rated 1 Does not meet
to 4 Above expectations, or N/A; staff edit the categories), plus one rating per Portrait of
a Graduate outcome the offering develops (DOMAIN.md, "Employer evaluation of a student"). It
is final once submitted: it is the employer's assessment, the student reads it and their
artifact quotes it, so it does not change under them afterwards (one row per placement, a
unique constraint). The reflection stays the student's to edit until they mark the artifact
ready.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import has_request_context, url_for
from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.catalog.models import Offering, PartnerContact
from wbl.clock import local_today
from wbl.errors import N_, DomainError, Forbidden
from wbl.evaluations import queries
from wbl.evaluations.models import RATINGS, PlacementEvaluation, PlacementReflection
from wbl.extensions import atomic, db, rows_affected, utcnow
from wbl.hours.services import get_placement
from wbl.notifications.services import queue_email
from wbl.placements import seats
from wbl.placements.models import Placement, PlacementStatus
from wbl.placements.policies import (
    is_employer_of,
    is_student_of,
    is_teacher_of,
    may_end,
    staff_sees,
)
from wbl.portfolio import services as portfolio
from wbl.portfolio.models import Artifact
from wbl.reference.models import EvaluationCategory, PogOutcome
from wbl.students.models import StudentProfile

MAX_COMMENT = 2000
MAX_REFLECTION = 5000


class AlreadyEnded(DomainError):
    message = N_("This placement has already ended; nothing was changed.")


# --- who may do what -------------------------------------------------------------------------


def may_read_reflection(user: User, placement: Placement) -> bool:
    """The student, their school's teachers and staff: the reflection is the student's
    education record; the employer sees what the student makes of it in their portfolio."""
    return (
        is_student_of(user, placement)
        or is_teacher_of(user, placement)
        or staff_sees(user, placement)
    )


# --- completing a placement ------------------------------------------------------------------


def _link(endpoint: str, **values: Any) -> str:
    """An absolute link for an e-mail (jobs run inside a request context on BASE_URL)."""
    if not has_request_context():
        return ""
    return url_for(endpoint, _external=True, **values)


def _supervisors(placement: Placement) -> list[User]:
    """Who is asked to evaluate: the placement's supervisor, or every contact of the partner
    when none is named (any of them may evaluate)."""
    if placement.supervisor is not None and placement.supervisor.user.active:
        return [placement.supervisor.user]
    return list(
        db.session.scalars(
            select(User)
            .join(PartnerContact, PartnerContact.user_id == User.id)
            .where(
                PartnerContact.partner_id == placement.offering.partner_id,
                User.active.is_(True),
            )
            .order_by(PartnerContact.is_primary.desc(), PartnerContact.id)
        )
    )


def _announce_end(placement: Placement) -> None:
    """Ask the supervisor(s) for the evaluation and the student for the reflection."""
    offering, student = placement.offering, placement.student.user
    evaluate = _link("evaluations.evaluation", placement_id=placement.id)
    for supervisor in _supervisors(placement):
        queue_email(
            kind="evaluation_requested",
            to=supervisor.email,
            template="evaluations/evaluation_requested",
            context={"student": student, "offering": offering, "link": evaluate},
        )
    reflect = _link("evaluations.reflection", placement_id=placement.id)
    queue_email(
        kind="reflection_requested",
        to=student.email,
        template="evaluations/reflection_requested",
        context={"offering": offering, "link": reflect},
    )


def _with_people(placement_ids: Iterable[int]) -> list[Placement]:
    return list(
        db.session.scalars(
            select(Placement)
            .where(Placement.id.in_(list(placement_ids)))
            .options(
                selectinload(Placement.student).selectinload(StudentProfile.user),
                selectinload(Placement.offering).selectinload(Offering.partner),
                selectinload(Placement.supervisor).selectinload(PartnerContact.user),
            )
            .order_by(Placement.id)
        )
    )


def _ended(placements: list[Placement]) -> None:
    """What follows an end, for placements this transaction has just completed: the seat goes
    back to the offering (it was held until the end of the placement), and the e-mails go."""
    for placement in placements:
        seats.give_back_seat(placement.offering_id)
        _announce_end(placement)


@atomic
def complete_placement(actor: User, placement_id: int) -> Placement:
    """The supervisor (or staff) ends an active placement early."""
    placement = get_placement(actor, placement_id)
    if not may_end(actor, placement):
        raise Forbidden(gettext("Only the placement's supervisor or staff can end it."))
    if placement.status is PlacementStatus.PAUSED:
        raise DomainError(
            gettext(
                "This placement is paused by the program staff after an incident; they "
                "resume or end it."
            )
        )
    if placement.status is not PlacementStatus.ACTIVE:
        raise AlreadyEnded()
    if placement.starts_after(local_today()):
        raise DomainError(
            gettext(
                "This placement has not started yet. To call it off, ask the program staff to "
                "cancel the application."
            )
        )
    changed = rows_affected(
        db.session.execute(
            update(Placement)
            .where(Placement.id == placement.id, Placement.status == PlacementStatus.ACTIVE)
            .values(
                status=PlacementStatus.COMPLETED,
                completed_at=utcnow(),
                completed_by_id=actor.id,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if changed != 1:
        raise AlreadyEnded()
    db.session.expire(placement, ["status", "completed_at", "completed_by_id"])
    _ended([placement])
    db.session.commit()
    return placement


@atomic
def complete_ended(today: date, now: datetime | None = None) -> int:
    """Complete every active placement whose end date is before ``today`` (the nightly job).
    One conditional UPDATE returns the rows it changed, so a second run, or a placement the
    supervisor ended meanwhile, is neither counted nor e-mailed twice."""
    done = list(
        db.session.scalars(
            update(Placement)
            .where(Placement.status == PlacementStatus.ACTIVE, Placement.end_date < today)
            .values(status=PlacementStatus.COMPLETED, completed_at=now or utcnow())
            .returning(Placement.id)
            .execution_options(synchronize_session=False)
        )
    )
    if done:
        _ended(_with_people(done))
    db.session.commit()
    return len(done)


# --- the supervisor's evaluation -------------------------------------------------------------


def active_categories() -> list[EvaluationCategory]:
    return list(
        db.session.scalars(
            select(EvaluationCategory)
            .where(EvaluationCategory.active.is_(True))
            .order_by(EvaluationCategory.position, EvaluationCategory.id)
        )
    )


def offering_outcomes(offering_id: int) -> list[PogOutcome]:
    """The PoG outcomes the offering develops (those staff have not retired), in order."""
    offering = db.session.get(Offering, offering_id)
    if offering is None:
        return []
    return sorted(
        (outcome for outcome in offering.outcomes if outcome.active),
        key=lambda outcome: (outcome.position, outcome.id),
    )


def get_evaluation(placement_id: int) -> PlacementEvaluation | None:
    return db.session.scalar(
        select(PlacementEvaluation)
        .where(PlacementEvaluation.placement_id == placement_id)
        .options(selectinload(PlacementEvaluation.evaluator))
    )


def get_reflection(placement_id: int) -> PlacementReflection | None:
    return db.session.scalar(
        select(PlacementReflection).where(PlacementReflection.placement_id == placement_id)
    )


@dataclass(frozen=True, slots=True)
class AfterPlacement:
    """What follows a completed placement, for the pages that point the student there."""

    placement: Placement
    evaluated: bool
    reflected: bool
    artifact: Artifact | None


def after_placement(placement: Placement) -> AfterPlacement:
    """Whether the supervisor's evaluation and the student's reflection are in, and the
    portfolio artifact built from them (three small queries)."""
    evaluated, reflected = queries.submitted_at([placement.id])
    return AfterPlacement(
        placement=placement,
        evaluated=placement.id in evaluated,
        reflected=placement.id in reflected,
        artifact=portfolio.placement_artifact(placement.id),
    )


@dataclass(frozen=True, slots=True)
class EvaluationAnswers:
    """What the supervisor chose: a rating (1–4, or ``None`` for N/A) by category id and by
    outcome id; an id that is missing was not answered."""

    ratings: Mapping[int, int | None]
    outcome_ratings: Mapping[int, int | None]
    comment: str = ""


def _rated(
    rows: list[EvaluationCategory] | list[PogOutcome],
    answers: Mapping[int, int | None],
    prefix: str,
) -> list[dict[str, object]]:
    snapshot: list[dict[str, object]] = []
    for row in rows:
        field = f"{prefix}_{row.id}"
        if row.id not in answers:
            raise DomainError(
                gettext("Rate “%(name)s”: 1 to 4, or N/A.", name=row.name), field=field
            )
        rating = answers[row.id]
        if rating is not None and rating not in RATINGS:
            raise DomainError(
                gettext("“%(name)s” is rated 1 to 4, or N/A.", name=row.name), field=field
            )
        entry: dict[str, object] = {"code": row.code, "name": row.name, "rating": rating}
        if isinstance(row, PogOutcome):
            entry = {"outcome_id": row.id, **entry}
        snapshot.append(entry)
    return snapshot


def _lock_completed(placement: Placement, doing: str) -> None:
    """Lock the placement's row for this transaction (so an evaluation and a reflection
    arriving at the same moment make one artifact draft, not none or two; SQLite has one
    writer at a time anyway), and check that the placement is completed."""
    db.session.execute(select(Placement.id).where(Placement.id == placement.id).with_for_update())
    db.session.refresh(placement, ["status"])
    if placement.status is PlacementStatus.ACTIVE:
        raise DomainError(
            gettext(
                "The placement is still active: %(doing)s once it has ended (on its end date, or "
                "when the supervisor ends it).",
                doing=doing,
            )
        )
    if placement.status is not PlacementStatus.COMPLETED:
        raise DomainError(
            gettext("This placement was cancelled; there is nothing to %(doing)s.", doing=doing)
        )


@atomic
def submit_evaluation(
    actor: User, placement_id: int, answers: EvaluationAnswers
) -> PlacementEvaluation:
    placement = get_placement(actor, placement_id)
    if not is_employer_of(actor, placement):
        raise Forbidden(gettext("Only the placement's supervisor evaluates the student."))
    _lock_completed(placement, gettext("evaluate it"))
    if get_evaluation(placement.id) is not None:
        raise DomainError(
            gettext("This placement has already been evaluated; nothing was changed.")
        )
    comment = (answers.comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise DomainError(
            gettext("Keep the comment under %(MAX_COMMENT)s characters.", MAX_COMMENT=MAX_COMMENT),
            field="comment",
        )
    evaluation = PlacementEvaluation(
        placement_id=placement.id,
        evaluator_id=actor.id,
        ratings=_rated(active_categories(), answers.ratings, "category"),
        outcome_ratings=_rated(
            offering_outcomes(placement.offering_id), answers.outcome_ratings, "outcome"
        ),
        comment=comment,
    )
    try:
        with db.session.begin_nested():
            db.session.add(evaluation)
    except IntegrityError:
        raise DomainError(
            gettext("This placement has already been evaluated; nothing was changed.")
        ) from None
    _draft_when_both(placement)
    db.session.commit()
    return evaluation


# --- the student's reflection ----------------------------------------------------------------


@atomic
def save_reflection(actor: User, placement_id: int, text: str) -> PlacementReflection:
    """Write or rewrite the reflection; it stays editable until the student marks the
    placement's artifact ready."""
    placement = get_placement(actor, placement_id)
    if not is_student_of(actor, placement):
        raise Forbidden(gettext("Only the student writes their reflection."))
    _lock_completed(placement, gettext("reflect on it"))
    text = (text or "").strip()
    if not text:
        raise DomainError(gettext("Write your reflection."), field="text")
    if len(text) > MAX_REFLECTION:
        raise DomainError(
            gettext(
                "Keep your reflection under %(MAX_REFLECTION)s characters.",
                MAX_REFLECTION=MAX_REFLECTION,
            ),
            field="text",
        )
    if portfolio.placement_artifact_is_ready(placement.id):
        raise DomainError(
            gettext(
                "Your portfolio artifact for this placement is marked ready, so the reflection can"
                " no longer change."
            ),
            field="text",
        )
    reflection = get_reflection(placement.id)
    if reflection is None:
        reflection = PlacementReflection(
            placement_id=placement.id, student_id=placement.student_id, text=text
        )
        try:
            with db.session.begin_nested():
                db.session.add(reflection)
        except IntegrityError:
            raise DomainError(
                gettext("Your reflection was saved from another window; reload the page.")
            ) from None
    else:
        reflection.text = text
        reflection.updated_at = utcnow()
    _draft_when_both(placement)
    db.session.commit()
    return reflection


def _draft_when_both(placement: Placement) -> None:
    """The second of the evaluation and the reflection makes the artifact draft (once: the
    portfolio service creates it only if the placement has none)."""
    db.session.flush()
    evaluation, reflection = get_evaluation(placement.id), get_reflection(placement.id)
    if evaluation is None or reflection is None:
        return
    portfolio.create_placement_draft(
        placement,
        reflection=reflection.text,
        supervisor_comment=evaluation.comment,
        supervisor_name=evaluation.evaluator.full_name,
        outcomes=offering_outcomes(placement.offering_id),
    )
