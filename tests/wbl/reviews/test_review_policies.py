"""Who sees a portfolio submission and who reviews whose portfolio, per role
(``wbl.reviews.policies``)."""

from __future__ import annotations

import pytest

from tests.support.builders import make_employer, make_school, make_student, make_user
from tests.support.review_data import ReviewCast, assigned, review_cast, score, submit
from wbl.access import Role
from wbl.auth.models import User
from wbl.reviews.assigning import assign_reviewers
from wbl.reviews.models import SubmissionStatus
from wbl.reviews.policies import is_reviewer_of, staff_sees


@pytest.fixture
def cast() -> ReviewCast:
    return review_cast(reviewers=3)


def _user(role: str, cast: ReviewCast) -> User:
    if role == "admin":
        return make_user(roles={Role.ADMIN})
    if role == "county_staff":
        return make_user(roles={Role.STAFF})
    if role == "district_staff":
        return cast.staff
    if role == "other_district_staff":
        return make_user(roles={Role.STAFF}, district=make_school().district)
    if role == "teacher":
        return cast.teacher
    if role == "student":
        return cast.student.user
    if role == "employer":
        return make_employer()
    return cast.reviewers[0]  # "reviewer": a teacher at another school, assigned below


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("admin", True),
        ("county_staff", True),
        ("district_staff", True),
        ("other_district_staff", False),
        ("teacher", False),
        ("student", False),
        ("employer", False),
        ("reviewer", False),
    ],
)
def test_staff_see_the_submissions_of_the_students_they_see(
    cast: ReviewCast, role: str, sees: bool
) -> None:
    submission = assigned(cast)
    assert staff_sees(_user(role, cast), submission) is sees


@pytest.mark.parametrize(
    "role",
    ["admin", "county_staff", "district_staff", "teacher", "student", "employer"],
)
def test_nobody_else_is_a_reviewer_of_the_student(cast: ReviewCast, role: str) -> None:
    assigned(cast)
    assert is_reviewer_of(_user(role, cast), cast.student.id) is False


def test_a_reviewer_reads_the_portfolio_only_while_the_review_is_open(cast: ReviewCast) -> None:
    first, second, unassigned = cast.reviewers
    submission = submit(cast.student)
    assert is_reviewer_of(first, cast.student.id) is False  # not assigned yet

    assign_reviewers(cast.staff, submission.id, [first.id, second.id])
    assert is_reviewer_of(first, cast.student.id) is True
    assert is_reviewer_of(second, cast.student.id) is True
    assert is_reviewer_of(unassigned, cast.student.id) is False
    assert is_reviewer_of(first, make_student(school=cast.school).id) is False

    score(submission, first, 3)
    score(submission, second, 3)
    assert submission.status is SubmissionStatus.PASSED
    assert is_reviewer_of(first, cast.student.id) is False  # decided: closed
