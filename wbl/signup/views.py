"""Sign-up pages: "Become a partner" and "Volunteer" (public), the confirmation link, and the
staff queues (Catalog ▸ Partner sign-ups, Work Ready ▸ Volunteer sign-ups) with approve and
decline.

Bots meet two things on the public forms. A honeypot field, hidden from people and screen
readers: a form that fills it in is answered as if it had been accepted, and nothing is stored
or sent. And a limit per address (``SIGNUP_LIMIT``, five an hour by default, both forms
together), counted where sign-in attempts are counted (the database, or Redis when
configured): only a sign-up that is accepted (or that a bot believes accepted) counts, so a
person correcting a mistake is never held back; past the limit the form comes back with
what was typed and says how long to wait.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wbl.access import PUBLIC, Role, policy
from wbl.auth.throttle import network
from wbl.catalog.manage_queries import partner_choices
from wbl.errors import DomainError, field_error
from wbl.extensions import limiter
from wbl.pagination import page_number, paginate
from wbl.reference.choices import sector_choices
from wbl.reference.models import ExperienceKind
from wbl.reference.queries import experience_type_names
from wbl.reviews.volunteers import volunteer_of
from wbl.signup import queries, services
from wbl.signup.forms import (
    NEW_PARTNER,
    ConfirmForm,
    DeclineForm,
    PartnerApprovalForm,
    PartnerSignupForm,
    VolunteerApprovalForm,
    VolunteerSignupForm,
)
from wbl.signup.models import SignupKind, SignupRequest, SignupStatus
from wbl.tokens import ExpiredLink, InvalidLink, private_link_page

log = logging.getLogger(__name__)

bp = Blueprint("signup", __name__)


# --- the public forms ----------------------------------------------------------------------


def _partner_form() -> PartnerSignupForm:
    form = PartnerSignupForm()
    form.sector_id.choices = [SelectChoice(0, "Choose a sector"), *sector_choices()]
    names = experience_type_names()
    form.kinds.choices = [SelectChoice(k.value, names[k.value]) for k in ExperienceKind]
    return form


def _form_page(form: PartnerSignupForm | VolunteerSignupForm, **context: object) -> str:
    kind = "partner" if isinstance(form, PartnerSignupForm) else "volunteer"
    days = current_app.config["SIGNUP_CONFIRM_MAX_AGE"] // 86400
    return render_template(f"signup/{kind}.html", form=form, kind=kind, days=days, **context)


def _limit_reached(limit: RequestLimit) -> Response:
    """Past the limit: the same form, with what was typed and how long to wait (429)."""
    minutes = max(round((limit.reset_at - time.time()) / 60), 1)
    message = (
        "We have had several sign-ups from your network in a short time, so we hold the next "
        f"ones back for a while. Please try again in {minutes} minute"
        f"{'s' if minutes != 1 else ''}."
    )
    form = VolunteerSignupForm() if request.endpoint == "signup.volunteer" else _partner_form()
    page = _form_page(form, limited=message)
    return Response(page, status=429, headers={"Retry-After": str(minutes * 60)})


signup_limit = limiter.shared_limit(
    lambda: current_app.config["SIGNUP_LIMIT"],
    scope="signup",
    key_func=lambda: network(get_remote_address()),
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 303,
    on_breach=_limit_reached,
)


def _sign_up(
    form: PartnerSignupForm | VolunteerSignupForm,
    submit: Callable[[], object],
) -> ResponseReturnValue:
    """A public form: a bot's (the honeypot filled in) looks accepted and does nothing; a
    person's is submitted, or shown again with every problem next to its field."""
    if form.is_submitted() and form.is_bot:
        log.info("%s with the honeypot filled in: ignored", request.endpoint)
        return redirect(url_for("signup.sent"), code=303)
    problem = None
    if form.validate_on_submit():
        try:
            submit()
        except DomainError as error:
            problem = field_error(form, error)
        else:
            return redirect(url_for("signup.sent"), code=303)
    return _form_page(form, problem=problem), 422 if form.errors or problem else 200


@bp.route("/join/partner", methods=["GET", "POST"])
@policy(PUBLIC)
@signup_limit
def partner() -> ResponseReturnValue:
    form = _partner_form()
    return _sign_up(form, lambda: services.submit_partner_request(form.request_data()))


@bp.route("/join/volunteer", methods=["GET", "POST"])
@policy(PUBLIC)
@signup_limit
def volunteer() -> ResponseReturnValue:
    form = VolunteerSignupForm()
    return _sign_up(form, lambda: services.submit_volunteer_request(form.request_data()))


@bp.get("/join/sent")
@policy(PUBLIC)
def sent() -> ResponseReturnValue:
    days = current_app.config["SIGNUP_CONFIRM_MAX_AGE"] // 86400
    return render_template("signup/sent.html", days=days)


def _link_page(template: str, status: int = 200, **context: object) -> Response:
    return private_link_page(Response(render_template(template, **context), status=status))


def _link_problem(error: InvalidLink) -> Response:
    expired = isinstance(error, ExpiredLink)
    return _link_page(
        "signup/link_problem.html", 410 if expired else 400, message=error.message, expired=expired
    )


@bp.route("/join/confirm/<token>", methods=["GET", "POST"])
@policy(PUBLIC)
def confirm(token: str) -> ResponseReturnValue:
    """The e-mailed link shows the request and a button: a mail scanner that opens every
    link confirms nothing; the person's click does."""
    try:
        found = services.read_confirmation_link(token)
    except services.AlreadyConfirmed:
        return _link_page("signup/confirmed.html", already=True)
    except InvalidLink as error:
        return _link_problem(error)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            found = services.confirm_email(token)
        except services.AlreadyConfirmed:
            return _link_page("signup/confirmed.html", already=True)
        except InvalidLink as error:
            return _link_problem(error)
        return _link_page("signup/confirmed.html", already=False, signup=found)
    return _link_page(
        "signup/confirm.html", signup=found, form=form, kind_names=experience_type_names()
    )


# --- staff -----------------------------------------------------------------------------------


QUEUE_ENDPOINTS = {
    SignupKind.PARTNER: "signup.partner_queue",
    SignupKind.VOLUNTEER: "signup.volunteer_queue",
}


def _queue(kind: SignupKind) -> ResponseReturnValue:
    which = queries.Queue.of(request.args.get("show"))
    page = paginate(
        queries.queue(kind, which),
        page=request.args.get("page", 1, type=page_number),
        per_page=25,
    )
    return render_template(
        "signup/queue.html",
        kind=kind,
        which=which,
        page=page,
        counts=queries.counts(kind),
        endpoint=QUEUE_ENDPOINTS[kind],
        queues=list(queries.Queue),
    )


@bp.get("/signups/partners")
@policy(Role.STAFF)
def partner_queue() -> ResponseReturnValue:
    return _queue(SignupKind.PARTNER)


@bp.get("/signups/volunteers")
@policy(Role.STAFF)
def volunteer_queue() -> ResponseReturnValue:
    return _queue(SignupKind.VOLUNTEER)


STRONG = {"same name", "same website", "this address is already its contact"}


def _approval_form(
    found: SignupRequest, matches: list[queries.Match]
) -> PartnerApprovalForm | VolunteerApprovalForm:
    """The decision form, its partner choices the likely matches first; unsubmitted, it
    proposes the strongest match (else a new partner, or none) and what the person asked."""
    form: PartnerApprovalForm | VolunteerApprovalForm
    if found.kind is SignupKind.PARTNER:
        form = PartnerApprovalForm()
        first = SelectChoice(NEW_PARTNER, f"A new partner: {found.organisation}")
    else:
        form = VolunteerApprovalForm()
        first = SelectChoice(NEW_PARTNER, "No partner")
    matched = {m.partner.id for m in matches}
    form.partner_id.choices = [
        first,
        *(
            SelectChoice(
                m.partner.id,
                f"{m.partner.name} ({', '.join(m.reasons)})",
                optgroup="Likely the same business",
            )
            for m in matches
        ),
        *(
            SelectChoice(choice.value, choice.label, optgroup="Other partners")
            for choice in partner_choices(current_user)
            if choice.value not in matched
        ),
    ]
    if not form.is_submitted():
        strong = next((m for m in matches if STRONG & set(m.reasons)), None)
        form.partner_id.data = strong.partner.id if strong else NEW_PARTNER
        if isinstance(form, PartnerApprovalForm):
            form.endorses_certificate.data = found.endorses_certificate
        else:
            form.reviews.data = found.reviews
    return form


def _review_page(
    found: SignupRequest,
    *,
    approve_form: PartnerApprovalForm | VolunteerApprovalForm | None = None,
    decline_form: DeclineForm | None = None,
    matches: list[queries.Match] | None = None,
    problem: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    matches = queries.likely_partners(found) if matches is None else matches
    account = queries.account_of(found)
    pool = volunteer_of(account.id) if account is not None else None
    waiting = found.status is SignupStatus.CONFIRMED
    if waiting and approve_form is None:
        approve_form = _approval_form(found, matches)
    page = render_template(
        "signup/review.html",
        signup=found,
        matches=matches,
        account=account,
        in_pool=pool is not None and pool.active,
        approve_form=approve_form,
        decline_form=decline_form or DeclineForm(formdata=None),
        problem=problem,
        kind_names=experience_type_names(),
        queue_endpoint=QUEUE_ENDPOINTS[found.kind],
        waiting=waiting,
    )
    return page, status


@bp.get("/signups/<int:signup_id>")
@policy(Role.STAFF)
def review(signup_id: int) -> ResponseReturnValue:
    return _review_page(services.get_request(current_user, signup_id))


@bp.post("/signups/<int:signup_id>/approve")
@policy(Role.STAFF)
def approve(signup_id: int) -> ResponseReturnValue:
    found = services.get_request(current_user, signup_id)
    matches = queries.likely_partners(found)
    form = _approval_form(found, matches)
    problem = None
    if form.validate_on_submit():
        partner_id = form.partner_id.data or None
        try:
            if isinstance(form, PartnerApprovalForm):
                services.approve_partner(
                    current_user,
                    signup_id,
                    services.PartnerApproval(partner_id, bool(form.endorses_certificate.data)),
                )
            else:
                services.approve_volunteer(
                    current_user,
                    signup_id,
                    services.VolunteerApproval(partner_id, bool(form.reviews.data)),
                )
        except DomainError as error:
            problem = field_error(form, error)
        else:
            flash(f"{found.name}: approved. They have been told by e-mail.", "success")
            return redirect(url_for(QUEUE_ENDPOINTS[found.kind]))
    return _review_page(found, approve_form=form, matches=matches, problem=problem, status=422)


@bp.post("/signups/<int:signup_id>/decline")
@policy(Role.STAFF)
def decline(signup_id: int) -> ResponseReturnValue:
    found = services.get_request(current_user, signup_id)
    form = DeclineForm()
    problem = None
    if form.validate_on_submit():
        try:
            services.decline(current_user, signup_id, form.reason.data or "")
        except DomainError as error:
            problem = field_error(form, error)
        else:
            flash(f"{found.name}: declined. They have your reason by e-mail.", "success")
            return redirect(url_for(QUEUE_ENDPOINTS[found.kind]))
    return _review_page(found, decline_form=form, problem=problem, status=422)
