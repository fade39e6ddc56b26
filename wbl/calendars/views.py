"""The calendar feed (public: its secret is the credential) and the account page's actions
that make, replace and revoke it."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from wbl.access import AUTHENTICATED, PUBLIC, policy
from wbl.calendars import services
from wbl.tokens import private_link_page

bp = Blueprint("calendars", __name__)


@bp.get("/calendar/<secret>.ics")
@policy(PUBLIC)
def feed(secret: str) -> ResponseReturnValue:
    """What calendar applications fetch (every hour or so). The URL is as good as a password:
    never cached on the way, never passed on as a Referer, kept out of search engines."""
    text = services.feed_text(secret)  # NotFound (404) for an unknown or revoked secret
    response = Response(text, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="wbl.ics"'
    return private_link_page(response)


def _checked() -> None:
    if not FlaskForm().validate_on_submit():  # the CSRF token of the account page's form
        abort(400)


@bp.post("/account/calendar")
@policy(AUTHENTICATED)
def create() -> ResponseReturnValue:
    """Make the feed, or replace its secret: the page shows the new URL, this once."""
    _checked()
    had_one = services.feed_of(current_user) is not None
    secret = services.new_secret(current_user)
    url = url_for("calendars.feed", secret=secret, _external=True)
    webcal = "webcal://" + url.split("://", 1)[1]
    page = render_template("calendars/created.html", url=url, webcal=webcal, replaced=had_one)
    return private_link_page(Response(page))


@bp.post("/account/calendar/revoke")
@policy(AUTHENTICATED)
def revoke() -> ResponseReturnValue:
    _checked()
    if services.revoke(current_user):
        flash("Your calendar feed is turned off: its address no longer works.", "success")
    return redirect(url_for("home.account"))
