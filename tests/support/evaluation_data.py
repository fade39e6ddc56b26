"""Test data for the end of placements: an adult's placement ended early by its supervisor,
an evaluation rating everything, a reflection."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from tests.support.hour_data import place
from tests.support.placement_data import Cast
from wbl.evaluations import services
from wbl.evaluations.models import PlacementEvaluation, PlacementReflection
from wbl.extensions import db
from wbl.placements.models import Placement
from wbl.reference.models import EvaluationCategory, PogOutcome

OUTCOMES = ("curious", "communicator")
REFLECTION = "I learned how a clinic runs its day, and to ask before I guess."


def outcome(code: str) -> PogOutcome:
    found = db.session.scalar(select(PogOutcome).where(PogOutcome.code == code))
    assert found is not None, code
    return found


def category(code: str) -> EvaluationCategory:
    found = db.session.scalar(select(EvaluationCategory).where(EvaluationCategory.code == code))
    assert found is not None, code
    return found


def active_placement(cast: Cast, outcomes: tuple[str, ...] = OUTCOMES) -> Placement:
    """The cast's (adult) student placed on an offering that develops ``outcomes``."""
    cast.offering.outcomes = [outcome(code) for code in outcomes]
    db.session.flush()
    return place(cast)


def end(cast: Cast, placement: Placement) -> Placement:
    with current_app.test_request_context():
        return services.complete_placement(cast.employer, placement.id)


def ended_placement(cast: Cast, outcomes: tuple[str, ...] = OUTCOMES) -> Placement:
    return end(cast, active_placement(cast, outcomes))


def answers(
    placement: Placement, rating: int | None = 3, comment: str = ""
) -> services.EvaluationAnswers:
    """Every active category and every outcome of the offering rated ``rating``."""
    return services.EvaluationAnswers(
        ratings={c.id: rating for c in services.active_categories()},
        outcome_ratings={o.id: rating for o in services.offering_outcomes(placement.offering_id)},
        comment=comment,
    )


def evaluate(
    cast: Cast, placement: Placement, rating: int | None = 3, comment: str = "Reliable."
) -> PlacementEvaluation:
    return services.submit_evaluation(
        cast.employer, placement.id, answers(placement, rating, comment)
    )


def reflect(cast: Cast, placement: Placement, text: str = REFLECTION) -> PlacementReflection:
    return services.save_reflection(cast.student.user, placement.id, text)
