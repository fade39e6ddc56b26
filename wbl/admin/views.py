"""Staff keep the reference data: a county that renames an outcome needs no developer."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from wbl.access import Role, policy, require
from wbl.admin.forms import ReferenceRowForm, RunJobForm
from wbl.errors import DomainError, flash_refusal
from wbl.extensions import db
from wbl.reference import services
from wbl.reference.models import Pathway

bp = Blueprint("admin", __name__, url_prefix="/admin")

TITLES = {
    "sectors": "Industry sectors",
    "pathways": "Career pathways",
    "outcomes": "Portrait of a Graduate outcomes",
    "activities": "Preparatory activities",
    "experience-types": "Experience types",
    "evaluation-categories": "Evaluation categories",
}


def _model(kind: str) -> type[Any]:
    model = services.EDITABLE.get(kind)
    if model is None:
        abort(404)
    return model


@bp.get("/reference")
@policy(Role.STAFF)
def reference_index() -> ResponseReturnValue:
    return redirect(url_for("admin.reference_list", kind="outcomes"))


@bp.get("/reference/<kind>")
@policy(Role.STAFF)
def reference_list(kind: str) -> ResponseReturnValue:
    model = _model(kind)
    query: Select[Any] = select(model).order_by(model.position, model.name)
    if model is Pathway:
        query = (
            select(Pathway)
            .options(selectinload(Pathway.sector))
            .order_by(Pathway.sector_id, Pathway.position, Pathway.name)
        )
    rows = db.session.scalars(query).all()
    return render_template(
        "admin/reference_list.html",
        kind=kind,
        rows=rows,
        titles=TITLES,
        can_edit=services.keeps_reference(current_user),
    )


@bp.route("/reference/<kind>/<int:row_id>", methods=["GET", "POST"])
@policy(Role.STAFF)
def reference_edit(kind: str, row_id: int) -> ResponseReturnValue:
    require(services.keeps_reference(current_user))
    model = _model(kind)
    row = db.session.get(model, row_id)
    if row is None:
        abort(404)
    form = ReferenceRowForm(obj=row)
    if form.validate_on_submit():
        edit = services.ReferenceEdit(
            name=form.name.data or "",
            description=form.description.data or "",
            position=form.position.data or 0,
            active=bool(form.active.data),
        )
        try:
            services.update_reference_row(current_user, kind, row_id, edit)
        except DomainError as error:
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            flash(f"Saved “{edit.name.strip()}”.", "success")
            return redirect(url_for("admin.reference_list", kind=kind))
    return render_template(
        "admin/reference_edit.html", kind=kind, row=row, form=form, titles=TITLES
    )


@bp.get("/jobs")
@policy(Role.STAFF)
def jobs() -> ResponseReturnValue:
    """The scheduled jobs: what each does, when it runs next, and how its last run went."""
    from wbl.scheduler import job_statuses
    from wbl.scopes import can_run_jobs

    return render_template(
        "admin/jobs.html",
        statuses=job_statuses(),
        can_run=can_run_jobs(current_user),
    )


@bp.post("/jobs/<job_id>/run")
@policy(Role.STAFF)
def run_job(job_id: str) -> ResponseReturnValue:
    """Run now: the job runs in this request, as the scheduler would run it."""
    from wbl.jobs.services import run_job_now

    if not RunJobForm().validate_on_submit():
        abort(400)
    with flash_refusal() as attempt:
        run = run_job_now(current_user, job_id)
    if attempt.ok:
        if run.ok:
            flash(f"{job_id} ran: {run.result}", "success")
        else:
            flash(f"{job_id} failed: {run.result}", "danger")
    return redirect(url_for("admin.jobs"))
