"""Every /api/v1 operation, with a token of each kind of account: with the operation's
scope it answers (the world's records are each actor's to see), without it 403, with no
token 401; and a service token of another district is told 404 for the world's placement."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.support.api_data import api_get, personal_token, service_token
from tests.support.builders import make_district, make_user
from tests.support.routes import ACTORS, ANONYMOUS, build_world, declared_policy, url_of
from wbl.access import Role
from wbl.api import services
from wbl.api.core import API_TOKEN


def test_every_operation_for_every_role_and_scope(app: Flask, client: FlaskClient) -> None:
    world = build_world()
    rules = [r for r in app.url_map.iter_rules() if API_TOKEN in (declared_policy(app, r) or ())]
    assert len(rules) >= 8
    holders = {a: world.users[a] for a in ACTORS if a != ANONYMOUS}
    problems = []
    for actor, user in holders.items():
        allowed = [s.name for s in services.scopes_for(user)]
        tokens = {scope: personal_token(user, [scope]) for scope in allowed}
        for rule in rules:
            scope = declared_policy(app, rule)[1]  # type: ignore[index]
            url = url_of(rule, world)
            if scope not in tokens:
                problems.append(f"{actor} may not hold {scope}")
                continue
            if (status := api_get(client, url, tokens[scope]).status_code) != 200:
                problems.append(f"{actor} {url} with {scope}: {status}")
            other = next((t for s, t in tokens.items() if s != scope), None)
            if other and (status := api_get(client, url, other).status_code) != 403:
                problems.append(f"{actor} {url} without {scope}: {status}")
            if (status := api_get(client, url, None).status_code) != 401:
                problems.append(f"{url} without a token: {status}")
    assert problems == []


def test_a_service_token_of_another_district_is_told_404(client: FlaskClient) -> None:
    world = build_world()
    outsider = make_user(roles={Role.STAFF}, district=make_district())
    own = service_token(world.users["district_staff"])
    other = service_token(outsider)
    placement = world.values["placement_id"]
    for url in (f"/api/v1/placements/{placement}", f"/api/v1/placements/{placement}/hours"):
        assert api_get(client, url, own).status_code == 200
        assert api_get(client, url, other).status_code == 404
    assert api_get(client, "/api/v1/offerings", other).status_code == 200
