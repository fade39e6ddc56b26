"""The account page's API tokens: made, shown once, listed with their last use, revoked."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import csrf_from
from tests.support.api_data import api_get
from tests.support.builders import make_district, make_student, make_user
from wbl.access import Role
from wbl.api.models import ApiToken, TokenKind
from wbl.auth.models import User
from wbl.extensions import db


def _post(client: FlaskClient, url: str, data: dict[str, object]) -> str:
    token = csrf_from(client.get("/account/tokens").get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, **data})
    assert response.status_code in (200, 302), response.status_code
    return response.get_data(as_text=True)


def test_a_student_makes_uses_and_revokes_a_personal_token(
    client: FlaskClient, login_as: Callable[[User], User]
) -> None:
    student = make_student()
    login_as(student.user)
    page = client.get("/account/tokens")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "catalog:read" in html
    assert 'href="/api/v1/docs"' in html
    assert "New service token" not in html  # staff only

    html = _post(
        client,
        "/account/tokens",
        {"personal-name": "my script", "personal-scopes": ["catalog:read"], "personal-days": "30"},
    )
    token = db.session.scalars(select(ApiToken)).one()
    secret = html.split('id="new-token" class="form-control font-monospace" readonly value="')[1]
    secret = secret.split('"')[0]
    assert secret.startswith("wbl_")
    assert token.hint == secret[:10]
    assert "shown only this once" in html
    assert secret not in client.get("/account/tokens").get_data(as_text=True)  # once

    assert api_get(client, "/api/v1/offerings", secret).status_code == 200
    listed = client.get("/account/tokens").get_data(as_text=True)
    assert "my script" in listed
    assert "Never" not in listed

    _post(client, f"/account/tokens/{token.id}/revoke", {})
    assert api_get(client, "/api/v1/offerings", secret).status_code == 401


def test_a_scope_the_roles_do_not_allow_is_refused(
    client: FlaskClient, login_as: Callable[[User], User]
) -> None:
    login_as(make_student().user)
    html = _post(
        client,
        "/account/tokens",
        {"personal-name": "x", "personal-scopes": ["offerings:write"], "personal-days": "30"},
    )
    assert "is-invalid" in html
    assert db.session.scalars(select(ApiToken)).all() == []


def test_staff_make_a_service_token_for_their_district(
    client: FlaskClient, login_as: Callable[[User], User]
) -> None:
    district = make_district()
    staff = login_as(make_user(roles={Role.STAFF}, district=district))
    html = client.get("/account/tokens").get_data(as_text=True)
    assert "New service token" in html
    _post(
        client,
        "/account/tokens/service",
        {
            "service-name": "SIS sync",
            "service-scopes": ["catalog:read", "hours:read"],
            "service-days": "365",
        },
    )
    token = db.session.scalars(select(ApiToken)).one()
    assert token.kind is TokenKind.SERVICE
    assert token.created_by_id == staff.id
    assert token.user_id != staff.id
    assert token.user.district_id == district.id
    assert token.scope_set == {"catalog:read", "hours:read"}


def test_others_are_not_offered_service_tokens(
    client: FlaskClient, login_as: Callable[[User], User]
) -> None:
    login_as(make_user(roles={Role.TEACHER}))
    assert client.post("/account/tokens/service", data={}).status_code in (400, 403)


def test_someone_else_s_token_cannot_be_revoked(
    client: FlaskClient, login_as: Callable[[User], User]
) -> None:
    owner = make_student().user
    login_as(owner)
    _post(
        client,
        "/account/tokens",
        {"personal-name": "mine", "personal-scopes": ["catalog:read"], "personal-days": "30"},
    )
    token = db.session.scalars(select(ApiToken)).one()
    login_as(make_student().user)
    csrf = csrf_from(client.get("/account/tokens").get_data(as_text=True))
    answer = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf})
    assert answer.status_code == 404
    assert token.revoked_at is None


def test_the_menu_leads_to_the_tokens_page_through_the_account_page(
    client: FlaskClient, login_as: Callable[[User], User]
) -> None:
    """Every page's name in the menu opens the account page, which links to the tokens."""
    login_as(make_student().user)
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/account"' in home
    account = client.get("/account").get_data(as_text=True)
    assert 'href="/account/tokens"' in account
    assert 'href="/api/v1/docs"' in account
