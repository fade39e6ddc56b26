"""Staff keep partners and offerings; employers propose offerings and changes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from wbl.access import Role, policy
from wbl.catalog import (
    clearances,
    manage_contacts,
    manage_offerings,
    manage_partners,
    manage_queries,
    policies,
    proposal_review,
    worksite_agreements,
)
from wbl.catalog.manage_forms import (
    KIND_LABELS,
    ConfirmForm,
    ContactForm,
    LogoForm,
    OfferingForm,
    PartnerForm,
    ReturnForm,
)
from wbl.catalog.manage_offerings import OfferingData
from wbl.catalog.models import OfferingChange, OfferingStatus
from wbl.clock import local_today
from wbl.errors import DomainError
from wbl.http import db_int
from wbl.pagination import page_number, paginate
from wbl.reference.choices import (
    activity_choices,
    outcome_choices,
    pathway_choices,
    sector_choices,
)
from wbl.reference.models import ExperienceKind
from wbl.scopes import is_staff

bp = Blueprint("manage", __name__, url_prefix="/catalog")

STAFF = (Role.STAFF,)  # administrators pass every staff policy


def _form_error(form: Any, error: DomainError) -> None:
    """Show a service's refusal next to its field, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "danger")


# --- partners ----------------------------------------------------------------------------


@bp.get("/partners")
@policy(*STAFF)
def partners() -> ResponseReturnValue:
    filters = manage_queries.PartnerFilters(
        q=request.args.get("q", "")[:100].strip(),
        sector_id=request.args.get("sector", type=db_int),
        state=request.args.get("state", "active"),
    )
    page = paginate(
        manage_queries.partners_for_staff(filters, local_today()),
        page=request.args.get("page", 1, type=page_number),
        per_page=25,
    )
    counts = manage_queries.offering_counts([p.id for p in page.items])
    return render_template(
        "manage/partners.html",
        page=page,
        counts=counts,
        filters=filters,
        sectors=sector_choices(),
        today=local_today(),
    )


@bp.route("/partners/new", methods=["GET", "POST"])
@policy(*STAFF)
def partner_new() -> ResponseReturnValue:
    form = PartnerForm()
    form.sector_id.choices = sector_choices()
    if form.validate_on_submit():
        try:
            partner = manage_partners.create_partner(current_user, form.partner_data())
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(f"{partner.name} is added. Invite a contact and upload a logo.", "success")
            return redirect(url_for("manage.partner", partner_id=partner.id))
    return render_template("manage/partner_form.html", form=form, partner=None)


@bp.get("/partners/<int:partner_id>")
@policy(*STAFF)
def partner(partner_id: int) -> ResponseReturnValue:
    found = manage_queries.partner_for_staff(current_user, partner_id)
    return render_template(
        "manage/partner.html",
        partner=found,
        offerings=manage_queries.offerings_of_partner(found.id),
        logo_form=LogoForm(),
        contact_form=ContactForm(),
        confirm=ConfirmForm(),
        today=local_today(),
        kind_labels=KIND_LABELS,
        worksite_agreements=worksite_agreements.agreements_of(current_user, found.id),
    )


@bp.route("/partners/<int:partner_id>/edit", methods=["GET", "POST"])
@policy(*STAFF)
def partner_edit(partner_id: int) -> ResponseReturnValue:
    found = policies.get_partner(current_user, partner_id)
    form = PartnerForm(obj=found)
    form.sector_id.choices = sector_choices()
    if not form.is_submitted() and not found.coordinates_manual:
        form.latitude.data = form.longitude.data = None
    if form.validate_on_submit():
        try:
            manage_partners.update_partner(current_user, partner_id, form.partner_data())
        except DomainError as error:
            _form_error(form, error)
        else:
            flash("The partner is saved.", "success")
            return redirect(url_for("manage.partner", partner_id=partner_id))
    return render_template("manage/partner_form.html", form=form, partner=found)


@bp.post("/partners/<int:partner_id>/logo")
@policy(*STAFF)
def partner_logo(partner_id: int) -> ResponseReturnValue:
    form = LogoForm()
    if not form.validate_on_submit():
        problems = form.logo.errors or ["Choose a PNG, JPEG or SVG file."]
        flash(" ".join(str(p) for p in problems), "danger")
        return redirect(url_for("manage.partner", partner_id=partner_id))
    upload: FileStorage = form.logo.data
    try:
        manage_partners.upload_logo(
            current_user, partner_id, upload.read(manage_queries.LOGO_READ_LIMIT)
        )
    except DomainError as error:
        flash(error.message, "danger")
    else:
        flash("The logo is saved.", "success")
    return redirect(url_for("manage.partner", partner_id=partner_id))


@bp.post("/partners/<int:partner_id>/logo/remove")
@policy(*STAFF)
def partner_logo_remove(partner_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    manage_partners.remove_logo(current_user, partner_id)
    flash("The logo is removed.", "success")
    return redirect(url_for("manage.partner", partner_id=partner_id))


@bp.post("/partners/<int:partner_id>/contacts")
@policy(*STAFF)
def partner_contact_add(partner_id: int) -> ResponseReturnValue:
    form = ContactForm()
    if form.validate_on_submit():
        data = manage_contacts.ContactData(
            email=form.email.data or "",
            full_name=form.full_name.data or "",
            job_title=form.job_title.data or "",
            phone=form.phone.data or "",
        )
        try:
            contact = manage_contacts.add_contact(current_user, partner_id, data)
        except DomainError as error:
            _form_error(form, error)
        else:
            invited = contact.user.password_hash is None
            flash(
                f"{contact.user.full_name} is a contact"
                + (" and has been sent an invitation." if invited else "."),
                "success",
            )
            return redirect(url_for("manage.partner", partner_id=partner_id) + "#contacts")
    found = manage_queries.partner_for_staff(current_user, partner_id)
    return render_template(
        "manage/partner.html",
        partner=found,
        offerings=manage_queries.offerings_of_partner(found.id),
        logo_form=LogoForm(),
        contact_form=form,
        confirm=ConfirmForm(),
        today=local_today(),
        kind_labels=KIND_LABELS,
        worksite_agreements=worksite_agreements.agreements_of(current_user, found.id),
    ), 422


@bp.post("/contacts/<int:contact_id>/remove")
@policy(*STAFF)
def contact_remove(contact_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    found = manage_contacts.remove_contact(current_user, contact_id)
    flash("The contact is removed from this partner.", "success")
    return redirect(url_for("manage.partner", partner_id=found.id) + "#contacts")


@bp.post("/partners/<int:partner_id>/deactivate")
@policy(*STAFF)
def partner_deactivate(partner_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    found = manage_partners.set_partner_active(current_user, partner_id, False)
    flash(f"{found.name} is inactive: it and its opportunities are hidden.", "success")
    return redirect(url_for("manage.partner", partner_id=partner_id))


@bp.post("/partners/<int:partner_id>/activate")
@policy(*STAFF)
def partner_activate(partner_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    found = manage_partners.set_partner_active(current_user, partner_id, True)
    flash(f"{found.name} is active again.", "success")
    return redirect(url_for("manage.partner", partner_id=partner_id))


@bp.get("/compliance")
@policy(*STAFF)
def compliance() -> ResponseReturnValue:
    today = local_today()
    rows = manage_queries.compliance_rows(today)
    partner_ids = sorted({row.partner.id for row in rows})
    return render_template(
        "manage/compliance.html",
        rows=rows,
        clearance_rows=clearances.compliance_rows(current_user, today),
        today=today,
        days=manage_queries.COMPLIANCE_WARNING_DAYS,
        agreement_days=manage_queries.AGREEMENT_WARNING_DAYS,
        renewable=worksite_agreements.renewable(partner_ids, today),
        waiting=worksite_agreements.pending_for(partner_ids),
        confirm=ConfirmForm(),
    )


# --- offerings ---------------------------------------------------------------------------


@bp.get("/offerings")
@policy(*STAFF)
def offerings() -> ResponseReturnValue:
    status = request.args.get("status", "")
    kind = request.args.get("type", "")
    filters = manage_queries.OfferingFilters(
        q=request.args.get("q", "")[:100].strip(),
        status=OfferingStatus(status) if status in {s.value for s in OfferingStatus} else None,
        kind=ExperienceKind(kind) if kind in {k.value for k in ExperienceKind} else None,
    )
    page = paginate(
        manage_queries.offerings_for_staff(filters),
        page=request.args.get("page", 1, type=page_number),
        per_page=25,
    )
    return render_template(
        "manage/offerings.html",
        page=page,
        filters=filters,
        kind_labels=KIND_LABELS,
        statuses=list(OfferingStatus),
        confirm=ConfirmForm(),
    )


def _offering_form(form: OfferingForm) -> OfferingForm:
    """Fill the choices: staff pick any active partner; an employer one of its own."""
    form.partner_id.choices = manage_queries.partner_choices(current_user)
    form.pathway_ids.choices = pathway_choices()
    form.outcome_ids.choices = outcome_choices()
    form.prerequisite_ids.choices = activity_choices()
    return form


def _fill(form: OfferingForm, data: OfferingData) -> None:
    """Put an offering's (or a proposed change's) values into an unsubmitted form."""
    for name, value in data.to_json().items():
        field = getattr(form, name)
        if name in ("start_date", "end_date", "application_deadline"):
            field.data = getattr(data, name)
        elif name == "min_grade":
            field.data = str(value) if value else ""
        else:
            field.data = value


def _after_save(offering_id: int) -> ResponseReturnValue:
    if is_staff(current_user):
        return redirect(url_for("catalog.offering_detail", offering_id=offering_id))
    return redirect(url_for("manage.my_offerings"))


@bp.route("/offerings/new", methods=["GET", "POST"])
@policy(Role.STAFF, Role.EMPLOYER)
def offering_new() -> ResponseReturnValue:
    form = _offering_form(OfferingForm())
    staff = is_staff(current_user)
    if not form.is_submitted():
        partner_id = request.args.get("partner", type=db_int)
        if partner_id is not None:
            form.partner_id.data = partner_id
    if form.validate_on_submit():
        publish = staff and request.form.get("action") == "publish"
        try:
            offering = manage_offerings.create_offering(
                current_user, form.offering_data(), publish=publish
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            if not staff:
                flash("Thank you. Your opportunity is sent to the CTE team for review.", "success")
            elif publish:
                flash("The opportunity is published: students can find it now.", "success")
            else:
                flash("The opportunity is saved as a draft.", "success")
            return _after_save(offering.id)
    return render_template(
        "manage/offering_form.html", form=form, offering=None, staff=staff, mode="new"
    )


@bp.route("/offerings/<int:offering_id>/edit", methods=["GET", "POST"])
@policy(Role.STAFF, Role.EMPLOYER)
def offering_edit(offering_id: int) -> ResponseReturnValue:
    offering = policies.get_offering_to_manage(current_user, offering_id)
    staff = is_staff(current_user)
    form = _offering_form(OfferingForm())
    if not form.is_submitted():
        _fill(form, OfferingData.of(offering))
    if form.validate_on_submit():
        try:
            result = manage_offerings.update_offering(
                current_user, offering_id, form.offering_data()
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            if staff:
                flash("The opportunity is saved.", "success")
            elif isinstance(result, OfferingChange):
                flash(
                    "Your changes are sent to the CTE team; the posting stays as it is "
                    "until they approve them.",
                    "success",
                )
            else:
                flash("Your opportunity is sent to the CTE team for review.", "success")
            return _after_save(offering_id)
    return render_template(
        "manage/offering_form.html", form=form, offering=offering, staff=staff, mode="edit"
    )


def _status_change(offering_id: int, change: Any, done: str) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        change(current_user, offering_id)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        flash(done, "success")
    return redirect(url_for("catalog.offering_detail", offering_id=offering_id))


@bp.post("/offerings/<int:offering_id>/publish")
@policy(*STAFF)
def offering_publish(offering_id: int) -> ResponseReturnValue:
    return _status_change(
        offering_id, manage_offerings.publish_offering, "The opportunity is published."
    )


@bp.post("/offerings/<int:offering_id>/close")
@policy(*STAFF)
def offering_close(offering_id: int) -> ResponseReturnValue:
    return _status_change(
        offering_id,
        manage_offerings.close_offering,
        "The opportunity is closed: students no longer see it.",
    )


# --- review queue ------------------------------------------------------------------------


@bp.get("/review")
@policy(*STAFF)
def review_queue() -> ResponseReturnValue:
    return render_template(
        "manage/review_queue.html",
        proposals=manage_queries.pending_proposals(),
        changes=manage_queries.pending_changes(),
        kind_labels=KIND_LABELS,
    )


def _review_page(
    offering: Any, form: OfferingForm, return_form: ReturnForm, change: Any = None
) -> str:
    return render_template(
        "manage/review_offering.html",
        form=form,
        offering=offering,
        return_form=return_form,
        change=change,
        changed=proposal_review.changed_fields(change) if change is not None else [],
    )


@bp.route("/review/offerings/<int:offering_id>", methods=["GET", "POST"])
@policy(*STAFF)
def review_offering(offering_id: int) -> ResponseReturnValue:
    offering = policies.get_offering_to_manage(current_user, offering_id)
    form = _offering_form(OfferingForm())
    if not form.is_submitted():
        _fill(form, OfferingData.of(offering))
    if form.validate_on_submit():
        try:
            proposal_review.approve_offering(current_user, offering_id, form.offering_data())
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(f"“{offering.title}” is approved and published.", "success")
            return redirect(url_for("manage.review_queue"))
    return _review_page(offering, form, ReturnForm())


def _send_back(
    form: ReturnForm, send: Any, object_id: int, done: str
) -> ResponseReturnValue | None:
    """Send a proposal or a change back with the reviewer's reason; None when the form (or
    the rule) said no and the review page must show why."""
    if form.validate_on_submit():
        try:
            send(current_user, object_id, form.reason.data or "")
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(done, "success")
            return redirect(url_for("manage.review_queue"))
    return None


def _unchanged_form(data: OfferingData) -> OfferingForm:
    form = _offering_form(OfferingForm(formdata=None))
    _fill(form, data)
    return form


@bp.post("/review/offerings/<int:offering_id>/return")
@policy(*STAFF)
def return_offering(offering_id: int) -> ResponseReturnValue:
    return_form = ReturnForm()
    done = _send_back(
        return_form,
        proposal_review.return_offering,
        offering_id,
        "The proposal is sent back to the employer with your note.",
    )
    if done is not None:
        return done
    offering = policies.get_offering_to_manage(current_user, offering_id)
    form = _unchanged_form(OfferingData.of(offering))
    return _review_page(offering, form, return_form), 422


@bp.route("/review/changes/<int:change_id>", methods=["GET", "POST"])
@policy(*STAFF)
def review_change(change_id: int) -> ResponseReturnValue:
    change = proposal_review.get_change(current_user, change_id)
    form = _offering_form(OfferingForm())
    if not form.is_submitted():
        _fill(form, OfferingData.from_json(change.changes))
    if form.validate_on_submit():
        try:
            proposal_review.approve_change(current_user, change_id, form.offering_data())
        except DomainError as error:
            _form_error(form, error)
        else:
            flash("The changes are applied.", "success")
            return redirect(url_for("manage.review_queue"))
    return _review_page(change.offering, form, ReturnForm(), change)


@bp.post("/review/changes/<int:change_id>/return")
@policy(*STAFF)
def return_change(change_id: int) -> ResponseReturnValue:
    return_form = ReturnForm()
    done = _send_back(
        return_form,
        proposal_review.return_change,
        change_id,
        "The changes are declined; the employer has your note.",
    )
    if done is not None:
        return done
    change = proposal_review.get_change(current_user, change_id)
    form = _unchanged_form(OfferingData.from_json(change.changes))
    return _review_page(change.offering, form, return_form, change), 422


# --- employers ---------------------------------------------------------------------------


@bp.get("/mine")
@policy(Role.EMPLOYER)
def my_offerings() -> ResponseReturnValue:
    """An employer's own offerings with their review state and any change waiting."""
    rows = manage_queries.employer_offerings(current_user)
    return render_template(
        "manage/my_offerings.html",
        rows=rows,
        partners=manage_queries.employer_partners(current_user),
        kind_labels=KIND_LABELS,
    )
