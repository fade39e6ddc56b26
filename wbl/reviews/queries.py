"""Read-side selects for portfolio reviews: the submissions staff look after."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.reviews.models import PortfolioSubmission, ReviewAssignment, SubmissionStatus
from wbl.schools.models import School
from wbl.scopes import in_staff_district
from wbl.students.models import StudentProfile

OPEN_FILTER = "open"


def submissions_for_staff(
    user: User, *, status: str = "", school_id: int | None = None
) -> Select[PortfolioSubmission]:
    """Submissions of the staff member's district's students (county staff: all), the oldest
    waiting first. ``status`` is a ``SubmissionStatus`` value or ``open`` (not decided, not
    withdrawn); ``school_id`` narrows to one school. Students, schools and reviewers load in a
    fixed number of queries."""
    query = (
        select(PortfolioSubmission)
        .join(StudentProfile, StudentProfile.id == PortfolioSubmission.student_id)
        .join(School, School.id == StudentProfile.school_id)
        .where(in_staff_district(user, School.district_id))
    )
    if school_id is not None:
        query = query.where(StudentProfile.school_id == school_id)
    if status == OPEN_FILTER:
        query = query.where(
            PortfolioSubmission.status.in_(
                (
                    SubmissionStatus.SUBMITTED,
                    SubmissionStatus.IN_REVIEW,
                    SubmissionStatus.NEEDS_DECISION,
                )
            )
        )
    elif status in {s.value for s in SubmissionStatus}:
        query = query.where(PortfolioSubmission.status == SubmissionStatus(status))
    return query.options(
        selectinload(PortfolioSubmission.student).selectinload(StudentProfile.user),
        selectinload(PortfolioSubmission.student).selectinload(StudentProfile.school),
        selectinload(PortfolioSubmission.assignments).selectinload(ReviewAssignment.reviewer),
    ).order_by(PortfolioSubmission.submitted_at, PortfolioSubmission.id)


def schools_of(user: User) -> Select[School]:
    """The schools a staff member may filter by."""
    return select(School).where(in_staff_district(user, School.district_id)).order_by(School.name)
