"""The student's portfolio pages (drafts from completed placements); teachers of the
student's school and staff read them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wbl.access import Role, policy
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.portfolio import queries, services
from wbl.portfolio.forms import ActionForm, ArtifactForm, artifact_form, commentary_field_name
from wbl.portfolio.models import Artifact, ArtifactStatus
from wbl.students import services as students

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")


@bp.get("/")
@policy(Role.STUDENT)
def index() -> ResponseReturnValue:
    student = students.own_profile(current_user)
    artifacts = list(db.session.scalars(queries.artifacts_of(student.id)))
    return render_template(
        "portfolio/index.html", student=student, artifacts=artifacts, is_owner=True
    )


@bp.get("/students/<int:student_id>")
@policy(Role.TEACHER, Role.STAFF)
def student(student_id: int) -> ResponseReturnValue:
    profile = students.get_student(current_user, student_id)
    artifacts = list(db.session.scalars(queries.artifacts_of(profile.id)))
    return render_template(
        "portfolio/index.html", student=profile, artifacts=artifacts, is_owner=False
    )


def _prefilled(artifact: Artifact) -> ArtifactForm:
    links = services.ordered_outcomes(artifact)
    form = artifact_form(links)
    if not form.is_submitted():
        form.title.data, form.body.data = artifact.title, artifact.body
        for link in links:
            form[commentary_field_name(link.outcome_id)].data = link.commentary
    return form


@bp.route("/artifacts/<int:artifact_id>", methods=["GET", "POST"])
@policy(Role.STUDENT, Role.TEACHER, Role.STAFF)
def artifact(artifact_id: int) -> ResponseReturnValue:
    current = services.get_artifact(current_user, artifact_id)
    is_owner = services.is_owner(current_user, current.student)
    if request.method == "POST" and not is_owner:
        raise Forbidden("Only the student changes their portfolio.")
    links = services.ordered_outcomes(current)
    editing = is_owner and current.status is ArtifactStatus.DRAFT
    form = _prefilled(current) if editing or request.method == "POST" else None
    problem = None
    if form is not None and form.validate_on_submit():
        edit = form.edit(links)
        marking = bool(form.ready.data)
        try:
            if marking:
                services.mark_ready(current_user, current.id, edit)
            else:
                services.update_artifact(current_user, current.id, edit)
        except DomainError as error:
            if isinstance(error, NotFound | Forbidden):
                raise
            field = form._fields.get(error.field or "")
            if field is None:
                problem = error.message
            else:
                field.errors = [*field.errors, error.message]
        else:
            flash(
                "The artifact is marked ready." if marking else "Your draft is saved.",
                "success",
            )
            return redirect(url_for("portfolio.artifact", artifact_id=current.id))
    elif form is not None and form.csrf_token.errors:
        problem = "The form has expired. Reload the page and try again."
    failed = bool(problem or (form is not None and form.errors))
    return render_template(
        "portfolio/artifact.html",
        artifact=current,
        links=links,
        form=form if editing else None,
        problem=problem,
        is_owner=is_owner,
        action_form=ActionForm(),
    ), (422 if failed else 200)


@bp.post("/artifacts/<int:artifact_id>/reopen")
@policy(Role.STUDENT)
def reopen(artifact_id: int) -> ResponseReturnValue:
    current = services.get_artifact(current_user, artifact_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.reopen(current_user, current.id)
        except DomainError as error:
            if isinstance(error, NotFound | Forbidden):
                raise
            flash(error.message, "info")
        else:
            flash("The artifact is a draft again: change it, then mark it ready.", "success")
    return redirect(url_for("portfolio.artifact", artifact_id=current.id))
