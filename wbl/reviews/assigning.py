"""Staff assign two reviewers to a submitted portfolio, by hand or automatically (issue 7,
DOMAIN.md "Work Ready Certificate").

Never a conflict of interest: not the student, not a teacher at the student's school (a class
teacher is one, and any teacher at the school is excluded too: they may know the student from
the hallway, and the pool is large enough without them), not a contact of a partner where the
student has or had a placement (a supervisor, or a colleague of one). The automatic choice
spreads the load: fewest open reviews first, ties by account id, so the result is
deterministic. A reviewer who has not sent their scores yet can be replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select

from wbl.access import Role
from wbl.auth.models import User, UserRole
from wbl.catalog.models import Offering, PartnerContact
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, move_status, rows_affected
from wbl.notifications.services import queue_email
from wbl.placements.models import Placement
from wbl.reviews.emails import absolute_link
from wbl.reviews.models import (
    PortfolioSubmission,
    ReviewAssignment,
    ReviewerVolunteer,
    SubmissionStatus,
)
from wbl.reviews.submitting import AlreadyChanged, get_submission
from wbl.reviews.volunteers import open_load, volunteer_of, why_not_eligible
from wbl.schools.models import ClassSection, class_section_student
from wbl.scopes import partner_ids_of
from wbl.students.models import StudentProfile

REVIEWERS_PER_SUBMISSION = 2


def conflicted_user_ids(student: StudentProfile) -> set[int]:
    """People who must not review this student: the student; every teacher at the student's
    school and every teacher of a class the student is in (wherever that class is); every
    contact of a partner where the student has or had a placement, in any status."""
    ids = {student.user_id}
    ids.update(
        db.session.scalars(
            select(ClassSection.teacher_id)
            .join(
                class_section_student, class_section_student.c.class_section_id == ClassSection.id
            )
            .where(class_section_student.c.student_id == student.id)
        )
    )
    ids.update(
        db.session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.school_id == student.school_id, UserRole.role == Role.TEACHER)
        )
    )
    ids.update(
        db.session.scalars(
            select(PartnerContact.user_id)
            .join(Offering, Offering.partner_id == PartnerContact.partner_id)
            .join(Placement, Placement.offering_id == Offering.id)
            .where(Placement.student_id == student.id)
        )
    )
    return ids


def conflict_reason(user: User, student: StudentProfile) -> str | None:
    """Why ``user`` may not review this student, in words for staff (``None``: no conflict)."""
    if user.id == student.user_id:
        return "A student cannot review their own portfolio."
    if user.id not in conflicted_user_ids(student):
        return None
    if user.has_role(Role.EMPLOYER) and db.session.scalar(
        select(Placement.id)
        .join(Offering, Offering.id == Placement.offering_id)
        .where(Offering.partner_id.in_(partner_ids_of(user)), Placement.student_id == student.id)
        .limit(1)
    ):
        return (
            f"{user.full_name} speaks for a partner where the student has a placement "
            "(a supervisor)."
        )
    return f"{user.full_name} is a teacher of the student (or at the student's school)."


@dataclass(frozen=True, slots=True)
class Candidate:
    user: User
    open_reviews: int


def candidates(submission: PortfolioSubmission) -> list[Candidate]:
    """Active volunteers who are still eligible and have no conflict with the student, the
    least loaded first (ties by account id: the same pool always gives the same choice)."""
    conflicted = conflicted_user_ids(submission.student)
    already = {a.reviewer_id for a in submission.assignments}
    users = list(
        db.session.scalars(
            select(User)
            .join(ReviewerVolunteer, ReviewerVolunteer.user_id == User.id)
            .where(ReviewerVolunteer.active.is_(True), User.active.is_(True))
            .order_by(User.id)
        )
    )
    load = open_load()
    eligible = [
        Candidate(user=u, open_reviews=load.get(u.id, 0))
        for u in users
        if u.id not in conflicted and u.id not in already and why_not_eligible(u) is None
    ]
    return sorted(eligible, key=lambda c: (c.open_reviews, c.user.id))


def _check_reviewer(submission: PortfolioSubmission, user_id: int, field: str) -> User:
    user = db.session.get(User, user_id)
    row = volunteer_of(user_id)
    if user is None or row is None or not row.active:
        raise DomainError("Choose reviewers from the active volunteer pool.", field=field)
    reason = why_not_eligible(user)
    if reason is not None:
        raise DomainError(f"{user.full_name} cannot review portfolios: {reason}", field=field)
    conflict = conflict_reason(user, submission.student)
    if conflict is not None:
        raise DomainError(f"Conflict of interest: {conflict}", field=field)
    return user


def _invite(assignment: ReviewAssignment, reviewer: User, student_name: str) -> None:
    link = absolute_link("reviews.assignment", assignment_id=assignment.id)
    queue_email(
        kind="review_assigned",
        to=reviewer.email,
        template="reviews/assigned",
        context={"reviewer": reviewer, "student_name": student_name, "link": link},
    )


def _assign(actor: User, submission: PortfolioSubmission, reviewers: Sequence[User]) -> None:
    if not move_status(submission, SubmissionStatus.SUBMITTED, status=SubmissionStatus.IN_REVIEW):
        raise AlreadyChanged("Reviewers have already been assigned to this submission.")
    for reviewer in reviewers:
        assignment = ReviewAssignment(
            submission_id=submission.id, reviewer_id=reviewer.id, assigned_by_id=actor.id
        )
        db.session.add(assignment)
        db.session.flush()
        _invite(assignment, reviewer, submission.student.user.full_name)
    db.session.expire(submission, ["assignments"])


@atomic
def assign_reviewers(
    actor: User, submission_id: int, reviewer_ids: Sequence[int]
) -> PortfolioSubmission:
    """Staff choose the two reviewers of a submitted portfolio."""
    submission = get_submission(actor, submission_id)
    ids = [i for i in reviewer_ids if i]
    if len(ids) != REVIEWERS_PER_SUBMISSION or len(set(ids)) != len(ids):
        raise DomainError("Choose two different reviewers.", field="first")
    if submission.status is not SubmissionStatus.SUBMITTED:
        raise AlreadyChanged("Reviewers have already been assigned to this submission.")
    reviewers = [
        _check_reviewer(submission, user_id, name)
        for user_id, name in zip(ids, ("first", "second"), strict=True)
    ]
    _assign(actor, submission, reviewers)
    db.session.commit()
    return submission


@atomic
def auto_assign(actor: User, submission_id: int) -> PortfolioSubmission:
    """The two least loaded volunteers without a conflict."""
    submission = get_submission(actor, submission_id)
    if submission.status is not SubmissionStatus.SUBMITTED:
        raise AlreadyChanged("Reviewers have already been assigned to this submission.")
    chosen = candidates(submission)[:REVIEWERS_PER_SUBMISSION]
    if len(chosen) < REVIEWERS_PER_SUBMISSION:
        raise DomainError(
            "There are not enough volunteers without a conflict of interest to assign two "
            "reviewers. Add people to the pool first."
        )
    _assign(actor, submission, [c.user for c in chosen])
    db.session.commit()
    return submission


@atomic
def replace_reviewer(actor: User, assignment_id: int, reviewer_id: int) -> ReviewAssignment:
    """Staff replace a reviewer who has not sent their scores yet."""
    old = db.session.get(ReviewAssignment, assignment_id)
    if old is None:
        raise NotFound()
    submission = get_submission(actor, old.submission_id)
    if submission.status is not SubmissionStatus.IN_REVIEW:
        raise DomainError("Only a portfolio in review can change reviewers.", field="reviewer")
    if reviewer_id in {a.reviewer_id for a in submission.assignments}:
        raise DomainError("That person already reviews this portfolio.", field="reviewer")
    new_reviewer = _check_reviewer(submission, reviewer_id, "reviewer")
    previous = old.reviewer
    removed = rows_affected(
        db.session.execute(
            delete(ReviewAssignment)
            .where(ReviewAssignment.id == old.id, ReviewAssignment.submitted_at.is_(None))
            .execution_options(synchronize_session=False)
        )
    )
    if removed != 1:
        raise DomainError(
            "That reviewer has already sent their scores; they cannot be replaced.",
            field="reviewer",
        )
    db.session.expunge(old)
    assignment = ReviewAssignment(
        submission_id=submission.id, reviewer_id=new_reviewer.id, assigned_by_id=actor.id
    )
    db.session.add(assignment)
    db.session.flush()
    db.session.expire(submission, ["assignments"])
    _invite(assignment, new_reviewer, submission.student.user.full_name)
    queue_email(
        kind="review_cancelled",
        to=previous.email,
        template="reviews/review_cancelled",
        context={"reviewer": previous, "why": "reassigned"},
    )
    db.session.commit()
    return assignment
