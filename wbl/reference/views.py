"""Administration ▸ Reference data: staff keep the lists every feature offers (sectors,
pathways, outcomes, activities, experience types, evaluation categories), so a county that
renames an outcome needs no developer. County staff and administrators edit them; a
district's staff read them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from wbl.access import Role, policy, require
from wbl.errors import DomainError
from wbl.extensions import db
from wbl.reference import services
from wbl.reference.forms import ReferenceRowForm
from wbl.reference.models import Pathway

bp = Blueprint("reference", __name__, url_prefix="/admin")

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
def index() -> ResponseReturnValue:
    return redirect(url_for("reference.list_rows", kind="outcomes"))


@bp.get("/reference/<kind>")
@policy(Role.STAFF)
def list_rows(kind: str) -> ResponseReturnValue:
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
        "reference/list.html",
        kind=kind,
        rows=rows,
        titles=TITLES,
        can_edit=services.keeps_reference(current_user),
    )


@bp.route("/reference/<kind>/<int:row_id>", methods=["GET", "POST"])
@policy(Role.STAFF)
def edit_row(kind: str, row_id: int) -> ResponseReturnValue:
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
            return redirect(url_for("reference.list_rows", kind=kind))
    return render_template("reference/edit.html", kind=kind, row=row, form=form, titles=TITLES)
