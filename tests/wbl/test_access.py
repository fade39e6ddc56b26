"""Every route declares who may use it, and the declarations hold."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.support.builders import make_user
from wbl.access import Role


def test_every_endpoint_declares_a_policy(app: Flask) -> None:
    undeclared = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.endswith("static")
        and not hasattr(app.view_functions[rule.endpoint], "policy")
    )
    assert undeclared == []


STAFF_PAGES = [
    "/admin/reference/outcomes",
    "/admin/reference/pathways",
    "/admin/jobs",
    "/users/invite",
    "/outbox/",
    "/catalog/partners",
    "/catalog/partners/new",
    "/catalog/compliance",
    "/catalog/offerings",
    "/catalog/review",
    "/catalog/import/",
    "/rounds/",
    "/logs/report",
    "/reviews/guide",
    "/reviews/pool",
    "/reviews/submissions",
    "/interviews",
    "/interviews/new",
    "/certificates",
    "/pathways/rules",
    "/externships/by-school",
    "/externships/by-partner",
    "/incentives/report",
    "/incentives/years",
    "/incentives/completions",
    "/credentials/catalog",
    "/credentials/catalog/new",
    "/credentials/catalog/import",
    "/credentials/policy",
    "/credentials/queue",
    "/credentials/workkeys/import",
]


@pytest.mark.parametrize("url", STAFF_PAGES)
@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (None, 302),
        ({Role.STUDENT}, 403),
        ({Role.TEACHER}, 403),
        ({Role.EMPLOYER}, 403),
        ({Role.STAFF}, 200),
        ({Role.ADMIN}, 200),
    ],
)
def test_staff_pages_by_role(client, login_as, url, roles, expected) -> None:
    if roles:
        login_as(make_user(roles=roles))
    response = client.get(url)
    assert response.status_code == expected
    if expected == 302:
        assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("role", list(Role))
def test_every_role_has_a_home_page(client, login_as, role) -> None:
    login_as(make_user(roles={role}))
    assert client.get("/home").status_code == 200


def test_anonymous_home_goes_to_login(client) -> None:
    response = client.get("/home")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_inactive_user_session_is_not_honoured(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}, active=False))
    assert client.get("/admin/reference/outcomes").status_code == 302


def test_forbidden_page_is_friendly(client, login_as) -> None:
    login_as(make_user(roles={Role.STUDENT}))
    response = client.get("/users/invite")
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)


def test_unknown_page_is_friendly(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
