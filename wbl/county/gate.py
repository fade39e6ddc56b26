"""Until the county is named, only its administrators use WBL: everyone else who signs in
(an invited colleague, say) sees a page saying that WBL is being set up, rather than pages
with no county's name on them. Public pages (sign-in, verification, e-mailed links) and
signing out stay open."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wbl.access import PUBLIC, Role
from wbl.county.settings import county

OPEN_ENDPOINTS = frozenset({"static", "auth.logout"})
RETRY_AFTER_SECONDS = 3600


def register_gate(app: Flask) -> None:
    @app.before_request
    def _being_set_up() -> ResponseReturnValue | None:
        endpoint = request.endpoint
        if endpoint is None or endpoint in OPEN_ENDPOINTS or endpoint.endswith(".static"):
            return None
        # Public pages first: they are open either way, and the health checks and metrics
        # (wbl/ops) must answer without the county's settings (a query every few seconds).
        if PUBLIC in getattr(app.view_functions[endpoint], "policy", (PUBLIC,)):
            return None
        if county().named:  # cached: the usual answer costs no query
            return None
        if not current_user.is_authenticated or current_user.has_role(Role.ADMIN):
            return None  # anonymous: the policy sends them to sign in
        page = render_template("county/being_set_up.html")
        return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
