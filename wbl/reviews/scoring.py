"""Reviewers score a portfolio, and the scores decide it (issue 7, DOMAIN.md "Work Ready
Certificate").

Each reviewer scores every outcome once, with a comment (required below the passing level).
With both in: an outcome where the two differ by more than one level goes to staff;
otherwise the outcome's level is the lower of the two (two adjacent scores: the portfolio
must convince both reviewers that it reaches a level). Every outcome at ``pass_rank`` or
above passes; otherwise the portfolio is returned for revision. The student reads the
results once the submission is decided, with the reviewers anonymous.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, move_status, rows_affected, utcnow
from wbl.notifications.services import queue_email
from wbl.reference.models import PogOutcome
from wbl.reference.services import active_outcomes
from wbl.reviews.assigning import REVIEWERS_PER_SUBMISSION
from wbl.reviews.emails import absolute_link, program_inbox
from wbl.reviews.models import (
    PortfolioSubmission,
    ReviewAssignment,
    ReviewResolution,
    ReviewScore,
    SubmissionStatus,
)
from wbl.reviews.scoring_guide import level_names, levels, pass_rank
from wbl.reviews.submitting import AlreadyChanged, get_submission
from wbl.students.models import StudentProfile

MAX_COMMENT = 2000
DECIDED = (SubmissionStatus.PASSED, SubmissionStatus.RETURNED)


def get_assignment(actor: User, assignment_id: int) -> ReviewAssignment:
    """One of the reviewer's own assignments (anyone else's: not found)."""
    assignment = db.session.scalar(
        select(ReviewAssignment)
        .where(ReviewAssignment.id == assignment_id)
        .options(
            selectinload(ReviewAssignment.submission)
            .selectinload(PortfolioSubmission.student)
            .selectinload(StudentProfile.user),
            selectinload(ReviewAssignment.scores),
        )
    )
    if assignment is None or assignment.reviewer_id != actor.id:
        raise NotFound()
    return assignment


def assignments_of(actor: User) -> list[ReviewAssignment]:
    """The reviewer's assignments: open ones first, then the latest."""
    return list(
        db.session.scalars(
            select(ReviewAssignment)
            .where(ReviewAssignment.reviewer_id == actor.id)
            .options(
                selectinload(ReviewAssignment.submission)
                .selectinload(PortfolioSubmission.student)
                .selectinload(StudentProfile.user),
                selectinload(ReviewAssignment.submission)
                .selectinload(PortfolioSubmission.student)
                .selectinload(StudentProfile.school),
            )
            .order_by(ReviewAssignment.submitted_at.is_not(None), ReviewAssignment.id.desc())
        )
    )


@dataclass(frozen=True, slots=True)
class Score:
    rank: int | None
    comment: str


@dataclass(frozen=True, slots=True)
class OutcomeResult:
    """One outcome of a submission: each reviewer's score (in assignment order: "Reviewer 1",
    "Reviewer 2"), staff's resolution if any, and the level that counts."""

    outcome: PogOutcome
    scores: list[ReviewScore | None]
    resolution: ReviewResolution | None
    level: int | None  # None: not decided yet
    needs_decision: bool


@atomic
def submit_scores(actor: User, assignment_id: int, scores: Mapping[int, Score]) -> ReviewAssignment:
    """The reviewer scores every active outcome, once (final). A comment is required for a
    level below passing (the student needs to know what to improve)."""
    assignment = get_assignment(actor, assignment_id)
    submission = assignment.submission
    # Both reviewers finishing at once: the second to take the lock sees the first's scores.
    db.session.execute(
        select(PortfolioSubmission.id)
        .where(PortfolioSubmission.id == submission.id)
        .with_for_update()
    )
    if assignment.submitted_at is not None:
        raise DomainError("You have already sent your scores for this portfolio.")
    if submission.status is not SubmissionStatus.IN_REVIEW:
        raise DomainError("This portfolio is no longer in review.")
    ranks = {level.rank for level in levels()}
    passing = pass_rank()
    names = level_names()
    outcomes = active_outcomes()
    for outcome in outcomes:
        score = scores.get(outcome.id)
        name = f"rank_{outcome.id}"
        if score is None or score.rank not in ranks:
            raise DomainError(f"Choose a level for {outcome.name}.", field=name)
        comment = score.comment.strip()
        if len(comment) > MAX_COMMENT:
            raise DomainError(
                f"Keep the comment under {MAX_COMMENT} characters.", field=f"comment_{outcome.id}"
            )
        if score.rank < passing and not comment:
            raise DomainError(
                f"Below {names[passing]}: say what the student should improve.",
                field=f"comment_{outcome.id}",
            )
    now = utcnow()
    sent = rows_affected(
        db.session.execute(
            update(ReviewAssignment)
            .where(ReviewAssignment.id == assignment.id, ReviewAssignment.submitted_at.is_(None))
            .values(submitted_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    if sent != 1:
        raise DomainError("You have already sent your scores for this portfolio.")
    for outcome in outcomes:
        score = scores[outcome.id]
        assert score.rank is not None  # noqa: S101 - checked above
        db.session.add(
            ReviewScore(
                assignment_id=assignment.id,
                outcome_id=outcome.id,
                rank=score.rank,
                comment=score.comment.strip(),
            )
        )
    db.session.flush()
    db.session.expire(assignment)
    db.session.expire(submission, ["assignments"])
    _conclude_if_complete(submission)
    db.session.commit()
    return assignment


def outcome_results(submission: PortfolioSubmission) -> list[OutcomeResult]:
    """Every outcome scored on the submission (else the active ones), with its scores."""
    assignments = sorted(submission.assignments, key=lambda a: a.id)
    scores = list(
        db.session.scalars(
            select(ReviewScore)
            .join(ReviewAssignment, ReviewAssignment.id == ReviewScore.assignment_id)
            .where(ReviewAssignment.submission_id == submission.id)
        )
    )
    by = {(s.assignment_id, s.outcome_id): s for s in scores}
    resolutions = {
        r.outcome_id: r
        for r in db.session.scalars(
            select(ReviewResolution).where(ReviewResolution.submission_id == submission.id)
        )
    }
    scored_ids = {s.outcome_id for s in scores}
    outcomes = (
        list(
            db.session.scalars(
                select(PogOutcome)
                .where(PogOutcome.id.in_(scored_ids))
                .order_by(PogOutcome.position, PogOutcome.id)
            )
        )
        if scored_ids
        else active_outcomes()
    )
    both_in = len(assignments) == REVIEWERS_PER_SUBMISSION and all(
        a.submitted_at is not None for a in assignments
    )
    results = []
    for outcome in outcomes:
        row = [by.get((a.id, outcome.id)) for a in assignments]
        ranks = [s.rank for s in row if s is not None]
        resolution = resolutions.get(outcome.id)
        disagree = both_in and len(ranks) >= 2 and max(ranks) - min(ranks) > 1
        if resolution is not None:
            level: int | None = resolution.rank
        elif both_in and ranks and not disagree:
            level = min(ranks)
        else:
            level = None
        results.append(
            OutcomeResult(
                outcome=outcome,
                scores=row,
                resolution=resolution,
                level=level,
                needs_decision=disagree and resolution is None,
            )
        )
    return results


def _decide(
    submission: PortfolioSubmission, *, from_status: SubmissionStatus, by: User | None
) -> SubmissionStatus:
    """Move the submission on from ``from_status`` by the results (conditional)."""
    results = outcome_results(submission)
    if any(r.needs_decision for r in results):
        to = SubmissionStatus.NEEDS_DECISION
    elif all(r.level is not None and r.level >= pass_rank() for r in results):
        to = SubmissionStatus.PASSED
    else:
        to = SubmissionStatus.RETURNED
    values: dict[str, object] = {"status": to}
    if to in DECIDED:
        values |= {"decided_at": utcnow(), "decided_by_id": by.id if by else None}
    if not move_status(submission, from_status, **values):
        raise AlreadyChanged()
    db.session.expire(submission)
    student = submission.student
    if to is SubmissionStatus.NEEDS_DECISION:
        if inbox := program_inbox():
            queue_email(
                kind="review_needs_decision",
                to=inbox,
                template="reviews/needs_decision",
                context={
                    "student": student,
                    "link": absolute_link("reviews.submission", submission_id=submission.id),
                },
            )
    else:
        queue_email(
            kind="review_result",
            to=student.user.email,
            template="reviews/result",
            context={
                "student": student,
                "passed": to is SubmissionStatus.PASSED,
                "link": absolute_link("reviews.feedback"),
            },
        )
    return to


def _conclude_if_complete(submission: PortfolioSubmission) -> None:
    assignments = submission.assignments
    if len(assignments) == REVIEWERS_PER_SUBMISSION and all(
        a.submitted_at is not None for a in assignments
    ):
        _decide(submission, from_status=SubmissionStatus.IN_REVIEW, by=None)


@atomic
def resolve(
    actor: User, submission_id: int, ranks: Mapping[int, int | None], note: str = ""
) -> PortfolioSubmission:
    """Staff decide each outcome the reviewers disagreed on; then the passing rule applies
    to the whole portfolio."""
    submission = get_submission(actor, submission_id)
    if submission.status is not SubmissionStatus.NEEDS_DECISION:
        raise AlreadyChanged("This portfolio does not wait for a decision.")
    allowed = {level.rank for level in levels()}
    open_ones = [r for r in outcome_results(submission) if r.needs_decision]
    for result in open_ones:
        rank = ranks.get(result.outcome.id)
        if rank not in allowed:
            raise DomainError(
                f"Choose a level for {result.outcome.name}.", field=f"rank_{result.outcome.id}"
            )
    for result in open_ones:
        rank = ranks[result.outcome.id]
        assert rank is not None  # noqa: S101 - checked above
        db.session.add(
            ReviewResolution(
                submission_id=submission.id,
                outcome_id=result.outcome.id,
                rank=rank,
                note=note.strip(),
                decided_by_id=actor.id,
            )
        )
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AlreadyChanged() from None
    if note.strip():
        submission.decision_note = note.strip()
        db.session.flush()
    _decide(submission, from_status=SubmissionStatus.NEEDS_DECISION, by=actor)
    db.session.commit()
    return submission


def student_view_results(submission: PortfolioSubmission) -> list[OutcomeResult]:
    """The results a student may read: only once decided (scores are never shown while the
    review is open), reviewers anonymous (the page says "Reviewer 1", "Reviewer 2")."""
    if submission.status not in DECIDED:
        return []
    return outcome_results(submission)
