"""Portfolio review pages: who reaches which, forms that explain refusals, and what each
person sees (the student never sees a reviewer's name)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.builders import make_employer, make_school, make_user
from tests.support.review_data import (
    ReviewCast,
    assigned,
    assignment_of,
    endorsing_employer,
    review_cast,
    score,
    submit,
    volunteer,
)
from wbl.access import Role
from wbl.extensions import db
from wbl.portfolio.models import Recommendation
from wbl.reference.models import PogOutcome
from wbl.reference.services import active_outcomes
from wbl.reviews import scoring_guide, submitting, volunteers
from wbl.reviews.models import PortfolioSubmission, SubmissionStatus


@pytest.fixture
def cast() -> ReviewCast:
    return review_cast(reviewers=3)


def _outcomes() -> list[PogOutcome]:
    return active_outcomes()


# --- access (the staff-only pages are in tests/wbl/test_access.py) -----------------------


@pytest.mark.parametrize(
    ("roles", "expected"),
    [({Role.STUDENT}, 403), ({Role.TEACHER}, 200), ({Role.EMPLOYER}, 200), ({Role.STAFF}, 200)],
)
def test_reviewer_pages_by_role(client, login_as, roles, expected) -> None:
    login_as(make_user(roles=roles, school=make_school() if Role.TEACHER in roles else None))
    assert client.get("/reviews/volunteer").status_code == expected
    assert client.get("/reviews/assignments").status_code == expected


def test_student_pages_are_for_students(client, login_as, cast) -> None:
    login_as(cast.teacher)
    assert client.get("/reviews/submit").status_code == 403
    assert client.get("/reviews/feedback").status_code == 403


# --- the scoring guide ---------------------------------------------------------------------------


def test_staff_edit_the_guide(client, login_as, post_form, cast) -> None:
    login_as(cast.staff)
    curious = _outcomes()[0]
    html = client.get("/reviews/guide").get_data(as_text=True)
    assert "Emerging" in html
    assert f'name="text_1_{curious.id}"' in html
    data: dict[str, object] = {
        "level_1": "Beginning",
        "level_2": "Developing",
        "level_3": "Proficient",
        "level_4": "Advanced",
        "pass_rank": "3",
        f"text_2_{curious.id}": "Asks when prompted.",
    }
    response = post_form("/reviews/guide", data, follow_redirects=True)
    assert "The scoring guide is saved." in response.get_data(as_text=True)
    assert scoring_guide.level_names()[1] == "Beginning"
    assert scoring_guide.descriptors()[(2, curious.id)] == "Asks when prompted."


def test_a_duplicate_level_name_is_explained(post_form, login_as, cast) -> None:
    login_as(cast.staff)
    data = {
        "level_1": "Emerging",
        "level_2": "Emerging",
        "level_3": "Proficient",
        "level_4": "Advanced",
        "pass_rank": "3",
    }
    response = post_form("/reviews/guide", data)
    assert response.status_code == 422
    assert "Level 1 is already called “Emerging”." in response.get_data(as_text=True)
    assert scoring_guide.level_names()[2] == "Developing"


# --- volunteering ------------------------------------------------------------------------------


def test_an_endorsing_employer_signs_up_and_withdraws(client, login_as, post_form) -> None:
    employer = login_as(endorsing_employer())
    response = post_form("/reviews/volunteer", {}, follow_redirects=True)
    assert "you are in the pool" in response.get_data(as_text=True)
    assert volunteers.volunteer_of(employer.id).active
    post_form("/reviews/volunteer/withdraw", {}, page="/reviews/volunteer")
    assert volunteers.volunteer_of(employer.id).active is False


def test_an_employer_of_a_non_endorsing_partner_is_told_why(client, login_as, post_form) -> None:
    employer = login_as(make_employer())
    html = client.get("/reviews/volunteer").get_data(as_text=True)
    assert "does not endorse it yet" in html
    assert "Sign me up" not in html
    post_form("/reviews/volunteer", {}, page="/reviews/volunteer")
    assert volunteers.volunteer_of(employer.id) is None


def test_staff_add_to_the_pool_and_refusals_show_on_the_field(login_as, post_form, cast) -> None:
    login_as(cast.staff)
    teacher = make_user(roles={Role.TEACHER}, school=make_school())
    response = post_form("/reviews/pool", {"email": teacher.email}, follow_redirects=True)
    assert f"{teacher.full_name} is in the pool." in response.get_data(as_text=True)
    response = post_form("/reviews/pool", {"email": make_employer().email})
    assert response.status_code == 422
    assert "does not endorse it yet" in response.get_data(as_text=True)
    post_form(f"/reviews/pool/{teacher.id}/remove", {}, page="/reviews/pool")
    assert volunteers.volunteer_of(teacher.id).active is False


# --- submitting ---------------------------------------------------------------------------------


def test_the_submit_page_lists_what_is_missing(client, login_as, post_form, cast) -> None:
    for letter in db.session.scalars(
        select(Recommendation).where(Recommendation.student_id == cast.student.id)
    ):
        db.session.delete(letter)
    db.session.flush()
    login_as(cast.student.user)
    html = client.get("/reviews/submit").get_data(as_text=True)
    assert 'id="missing"' in html
    assert "Submit my portfolio" not in html
    response = post_form("/reviews/submit", {})
    assert response.status_code == 422
    assert "not complete yet" in response.get_data(as_text=True)
    assert submitting.submissions_of(cast.student.id) == []


def test_a_complete_portfolio_is_submitted_once(client, login_as, post_form, cast) -> None:
    login_as(cast.student.user)
    html = client.get("/reviews/submit").get_data(as_text=True)
    assert "Submit my portfolio" in html
    response = post_form("/reviews/submit", {}, follow_redirects=True)
    assert "Your portfolio is submitted." in response.get_data(as_text=True)
    response = post_form("/reviews/submit", {}, page="/reviews/feedback")
    assert response.status_code == 422
    assert len(submitting.submissions_of(cast.student.id)) == 1


def test_the_student_withdraws(client, login_as, post_form, cast) -> None:
    submission = submit(cast.student)
    login_as(cast.student.user)
    assert "Withdraw my submission" in client.get("/reviews/feedback").get_data(as_text=True)
    post_form(f"/reviews/submissions/{submission.id}/withdraw", {}, page="/reviews/feedback")
    assert submission.status is SubmissionStatus.WITHDRAWN


def test_another_students_submission_cannot_be_withdrawn(client, login_as, post_form, cast):
    submission = submit(cast.student)
    other = review_cast(reviewers=0)
    login_as(other.student.user)
    response = post_form(
        f"/reviews/submissions/{submission.id}/withdraw", {}, page="/reviews/feedback"
    )
    assert response.status_code == 404


# --- staff: list, assign, resolve --------------------------------------------------------------


def test_staff_assign_by_hand_and_conflicts_are_explained(client, login_as, post_form, cast):
    submission = submit(cast.student)
    volunteer(cast.teacher)
    login_as(cast.staff)
    url = f"/reviews/submissions/{submission.id}"
    html = client.get(url).get_data(as_text=True)
    assert "Auto-assign" in html
    assert f"{cast.teacher.full_name} (conflict or not eligible)" in html
    response = post_form(
        f"{url}/assign", {"first": cast.teacher.id, "second": cast.reviewers[0].id}, page=url
    )
    assert response.status_code == 422
    assert "Conflict of interest" in response.get_data(as_text=True)
    assert submission.status is SubmissionStatus.SUBMITTED
    response = post_form(
        f"{url}/assign",
        {"first": cast.reviewers[0].id, "second": cast.reviewers[1].id},
        page=url,
        follow_redirects=True,
    )
    assert "Two reviewers are assigned" in response.get_data(as_text=True)
    assert submission.status is SubmissionStatus.IN_REVIEW


def test_staff_auto_assign_and_replace(client, login_as, post_form, cast) -> None:
    submission = submit(cast.student)
    login_as(cast.staff)
    url = f"/reviews/submissions/{submission.id}"
    response = post_form(f"{url}/auto-assign", {}, page=url, follow_redirects=True)
    assert "Assigned" in response.get_data(as_text=True)
    first = assignment_of(submission, cast.reviewers[0])
    html = client.get(url).get_data(as_text=True)
    assert f"Replace {cast.reviewers[0].full_name}" in html
    response = post_form(
        f"/reviews/assignments/{first.id}/replace",
        {f"replace-{first.id}-reviewer": cast.reviewers[2].id},
        page=url,
        follow_redirects=True,
    )
    assert f"{cast.reviewers[2].full_name} now reviews this portfolio." in response.get_data(
        as_text=True
    )


def test_staff_resolve_a_disagreement_on_the_page(client, login_as, post_form, cast) -> None:
    submission = assigned(cast)
    score(submission, cast.reviewers[0], {"curious": 1}, "Not shown.")
    score(submission, cast.reviewers[1], {"curious": 4})
    login_as(cast.staff)
    url = f"/reviews/submissions/{submission.id}"
    html = client.get(url).get_data(as_text=True)
    assert "Decide where the reviewers disagree" in html
    curious = next(o for o in _outcomes() if o.code == "curious")
    response = post_form(f"{url}/resolve", {"note": "Fine."}, page=url)
    assert response.status_code == 422
    assert "Choose a level for Curious" in response.get_data(as_text=True)
    post_form(f"{url}/resolve", {f"rank_{curious.id}": "3"}, page=url)
    assert submission.status is SubmissionStatus.PASSED


def test_district_staff_see_only_their_districts_submissions(client, login_as, cast) -> None:
    submission = submit(cast.student)
    other = review_cast(reviewers=0)
    theirs = submit(other.student)
    login_as(cast.staff)
    html = client.get("/reviews/submissions").get_data(as_text=True)
    assert cast.student.user.full_name in html
    assert other.student.user.full_name not in html
    assert client.get(f"/reviews/submissions/{theirs.id}").status_code == 404
    assert client.get(f"/reviews/submissions/{submission.id}").status_code == 200


def test_the_list_filters_by_status(client, login_as, cast) -> None:
    submit(cast.student)
    login_as(cast.staff)
    assert cast.student.user.full_name in client.get("/reviews/submissions?status=open").get_data(
        as_text=True
    )
    assert cast.student.user.full_name not in client.get(
        "/reviews/submissions?status=passed"
    ).get_data(as_text=True)


def test_the_staff_list_takes_a_fixed_number_of_queries(client, login_as, count_queries):
    staff = make_user(roles={Role.STAFF})
    first = review_cast(reviewers=2)
    assigned(first)
    login_as(staff)
    client.get("/reviews/submissions")
    with count_queries() as few:
        client.get("/reviews/submissions")
    for _ in range(3):
        more = review_cast(reviewers=2)
        assigned(more)
    client.get("/reviews/submissions")  # the services committed: the user is reloaded once
    with count_queries() as many:
        html = client.get("/reviews/submissions").get_data(as_text=True)
    assert html.count("In review</span>") == 4
    assert many.count == few.count


# --- the reviewer ------------------------------------------------------------------------------


def test_the_reviewer_scores_with_the_descriptors(client, login_as, post_form, cast) -> None:
    submission = assigned(cast)
    mine = assignment_of(submission, cast.reviewers[0])
    login_as(cast.reviewers[0])
    listing = client.get("/reviews/assignments").get_data(as_text=True)
    assert cast.student.user.full_name in listing
    url = f"/reviews/assignments/{mine.id}"
    html = client.get(url).get_data(as_text=True)
    assert f"/portfolio/students/{cast.student.id}/progress" in html
    assert "3 Proficient" in html
    assert "Asks good questions on their own" in html  # the descriptor
    outcomes = _outcomes()
    data = {f"rank_{o.id}": "3" for o in outcomes}
    data[f"rank_{outcomes[0].id}"] = "2"
    response = post_form(url, data)
    assert response.status_code == 422
    assert "Below Proficient: say what the student should improve." in response.get_data(
        as_text=True
    )
    data[f"comment_{outcomes[0].id}"] = "Ask more of your own questions."
    response = post_form(url, data, follow_redirects=True)
    assert "your scores are sent" in response.get_data(as_text=True)
    assert mine.submitted_at is not None
    html = client.get(url).get_data(as_text=True)
    assert "Ask more of your own questions." in html
    assert "Send my scores" not in html


def test_a_reviewer_sees_only_their_own_assignments(client, login_as, cast) -> None:
    submission = assigned(cast)
    theirs = assignment_of(submission, cast.reviewers[0])
    login_as(cast.reviewers[2])
    assert client.get(f"/reviews/assignments/{theirs.id}").status_code == 404
    login_as(cast.staff)
    assert client.get(f"/reviews/assignments/{theirs.id}").status_code == 404


# --- feedback ----------------------------------------------------------------------------------


def test_feedback_hides_the_reviewers_and_offers_revision(client, login_as, cast) -> None:
    submission = assigned(cast)
    score(submission, cast.reviewers[0], {"ethical": 2}, "Explain how you judged fairness.")
    score(submission, cast.reviewers[1], {"ethical": 2}, "More on honesty, please.")
    login_as(cast.student.user)
    html = client.get("/reviews/feedback").get_data(as_text=True)
    assert "Returned for revision" in html
    assert "Explain how you judged fairness." in html
    assert "Reviewer 1" in html
    assert "Reviewer 2" in html
    for reviewer in cast.reviewers:
        assert reviewer.full_name not in html
        assert reviewer.email not in html
    assert "Revise and resubmit" in html


def test_feedback_shows_no_scores_while_open(client, login_as, cast) -> None:
    submission = assigned(cast)
    score(submission, cast.reviewers[0], 2, "Too early to show.")
    login_as(cast.student.user)
    html = client.get("/reviews/feedback").get_data(as_text=True)
    assert "In review" in html
    assert "Too early to show." not in html


def test_only_one_submission_row_per_attempt(cast) -> None:
    submit(cast.student)
    rows = db.session.scalars(
        select(PortfolioSubmission).where(PortfolioSubmission.student_id == cast.student.id)
    ).all()
    assert [r.attempt for r in rows] == [1]


def test_the_assigned_reviewer_reads_the_portfolio_progress_page(client, login_as, cast) -> None:
    submission = assigned(cast)
    login_as(cast.reviewers[0])
    url = f"/portfolio/students/{cast.student.id}/progress"
    assert client.get(url).status_code == 200
    login_as(cast.reviewers[2])
    assert client.get(url).status_code == 404
    score(submission, cast.reviewers[0], 3)
    score(submission, cast.reviewers[1], 3)
    login_as(cast.reviewers[0])
    assert client.get(url).status_code == 404  # the review is over
