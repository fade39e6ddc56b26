"""Worksite agreements: the template editor, sending, withdrawing and renewing (staff), the
signing page from the e-mailed link (no account), and the signed PDFs (staff, and a
partner's contacts for their own partner)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wbl.access import PUBLIC, Role, policy, require
from wbl.catalog import manage_queries
from wbl.catalog import worksite_agreements as agreements
from wbl.catalog.worksite_forms import OTHER, ConfirmForm, SendForm, SignForm, TemplateForm
from wbl.catalog.worksite_models import WorksiteAgreement
from wbl.clock import local_today, local_when
from wbl.downloads import attachment
from wbl.errors import DomainError, Forbidden, NotFound, field_error
from wbl.extensions import db
from wbl.scopes import is_county_wide
from wbl.tokens import ExpiredLink, InvalidLink, private_link_page

bp = Blueprint("worksite", __name__)
bp.add_app_template_filter(local_when, "local_when")


# --- staff -----------------------------------------------------------------------------------


@bp.get("/catalog/worksite-agreements")
@policy(Role.STAFF)
def index() -> ResponseReturnValue:
    """Agreements waiting to be signed, and the latest signed ones, across partners."""
    rows = list(
        db.session.scalars(
            select(WorksiteAgreement)
            .options(selectinload(WorksiteAgreement.partner))
            .order_by(WorksiteAgreement.sent_at.desc(), WorksiteAgreement.id.desc())
            .limit(200)
        )
    )
    return render_template(
        "worksite/index.html",
        waiting=[a for a in rows if a.status is agreements.SENT],
        signed=[a for a in rows if a.status is agreements.SIGNED][:50],
        template=agreements.current_template(),
        can_edit=is_county_wide(current_user),
    )


@bp.route("/catalog/worksite-agreements/template", methods=["GET", "POST"])
@policy(Role.STAFF)
def template() -> ResponseReturnValue:
    """The county's template: county-wide staff edit it; a district's staff read it (their
    save is refused, 403)."""
    can_edit = is_county_wide(current_user)
    if request.method == "POST":
        require(can_edit)
    current = agreements.current_template()
    form = TemplateForm(
        data={"title": current.title, "body": current.body, "based_on": current.version or ""}
    )
    problem = None
    valid = form.validate_on_submit()
    if form.is_submitted():
        problems = agreements.template_problems(
            (form.title.data or "").strip(), (form.body.data or "").strip()
        )
        for name, message in problems.items():
            getattr(form, name).errors = [*getattr(form, name).errors, message]
        valid = valid and not problems
    if valid:
        based_on = form.based_on.data
        try:
            agreements.save_template(
                current_user,
                title=form.title.data or "",
                body=form.body.data or "",
                based_on=int(based_on) if based_on and based_on.isdigit() else None,
            )
        except DomainError as error:
            problem = field_error(form, error)
        else:
            flash("The agreement template is saved. Agreements sent from now on use it.", "success")
            return redirect(url_for("worksite.template"))
    status = 422 if form.errors or problem else 200
    return render_template(
        "worksite/template.html",
        form=form,
        problem=problem,
        current=current,
        versions=agreements.template_versions(),
        placeholders=agreements.PLACEHOLDERS,
        can_edit=can_edit,
    ), status


def _send_form(partner_id: int) -> tuple[SendForm, list[tuple[str, str]]]:
    partner = manage_queries.partner_for_staff(current_user, partner_id)
    form = SendForm()
    choices = [
        (str(c.id), f"{c.user.full_name} ({c.user.email})")
        for c in sorted(partner.contacts, key=lambda c: (not c.is_primary, c.user.full_name))
    ]
    form.signatory.choices = [*choices, (OTHER, "Someone else: type a name and e-mail below")]
    return form, choices


@bp.route("/catalog/partners/<int:partner_id>/worksite-agreements/new", methods=["GET", "POST"])
@policy(Role.STAFF)
def send(partner_id: int) -> ResponseReturnValue:
    partner = manage_queries.partner_for_staff(current_user, partner_id)
    form, contacts = _send_form(partner_id)
    if not form.is_submitted():
        today = local_today()
        form.signatory.data = contacts[0][0] if contacts else OTHER
        form.start_date.data = today
        form.end_date.data = today + timedelta(days=364)  # a year, by default
    problem = None
    valid = form.validate_on_submit()
    if form.is_submitted():  # every date problem at once, beside its field (the rule's own words)
        problems = agreements.date_problems(form.start_date.data, form.end_date.data, local_today())
        for name, message in problems.items():
            field = getattr(form, name)
            if not field.errors:
                field.errors = [*field.errors, message]
        valid = valid and not problems
    if valid:
        choice = form.signatory.data or OTHER
        data = agreements.SendInput(
            start_date=form.start_date.data,
            end_date=form.end_date.data,
            contact_id=int(choice) if choice.isdigit() else None,
            name=form.name.data or "",
            email=form.email.data or "",
        )
        try:
            sent = agreements.send_agreement(current_user, partner_id, data)
        except DomainError as error:
            if error.field == "contact_id":
                error.field = "signatory"
            problem = field_error(form, error)
        else:
            flash(f"The agreement is sent to {sent.signatory_email} to sign.", "success")
            return redirect(url_for("manage.partner", partner_id=partner_id) + "#worksite")
    status = 422 if form.errors or problem else 200
    return render_template(
        "worksite/send.html",
        form=form,
        partner=partner,
        problem=problem,
        template=agreements.current_template(),
    ), status


@bp.post("/catalog/partners/<int:partner_id>/worksite-agreements/renew")
@policy(Role.STAFF)
def renew(partner_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        sent = agreements.send_renewal(current_user, partner_id)
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        flash(error.message, "warning")
    else:
        flash(
            f"A renewal ({sent.start_date:%b} {sent.start_date.day}, {sent.start_date.year} to "
            f"{sent.end_date:%b} {sent.end_date.day}, {sent.end_date.year}) is sent to "
            f"{sent.signatory_email}.",
            "success",
        )
    return redirect(request.referrer or url_for("manage.compliance"))


@bp.post("/catalog/worksite-agreements/<int:agreement_id>/withdraw")
@policy(Role.STAFF)
def withdraw(agreement_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        found = agreements.withdraw(current_user, agreement_id)
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        flash(error.message, "warning")
        found = db.session.get(WorksiteAgreement, agreement_id)
        if found is None:
            raise NotFound() from None
    else:
        flash("The agreement is withdrawn: its link now says so.", "success")
    return redirect(url_for("manage.partner", partner_id=found.partner_id) + "#worksite")


@bp.get("/catalog/worksite-agreements/<int:agreement_id>.pdf")
@policy(Role.STAFF, Role.EMPLOYER)
def pdf(agreement_id: int) -> ResponseReturnValue:
    found = agreements.get_for_download(current_user, agreement_id)
    return attachment(
        agreements.agreement_pdf(found), f"worksite-agreement-{found.id}.pdf", "application/pdf"
    )


@bp.get("/catalog/our-worksite-agreements")
@policy(Role.EMPLOYER)
def ours() -> ResponseReturnValue:
    """A partner's contacts see (and download) their partners' signed agreements."""
    return render_template(
        "worksite/ours.html", agreements=agreements.signed_for_contact(current_user)
    )


# --- from the e-mailed link ------------------------------------------------------------------


def _link_problem(error: DomainError) -> Response:
    used = isinstance(error, agreements.AlreadySigned)
    withdrawn = isinstance(error, agreements.Withdrawn)
    expired = isinstance(error, ExpiredLink)
    response = Response(
        render_template(
            "worksite/link_problem.html",
            message=gettext(error.message),
            used=used or withdrawn,
            withdrawn=withdrawn,
            expired=expired,
        ),
        status=410 if used or expired or withdrawn else 400,
    )
    return private_link_page(response)


@bp.route("/worksite-agreements/<token>", methods=["GET", "POST"])
@policy(PUBLIC)
def sign(token: str) -> ResponseReturnValue:
    try:
        agreement, nonce = agreements.read_link(token)
    except InvalidLink as error:
        return _link_problem(error)
    form = SignForm()
    if form.validate_on_submit():
        try:
            agreements.sign(
                agreement.id,
                nonce,
                typed_name=form.typed_name.data or "",
                agreed=bool(form.agree.data),
                different_name=bool(form.different_name.data),
                ip_address=request.remote_addr or "",
            )
        except InvalidLink as error:
            return _link_problem(error)
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            target = getattr(form, error.field or "", None) or form.typed_name
            target.errors = [error.message]
        else:
            return private_link_page(
                Response(render_template("worksite/signed.html", agreement=agreement))
            )
    elif form.is_submitted() and "csrf_token" in form.errors:
        abort(400)
    status = 422 if form.errors else 200
    return private_link_page(
        Response(
            render_template(
                "worksite/sign.html",
                agreement=agreement,
                paragraphs=[p.strip() for p in agreement.body.split("\n\n") if p.strip()],
                form=form,
                token=token,
                # Asked only once the typed name was found to differ (or the box was ticked).
                ask_different=bool(form.different_name.errors or form.different_name.data),
            ),
            status=status,
        )
    )


@bp.get("/worksite-agreements/<token>/pdf")
@policy(PUBLIC)
def pdf_by_link(token: str) -> ResponseReturnValue:
    try:
        agreement, _nonce = agreements.read_link(token)
    except InvalidLink as error:
        return _link_problem(error)
    return private_link_page(
        attachment(
            agreements.agreement_pdf(agreement),
            f"worksite-agreement-{agreement.id}.pdf",
            "application/pdf",
        )
    )
