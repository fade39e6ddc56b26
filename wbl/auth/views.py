from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm

from wbl.access import AUTHENTICATED, PUBLIC, Role, policy
from wbl.auth import oidc, services
from wbl.auth.forms import (
    ForgotPasswordForm,
    InviteForm,
    LanguageForm,
    LoginForm,
    SetPasswordForm,
)
from wbl.auth.models import User
from wbl.auth.throttle import SignInDelayed
from wbl.errors import DomainError
from wbl.extensions import db, limiter
from wbl.i18n import SESSION_KEY
from wbl.schools.queries import districts_visible_to, schools_visible_to
from wbl.tokens import InvalidLink

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only follow ``next`` to a path on this site (no open redirect)."""
    if not target:
        return None
    if "\\" in target or any(ord(character) < 32 for character in target):
        return None  # browsers read "/\\evil.example" as "//evil.example", and drop tabs
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def start_session(user: User, *, remember: bool = False) -> None:
    """Every sign-in (password, invitation, single sign-on) starts a new session: whatever the
    browser's session held before (a planted value, another person's pending sign-in) is
    dropped, then Flask-Login records the user. With a signed-cookie session this is what a
    new session id is elsewhere: protection against session fixation."""
    language = session.get(SESSION_KEY)
    session.clear()
    if language:  # the language chosen before signing in is not a secret: it carries over
        session[SESSION_KEY] = language
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@policy(PUBLIC)
def login() -> ResponseReturnValue:
    """Throttled in the service (wbl/auth/throttle.py): a refused attempt answers 429 with the
    form, saying how long to wait."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data or "", form.password.data or "", address=get_remote_address()
            )
        except SignInDelayed as error:
            form.password.errors.append(error.message)
            page = render_template("auth/login.html", form=form, providers=oidc.providers())
            return page, 429, {"Retry-After": str(error.wait)}
        except DomainError as error:
            form.password.errors.append(error.message)
        else:
            start_session(user, remember=bool(form.remember.data))
            return redirect(safe_next(request.args.get("next")) or url_for("home.dashboard"))
    return render_template("auth/login.html", form=form, providers=oidc.providers())


@bp.post("/logout")
@policy(AUTHENTICATED)
def logout() -> ResponseReturnValue:
    if not FlaskForm().validate_on_submit():
        return redirect(url_for("home.index"))
    logout_user()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@policy(PUBLIC)
@limiter.limit("10 per hour", methods=["POST"])  # per address, counted where sign-in's are
def forgot_password() -> ResponseReturnValue:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data or "")
        flash(
            "If that address has an account, a reset link is on its way. Check your e-mail.", "info"
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@policy(PUBLIC)
def reset_password(token: str) -> ResponseReturnValue:
    try:
        user = services.check_reset_token(token)
    except InvalidLink as error:
        return render_template("auth/link_problem.html", message=error.message), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data or "")
        except DomainError as error:
            form.password.errors.append(error.message)
        else:
            flash("Your password has been changed. Sign in with it now.", "success")
            return redirect(url_for("auth.login"))
    return render_template(
        "auth/set_password.html", form=form, user=user, title="Choose a new password"
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@policy(PUBLIC)
def accept_invitation(token: str) -> ResponseReturnValue:
    try:
        user = services.check_invitation_token(token)
    except InvalidLink as error:
        return render_template("auth/link_problem.html", message=error.message), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, form.password.data or "")
        except DomainError as error:
            form.password.errors.append(error.message)
        else:
            start_session(user)
            flash(f"Welcome to WBL, {user.full_name}.", "success")
            return redirect(url_for("home.index"))
    return render_template(
        "auth/set_password.html", form=form, user=user, title="Welcome — choose your password"
    )


@bp.route("/users/invite", methods=["GET", "POST"])
@policy(Role.STAFF)
def invite() -> ResponseReturnValue:
    form = InviteForm()
    allowed = services.roles_grantable_by(current_user)
    form.roles.choices = [(r.value, r.label) for r in Role if r in allowed]
    schools = db.session.scalars(schools_visible_to(current_user)).all()
    form.school_id.choices = [(0, "— none —")] + [(s.id, s.name) for s in schools]
    if current_user.is_county_wide:
        districts = db.session.scalars(districts_visible_to(current_user)).all()
        form.district_id.choices = [(0, "— county office —")] + [(d.id, d.name) for d in districts]
    else:  # district staff invite into their own district only (the service enforces it too)
        own = current_user.district.name if current_user.district else "Your district"
        form.district_id.choices = [(0, own)]
    if form.validate_on_submit():
        try:
            user = services.invite_user(
                current_user,
                email=form.email.data or "",
                full_name=form.full_name.data or "",
                roles=[Role(r) for r in form.roles.data or []],
                school_id=form.school_id.data or None,
                district_id=form.district_id.data or None,
            )
        except DomainError as error:
            target = getattr(form, error.field or "", None)
            if target is not None:
                target.errors.append(error.message)
            else:
                flash(error.message, "danger")
        else:
            flash(f"Invitation sent to {user.email}.", "success")
            return redirect(url_for("auth.invite"))
    return render_template("auth/invite.html", form=form)


@bp.post("/language")
@policy(PUBLIC)
def language() -> ResponseReturnValue:
    """The footer's switcher: this session speaks the chosen language and, for someone
    signed in, it becomes their preference too (their e-mails follow it). Back to the page
    it was chosen on, when that is a path on this site; otherwise home."""
    form = LanguageForm()
    back = safe_next(form.next.data) or url_for("home.index")
    if not form.validate_on_submit():
        flash(gettext("Choose one of the languages offered."), "warning")
        return redirect(back, 303)
    code = form.language.data or ""
    session[SESSION_KEY] = code
    if current_user.is_authenticated:
        services.set_language(current_user, code)
    return redirect(back, 303)
