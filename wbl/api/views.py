"""The account page's API tokens (personal, and for staff the service tokens), the OpenAPI
document and the API's reference page, rendered here from that document (no CDN, no script:
the content security policy allows only this site)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wbl.access import AUTHENTICATED, PUBLIC, Role, policy
from wbl.api import services
from wbl.api.forms import RevokeForm, TokenForm
from wbl.errors import field_error
from wbl.scopes import is_staff

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")
docs_bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")


def _forms(*, fresh: bool = False) -> tuple[TokenForm, TokenForm | None]:
    """The two forms; ``fresh``: empty ones, after a token was made."""
    data: dict[str, Any] = {"formdata": None} if fresh else {}
    personal = TokenForm(prefix="personal", **data)
    personal.scopes.choices = [
        SelectChoice(s.name, s.label) for s in services.scopes_for(current_user)
    ]
    service = None
    if is_staff(current_user):
        service = TokenForm(prefix="service", **data)
        service.scopes.choices = [SelectChoice(s.name, s.label) for s in services.service_scopes()]
        if fresh or not service.is_submitted():  # read-only scopes by default
            service.scopes.data = [s.name for s in services.service_scopes()]
    return personal, service


def _page(
    personal: TokenForm, service: TokenForm | None, new: services.NewToken | None = None
) -> ResponseReturnValue:
    response = current_app.make_response(
        render_template(
            "tokens/index.html",
            personal=personal,
            service=service,
            tokens=services.tokens_of(current_user),
            revoke_form=RevokeForm(),
            new=new,
            scopes=services.SCOPES,
        )
    )
    response.headers["Cache-Control"] = "private, no-store"  # it may show a new secret
    return response


@bp.get("")
@policy(AUTHENTICATED)
def index() -> ResponseReturnValue:
    personal, service = _forms()
    return _page(personal, service)


@bp.post("")
@policy(AUTHENTICATED)
def create() -> ResponseReturnValue:
    """A personal token: shown once, on the page this answers with."""
    personal, service = _forms()
    if personal.validate_on_submit():
        try:
            new = services.create_personal_token(
                current_user,
                name=personal.name.data or "",
                scopes=list(personal.scopes.data or []),
                days=int(personal.days.data or 0),
            )
        except services.TokenRefused as error:
            message = field_error(personal, error)
            if message:
                flash(message, "warning")
        else:
            return _page(*_forms(fresh=True), new)
    return _page(personal, service)


@bp.post("/service")
@policy(Role.STAFF)
def create_service() -> ResponseReturnValue:
    """A service token for a district's system (staff only)."""
    personal, service = _forms()
    assert service is not None  # noqa: S101 - staff always get the form
    if service.validate_on_submit():
        try:
            new = services.create_service_token(
                current_user,
                name=service.name.data or "",
                scopes=list(service.scopes.data or []),
                days=int(service.days.data or 0),
            )
        except services.TokenRefused as error:
            message = field_error(service, error)
            if message:
                flash(message, "warning")
        else:
            return _page(*_forms(fresh=True), new)
    return _page(personal, service)


@bp.post("/<int:token_id>/revoke")
@policy(AUTHENTICATED)
def revoke(token_id: int) -> ResponseReturnValue:
    if RevokeForm().validate_on_submit():
        token = services.revoke(current_user, token_id)
        flash(f"The token “{token.name}” no longer works.", "success")
    return redirect(url_for("tokens.index"))


# --- the document and its page ---------------------------------------------------------------


def _document() -> dict[str, Any]:
    spec: dict[str, Any] = current_app.extensions["wbl.api"].spec.to_dict()
    return spec


@docs_bp.get("/openapi.json")
@policy(PUBLIC)
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3.1 document, built from the code (flask-smorest and apispec)."""
    return jsonify(_document())


@docs_bp.get("/docs")
@policy(PUBLIC)
def reference() -> ResponseReturnValue:
    """The API's reference, rendered from the OpenAPI document."""
    spec = _document()
    operations = [
        {"path": path, "method": method.upper(), **operation}
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    return render_template(
        "tokens/docs.html",
        spec=spec,
        operations=operations,
        schemas=spec.get("components", {}).get("schemas", {}),
        scopes=services.SCOPES,
    )
