"""The scoring guide, portfolio submissions, reviewers and their scores."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wbl.access import Role, policy
from wbl.errors import DomainError, Forbidden, NotFound, field_error, flash_refusal
from wbl.extensions import db
from wbl.pagination import page_number, paginate
from wbl.reference.services import active_outcomes
from wbl.reviews import assigning, queries, scoring, scoring_guide, submitting, volunteers
from wbl.reviews.forms import (
    STATUS_LABELS,
    ActionForm,
    AssignForm,
    PoolAddForm,
    ReplaceForm,
    ResolveForm,
    SubmissionFilterForm,
    guide_form,
    resolve_form,
    score_form,
)
from wbl.reviews.models import PortfolioSubmission, ReviewAssignment, SubmissionStatus
from wbl.students import services as students

bp = Blueprint("reviews", __name__, url_prefix="/reviews")

PER_PAGE = 25
EXPIRED = "The form has expired. Reload the page and try again."
# Who may review: educators and employers (eligibility is checked in the services).
REVIEWERS = (Role.TEACHER, Role.STAFF, Role.EMPLOYER)


def progress_url(student_id: int) -> str:
    """The portfolio's progress page (the portfolio's own page; reviewers may read it while
    their review is open)."""
    return url_for("portfolio.student_progress", student_id=student_id)


@bp.app_template_filter("submission_status")
def _status_label(status: SubmissionStatus) -> str:
    return str(STATUS_LABELS.get(status.value, status.value))


# --- the scoring guide (staff) ---------------------------------------------------------------


@bp.route("/guide", methods=["GET", "POST"])
@policy(Role.STAFF)
def guide() -> ResponseReturnValue:
    levels = scoring_guide.levels()
    outcomes = active_outcomes()
    form = guide_form(levels, outcomes, scoring_guide.descriptors(), scoring_guide.pass_rank())
    problem = None
    if form.validate_on_submit():
        try:
            scoring_guide.save_guide(current_user, form.edit(levels, outcomes))
        except DomainError as error:
            problem = field_error(form, error)
        else:
            flash("The scoring guide is saved.", "success")
            return redirect(url_for("reviews.guide"))
    elif "csrf_token" in form.errors:
        problem = EXPIRED
    return render_template(
        "reviews/guide.html", form=form, levels=levels, outcomes=outcomes, problem=problem
    ), (422 if problem or form.errors else 200)


# --- the volunteer pool --------------------------------------------------------------------------


@bp.route("/volunteer", methods=["GET", "POST"])
@policy(*REVIEWERS)
def volunteer() -> ResponseReturnValue:
    form = ActionForm()
    if form.validate_on_submit():
        with flash_refusal() as attempt:
            volunteers.volunteer(current_user)
        if attempt.ok:
            flash("Thank you: you are in the pool of portfolio reviewers.", "success")
        return redirect(url_for("reviews.volunteer"))
    row = volunteers.volunteer_of(current_user.id)
    return render_template(
        "reviews/volunteer.html",
        form=form,
        active=row is not None and row.active,
        reason=volunteers.why_not_eligible(current_user),
    )


@bp.post("/volunteer/withdraw")
@policy(*REVIEWERS)
def volunteer_withdraw() -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        volunteers.stop_volunteering(current_user)
        flash(
            "You are out of the pool. Reviews already assigned to you stay open.",
            "success",
        )
    return redirect(url_for("reviews.volunteer"))


@bp.route("/pool", methods=["GET", "POST"])
@policy(Role.STAFF)
def pool() -> ResponseReturnValue:
    form = PoolAddForm()
    if form.validate_on_submit():
        try:
            row = volunteers.add_to_pool(current_user, form.email.data or "")
        except DomainError as error:
            problem = field_error(form, error)
            if problem:
                form.email.errors = [*form.email.errors, problem]
        else:
            flash(f"{row.user.full_name} is in the pool.", "success")
            return redirect(url_for("reviews.pool"))
    return render_template(
        "reviews/pool.html", form=form, members=volunteers.pool(), action_form=ActionForm()
    ), (422 if form.errors else 200)


@bp.post("/pool/<int:user_id>/remove")
@policy(Role.STAFF)
def pool_remove(user_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        volunteers.remove_from_pool(current_user, user_id)
        flash("Removed from the pool. Reviews already assigned stay open.", "success")
    return redirect(url_for("reviews.pool"))


# --- the student's submission and feedback --------------------------------------------------------


@bp.route("/submit", methods=["GET", "POST"])
@policy(Role.STUDENT)
def submit() -> ResponseReturnValue:
    student = students.own_profile(current_user)
    form = ActionForm()
    problem = None
    if form.validate_on_submit():
        try:
            submitting.submit_portfolio(current_user)
        except DomainError as error:
            problem = error.message
        else:
            flash(
                gettext(
                    "Your portfolio is submitted. Staff will assign two reviewers; we e-mail you "
                    "when the review is done."
                ),
                "success",
            )
            return redirect(url_for("reviews.feedback"))
    elif "csrf_token" in form.errors:
        problem = EXPIRED
    missing = submitting.what_is_missing(student)
    return render_template(
        "reviews/submit.html",
        form=form,
        missing=missing,
        problem=problem,
        current=submitting.open_submission(student.id),
        passed=submitting.passed_submission(student.id),
    ), (422 if problem else 200)


@bp.post("/submissions/<int:submission_id>/withdraw")
@policy(Role.STUDENT)
def withdraw(submission_id: int) -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        with flash_refusal() as attempt:
            submitting.withdraw_submission(current_user, submission_id)
        if attempt.ok:
            flash(
                gettext("Your submission is withdrawn. Submit again when you are ready."), "success"
            )
    return redirect(url_for("reviews.feedback"))


@bp.get("/feedback")
@policy(Role.STUDENT)
def feedback() -> ResponseReturnValue:
    student = students.own_profile(current_user)
    submissions = submitting.submissions_of(student.id)
    latest = submissions[0] if submissions else None
    return render_template(
        "reviews/feedback.html",
        latest=latest,
        earlier=submissions[1:],
        results=scoring.student_view_results(latest) if latest else [],
        names=scoring_guide.level_names(),
        pass_rank=scoring_guide.pass_rank(),
        withdrawable=latest is not None
        and latest.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.IN_REVIEW)
        and not any(a.submitted_at for a in latest.assignments),
        action_form=ActionForm(),
    )


# --- staff: submissions and assignment -----------------------------------------------------------


@bp.get("/submissions")
@policy(Role.STAFF)
def submissions() -> ResponseReturnValue:
    filters = SubmissionFilterForm(request.args)
    schools = list(db.session.scalars(queries.schools_of(current_user)))
    filters.school.choices = [SelectChoice("", "All schools")] + [
        SelectChoice(str(school.id), school.name) for school in schools
    ]
    valid = filters.validate()
    status = (filters.status.data or "") if valid else ""
    school_id = filters.school_id() if valid else None
    page = paginate(
        queries.submissions_for_staff(current_user, status=status, school_id=school_id),
        page=request.args.get("page", 1, type=page_number),
        per_page=PER_PAGE,
    )
    return render_template(
        "reviews/submissions.html",
        page=page,
        filters=filters,
        args={"school": school_id or "", "status": status},
    )


def _reviewer_choices(submission: PortfolioSubmission) -> list[SelectChoice]:
    """Everyone active in the pool, the suggested (conflict-free, least loaded) first; the
    service refuses a conflict with a clear message."""
    suggested = assigning.candidates(submission)
    ids = {c.user.id for c in suggested}
    others = [m for m in volunteers.pool() if m.active and m.user.id not in ids]
    return (
        [SelectChoice("0", "Choose…")]
        + [
            SelectChoice(str(c.user.id), f"{c.user.full_name} ({c.open_reviews} open)")
            for c in suggested
        ]
        + [
            SelectChoice(str(m.user.id), f"{m.user.full_name} (conflict or not eligible)")
            for m in others
        ]
    )


def _render_submission(
    submission: PortfolioSubmission,
    *,
    assign: AssignForm | None = None,
    replace: dict[int, ReplaceForm] | None = None,
    resolve: ResolveForm | None = None,
    problem: str | None = None,
) -> ResponseReturnValue:
    choices = _reviewer_choices(submission)
    assign = assign or AssignForm(formdata=None)
    assign.first.choices = assign.second.choices = choices
    replace = replace or {}
    for a in submission.assignments:
        form = replace.setdefault(a.id, ReplaceForm(prefix=f"replace-{a.id}", formdata=None))
        form.reviewer.choices = choices
    results = scoring.outcome_results(submission)
    disputed = [r.outcome for r in results if r.needs_decision]
    if resolve is None and disputed:
        resolve = resolve_form(scoring_guide.levels(), disputed)
    failed = bool(
        problem
        or assign.errors
        or any(f.errors for f in replace.values())
        or (resolve is not None and resolve.errors)
    )
    return render_template(
        "reviews/submission.html",
        submission=submission,
        results=results,
        names=scoring_guide.level_names(),
        pass_rank=scoring_guide.pass_rank(),
        assign_form=assign,
        replace_forms=replace,
        resolve_form=resolve,
        disputed=disputed,
        problem=problem,
        action_form=ActionForm(),
        progress_url=progress_url(submission.student_id),
    ), (422 if failed else 200)


@bp.get("/submissions/<int:submission_id>")
@policy(Role.STAFF)
def submission(submission_id: int) -> ResponseReturnValue:
    return _render_submission(submitting.get_submission(current_user, submission_id))


@bp.post("/submissions/<int:submission_id>/assign")
@policy(Role.STAFF)
def assign(submission_id: int) -> ResponseReturnValue:
    current = submitting.get_submission(current_user, submission_id)
    form = AssignForm()
    form.first.choices = form.second.choices = _reviewer_choices(current)
    if not form.validate_on_submit():
        return _render_submission(current, assign=form, problem=EXPIRED)
    try:
        assigning.assign_reviewers(
            current_user, current.id, [form.first.data or 0, form.second.data or 0]
        )
    except DomainError as error:
        problem = field_error(form, error)
        return _render_submission(current, assign=form, problem=problem)
    flash("Two reviewers are assigned and e-mailed.", "success")
    return redirect(url_for("reviews.submission", submission_id=current.id))


@bp.post("/submissions/<int:submission_id>/auto-assign")
@policy(Role.STAFF)
def auto_assign(submission_id: int) -> ResponseReturnValue:
    current = submitting.get_submission(current_user, submission_id)
    if ActionForm().validate_on_submit():
        try:
            assigning.auto_assign(current_user, current.id)
        except DomainError as error:
            return _render_submission(current, problem=field_error(ActionForm(), error))
        names = " and ".join(a.reviewer.full_name for a in current.assignments)
        flash(f"Assigned {names}; they are e-mailed.", "success")
    return redirect(url_for("reviews.submission", submission_id=current.id))


@bp.post("/assignments/<int:assignment_id>/replace")
@policy(Role.STAFF)
def replace(assignment_id: int) -> ResponseReturnValue:
    form = ReplaceForm(prefix=f"replace-{assignment_id}")
    if form.validate_on_submit():
        try:
            assignment = assigning.replace_reviewer(
                current_user, assignment_id, form.reviewer.data or 0
            )
        except DomainError as error:
            if isinstance(error, NotFound | Forbidden):
                raise
            current = _submission_of_assignment(assignment_id)
            form.reviewer.errors = [*form.reviewer.errors, error.message]
            return _render_submission(current, replace={assignment_id: form})
        flash(f"{assignment.reviewer.full_name} now reviews this portfolio.", "success")
        return redirect(url_for("reviews.submission", submission_id=assignment.submission_id))
    current = _submission_of_assignment(assignment_id)
    return _render_submission(current, replace={assignment_id: form}, problem=EXPIRED)


def _submission_of_assignment(assignment_id: int) -> PortfolioSubmission:
    row = db.session.get(ReviewAssignment, assignment_id)
    if row is None:
        raise NotFound()
    return submitting.get_submission(current_user, row.submission_id)


@bp.post("/submissions/<int:submission_id>/resolve")
@policy(Role.STAFF)
def resolve(submission_id: int) -> ResponseReturnValue:
    current = submitting.get_submission(current_user, submission_id)
    disputed = [r.outcome for r in scoring.outcome_results(current) if r.needs_decision]
    form = resolve_form(scoring_guide.levels(), disputed)
    if not form.validate_on_submit():
        return _render_submission(current, resolve=form, problem=EXPIRED)
    try:
        scoring.resolve(current_user, current.id, form.ranks(disputed), form.note.data or "")
    except DomainError as error:
        return _render_submission(current, resolve=form, problem=field_error(form, error))
    flash(f"Decided: the portfolio {_status_label(current.status).lower()}.", "success")
    return redirect(url_for("reviews.submission", submission_id=current.id))


# --- the reviewer ---------------------------------------------------------------------------------


@bp.get("/assignments")
@policy(*REVIEWERS)
def assignments() -> ResponseReturnValue:
    return render_template(
        "reviews/assignments.html", assignments=scoring.assignments_of(current_user)
    )


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
@policy(*REVIEWERS)
def assignment(assignment_id: int) -> ResponseReturnValue:
    current = scoring.get_assignment(current_user, assignment_id)
    submission = current.submission
    levels = scoring_guide.levels()
    outcomes = active_outcomes()
    can_score = current.submitted_at is None and submission.status is SubmissionStatus.IN_REVIEW
    if request.method == "POST" and not can_score:
        flash("Your scores for this portfolio are already sent, or the review is closed.", "info")
        return redirect(url_for("reviews.assignment", assignment_id=current.id))
    form = score_form(levels, outcomes) if can_score else None
    problem = None
    if form is not None and form.validate_on_submit():
        try:
            scoring.submit_scores(current_user, current.id, form.scores(outcomes))
        except DomainError as error:
            problem = field_error(form, error)
        else:
            flash("Thank you: your scores are sent.", "success")
            return redirect(url_for("reviews.assignments"))
    elif form is not None and "csrf_token" in form.errors:
        problem = EXPIRED
    mine = {s.outcome_id: s for s in current.scores}
    return render_template(
        "reviews/assignment.html",
        assignment=current,
        submission=submission,
        form=form,
        problem=problem,
        levels=levels,
        outcomes=outcomes,
        texts=scoring_guide.descriptors(),
        names=scoring_guide.level_names(),
        pass_rank=scoring_guide.pass_rank(),
        mine=mine,
        progress_url=progress_url(submission.student_id),
    ), (422 if problem or (form is not None and form.errors) else 200)
