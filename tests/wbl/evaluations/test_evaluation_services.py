"""The end of a placement: ending it early, the evaluation, the reflection, the draft."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.support.builders import (
    make_district,
    make_employer,
    make_school,
    make_student,
    make_user,
)
from tests.support.evaluation_data import (
    REFLECTION,
    active_placement,
    answers,
    category,
    end,
    ended_placement,
    evaluate,
    outcome,
    reflect,
)
from tests.support.hour_data import ADULT
from tests.support.placement_data import Cast, make_cast
from wbl.access import Role
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.evaluations import services
from wbl.extensions import db
from wbl.hours import services as hours
from wbl.notifications.models import OutboxMessage
from wbl.placements.models import Placement, PlacementStatus
from wbl.portfolio import services as portfolio
from wbl.portfolio.models import Artifact, ArtifactSource, ArtifactStatus
from wbl.reference.services import ReferenceEdit, update_reference_row


@pytest.fixture
def cast() -> Cast:
    return make_cast(born=ADULT)


def refused(call, message: str, field: str | None = None) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert message in caught.value.message
    if field:
        assert caught.value.field == field
    return caught.value


def mails(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def artifacts_of(placement: Placement) -> list[Artifact]:
    return list(db.session.scalars(select(Artifact).where(Artifact.placement_id == placement.id)))


# --- ending a placement early -----------------------------------------------------------------


def test_the_supervisor_ends_a_placement_early(app, cast):
    placement = active_placement(cast)
    assert cast.offering.seats_taken == 1
    end(cast, placement)
    db.session.refresh(placement)
    db.session.refresh(cast.offering)
    assert placement.status is PlacementStatus.COMPLETED
    assert placement.completed_at is not None
    assert placement.completed_by_id == cast.employer.id
    assert cast.offering.seats_taken == 0  # the seat goes back
    [to_supervisor] = mails("evaluation_requested")
    assert to_supervisor.to_email == cast.employer.email
    assert f"/evaluations/placements/{placement.id}" in to_supervisor.body_text
    [to_student] = mails("reflection_requested")
    assert to_student.to_email == cast.student.user.email
    assert f"/evaluations/placements/{placement.id}/reflection" in to_student.body_text


def test_ending_twice_says_so_and_changes_nothing(app, cast):
    placement = ended_placement(cast)
    refused(lambda: end(cast, placement), "already ended")
    db.session.refresh(cast.offering)
    assert cast.offering.seats_taken == 0
    assert len(mails("evaluation_requested")) == 1


def test_ending_is_a_conditional_update(app, cast):
    """Someone else (the nightly job) ended it after this session read it as active."""
    placement = active_placement(cast)
    db.session.execute(
        update(Placement)
        .where(Placement.id == placement.id)
        .values(status=PlacementStatus.COMPLETED)
        .execution_options(synchronize_session=False)
    )
    assert placement.status is PlacementStatus.ACTIVE  # the stale copy
    refused(lambda: end(cast, placement), "already ended")
    db.session.refresh(cast.offering)
    assert cast.offering.seats_taken == 1  # not given back by the refused attempt
    assert mails("evaluation_requested") == []


def test_a_placement_that_has_not_started_is_not_ended(app, cast):
    placement = active_placement(cast)
    placement.start_date = local_today() + timedelta(days=3)
    db.session.flush()
    refused(lambda: end(cast, placement), "has not started yet")


def test_staff_in_scope_may_end_it(app, cast):
    placement = active_placement(cast)
    services.complete_placement(cast.staff, placement.id)
    assert placement.status is PlacementStatus.COMPLETED
    assert placement.completed_by_id == cast.staff.id


def test_who_may_not_end_a_placement(app, cast):
    placement = active_placement(cast)
    with pytest.raises(Forbidden):
        services.complete_placement(cast.student.user, placement.id)
    with pytest.raises(Forbidden):
        services.complete_placement(cast.teacher, placement.id)
    with pytest.raises(NotFound):
        services.complete_placement(make_employer(), placement.id)
    elsewhere = make_user(roles={Role.STAFF}, district=make_district())
    with pytest.raises(NotFound):
        services.complete_placement(elsewhere, placement.id)
    assert placement.status is PlacementStatus.ACTIVE


# --- the evaluation --------------------------------------------------------------------------


def test_the_supervisor_evaluates_with_names_kept(app, cast):
    placement = ended_placement(cast)
    evaluation = evaluate(cast, placement, rating=4, comment="  Always on time.  ")
    assert evaluation.evaluator_id == cast.employer.id
    assert evaluation.comment == "Always on time."
    assert [r["name"] for r in evaluation.ratings] == [
        "Foundational Skills",
        "Applied Workplace Skills",
        "Self-Management and Personal Responsibility",
    ]
    assert {r["rating"] for r in evaluation.ratings} == {4}
    curious, communicator = outcome("curious"), outcome("communicator")
    assert [(r["outcome_id"], r["code"], r["name"]) for r in evaluation.outcome_ratings] == [
        (curious.id, "curious", "Curious"),
        (communicator.id, "communicator", "Communicator"),
    ]


def test_not_applicable_is_a_rating(app, cast):
    placement = ended_placement(cast)
    evaluation = evaluate(cast, placement, rating=None)
    assert {r["rating"] for r in evaluation.ratings + evaluation.outcome_ratings} == {None}


def test_a_missing_rating_is_named(app, cast):
    placement = ended_placement(cast)
    given = answers(placement)
    applied = category("applied")
    ratings = {k: v for k, v in given.ratings.items() if k != applied.id}
    refused(
        lambda: services.submit_evaluation(
            cast.employer,
            placement.id,
            services.EvaluationAnswers(ratings, given.outcome_ratings),
        ),
        "Rate “Applied Workplace Skills”",
        f"category_{applied.id}",
    )
    curious = outcome("curious")
    outcomes = {k: v for k, v in given.outcome_ratings.items() if k != curious.id}
    refused(
        lambda: services.submit_evaluation(
            cast.employer, placement.id, services.EvaluationAnswers(given.ratings, outcomes)
        ),
        "Rate “Curious”",
        f"outcome_{curious.id}",
    )
    assert services.get_evaluation(placement.id) is None


@pytest.mark.parametrize("rating", [0, 5, -1, 44])
def test_ratings_are_one_to_four(app, cast, rating):
    placement = ended_placement(cast)
    refused(lambda: evaluate(cast, placement, rating=rating), "rated 1 to 4, or N/A")
    assert services.get_evaluation(placement.id) is None


def test_a_long_comment_is_refused(app, cast):
    placement = ended_placement(cast)
    refused(
        lambda: evaluate(cast, placement, comment="x" * (services.MAX_COMMENT + 1)),
        "Keep the comment under",
        "comment",
    )


def test_an_active_placement_is_not_evaluated(app, cast):
    placement = active_placement(cast)
    refused(lambda: evaluate(cast, placement), "still active")


def test_a_cancelled_placement_is_not_evaluated(app, cast):
    placement = active_placement(cast)
    placement.status = PlacementStatus.CANCELLED
    db.session.flush()
    refused(lambda: evaluate(cast, placement), "cancelled")


def test_one_evaluation_per_placement(app, cast):
    placement = ended_placement(cast)
    evaluate(cast, placement)
    refused(lambda: evaluate(cast, placement, rating=1), "already been evaluated")
    assert {r["rating"] for r in services.get_evaluation(placement.id).ratings} == {3}


def test_only_the_supervisor_evaluates(app, cast):
    placement = ended_placement(cast)
    for who in (cast.student.user, cast.teacher, cast.staff):
        with pytest.raises(Forbidden):
            services.submit_evaluation(who, placement.id, answers(placement))
    with pytest.raises(NotFound):
        services.submit_evaluation(make_employer(), placement.id, answers(placement))
    # Another contact of the same partner is a supervisor too.
    colleague = make_employer(partner=cast.partner)
    services.submit_evaluation(colleague, placement.id, answers(placement))


def test_retired_categories_are_not_asked_and_renamed_ones_keep_old_names(app, cast):
    placement = ended_placement(cast)
    retired = category("self_management")
    update_reference_row(
        cast.staff,
        "evaluation-categories",
        retired.id,
        ReferenceEdit(retired.name, retired.description, retired.position, active=False),
    )
    assert retired not in services.active_categories()
    evaluation = evaluate(cast, placement)
    assert retired.name not in [r["name"] for r in evaluation.ratings]
    assert len(evaluation.ratings) == 2
    renamed = category("foundational")
    update_reference_row(
        cast.staff,
        "evaluation-categories",
        renamed.id,
        ReferenceEdit("Basic skills", renamed.description, renamed.position, active=True),
    )
    db.session.expire_all()
    evaluation = services.get_evaluation(placement.id)
    assert evaluation.ratings[0]["name"] == "Foundational Skills"


def test_retired_outcomes_are_not_rated(app, cast):
    placement = ended_placement(cast)
    outcome("communicator").active = False
    db.session.flush()
    evaluation = evaluate(cast, placement)
    assert [r["code"] for r in evaluation.outcome_ratings] == ["curious"]


# --- the reflection --------------------------------------------------------------------------


def test_the_student_reflects_and_may_rewrite(app, cast):
    placement = ended_placement(cast)
    first = reflect(cast, placement, "  First thoughts.  ")
    assert first.text == "First thoughts."
    again = reflect(cast, placement, "Second thoughts.")
    assert again.id == first.id
    assert services.get_reflection(placement.id).text == "Second thoughts."


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "Write your reflection."), ("x" * 5001, "under 5000 characters")],
)
def test_reflection_rules(app, cast, text, message):
    placement = ended_placement(cast)
    refused(lambda: reflect(cast, placement, text), message, "text")
    assert services.get_reflection(placement.id) is None


def test_an_active_placement_has_no_reflection_yet(app, cast):
    placement = active_placement(cast)
    refused(lambda: reflect(cast, placement), "still active")


def test_only_the_student_reflects(app, cast):
    placement = ended_placement(cast)
    for who in (cast.teacher, cast.employer, cast.staff):
        with pytest.raises(Forbidden):
            services.save_reflection(who, placement.id, REFLECTION)
    classmate = make_student(school=cast.school)
    with pytest.raises(NotFound):
        services.save_reflection(classmate.user, placement.id, REFLECTION)


def test_the_reflection_is_frozen_once_the_artifact_is_ready(app, cast):
    placement = ended_placement(cast)
    evaluate(cast, placement)
    reflect(cast, placement)
    [artifact] = artifacts_of(placement)
    portfolio.mark_ready(
        cast.student.user,
        artifact.id,
        portfolio.ArtifactEdit(
            artifact.title, artifact.body, {link.outcome_id: "Shown." for link in artifact.outcomes}
        ),
    )
    refused(lambda: reflect(cast, placement, "Changed my mind."), "marked ready", "text")
    assert services.get_reflection(placement.id).text == REFLECTION


# --- the portfolio draft ---------------------------------------------------------------------


def test_evaluation_then_reflection_makes_one_draft(app, cast):
    placement = active_placement(cast)
    entry = hours.log_hours(
        cast.student.user, placement.id, local_today() - timedelta(days=2), 150, "Fed the cats"
    )
    hours.log_hours(cast.student.user, placement.id, local_today() - timedelta(days=1), 60, "More")
    hours.confirm(cast.employer, [entry.id])  # the other one stays pending: not counted
    end(cast, placement)
    evaluate(cast, placement, comment="A great help.")
    assert artifacts_of(placement) == []
    reflect(cast, placement)
    [artifact] = artifacts_of(placement)
    assert artifact.student_id == cast.student.id
    assert artifact.source is ArtifactSource.PLACEMENT
    assert artifact.status is ArtifactStatus.DRAFT
    assert artifact.title == f"{cast.offering.title} at {cast.partner.name}"
    assert REFLECTION in artifact.body
    assert "Confirmed hours: 2.5 hours." in artifact.body
    assert "A great help." in artifact.body
    assert cast.employer.full_name in artifact.body
    assert sorted(link.outcome_id for link in artifact.outcomes) == sorted(
        [outcome("curious").id, outcome("communicator").id]
    )
    assert {link.commentary for link in artifact.outcomes} == {""}
    reflect(cast, placement, "Rewritten.")  # the draft is not made again
    assert len(artifacts_of(placement)) == 1


def test_reflection_then_evaluation_makes_the_draft_too(app, cast):
    placement = ended_placement(cast)
    reflect(cast, placement)
    assert artifacts_of(placement) == []
    evaluate(cast, placement, comment="")
    [artifact] = artifacts_of(placement)
    assert "supervisor's comment" not in artifact.body
    assert "Confirmed hours: 0 hours." in artifact.body


def test_an_offering_without_outcomes_makes_a_draft_without_outcomes(app, cast):
    placement = ended_placement(cast, outcomes=())
    evaluate(cast, placement)
    reflect(cast, placement)
    [artifact] = artifacts_of(placement)
    assert artifact.outcomes == []


def test_a_teacher_of_another_school_is_told_the_placement_does_not_exist(app, cast):
    placement = ended_placement(cast)
    other_teacher = make_user(roles={Role.TEACHER}, school=make_school())
    with pytest.raises(NotFound):
        services.get_placement(other_teacher, placement.id)
