"""``/healthz``, ``/readyz`` and ``/metrics``: for load balancers and Prometheus, not people.

The health checks are public (a load balancer has no account) and say only ok or failing
per check. The metrics are public to the policy too, because their reader is a scraper with
a bearer token, not a signed-in user: without ``WBL_METRICS_TOKEN`` the page does not exist
(404), with a wrong token it is 401. None of them reads or sets the session.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from prometheus_client import CONTENT_TYPE_LATEST

from wbl.access import PUBLIC, policy
from wbl.ops import health, metrics

bp = Blueprint("ops", __name__)

NO_STORE = {"Cache-Control": "no-store"}


@bp.get("/healthz")
@policy(PUBLIC)
def healthz() -> ResponseReturnValue:
    return jsonify(status=health.OK), 200, NO_STORE


@bp.get("/readyz")
@policy(PUBLIC)
def readyz() -> ResponseReturnValue:
    checks = health.readiness()
    ready = all(result == health.OK for result in checks.values())
    status = health.OK if ready else health.FAILING
    return jsonify(status=status, checks=checks), 200 if ready else 503, NO_STORE


@bp.get("/metrics")
@policy(PUBLIC)  # the bearer token below is the rule: Prometheus has no account
def scrape() -> ResponseReturnValue:
    token = str(current_app.config.get("METRICS_TOKEN") or "")
    if not token:
        abort(404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), token.encode()
    ):
        return Response(
            "A bearer token is needed.\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"', **NO_STORE},
            mimetype="text/plain",
        )
    return Response(
        metrics.exposition(current_app.config), headers=NO_STORE, content_type=CONTENT_TYPE_LATEST
    )
