"""The machinery of ``/api/v1``: the flask-smorest ``Api`` kept to the API, problem details,
the bearer-token check each operation declares, and the per-token rate limit.

Why flask-smorest: it is an extension on the app we have (APIFlask would replace the Flask
class), it builds the OpenAPI document from the marshmallow schemas the views use, and it
answers ``If-None-Match`` with 304 on its own (``Blueprint.etag``).

Its ``Api`` registers an application-wide handler that answers *every* HTTP error in JSON,
which would turn the app's HTML error pages into JSON; ``WblApi`` registers its handlers on
the API blueprint only. An error outside any view under ``/api/`` (an unknown path, a method
not allowed) reaches the app's handlers in ``wbl.errors``, which answer with
``problem_response`` for paths under ``API_PREFIX``.

Errors are RFC 9457 problem details (``application/problem+json``): ``type`` (``about:blank``:
the status says it all), ``title``, ``status``, ``detail``, and for a request the schemas
refused, ``errors``: the messages by field (``{"query": {"limit": ["…"]}}``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from copy import deepcopy
from functools import wraps
from http import HTTPStatus
from typing import Any, TypeVar, cast

import marshmallow as ma
from flask import Blueprint, Flask, Response, current_app, g, json, request
from flask.views import MethodView
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from limits import RateLimitItemPerMinute
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from wbl.api import services
from wbl.api.models import ApiToken
from wbl.auth.models import User
from wbl.auth.throttle import current_throttle
from wbl.errors import DomainError, Forbidden, NotFound, answer_errors_under
from wbl.extensions import db
from wbl.request_ids import request_id

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
PROBLEM = "application/problem+json"
#: What a token-authenticated view declares as its policy (read by the route walks): a
#: session never authenticates the API, so a signed-in browser is told 401 like anyone.
API_TOKEN = "api-token"  # noqa: S105 - the name of an access kind, not a secret

F = TypeVar("F", bound=Callable[..., Any])


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (documented; the body is built by ``problem_response``)."""

    type = ma.fields.String(required=True, metadata={"description": "about:blank"})
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    instance = ma.fields.String(metadata={"description": "The request's reference"})
    errors = ma.fields.Dict(metadata={"description": "Messages by location and field"})


def problem_response(
    status: int,
    detail: str | None = None,
    *,
    errors: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "instance": f"urn:wbl:request:{request_id()}",
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def http_problem(error: HTTPException) -> Response:
    """An HTTP error as problem details, webargs' field messages (``data["messages"]``) and
    headers (``WWW-Authenticate``, ``Retry-After``) kept."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    detail = data.get("message") or error.description
    if status == 422 and errors:
        detail = "The request has values that are not valid: see errors."
    headers = dict(data.get("headers") or {})
    if error.response is not None:  # abort(response): keep its headers (Retry-After)
        headers.update({k: v for k, v in error.response.headers.items() if k.startswith("R")})
    return problem_response(status, detail, errors=errors, headers=headers)


class WblApi(Api):
    """flask-smorest's ``Api`` with its error handling kept to the API's blueprints, problem
    details as the documented error body, and the bearer token as the security scheme."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """Nothing application-wide (see the module docstring): ``answer_with_problems``."""

    def _register_responses(self) -> None:
        """flask-smorest's default responses, with ``application/problem+json`` bodies."""
        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error, as problem details", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def answer_with_problems(blp: Blueprint) -> None:
    """The API blueprint's error handlers (where ``Api`` would register app-wide ones): every
    HTTP error and every refusal of a service, as problem details. Called where the blueprint
    is defined (a blueprint takes handlers only before it is first registered)."""
    blp.register_error_handler(HTTPException, _on_http_error)
    blp.register_error_handler(NotFound, lambda e: problem_response(404, e.message))
    blp.register_error_handler(Forbidden, lambda e: problem_response(403, e.message))
    blp.register_error_handler(DomainError, _refused)


def _refused(error: DomainError) -> Response:
    errors = {"json": {error.field: [error.message]}} if error.field else None
    return problem_response(422, error.message, errors=errors)


def _on_http_error(error: HTTPException) -> Response:
    if isinstance(error, InternalServerError):
        cause = error.original_exception or error
        db.session.rollback()
        log.error(
            "unhandled error in the API, reference %s: %s %s",
            request_id(),
            request.method,
            request.path,
            exc_info=(type(cause), cause, cause.__traceback__),
        )
        return problem_response(500, "The error has been logged; quote the instance.")
    return http_problem(error)


def _method_not_allowed(error: MethodNotAllowed) -> Response | HTTPException:
    """A method a path under ``/api/`` does not take, as problem details with ``Allow``
    (``wbl.errors`` has no 405 page: elsewhere Werkzeug's own answer stands, unchanged)."""
    if not request.path.startswith(API_PREFIX):
        return error
    allow = dict(error.get_headers()).get("Allow")
    return problem_response(405, error.description, headers={"Allow": allow} if allow else None)


def init_app(app: Flask, api: WblApi) -> None:
    answer_errors_under(app, "/api/", problem_response)
    app.register_error_handler(MethodNotAllowed, _method_not_allowed)
    app.config.setdefault("API_TITLE", "WBL API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", None)  # /api/v1/openapi.json is ours
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "The work-based learning catalog and records, within the "
                "scope of the token. See /api/v1/docs."
            },
            "servers": [{"url": "/"}],
            "security": [{"bearerAuth": []}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A personal or service token (wbl_…) from the "
                        "account page. Never in the query string.",
                    }
                }
            },
        },
    )
    api.init_app(app)


# --- the token -------------------------------------------------------------------------------


class Unauthorized(Exception):
    pass


def _bearer() -> str:
    """The token of ``Authorization: Bearer …``. A token anywhere else (the query string, a
    form, a cookie) is never read: a URL ends up in logs, histories and Referer headers."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized()
    return value.strip()


def _unauthorized(detail: str) -> Response:
    return problem_response(
        401, detail, headers={"WWW-Authenticate": 'Bearer realm="wbl", error="invalid_token"'}
    )


def current_token() -> ApiToken:
    token: ApiToken = g.api_token
    return token


def actor() -> User:
    """The account the request's token acts as (its maker, or its service account)."""
    return current_token().user


def token_policy(scope: str) -> Callable[[F], F]:
    """Declare that an operation takes a bearer token holding ``scope``: 401 without a usable
    token, 403 without the scope, 429 past the token's rate limit. The account's own access
    (roles, scope of data) is then checked by the services, as on the pages."""
    if scope not in services.SCOPES:
        raise ValueError(f"unknown API scope {scope!r}")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                token = services.authenticate(_bearer())
            except (Unauthorized, services.BadToken):
                return _unauthorized("Send a valid token as 'Authorization: Bearer wbl_…'.")
            g.api_token = token
            limited = _count_request(token)
            if limited is not None:
                return limited
            if scope not in token.scope_set:
                return problem_response(
                    403,
                    f"This token does not hold the scope {scope}.",
                    headers={
                        "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'
                    },
                )
            return view(*args, **kwargs)

        wrapper.policy = (API_TOKEN, scope)  # type: ignore[attr-defined]  # the route walks
        apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))
        apidoc.setdefault("manual_doc", {}).setdefault("security", [{"bearerAuth": [scope]}])
        wrapper._apidoc = apidoc  # type: ignore[attr-defined]  # flask-smorest's doc
        return cast(F, wrapper)

    return decorate


class TokenMethods(MethodView):
    """Operations on one path with different methods, as one rule (``flask.views``): each
    method declares its own ``token_policy``; the rule's view declares ``API_TOKEN`` and
    every scope its methods take, for the route walks (``scope_of`` gives a method's)."""

    @classmethod
    def as_view(cls, name: str, *args: Any, **kwargs: Any) -> Any:
        view = super().as_view(name, *args, **kwargs)
        scopes = [getattr(cls, m.lower()).policy[1] for m in sorted(cls.methods or ())]
        view.policy = (API_TOKEN, *scopes)  # type: ignore[union-attr]  # the route walks
        return view


def scope_of(view: Callable[..., Any], method: str) -> str:
    """The scope an operation (a view and a method) takes."""
    view_class = getattr(view, "view_class", None)
    policy = getattr(view_class, method.lower()).policy if view_class else view.policy  # type: ignore[attr-defined]
    return str(policy[1])


# --- rate limit ------------------------------------------------------------------------------


def _count_request(token: ApiToken) -> Response | None:
    """Count the request against the token's limit (``API_RATE_LIMIT`` a minute), in the
    counters Flask-Limiter and the sign-in throttle share (``RATELIMIT_STORAGE_URI``: the
    database, or Redis). Every answer carries ``RateLimit-Policy`` and ``RateLimit`` (the IETF
    draft's structured fields: quota ``q``, window ``w``, remaining ``r``, reset ``t`` in
    seconds); past the limit, 429 with ``Retry-After``."""
    per_minute = int(current_app.config.get("API_RATE_LIMIT", 600))
    item = RateLimitItemPerMinute(per_minute)
    limiter = FixedWindowRateLimiter(current_throttle().storage)
    allowed = limiter.hit(item, "api-token", str(token.id))
    stats = limiter.get_window_stats(item, "api-token", str(token.id))
    reset = max(math.ceil(stats.reset_time - _now()), 0)
    g.api_rate_headers = {
        "RateLimit-Policy": f'"per-token";q={per_minute};w=60',
        "RateLimit": f'"per-token";r={stats.remaining};t={reset}',
    }
    if allowed:
        return None
    return problem_response(
        429,
        f"This token made more than {per_minute} requests this minute.",
        headers={"Retry-After": str(max(reset, 1))},
    )


def _now() -> float:
    from wbl.auth.throttle_storage import now

    return now()


def add_rate_headers(response: Response) -> Response:
    for name, value in (g.get("api_rate_headers") or {}).items():
        response.headers[name] = value
    return response
