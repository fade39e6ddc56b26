"""Portfolio review rules: the scoring guide, the volunteer pool, submitting, assigning
reviewers without conflicts, scoring and the decision."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import func, select

from tests.support.builders import (
    make_class_section,
    make_employer,
    make_partner,
    make_school,
    make_user,
)
from tests.support.review_data import (
    ReviewCast,
    assigned,
    assignment_of,
    endorsing_employer,
    review_cast,
    reviewer_pool,
    score,
    submit,
    supervisor_of,
    volunteer,
)
from wbl.access import Role
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.portfolio.models import Recommendation
from wbl.reference.models import PogOutcome
from wbl.reference.services import active_outcomes
from wbl.reviews import assigning, defaults, scoring, scoring_guide, submitting, volunteers
from wbl.reviews.models import (
    PortfolioSubmission,
    ReviewerVolunteer,
    ScoringDescriptor,
    ScoringLevel,
    SubmissionStatus,
)


@pytest.fixture
def cast() -> ReviewCast:
    return review_cast(reviewers=4)


@pytest.fixture(autouse=True)
def _program_inbox(app):
    before = app.config["PROGRAM_EMAIL"]
    app.config["PROGRAM_EMAIL"] = "wbl@scoe.example.org"
    yield
    app.config["PROGRAM_EMAIL"] = before


def _mail(to: str, kind: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.to_email == to)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def _outcome(code: str) -> PogOutcome:
    row = db.session.scalar(select(PogOutcome).where(PogOutcome.code == code))
    assert row is not None
    return row


# --- the scoring guide ---------------------------------------------------------------------------


def test_the_default_guide_is_seeded() -> None:
    assert scoring_guide.level_names() == {
        1: "Emerging",
        2: "Developing",
        3: "Proficient",
        4: "Advanced",
    }
    assert scoring_guide.pass_rank() == 3
    texts = scoring_guide.descriptors()
    for outcome in active_outcomes():
        for rank in range(1, 5):
            assert texts[(rank, outcome.id)], (outcome.code, rank)
    assert set(defaults.DESCRIPTORS) == {o.code for o in active_outcomes()}


def test_seeding_again_adds_nothing_and_keeps_staff_edits() -> None:
    level = db.session.scalar(select(ScoringLevel).where(ScoringLevel.rank == 1))
    level.name = "Beginning"
    row = db.session.scalar(select(ScoringDescriptor).where(ScoringDescriptor.level_id == level.id))
    row.text = "Our own words."
    scoring_guide.guide().pass_rank = 4
    db.session.flush()
    assert defaults.seed_scoring_guide() == 0
    assert level.name == "Beginning"
    assert row.text == "Our own words."
    assert scoring_guide.pass_rank() == 4
    assert db.session.scalar(select(func.count(ScoringLevel.id))) == 4


def _edit(**names: str) -> scoring_guide.GuideEdit:
    current = scoring_guide.level_names()
    current.update({int(k[1:]): v for k, v in names.items()})
    return scoring_guide.GuideEdit(names=current, texts={}, pass_rank=3)


def test_staff_rename_levels_and_describe_them(cast) -> None:
    curious = _outcome("curious")
    edit = scoring_guide.GuideEdit(
        names={1: "Beginning", 2: "Developing", 3: "Proficient", 4: "Advanced"},
        texts={(2, curious.id): "  Asks when prompted.  "},
        pass_rank=2,
    )
    scoring_guide.save_guide(cast.staff, edit)
    assert scoring_guide.level_names()[1] == "Beginning"
    assert scoring_guide.descriptors()[(2, curious.id)] == "Asks when prompted."
    assert scoring_guide.pass_rank() == 2


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        ({"r1": "  "}, "level_1", "Give the level a name."),
        ({"r2": "emerging"}, "level_2", "Level 1 is already called “emerging”."),
        ({"r4": "x" * 61}, "level_4", "Keep a level's name under 60 characters."),
    ],
)
def test_bad_level_names_are_refused_and_nothing_changes(cast, edit, field, message) -> None:
    with pytest.raises(DomainError) as refused:
        scoring_guide.save_guide(cast.staff, _edit(**edit))
    assert (refused.value.field, refused.value.message) == (field, message)
    assert scoring_guide.level_names()[1] == "Emerging"


def test_the_passing_level_must_be_a_level(cast) -> None:
    edit = scoring_guide.GuideEdit(names=scoring_guide.level_names(), texts={}, pass_rank=7)
    with pytest.raises(DomainError, match="passing level") as refused:
        scoring_guide.save_guide(cast.staff, edit)
    assert refused.value.field == "pass_rank"


def test_only_staff_edit_the_guide(cast) -> None:
    with pytest.raises(Forbidden):
        scoring_guide.save_guide(cast.teacher, _edit())


# --- the volunteer pool --------------------------------------------------------------------------


def test_educators_and_endorsing_employers_may_volunteer() -> None:
    teacher = make_user(roles={Role.TEACHER}, school=make_school())
    staff = make_user(roles={Role.STAFF})
    employer = endorsing_employer()
    for user in (teacher, staff, employer):
        volunteers.volunteer(user)
        assert volunteers.volunteer_of(user.id).active


def test_employers_of_other_partners_and_students_are_refused() -> None:
    employer = make_employer(partner=make_partner())
    with pytest.raises(DomainError, match="does not endorse"):
        volunteers.volunteer(employer)
    student = make_user(roles={Role.STUDENT})
    with pytest.raises(DomainError, match="Only educators"):
        volunteers.volunteer(student)
    assert db.session.get(ReviewerVolunteer, employer.id) is None


def test_volunteers_withdraw_and_come_back() -> None:
    teacher = volunteer(make_user(roles={Role.TEACHER}, school=make_school()))
    volunteers.stop_volunteering(teacher)
    assert volunteers.volunteer_of(teacher.id).active is False
    volunteers.volunteer(teacher)
    assert volunteers.volunteer_of(teacher.id).active is True


def test_staff_add_and_remove_eligible_people(cast) -> None:
    employer = endorsing_employer()
    volunteers.add_to_pool(cast.staff, employer.email.upper())
    assert [m.user.id for m in volunteers.pool() if m.user.id == employer.id] == [employer.id]
    volunteers.remove_from_pool(cast.staff, employer.id)
    assert volunteers.volunteer_of(employer.id).active is False
    other = make_employer()
    with pytest.raises(DomainError, match="does not endorse"):
        volunteers.add_to_pool(cast.staff, other.email)
    with pytest.raises(DomainError, match="no account"):
        volunteers.add_to_pool(cast.staff, "nobody@example.org")
    with pytest.raises(Forbidden):
        volunteers.add_to_pool(cast.teacher, employer.email)


# --- submitting -----------------------------------------------------------------------------------


def test_an_incomplete_portfolio_is_refused_with_what_is_missing(cast) -> None:
    for letter in db.session.scalars(
        select(Recommendation).where(Recommendation.student_id == cast.student.id)
    ):
        db.session.delete(letter)
    db.session.flush()
    with pytest.raises(submitting.Incomplete) as refused:
        submit(cast.student)
    assert refused.value.missing
    assert any("letter" in item.lower() for item in refused.value.missing)
    assert submitting.submissions_of(cast.student.id) == []


def test_submitting_tells_the_program_and_one_open_at_a_time(cast) -> None:
    first = submit(cast.student)
    assert (first.attempt, first.status) == (1, SubmissionStatus.SUBMITTED)
    [mail] = _mail("wbl@scoe.example.org", "portfolio_submitted")
    assert f"/reviews/submissions/{first.id}" in mail.body_text
    with pytest.raises(DomainError, match="already submitted"):
        submit(cast.student)
    count = db.session.scalar(
        select(func.count(PortfolioSubmission.id)).where(
            PortfolioSubmission.student_id == cast.student.id
        )
    )
    assert count == 1


def test_withdraw_then_submit_again_is_the_next_attempt(cast) -> None:
    first = submit(cast.student)
    submitting.withdraw_submission(cast.student.user, first.id)
    assert first.status is SubmissionStatus.WITHDRAWN
    again = submit(cast.student)
    assert again.attempt == 2


def test_no_withdrawing_once_a_reviewer_has_scored(cast) -> None:
    submission = assigned(cast)
    score(submission, cast.reviewers[0], 3)
    with pytest.raises(DomainError, match="can no longer be withdrawn"):
        submitting.withdraw_submission(cast.student.user, submission.id)
    assert submission.status is SubmissionStatus.IN_REVIEW


def test_withdrawing_in_review_tells_the_reviewers(cast) -> None:
    submission = assigned(cast)
    submitting.withdraw_submission(cast.student.user, submission.id)
    assert _mail(cast.reviewers[0].email, "review_cancelled")


def test_another_students_submission_is_not_found(cast) -> None:
    submission = submit(cast.student)
    other = review_cast(reviewers=0)
    with pytest.raises(NotFound):
        submitting.withdraw_submission(other.student.user, submission.id)


def test_returned_portfolios_are_submitted_again_as_the_next_attempt(cast) -> None:
    submission = assigned(cast)
    score(submission, cast.reviewers[0], 2, "Needs more evidence.")
    score(submission, cast.reviewers[1], 2, "Needs more evidence.")
    assert submission.status is SubmissionStatus.RETURNED
    again = submit(cast.student)
    assert again.attempt == 2


# --- assigning ---------------------------------------------------------------------------


def test_assigning_moves_to_review_and_emails_each_reviewer(cast) -> None:
    submission = assigned(cast)
    assert submission.status is SubmissionStatus.IN_REVIEW
    for reviewer in cast.reviewers[:2]:
        [mail] = _mail(reviewer.email, "review_assigned")
        assert f"/reviews/assignments/{assignment_of(submission, reviewer).id}" in mail.body_text


def test_assigning_twice_is_refused(cast) -> None:
    submission = assigned(cast)
    with pytest.raises(DomainError, match="already been assigned"):
        assigning.assign_reviewers(
            cast.staff, submission.id, [cast.reviewers[2].id, cast.reviewers[3].id]
        )


@pytest.mark.parametrize("ids", [[1], [1, 1], [1, 2, 3]])
def test_exactly_two_different_reviewers(cast, ids) -> None:
    submission = submit(cast.student)
    chosen = [cast.reviewers[i].id for i in ids]
    with pytest.raises(DomainError, match="two different reviewers"):
        assigning.assign_reviewers(cast.staff, submission.id, chosen)


def test_manual_assignment_refuses_conflicts_with_a_clear_message(cast) -> None:
    submission = submit(cast.student)
    class_teacher = volunteer(cast.teacher)
    with pytest.raises(DomainError, match=r"Conflict of interest: .* teacher") as refused:
        assigning.assign_reviewers(
            cast.staff, submission.id, [class_teacher.id, cast.reviewers[0].id]
        )
    assert refused.value.field == "first"
    supervisor = supervisor_of(cast.student)
    with pytest.raises(DomainError, match=r"Conflict of interest: .*supervisor") as refused:
        assigning.assign_reviewers(cast.staff, submission.id, [cast.reviewers[0].id, supervisor.id])
    assert refused.value.field == "second"
    assert submission.status is SubmissionStatus.SUBMITTED


def test_teachers_of_the_students_class_elsewhere_are_conflicts_too(cast) -> None:
    elsewhere = volunteer(make_user(roles={Role.TEACHER}, school=make_school()))
    make_class_section(teacher=elsewhere, students=[cast.student])
    assert elsewhere.id in assigning.conflicted_user_ids(cast.student)


def test_a_volunteer_outside_the_active_pool_is_refused(cast) -> None:
    submission = submit(cast.student)
    volunteers.stop_volunteering(cast.reviewers[1])
    stranger = make_user(roles={Role.TEACHER}, school=make_school())
    for chosen in (cast.reviewers[1], stranger):
        with pytest.raises(DomainError, match="active volunteer pool"):
            assigning.assign_reviewers(cast.staff, submission.id, [cast.reviewers[0].id, chosen.id])


def test_auto_assign_avoids_conflicts_and_spreads_the_load() -> None:
    """Six volunteers, by id: the class teacher, a teacher at the student's school, the
    supervisor, and three free ones of whom the first already has an open review. The two
    chosen are the free ones with no open review, the lower id first."""
    cast = review_cast(reviewers=0)
    colleague = make_user(roles={Role.TEACHER}, school=cast.school)
    volunteer(cast.teacher)
    volunteer(colleague)
    supervisor = supervisor_of(cast.student)
    free = reviewer_pool(3)
    busy = review_cast(reviewers=0)
    busy_submission = submit(busy.student)
    assigning.assign_reviewers(busy.staff, busy_submission.id, [free[0].id, supervisor.id])
    submission = submit(cast.student)
    assigning.auto_assign(cast.staff, submission.id)
    chosen = [a.reviewer_id for a in submission.assignments]
    assert chosen == [free[1].id, free[2].id]
    assert not {cast.teacher.id, colleague.id, supervisor.id, cast.student.user_id} & set(chosen)


def test_auto_assign_is_deterministic_on_ties(cast) -> None:
    submission = submit(cast.student)
    assigning.auto_assign(cast.staff, submission.id)
    assert [a.reviewer_id for a in submission.assignments] == [
        cast.reviewers[0].id,
        cast.reviewers[1].id,
    ]
    other = review_cast(reviewers=0)
    second = submit(other.student)
    assigning.auto_assign(other.staff, second.id)
    # The first two now have an open review each: the next two are chosen.
    assert [a.reviewer_id for a in second.assignments] == [
        cast.reviewers[2].id,
        cast.reviewers[3].id,
    ]


def test_auto_assign_needs_two_free_volunteers() -> None:
    cast = review_cast(reviewers=1)
    volunteer(cast.teacher)
    submission = submit(cast.student)
    with pytest.raises(DomainError, match="not enough volunteers"):
        assigning.auto_assign(cast.staff, submission.id)
    assert submission.status is SubmissionStatus.SUBMITTED


def test_replacing_a_reviewer_who_has_not_scored(cast) -> None:
    submission = assigned(cast)
    old = assignment_of(submission, cast.reviewers[0])
    with current_app.test_request_context():
        new = assigning.replace_reviewer(cast.staff, old.id, cast.reviewers[2].id)
    assert sorted(a.reviewer_id for a in submission.assignments) == sorted(
        [cast.reviewers[1].id, cast.reviewers[2].id]
    )
    assert _mail(cast.reviewers[2].email, "review_assigned")
    assert _mail(cast.reviewers[0].email, "review_cancelled")
    score(submission, cast.reviewers[2], 3)
    with pytest.raises(DomainError, match="already sent their scores"):
        assigning.replace_reviewer(cast.staff, new.id, cast.reviewers[3].id)
    other = assignment_of(submission, cast.reviewers[1])
    with pytest.raises(DomainError, match="Conflict of interest"):
        assigning.replace_reviewer(cast.staff, other.id, volunteer(cast.teacher).id)


def test_district_staff_act_only_on_their_districts_students(cast) -> None:
    submission = submit(cast.student)
    elsewhere = make_user(roles={Role.STAFF}, district=make_school().district)
    with pytest.raises(NotFound):
        submitting.get_submission(elsewhere, submission.id)
    with pytest.raises(NotFound):
        assigning.auto_assign(elsewhere, submission.id)
    county = make_user(roles={Role.STAFF})
    assert submitting.get_submission(county, submission.id) is submission


# --- scoring and the decision ---------------------------------------------------------------------


def _scores(rank: int | None, comment: str = "") -> dict[int, scoring.Score]:
    return {o.id: scoring.Score(rank=rank, comment=comment) for o in active_outcomes()}


def test_every_outcome_needs_a_level(cast) -> None:
    submission = assigned(cast)
    mine = assignment_of(submission, cast.reviewers[0])
    scores = _scores(3)
    curious = _outcome("curious")
    del scores[curious.id]
    with pytest.raises(DomainError, match="Choose a level for Curious") as refused:
        scoring.submit_scores(cast.reviewers[0], mine.id, scores)
    assert refused.value.field == f"rank_{curious.id}"
    with pytest.raises(DomainError, match="Choose a level"):
        scoring.submit_scores(cast.reviewers[0], mine.id, _scores(9))
    assert mine.submitted_at is None


def test_a_comment_is_required_below_passing(cast) -> None:
    submission = assigned(cast)
    mine = assignment_of(submission, cast.reviewers[0])
    with pytest.raises(DomainError, match="Below Proficient") as refused:
        scoring.submit_scores(cast.reviewers[0], mine.id, _scores(2, "  "))
    assert refused.value.field.startswith("comment_")
    scoring.submit_scores(cast.reviewers[0], mine.id, _scores(3, ""))  # no comment needed
    assert mine.submitted_at is not None


def test_scores_are_final(cast) -> None:
    submission = assigned(cast)
    score(submission, cast.reviewers[0], 3)
    with pytest.raises(DomainError, match="already sent"):
        score(submission, cast.reviewers[0], 4)


def test_a_reviewer_scores_only_their_own_assignment(cast) -> None:
    submission = assigned(cast)
    theirs = assignment_of(submission, cast.reviewers[0])
    with pytest.raises(NotFound):
        scoring.submit_scores(cast.reviewers[2], theirs.id, _scores(3))


def test_both_at_proficient_or_above_passes_and_tells_the_student(cast) -> None:
    submission = assigned(cast)
    score(submission, cast.reviewers[0], 3)
    assert submission.status is SubmissionStatus.IN_REVIEW
    score(submission, cast.reviewers[1], {"curious": 4})
    assert submission.status is SubmissionStatus.PASSED
    assert submission.decided_at is not None
    assert submitting.passed_submission(cast.student.id) is submission
    [mail] = _mail(cast.student.user.email, "review_result")
    assert "passed" in mail.body_text
    results = {r.outcome.code: r.level for r in scoring.outcome_results(submission)}
    assert results["curious"] == 3  # adjacent scores: the lower counts


def test_one_outcome_below_passing_returns_the_portfolio(cast) -> None:
    submission = assigned(cast)
    score(submission, cast.reviewers[0], {"ethical": 2}, "Say more about fairness.")
    score(submission, cast.reviewers[1], {"ethical": 3})
    assert submission.status is SubmissionStatus.RETURNED
    assert submitting.passed_submission(cast.student.id) is None
    [mail] = _mail(cast.student.user.email, "review_result")
    assert "returned for revision" in mail.body_text


def test_more_than_one_level_apart_goes_to_staff(cast) -> None:
    submission = assigned(cast)
    score(submission, cast.reviewers[0], {"empathetic": 1}, "Nothing shows it.")
    score(submission, cast.reviewers[1], {"empathetic": 3})
    assert submission.status is SubmissionStatus.NEEDS_DECISION
    assert _mail("wbl@scoe.example.org", "review_needs_decision")
    assert _mail(cast.student.user.email, "review_result") == []
    disputed = [r.outcome.code for r in scoring.outcome_results(submission) if r.needs_decision]
    assert disputed == ["empathetic"]


def test_staff_resolve_the_disagreement_then_the_rule_applies(cast) -> None:
    submission = assigned(cast)
    score(submission, cast.reviewers[0], {"empathetic": 1, "ethical": 4}, "See comments.")
    score(submission, cast.reviewers[1], {"empathetic": 3, "ethical": 2}, "See comments.")
    empathetic, ethical = _outcome("empathetic"), _outcome("ethical")
    with pytest.raises(DomainError, match="Choose a level for Ethical"):
        scoring.resolve(cast.staff, submission.id, {empathetic.id: 3})
    scoring.resolve(
        cast.staff, submission.id, {empathetic.id: 3, ethical.id: 3}, "Read both letters."
    )
    assert submission.status is SubmissionStatus.PASSED
    assert submission.decided_by_id == cast.staff.id
    assert submission.decision_note == "Read both letters."
    with pytest.raises(DomainError, match="does not wait for a decision"):
        scoring.resolve(cast.staff, submission.id, {empathetic.id: 1, ethical.id: 1})


def test_a_resolution_below_passing_returns_the_portfolio(cast) -> None:
    submission = assigned(cast)
    score(submission, cast.reviewers[0], {"curious": 1}, "Not yet.")
    score(submission, cast.reviewers[1], {"curious": 4})
    scoring.resolve(cast.staff, submission.id, {_outcome("curious").id: 2})
    assert submission.status is SubmissionStatus.RETURNED
