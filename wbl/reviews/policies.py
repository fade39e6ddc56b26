"""Who may see a portfolio submission, and who reviews whose portfolio.

Staff see a submission when they see its student (``wbl.scopes.staff_sees_student``: county
staff every one, a district's staff their district's students'). An assigned reviewer reads
the student's portfolio (artifacts, documents and letters) while the review is open: the
portfolio pages ask ``is_reviewer_of``.
"""

from __future__ import annotations

from sqlalchemy import select

from wbl.auth.models import User
from wbl.extensions import db
from wbl.reviews.models import PortfolioSubmission, ReviewAssignment, SubmissionStatus
from wbl.scopes import staff_sees_student

UNDER_REVIEW = (SubmissionStatus.IN_REVIEW, SubmissionStatus.NEEDS_DECISION)


def staff_sees(user: User, submission: PortfolioSubmission) -> bool:
    """County staff see every submission; district staff their district's students'."""
    return staff_sees_student(user, submission.student)


def is_reviewer_of(user: User, student_id: int) -> bool:
    """``user`` is assigned to review an open submission of the student's portfolio."""
    return (
        db.session.scalar(
            select(ReviewAssignment.id)
            .join(PortfolioSubmission, PortfolioSubmission.id == ReviewAssignment.submission_id)
            .where(
                ReviewAssignment.reviewer_id == user.id,
                PortfolioSubmission.student_id == student_id,
                PortfolioSubmission.status.in_(UNDER_REVIEW),
            )
            .limit(1)
        )
        is not None
    )
