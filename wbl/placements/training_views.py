"""Training agreement pages: the party's page from the e-mailed link (no account), and the
signed-in page where staff, the student, the student's teachers and the partner's contacts
see who has acknowledged; staff re-send a party's link from there."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length, Optional

from wbl.access import AUTHENTICATED, PUBLIC, Role, policy
from wbl.downloads import attachment
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.placements import policies, training
from wbl.placements.models import AgreementParty, TrainingAgreement
from wbl.tokens import ExpiredLink, InvalidLink, private_link_page

bp = Blueprint("agreements", __name__)


class AcknowledgeForm(FlaskForm):
    typed_name = StringField(
        _l("Your full name"),
        validators=[Optional(), Length(max=120)],
        description=_l("Typing your name signs the agreement."),
        render_kw={"autocomplete": "name"},
    )
    agree = BooleanField(_l("I have read and agree to this training agreement"))
    submit = SubmitField(_l("Acknowledge the agreement"))


class ResendForm(FlaskForm):
    submit = SubmitField("Send a new link")


def _link_problem(error: DomainError) -> Response:
    used = isinstance(error, training.AlreadyAcknowledged)
    expired = isinstance(error, ExpiredLink)
    response = Response(
        render_template(
            "agreements/link_problem.html",
            message=gettext(error.message),
            expired=expired,
            used=used,
        ),
        status=410 if used or expired else 400,
    )
    return private_link_page(response)


def _pdf_response(agreement: TrainingAgreement) -> Response:
    return attachment(
        training.agreement_pdf(agreement),
        f"training-agreement-{agreement.placement_id}.pdf",
        "application/pdf",
    )


# --- from the e-mailed link ----------------------------------------------------------------


@bp.route("/agreements/<token>", methods=["GET", "POST"])
@policy(PUBLIC)
def acknowledge(token: str) -> ResponseReturnValue:
    try:
        found, nonce = training.read_agreement_link(token)
        agreement = training.agreement_for_link(found)
    except InvalidLink as error:
        return _link_problem(error)
    form = AcknowledgeForm()
    if form.validate_on_submit():
        try:
            training.acknowledge(
                found.id,
                nonce,
                typed_name=form.typed_name.data or "",
                agreed=bool(form.agree.data),
                ip_address=request.remote_addr or "",
            )
        except InvalidLink as error:
            return _link_problem(error)
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            target = form.agree if error.field == "agree" else form.typed_name
            target.errors = [error.message]
            if target is form.typed_name and not form.agree.data:
                form.agree.errors = [gettext("Tick this box to acknowledge the agreement.")]
        else:
            return private_link_page(
                Response(
                    render_template(
                        "agreements/acknowledged.html", agreement=agreement, party=found
                    )
                )
            )
    elif form.is_submitted() and "csrf_token" in form.errors:
        abort(400)
    status = 422 if form.errors else 200
    return private_link_page(
        Response(
            render_template(
                "agreements/acknowledge.html",
                agreement=agreement,
                party=found,
                party_label=gettext(training.PARTY_LABELS[found.party]),
                sections=training.agreement_sections(agreement),
                form=form,
                token=token,
            ),
            status=status,
        )
    )


@bp.get("/agreements/<token>/pdf")
@policy(PUBLIC)
def pdf_by_link(token: str) -> ResponseReturnValue:
    try:
        found, _nonce = training.read_agreement_link(token)
        agreement = training.agreement_for_link(found)
    except InvalidLink as error:
        return _link_problem(error)
    return private_link_page(_pdf_response(agreement))


# --- signed in -----------------------------------------------------------------------------


@bp.get("/placements/<int:placement_id>/agreement")
@policy(AUTHENTICATED)
def detail(placement_id: int) -> ResponseReturnValue:
    agreement = training.get_agreement(current_user, placement_id)
    application = agreement.placement.application
    return render_template(
        "agreements/detail.html",
        agreement=agreement,
        application=application,
        sections=training.agreement_sections(agreement),
        labels=training.PARTY_LABELS,
        is_staff=policies.staff_sees(current_user, application),
        resend_form=ResendForm(),
    )


@bp.get("/placements/<int:placement_id>/agreement.pdf")
@policy(AUTHENTICATED)
def pdf(placement_id: int) -> ResponseReturnValue:
    return _pdf_response(training.get_agreement(current_user, placement_id))


@bp.post("/placements/<int:placement_id>/agreement/<party>/resend")
@policy(Role.STAFF)
def resend(placement_id: int, party: str) -> ResponseReturnValue:
    form = ResendForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        which = AgreementParty(party)
    except ValueError:
        raise NotFound() from None
    try:
        sent = training.resend_link(current_user, placement_id, which)
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        flash(error.message, "warning")
    else:
        flash(f"A new link was sent to {sent.email}. The old link no longer works.", "success")
    return redirect(url_for("agreements.detail", placement_id=placement_id))
