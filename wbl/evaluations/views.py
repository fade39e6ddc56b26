"""The end of a placement: ending it early, the supervisor's evaluation, the student's
reflection, and the list of completed placements for staff and supervisors."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wbl.access import Role, policy
from wbl.errors import DomainError, Forbidden, field_error, flash_refusal
from wbl.evaluations import queries, services
from wbl.evaluations.forms import (
    ActionForm,
    EvaluationFilterForm,
    ReflectionForm,
    evaluation_form,
)
from wbl.evaluations.models import RATINGS
from wbl.extensions import db
from wbl.pagination import page_number, paginate
from wbl.placements import policies
from wbl.placements.models import PlacementStatus
from wbl.portfolio import services as portfolio
from wbl.scopes import is_staff

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations")

PER_PAGE = 25
EXPIRED = "The form has expired. Reload the page and try again."
VIEWERS = (Role.STUDENT, Role.TEACHER, Role.EMPLOYER, Role.STAFF)


@bp.get("/")
@policy(Role.STAFF, Role.EMPLOYER)
def index() -> ResponseReturnValue:
    """Completed placements, evaluated or awaiting: staff's district (filter by school), or a
    supervisor's own partners'."""
    staff = is_staff(current_user)
    filters = EvaluationFilterForm(request.args)
    schools = list(db.session.scalars(queries.schools_of(current_user))) if staff else []
    filters.school.choices = [SelectChoice("", "All schools")] + [
        SelectChoice(str(school.id), school.name) for school in schools
    ]
    valid = filters.validate()
    state = (filters.state.data or "") if valid else ""
    school_id = filters.school_id() if valid and staff else None
    page = paginate(
        queries.completed_placements(current_user, school_id=school_id, state=state),
        page=request.args.get("page", 1, type=page_number),
        per_page=PER_PAGE,
    )
    evaluated, reflected = queries.submitted_at([p.id for p in page.items])
    return render_template(
        "evaluations/index.html",
        page=page,
        filters=filters,
        is_staff=staff,
        evaluated=evaluated,
        reflected=reflected,
        args={"school": school_id or "", "state": state},
    )


@bp.route("/placements/<int:placement_id>", methods=["GET", "POST"])
@policy(*VIEWERS)
def evaluation(placement_id: int) -> ResponseReturnValue:
    placement = services.get_placement(current_user, placement_id)
    existing = services.get_evaluation(placement.id)
    is_supervisor = policies.is_employer_of(current_user, placement)
    if request.method == "POST" and not is_supervisor:
        raise Forbidden("Only the placement's supervisor evaluates the student.")
    categories = services.active_categories()
    outcomes = services.offering_outcomes(placement.offering_id)
    completed = placement.status is PlacementStatus.COMPLETED
    form = None
    problem = None
    if is_supervisor and (request.method == "POST" or (existing is None and completed)):
        form = evaluation_form(categories, outcomes)
        if form.validate_on_submit():
            try:
                services.submit_evaluation(
                    current_user, placement.id, form.answers(categories, outcomes)
                )
            except DomainError as error:
                problem = field_error(form, error)
            else:
                flash(
                    "Thank you: your evaluation is saved, and the student can read it.", "success"
                )
                return redirect(url_for("evaluations.evaluation", placement_id=placement.id))
        elif "csrf_token" in form.errors:
            problem = EXPIRED
    failed = bool(problem or (form is not None and form.errors))
    return render_template(
        "evaluations/evaluation.html",
        placement=placement,
        evaluation=existing,
        form=form if completed and existing is None else None,
        problem=problem,
        categories=categories,
        outcomes=outcomes,
        labels=RATINGS,
        is_supervisor=is_supervisor,
        is_student=policies.is_student_of(current_user, placement),
        may_end=placement.status is PlacementStatus.ACTIVE
        and policies.may_end(current_user, placement),
        may_read_reflection=services.may_read_reflection(current_user, placement),
        artifact=portfolio.placement_artifact(placement.id),
    ), (422 if failed else 200)


@bp.route("/placements/<int:placement_id>/complete", methods=["GET", "POST"])
@policy(Role.EMPLOYER, Role.STAFF)
def complete(placement_id: int) -> ResponseReturnValue:
    """Ask before ending a placement early; the POST ends it."""
    placement = services.get_placement(current_user, placement_id)
    if not policies.may_end(current_user, placement):
        raise Forbidden("Only the placement's supervisor or staff can end it.")
    form = ActionForm()
    if form.validate_on_submit():
        with flash_refusal() as attempt:
            services.complete_placement(current_user, placement.id)
        if attempt.ok:
            flash(
                "The placement has ended. The student is asked for their reflection"
                + (
                    "; please evaluate them now."
                    if policies.is_employer_of(current_user, placement)
                    else ", the supervisor for the evaluation."
                ),
                "success",
            )
        return redirect(url_for("evaluations.evaluation", placement_id=placement.id))
    return render_template("evaluations/complete.html", placement=placement, form=form)


@bp.route("/placements/<int:placement_id>/reflection", methods=["GET", "POST"])
@policy(Role.STUDENT, Role.TEACHER, Role.STAFF)
def reflection(placement_id: int) -> ResponseReturnValue:
    placement = services.get_placement(current_user, placement_id)
    if not services.may_read_reflection(current_user, placement):
        raise Forbidden()
    is_student = policies.is_student_of(current_user, placement)
    if request.method == "POST" and not is_student:
        raise Forbidden(gettext("Only the student writes their reflection."))
    existing = services.get_reflection(placement.id)
    artifact = portfolio.placement_artifact(placement.id)
    editable = (
        is_student
        and placement.status is PlacementStatus.COMPLETED
        and not portfolio.placement_artifact_is_ready(placement.id)
    )
    form = ReflectionForm()
    problem = None
    if not form.is_submitted() and existing is not None:
        form.text.data = existing.text
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.save_reflection(current_user, placement.id, form.text.data or "")
            except DomainError as error:
                problem = field_error(form, error)
            else:
                made = portfolio.placement_artifact(placement.id)
                if made is not None and artifact is None:
                    flash(
                        gettext(
                            "Your reflection is saved, and your portfolio has a new draft built "
                            "from it and your supervisor's evaluation: finish it there."
                        ),
                        "success",
                    )
                    return redirect(url_for("portfolio.artifact", artifact_id=made.id))
                flash(gettext("Your reflection is saved."), "success")
                return redirect(url_for("evaluations.reflection", placement_id=placement.id))
        elif "csrf_token" in form.errors:
            problem = EXPIRED
    failed = bool(problem or form.errors)
    return render_template(
        "evaluations/reflection.html",
        placement=placement,
        reflection=existing,
        form=form if editable or failed else None,
        problem=problem,
        is_student=is_student,
        artifact=artifact,
        max_length=services.MAX_REFLECTION,
    ), (422 if failed else 200)
