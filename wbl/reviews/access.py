"""Who reviews whose portfolio: the portfolio pages let an assigned reviewer read the
student's artifacts, documents and letters while the review is open."""

from __future__ import annotations

from sqlalchemy import select

from wbl.auth.models import User
from wbl.extensions import db
from wbl.reviews.models import PortfolioSubmission, ReviewAssignment, SubmissionStatus

OPEN = (SubmissionStatus.IN_REVIEW, SubmissionStatus.NEEDS_DECISION)


def is_reviewer_of(user: User, student_id: int) -> bool:
    """``user`` is assigned to review an open submission of the student's portfolio."""
    return (
        db.session.scalar(
            select(ReviewAssignment.id)
            .join(PortfolioSubmission, PortfolioSubmission.id == ReviewAssignment.submission_id)
            .where(
                ReviewAssignment.reviewer_id == user.id,
                PortfolioSubmission.student_id == student_id,
                PortfolioSubmission.status.in_(OPEN),
            )
            .limit(1)
        )
        is not None
    )
