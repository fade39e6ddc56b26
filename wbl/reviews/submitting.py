"""Students submit their Work Ready portfolio for review, and staff open a submission
(issue 7, DOMAIN.md "Work Ready Certificate").

A student submits a complete portfolio (``wbl.portfolio.services.what_is_missing`` is the one
rule for "complete"); one open submission at a time; a returned portfolio is revised and
submitted again as the next attempt. While no reviewer has scored it, the student may take it
back.

Every status change of a submission is a conditional UPDATE (a double click or two people
acting at once decide once; ``AlreadyChanged`` tells the second); a student's submission
takes a row lock on the student and relies on the unique ``(student_id, attempt)`` so a double
submit makes one submission.
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.errors import N_, DomainError, NotFound
from wbl.extensions import atomic, db, rows_affected, utcnow
from wbl.notifications.services import queue_email
from wbl.reviews.emails import absolute_link, program_inbox
from wbl.reviews.models import PortfolioSubmission, ReviewAssignment, SubmissionStatus
from wbl.reviews.policies import staff_sees
from wbl.students.models import StudentProfile
from wbl.students.services import own_profile

# A student has at most one of these at a time.
OPEN = (SubmissionStatus.SUBMITTED, SubmissionStatus.IN_REVIEW, SubmissionStatus.NEEDS_DECISION)


class AlreadyChanged(DomainError):
    message = N_("Someone else changed this first; reload the page to see where it stands.")


def what_is_missing(student: StudentProfile) -> list[str]:
    """The portfolio-complete rule lives with the portfolio (one rule for everyone)."""
    from wbl.portfolio import services as portfolio

    return portfolio.what_is_missing(student)


def submissions_of(student_id: int) -> list[PortfolioSubmission]:
    """A student's submissions, the latest first."""
    return list(
        db.session.scalars(
            select(PortfolioSubmission)
            .where(PortfolioSubmission.student_id == student_id)
            .order_by(PortfolioSubmission.attempt.desc())
        )
    )


def open_submission(student_id: int) -> PortfolioSubmission | None:
    return db.session.scalar(
        select(PortfolioSubmission).where(
            PortfolioSubmission.student_id == student_id, PortfolioSubmission.status.in_(OPEN)
        )
    )


def passed_submission(student_id: int) -> PortfolioSubmission | None:
    """The student's passed portfolio review (the latest, should there be more), or ``None``:
    what the work ready interview and the certificate wait for."""
    return db.session.scalar(
        select(PortfolioSubmission)
        .where(
            PortfolioSubmission.student_id == student_id,
            PortfolioSubmission.status == SubmissionStatus.PASSED,
        )
        .order_by(PortfolioSubmission.attempt.desc())
        .limit(1)
    )


class Incomplete(DomainError):
    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__("Your portfolio is not complete yet: " + "; ".join(missing) + ".")


@atomic
def submit_portfolio(actor: User) -> PortfolioSubmission:
    """The student submits a complete portfolio for review: refused with what is missing,
    while another submission is open, or once one has passed. The student's row is locked
    (PostgreSQL) and ``(student_id, attempt)`` is unique, so a double submit makes one."""
    student = own_profile(actor)
    db.session.execute(
        select(StudentProfile.id).where(StudentProfile.id == student.id).with_for_update()
    )
    missing = what_is_missing(student)
    if missing:
        raise Incomplete(missing)
    if open_submission(student.id) is not None:
        raise DomainError(
            gettext("Your portfolio is already submitted and waiting for its review.")
        )
    if passed_submission(student.id) is not None:
        raise DomainError(gettext("Your portfolio has already passed its review."))
    attempt = (
        db.session.scalar(
            select(func.coalesce(func.max(PortfolioSubmission.attempt), 0)).where(
                PortfolioSubmission.student_id == student.id
            )
        )
        or 0
    ) + 1
    submission = PortfolioSubmission(
        student_id=student.id, attempt=attempt, status=SubmissionStatus.SUBMITTED
    )
    try:
        with db.session.begin_nested():
            db.session.add(submission)
            db.session.flush()
    except IntegrityError:
        raise DomainError(
            gettext("Your portfolio is already submitted and waiting for its review.")
        ) from None
    if to := program_inbox():
        queue_email(
            kind="portfolio_submitted",
            to=to,
            template="reviews/portfolio_submitted",
            context={
                "actor": actor,
                "student": student,
                "attempt": attempt,
                "link": absolute_link("reviews.submission", submission_id=submission.id),
            },
        )
    db.session.commit()
    return submission


@atomic
def withdraw_submission(actor: User, submission_id: int) -> PortfolioSubmission:
    """The student takes back an open submission no reviewer has scored yet."""
    student = own_profile(actor)
    submission = db.session.get(PortfolioSubmission, submission_id)
    if submission is None or submission.student_id != student.id:
        raise NotFound()
    scored = select(ReviewAssignment.id).where(
        ReviewAssignment.submission_id == submission.id,
        ReviewAssignment.submitted_at.is_not(None),
    )
    changed = rows_affected(
        db.session.execute(
            update(PortfolioSubmission)
            .where(
                PortfolioSubmission.id == submission.id,
                PortfolioSubmission.status.in_(
                    (SubmissionStatus.SUBMITTED, SubmissionStatus.IN_REVIEW)
                ),
                ~scored.exists(),
            )
            .values(status=SubmissionStatus.WITHDRAWN, decided_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    if changed != 1:
        raise DomainError(
            gettext(
                "This submission can no longer be withdrawn: a reviewer has already scored it, or "
                "it has been decided."
            )
        )
    db.session.expire(submission)
    for assignment in submission.assignments:
        queue_email(
            kind="review_cancelled",
            to=assignment.reviewer.email,
            template="reviews/review_cancelled",
            context={"reviewer": assignment.reviewer, "why": "withdrawn"},
        )
    db.session.commit()
    return submission


def get_submission(actor: User, submission_id: int) -> PortfolioSubmission:
    """A submission for staff who may see it (anyone else: not found)."""
    submission = db.session.scalar(
        select(PortfolioSubmission)
        .where(PortfolioSubmission.id == submission_id)
        .options(
            selectinload(PortfolioSubmission.student).selectinload(StudentProfile.user),
            selectinload(PortfolioSubmission.student).selectinload(StudentProfile.school),
            selectinload(PortfolioSubmission.assignments).selectinload(ReviewAssignment.reviewer),
        )
    )
    if submission is None or not staff_sees(actor, submission):
        raise NotFound()
    return submission
