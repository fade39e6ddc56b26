"""Test data for portfolio reviews: volunteers in the pool, a student with a complete
portfolio, and helpers that move a submission along through the real services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from tests.support.builders import (
    make_class_section,
    make_employer,
    make_offering,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from tests.support.portfolio_data import complete_portfolio
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import PartnerContact
from wbl.extensions import db
from wbl.placements.models import Application, ApplicationStatus, Placement, PlacementStatus
from wbl.reference.services import active_outcomes
from wbl.reviews import assigning, scoring, submitting, volunteers
from wbl.reviews.models import PortfolioSubmission, ReviewAssignment
from wbl.schools.models import School
from wbl.students.models import StudentProfile


def volunteer(user: User) -> User:
    """Put ``user`` in the active pool (as if they signed up)."""
    with current_app.test_request_context():
        volunteers.volunteer(user)
    return user


def endorsing_employer() -> User:
    partner = make_partner()
    partner.endorses_certificate = True
    db.session.flush()
    return make_employer(partner=partner)


def supervisor_of(student: StudentProfile) -> User:
    """An endorsing partner's contact in the pool, at whose partner the student had a
    (completed) placement: a supervisor, and so a conflict."""
    employer = endorsing_employer()
    contact = db.session.scalar(select(PartnerContact).where(PartnerContact.user_id == employer.id))
    assert contact is not None
    offering = make_offering(partner=contact.partner)
    application = Application(
        student_id=student.id,
        offering_id=offering.id,
        statement="I want to learn.",
        status=ApplicationStatus.ACCEPTED,
    )
    db.session.add(application)
    db.session.flush()
    db.session.add(
        Placement(
            application_id=application.id,
            student_id=student.id,
            offering_id=offering.id,
            supervisor_id=contact.id,
            status=PlacementStatus.COMPLETED,
            start_date=offering.start_date,
            end_date=offering.end_date,
        )
    )
    db.session.flush()
    return volunteer(employer)


def reviewer_pool(count: int = 2) -> list[User]:
    """``count`` volunteers with no tie to any test student: teachers at another school."""
    school = make_school()
    return [volunteer(make_user(roles={Role.TEACHER}, school=school)) for _ in range(count)]


@dataclass
class ReviewCast:
    school: School
    teacher: User
    student: StudentProfile
    staff: User
    reviewers: list[User]


def review_cast(*, reviewers: int = 2) -> ReviewCast:
    """A student with a complete portfolio, in a class of a teacher at their school; district
    staff of the student's district; ``reviewers`` volunteers without a conflict."""
    school = make_school()
    teacher = make_user(roles={Role.TEACHER}, school=school)
    student = make_student(school=school)
    make_class_section(teacher=teacher, students=[student])
    complete_portfolio(student)
    staff = make_user(roles={Role.STAFF}, district=school.district)
    return ReviewCast(school, teacher, student, staff, reviewer_pool(reviewers))


def submit(student: StudentProfile) -> PortfolioSubmission:
    with current_app.test_request_context():
        return submitting.submit_portfolio(student.user)


def assigned(cast: ReviewCast) -> PortfolioSubmission:
    """Submitted and given to the cast's first two reviewers."""
    submission = submit(cast.student)
    with current_app.test_request_context():
        assigning.assign_reviewers(
            cast.staff, submission.id, [cast.reviewers[0].id, cast.reviewers[1].id]
        )
    return submission


def assignment_of(submission: PortfolioSubmission, reviewer: User) -> ReviewAssignment:
    db.session.expire(submission, ["assignments"])
    return next(a for a in submission.assignments if a.reviewer_id == reviewer.id)


def score(
    submission: PortfolioSubmission,
    reviewer: User,
    ranks: int | Mapping[str, int],
    comment: str = "Clear evidence.",
) -> ReviewAssignment:
    """The reviewer scores every active outcome: one rank for all, or ranks by outcome code
    (the rest at 3)."""
    outcomes = active_outcomes()
    by_code = {
        o.code: (ranks if isinstance(ranks, int) else ranks.get(o.code, 3)) for o in outcomes
    }
    with current_app.test_request_context():
        return scoring.submit_scores(
            reviewer,
            assignment_of(submission, reviewer).id,
            {o.id: scoring.Score(rank=by_code[o.code], comment=comment) for o in outcomes},
        )
