"""Single sign-on's two pages: the button's link, which sends the browser to the provider,
and the callback the provider sends it back to. Both are public (no one is signed in yet);
password sign-in's throttle does not count them: a callback is worth nothing without the
state that its own browser's session holds (``wbl.auth.oidc``)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wbl.access import PUBLIC, policy
from wbl.auth import oidc, sso
from wbl.auth.views import safe_next, start_session

bp = Blueprint("sso", __name__, url_prefix="/sso")

#: Where to go once signed in (the sign-in page's ``next``), kept across the provider's pages.
_NEXT = "sso_next"


@bp.get("/<provider>")
@policy(PUBLIC)
def start(provider: str) -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    chosen = oidc.provider_named(provider)
    session.pop(_NEXT, None)
    target = safe_next(request.args.get("next"))
    if target:
        session[_NEXT] = target
    try:
        return oidc.begin(chosen, url_for("sso.callback", provider=chosen.name, _external=True))
    except oidc.SsoProblem as problem:
        return _problem_page(chosen, problem)


@bp.get("/<provider>/callback")
@policy(PUBLIC)
def callback(provider: str) -> ResponseReturnValue:
    chosen = oidc.provider_named(provider)
    try:
        identity = oidc.finish(chosen)
        user = sso.sign_in(chosen, identity)
    except oidc.SsoProblem as problem:
        return _problem_page(chosen, problem)
    target = safe_next(session.get(_NEXT))
    start_session(user)
    return redirect(target or url_for("home.dashboard"))


def _problem_page(provider: oidc.Provider, problem: oidc.SsoProblem) -> ResponseReturnValue:
    page = render_template("auth/sso_problem.html", provider=provider, problem=problem)
    return page, problem.status
