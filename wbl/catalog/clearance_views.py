"""Supervisor clearance pages: staff record a contact's clearances from the partner's page
and keep each district's rules; an employer reads the status of their own. The services
check scope and rules (``wbl.catalog.clearances``); these views parse and render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from wbl.access import Role, policy
from wbl.catalog import clearance_rules as rules
from wbl.catalog import clearances
from wbl.catalog.clearance_forms import (
    KIND_LABELS,
    ClearanceForm,
    ConfirmForm,
    DistrictPickForm,
    rule_name,
    rules_form,
)
from wbl.catalog.clearance_models import ClearanceType
from wbl.catalog.models import PartnerContact
from wbl.clock import local_today
from wbl.downloads import attachment
from wbl.errors import DomainError, field_error
from wbl.extensions import db
from wbl.http import db_int
from wbl.reference.models import ExperienceKind
from wbl.schools.models import District

bp = Blueprint("clearances", __name__, url_prefix="/catalog")

STAFF = (Role.STAFF,)  # administrators pass every staff policy


def _data(form: ClearanceForm) -> clearances.ClearanceData:
    return clearances.ClearanceData(
        kind=form.kind.data or "",
        completed_on=form.completed_on.data,
        expires_on=form.expires_on.data,
        document=form.upload(),
    )


def _contact_page(
    contact: PartnerContact, form: ClearanceForm, status: int = 200
) -> ResponseReturnValue:
    today = local_today()
    rows = clearances.clearances_of([contact.id]).get(contact.id, [])
    return render_template(
        "clearances/contact.html",
        contact=contact,
        partner=contact.partner,
        rows=rows,
        status_of=lambda r: rules.status(rules.Held(r.kind, r.completed_on, r.expires_on), today),
        form=form,
        confirm=ConfirmForm(),
        days=rules.EXPIRY_WARNING_DAYS,
    ), status


@bp.route(
    "/partners/<int:partner_id>/contacts/<int:contact_id>/clearances", methods=["GET", "POST"]
)
@policy(*STAFF)
def contact(partner_id: int, contact_id: int) -> ResponseReturnValue:
    found = clearances.contact_to_manage(current_user, partner_id, contact_id)
    form = ClearanceForm()
    if form.validate_on_submit():
        try:
            row = clearances.record_clearance(current_user, partner_id, contact_id, _data(form))
        except DomainError as error:
            problem = field_error(form, error)
            if problem:
                flash(problem, "danger")
        else:
            flash(
                gettext(
                    "%(clearance)s is recorded for %(name)s.",
                    clearance=row.kind.label,
                    name=found.user.full_name,
                ),
                "success",
            )
            return redirect(url_for(".contact", partner_id=partner_id, contact_id=contact_id))
    return _contact_page(found, form, 422 if form.is_submitted() else 200)


@bp.route(
    "/partners/<int:partner_id>/contacts/<int:contact_id>/clearances/<int:clearance_id>/edit",
    methods=["GET", "POST"],
)
@policy(*STAFF)
def edit(partner_id: int, contact_id: int, clearance_id: int) -> ResponseReturnValue:
    row = clearances.clearance_to_manage(current_user, partner_id, contact_id, clearance_id)
    form = ClearanceForm(obj=row) if request.method == "GET" else ClearanceForm()
    if request.method == "GET":
        form.kind.data = row.kind.value
    if form.validate_on_submit():
        try:
            clearances.update_clearance(
                current_user, partner_id, contact_id, clearance_id, _data(form)
            )
        except DomainError as error:
            problem = field_error(form, error)
            if problem:
                flash(problem, "danger")
        else:
            flash(gettext("The clearance is saved."), "success")
            return redirect(url_for(".contact", partner_id=partner_id, contact_id=contact_id))
    return render_template(
        "clearances/edit.html", form=form, row=row, contact=row.contact
    ), 422 if form.is_submitted() else 200


@bp.post(
    "/partners/<int:partner_id>/contacts/<int:contact_id>/clearances/<int:clearance_id>/delete"
)
@policy(*STAFF)
def delete(partner_id: int, contact_id: int, clearance_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    clearances.delete_clearance(current_user, partner_id, contact_id, clearance_id)
    flash(gettext("The clearance is deleted."), "success")
    return redirect(url_for(".contact", partner_id=partner_id, contact_id=contact_id))


@bp.get("/partners/<int:partner_id>/contacts/<int:contact_id>/clearances/<int:clearance_id>/file")
@policy(*STAFF)
def document(partner_id: int, contact_id: int, clearance_id: int) -> ResponseReturnValue:
    stored = clearances.clearance_document(current_user, partner_id, contact_id, clearance_id)
    return attachment(stored.data, stored.name or "clearance", stored.content_type)


# --- the district's rules -------------------------------------------------------------------


@bp.route("/clearance-rules", methods=["GET", "POST"])
@policy(*STAFF)
def rules_page() -> ResponseReturnValue:
    """District staff keep their own district's rules; county staff pick one
    (``?district_id=``)."""
    pick = DistrictPickForm(request.args)
    districts = (
        list(db.session.scalars(select(District).order_by(District.name)))
        if current_user.is_county_wide
        else []
    )
    pick.district_id.choices = [(d.id, d.name) for d in districts]
    district_id = request.args.get("district_id", type=db_int) or current_user.district_id
    if district_id is None:
        if not districts:
            return render_template("clearances/rules.html", district=None, pick=None)
        district_id = districts[0].id
    district = clearances.rules_district(current_user, district_id)
    pick.district_id.data = district.id
    decisions = clearances.decisions(district.id)
    data: dict[str, Any] = {}
    for kind in ExperienceKind:
        required = rules.required_for(kind, decisions)
        for clearance in ClearanceType:
            data[rule_name(kind, clearance)] = clearance in required
    form = rules_form(data)
    status = 200
    if form.validate_on_submit():
        chosen = {
            kind: [c for c in ClearanceType if form[rule_name(kind, c)].data]
            for kind in ExperienceKind
        }
        try:
            changed = clearances.set_rules(current_user, district.id, chosen)
        except DomainError as error:
            flash(field_error(form, error) or error.message, "danger")
            status = 422
        else:
            flash(
                gettext(
                    "The clearance rules of %(district)s are saved (%(count)d changed).",
                    district=district.name,
                    count=changed,
                ),
                "success",
            )
            return redirect(url_for(".rules_page", district_id=district.id))
    elif form.is_submitted():
        status = 422
    return render_template(
        "clearances/rules.html",
        district=district,
        pick=pick if districts else None,
        form=form,
        kinds=list(ExperienceKind),
        kind_labels=KIND_LABELS,
        types=list(ClearanceType),
        rule_name=rule_name,
        defaults=rules.DEFAULT_REQUIRED,
    ), status


# --- the employer's own ---------------------------------------------------------------------


@bp.get("/my-clearances")
@policy(Role.EMPLOYER)
def mine() -> ResponseReturnValue:
    """The employer's own clearances and their status (no documents: staff keep those)."""
    today = local_today()
    contacts = clearances.own_contacts(current_user)
    records = clearances.clearances_of([c.id for c in contacts])
    rows: list[tuple[PartnerContact, rules.Held, str]] = []
    for c in contacts:
        best = rules.latest(clearances.held(records.get(c.id, [])))
        rows += [(c, best[k], rules.status(best[k], today)) for k in ClearanceType if k in best]
    return render_template("clearances/mine.html", contacts=contacts, rows=rows)
