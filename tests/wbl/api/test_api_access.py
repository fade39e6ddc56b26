"""Every /api/v1 operation (each rule and method the app routes to a token-authenticated
view, the same operations the OpenAPI document lists), with a token of each kind of account:
with the operation's scope it answers as the account's pages would (the world's records are
each actor's to see; a write is done by the role that does it on the pages, and is 403 for
the others), without the scope 403, with no token 401. A scope the role may not hold is
refused when the token is made; a service token holds read scopes only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.api_data import api_get, personal_token, service_token
from tests.support.builders import make_district, make_user
from tests.support.log_data import days_ago, make_entry
from tests.support.routes import (
    ACTORS,
    ANONYMOUS,
    World,
    build_world,
    declared_policy,
    methods_of,
    url_of,
)
from wbl.access import Role
from wbl.api import services
from wbl.api.core import API_TOKEN, scope_of
from wbl.clock import local_today
from wbl.extensions import db
from wbl.hours.models import EntryStatus
from wbl.placements.models import Placement
from wbl.reference.models import ExperienceKind


def api_call(
    client: FlaskClient, method: str, url: str, token: str | None, body: Any = None
) -> TestResponse:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.open(url, method=method, headers=headers, json=body)


def _fresh_entry(world: World) -> dict[str, object]:
    """A pending entry of the world's placement (each decision decides one)."""
    placement = db.session.get_one(Placement, world.values["placement_id"])
    entry = make_entry(placement, days_ago(local_today(), 2), status=EntryStatus.PENDING)
    db.session.commit()
    return {"entry_id": entry.id}


_count = iter(range(10**6))


def _hours_body(world: World) -> dict[str, object]:
    return {
        "work_date": days_ago(local_today(), 1).isoformat(),
        "minutes": 15,
        "description": f"Filed the records ({next(_count)})",
    }


def _proposal_body(world: World) -> dict[str, object]:
    return {
        "partner_id": world.values["partner_id"],
        "kind": ExperienceKind.JOB_SHADOW.value,
        "title": f"Shadow a pharmacist ({next(_count)})",
        "description": "A morning behind the counter.",
    }


#: The writes: what each sends (and the fresh ids its URL needs), and the status each actor
#: that may hold its scope is told. Every other actor may not hold the scope at all.
WRITES: dict[
    str,
    tuple[
        Callable[[World], Any] | None, Callable[[World], dict[str, object]] | None, dict[str, int]
    ],
] = {
    "api_v1.placement_hours": (_hours_body, None, {"student": 201, "employer": 403}),
    "api_v1.confirm_hours": (None, _fresh_entry, {"student": 403, "employer": 200}),
    "api_v1.reject_hours": (
        lambda world: {"reason": "That day was a holiday."},
        _fresh_entry,
        {"student": 403, "employer": 200},
    ),
    "api_v1.propose_offering": (_proposal_body, None, {"employer": 201}),
}
#: Reads that answer something other than 200 to an actor holding the scope (none).
READS: dict[tuple[str, str], int] = {}
#: Read scopes an actor's roles may not give a token: employers see no student's records.
NOT_HELD = {("employer", "credentials:read")}


def _call(
    client: FlaskClient,
    world: World,
    rule: Any,
    method: str,
    body_of: Callable[[World], Any] | None,
    ids_of: Callable[[World], dict[str, object]] | None,
    token: str | None,
) -> int:
    ids = ids_of(world) if ids_of else {}
    url = url_of(rule, World({}, {**world.values, **ids}, world.by_blueprint))
    body = body_of(world) if body_of else None
    return api_call(client, method, url, token, body).status_code


def _operations(app: Flask) -> list[tuple[Any, str]]:
    rules = [r for r in app.url_map.iter_rules() if API_TOKEN in (declared_policy(app, r) or ())]
    return [(rule, method) for rule in rules for method in methods_of(rule)]


def test_the_walk_covers_every_operation_of_the_document(app: Flask, client: FlaskClient) -> None:
    """The rules walked are the operations the OpenAPI document lists, and every write the
    walk knows how to send is one of them."""
    walked = {
        (rule.rule.replace("<int:", "{").replace(">", "}"), method.lower())
        for rule, method in _operations(app)
    }
    document = client.get("/api/v1/openapi.json").get_json()
    listed = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert walked == listed
    writes = {rule.endpoint for rule, method in _operations(app) if method != "GET"}
    assert writes == set(WRITES)


def test_every_operation_for_every_role_and_scope(app: Flask, client: FlaskClient) -> None:
    world = build_world()
    operations = _operations(app)
    assert len(operations) >= 14
    holders = {a: world.users[a] for a in ACTORS if a != ANONYMOUS}
    problems: list[str] = []
    served: set[str] = set()
    for actor, user in holders.items():
        allowed = [s.name for s in services.scopes_for(user)]
        tokens = {scope: personal_token(user, [scope]) for scope in allowed}
        for rule, method in operations:
            scope = scope_of(app.view_functions[rule.endpoint], method)
            write = WRITES.get(rule.endpoint) if method != "GET" else None
            body_of, ids_of, answers = write or (None, None, {})
            if scope not in tokens:
                if (method == "GET" and (actor, scope) not in NOT_HELD) or actor in answers:
                    problems.append(f"{actor} may not hold {scope}")
                with pytest.raises(services.TokenRefused):
                    services.create_personal_token(user, name="x", scopes=[scope], days=30)
                continue

            def call(
                token: str | None, op: tuple[Any, str, Any, Any] = (rule, method, body_of, ids_of)
            ) -> int:
                return _call(client, world, *op, token)

            expected = (
                answers.get(actor) if method != "GET" else READS.get((rule.endpoint, actor), 200)
            )
            if expected is None:
                problems.append(f"{actor} holds {scope}: say what {rule.endpoint} answers")
                continue
            if (status := call(tokens[scope])) != expected:
                problems.append(
                    f"{actor} {method} {rule.rule} with {scope}: {status}, not {expected}"
                )
            if 200 <= status < 300:
                served.add(f"{method} {rule.rule}")
            other = next((t for s, t in tokens.items() if s != scope), None)
            if other and (status := call(other)) != 403:
                problems.append(f"{actor} {method} {rule.rule} without {scope}: {status}")
            if (status := call(None)) != 401:
                problems.append(f"{method} {rule.rule} without a token: {status}")
    assert problems == []
    assert served == {f"{method} {rule.rule}" for rule, method in operations}


def test_service_tokens_hold_read_scopes_only() -> None:
    staff = make_user(roles={Role.STAFF})
    writes = [s.name for s in services.SCOPES.values() if not s.read_only]
    assert writes
    assert not set(writes) & {s.name for s in services.service_scopes()}
    for scope in writes:
        with pytest.raises(services.TokenRefused):
            services.create_service_token(staff, name="x", scopes=[scope], days=30)


def test_a_service_token_of_another_district_is_told_404(client: FlaskClient) -> None:
    world = build_world()
    outsider = make_user(roles={Role.STAFF}, district=make_district())
    reads = [s.name for s in services.service_scopes()]
    own = service_token(world.users["district_staff"], reads)
    other = service_token(outsider, reads)
    placement, student = world.values["placement_id"], world.values["student_id"]
    for url in (
        f"/api/v1/placements/{placement}",
        f"/api/v1/placements/{placement}/hours",
        f"/api/v1/placements/{placement}/evaluation",
        f"/api/v1/students/{student}/credentials",
        f"/api/v1/students/{student}/certificates",
    ):
        assert api_get(client, url, own).status_code == 200, url
        assert api_get(client, url, other).status_code == 404, url
    assert api_get(client, "/api/v1/offerings", other).status_code == 200
