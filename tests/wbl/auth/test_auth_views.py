"""Sign-in, sign-out, password reset and invitations, through the real forms (throttling:
test_sign_in_throttle.py)."""

from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from tests.support.builders import PASSWORD, make_district, make_school, make_user
from wbl.access import Role
from wbl.auth.models import User, password_matches
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage

LOGIN_ERROR = "That e-mail and password do not match an active account."


def _login(post_form, email: str, password: str, **kwargs):
    return post_form("/login", {"email": email, "password": password}, **kwargs)


def _last_mail(to: str) -> OutboxMessage:
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_email == to).order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None, f"no e-mail to {to}"
    return message


def _link_path(message: OutboxMessage) -> str:
    match = re.search(r"http://localhost(/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def test_login_with_the_form_lands_on_home(client, post_form) -> None:
    user = make_user(roles={Role.TEACHER}, email="Teacher@Example.org")
    response = _login(post_form, "  teacher@EXAMPLE.org ", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/home")
    assert user.last_login_at is not None
    assert client.get("/home").status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [("who@example.org", PASSWORD), ("known@example.org", "wrong password")],
)
def test_bad_credentials_get_one_clear_message(post_form, email, password) -> None:
    make_user(email="known@example.org")
    response = _login(post_form, email, password)
    assert response.status_code == 200
    assert LOGIN_ERROR in response.get_data(as_text=True)


def test_inactive_account_cannot_sign_in(post_form) -> None:
    make_user(email="gone@example.org", active=False)
    assert LOGIN_ERROR in _login(post_form, "gone@example.org", PASSWORD).get_data(as_text=True)


def test_invalid_email_shape_is_reported(post_form) -> None:
    body = _login(post_form, "not-an-address", PASSWORD).get_data(as_text=True)
    assert "Invalid email address" in body


def test_post_without_csrf_token_is_refused(client) -> None:
    make_user(email="csrf@example.org")
    response = client.post("/login", data={"email": "csrf@example.org", "password": PASSWORD})
    assert response.status_code == 400


def test_next_parameter_cannot_leave_the_site(client, post_form) -> None:
    make_user(email="next@example.org")
    response = post_form(
        "/login?next=https://evil.example.com/", {"email": "next@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/home")
    client.delete_cookie("session")
    response = post_form(
        "/login?next=/admin/reference/outcomes", {"email": "next@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/admin/reference/outcomes")


def test_successful_logins_do_not_count_towards_the_throttle(client, post_form) -> None:
    make_user(email="often@example.org")
    for _ in range(7):
        assert _login(post_form, "often@example.org", PASSWORD).status_code == 302
        client.get("/logout")  # GET does nothing; clear the cookie instead
        client.delete_cookie("session")


def test_logout_needs_post_with_csrf(client, login_as, post_form) -> None:
    login_as(make_user(roles={Role.STAFF}))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", data={}).status_code == 400  # no CSRF token
    assert client.get("/home").status_code == 200  # still signed in: no CSRF token, no logout
    response = post_form("/logout", {}, page="/home", follow_redirects=True)
    assert "You have signed out." in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_password_sign_in_starts_a_new_session(client, post_form) -> None:
    """Whatever the session held before sign-in is gone after it (no session fixation)."""
    make_user(email="pw@example.org")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    assert post_form("/login", {"email": "pw@example.org", "password": PASSWORD}).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]


# --- password reset ------------------------------------------------------------------------


def test_password_reset_round_trip(client, post_form) -> None:
    user = make_user(email="forgetful@example.org")
    response = post_form(
        "/password/forgot", {"email": "Forgetful@example.org"}, follow_redirects=True
    )
    assert "a reset link is on its way" in response.get_data(as_text=True)
    link = _link_path(_last_mail("forgetful@example.org"))
    response = post_form(
        link, {"password": "a brand new password", "confirm": "a brand new password"}
    )
    assert response.status_code == 302
    assert password_matches(user, "a brand new password")
    # The link is single use.
    again = client.get(link)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_reset_for_unknown_address_sends_nothing_and_says_the_same(post_form) -> None:
    before = db.session.scalar(select(db.func.count(OutboxMessage.id)))
    response = post_form("/password/forgot", {"email": "nobody@example.org"}, follow_redirects=True)
    assert "a reset link is on its way" in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == before


@pytest.mark.parametrize(
    ("password", "confirm", "problem"),
    [
        ("short", "short", "Choose a password of 10 to 200 characters."),
        ("a long enough one", "a different one!", "The two passwords differ."),
    ],
)
def test_reset_with_bad_password_keeps_the_old_one(post_form, password, confirm, problem) -> None:
    user = make_user(email="careful@example.org")
    post_form("/password/forgot", {"email": "careful@example.org"})
    link = _link_path(_last_mail("careful@example.org"))
    response = post_form(link, {"password": password, "confirm": confirm})
    assert response.status_code == 200
    assert problem in response.get_data(as_text=True)
    assert password_matches(user, PASSWORD)


def test_tampered_and_expired_reset_links(app, client) -> None:
    user = make_user(email="links@example.org")
    assert client.get("/password/reset/not-a-token").status_code == 400
    with app.test_request_context():
        other_key = URLSafeTimedSerializer("another key", salt="wbl.reset").dumps({"uid": user.id})
    assert "not valid" in client.get(f"/password/reset/{other_key}").get_data(as_text=True)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        from wbl.auth.services import password_fingerprint
        from wbl.tokens import make_token

        with app.test_request_context():
            token = make_token(
                "reset", {"uid": user.id, "pw": password_fingerprint(user.password_hash)}
            )
        response = client.get(f"/password/reset/{token}")
        assert response.status_code == 400
        assert "expired" in response.get_data(as_text=True)
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 7200


def test_a_reset_link_cannot_be_used_as_an_invitation(client, post_form) -> None:
    make_user(email="purpose@example.org")
    post_form("/password/forgot", {"email": "purpose@example.org"})
    token = _link_path(_last_mail("purpose@example.org")).rsplit("/", 1)[1]
    assert client.get(f"/invitation/{token}").status_code == 400


# --- invitations ---------------------------------------------------------------------------


def test_staff_invite_a_teacher_who_sets_a_password(client, login_as, post_form) -> None:
    school = make_school()
    staff = login_as(make_user(roles={Role.STAFF}))
    response = post_form(
        "/users/invite",
        {
            "full_name": "Ana Teacher",
            "email": "ana@example.org",
            "roles": ["teacher"],
            "school_id": school.id,
        },
    )
    assert response.status_code == 302
    invited = db.session.scalar(select(User).where(User.email == "ana@example.org"))
    assert invited is not None
    assert invited.role_set == {Role.TEACHER}
    assert invited.school_id == school.id
    assert invited.password_hash is None
    message = _last_mail("ana@example.org")
    assert staff.full_name in message.body_text
    client.delete_cookie("session")
    link = _link_path(message)
    response = post_form(link, {"password": "teaching is great", "confirm": "teaching is great"})
    assert response.status_code == 302
    assert client.get("/home").status_code == 200
    assert password_matches(invited, "teaching is great")
    assert client.get(link).status_code == 400  # used


def test_invite_reports_a_taken_address_on_the_field(login_as, post_form) -> None:
    make_user(email="taken@example.org")
    login_as(make_user(roles={Role.STAFF}))
    response = post_form(
        "/users/invite",
        {"full_name": "X", "email": "TAKEN@example.org", "roles": ["student"], "school_id": 0},
    )
    assert response.status_code == 200
    assert "An account with that e-mail already exists." in response.get_data(as_text=True)


def test_staff_cannot_create_administrators(login_as, post_form) -> None:
    login_as(make_user(roles={Role.STAFF}))
    response = post_form(
        "/users/invite",
        {"full_name": "Boss", "email": "boss@example.org", "roles": ["admin"], "school_id": 0},
    )
    assert response.status_code == 200
    assert "is not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "boss@example.org")) is None


def test_district_staff_cannot_invite_into_another_district(login_as, post_form) -> None:
    mine, theirs = make_district(), make_district()
    their_school = make_school(district=theirs)
    login_as(make_user(roles={Role.STAFF}, district=mine))
    response = post_form(
        "/users/invite",
        {
            "full_name": "X",
            "email": "x@example.org",
            "roles": ["teacher"],
            "school_id": their_school.id,
        },
    )
    # The other district's school is not even offered as a choice.
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_county_staff_invite_district_staff(login_as, post_form) -> None:
    district = make_district()
    login_as(make_user(roles={Role.STAFF}))
    response = post_form(
        "/users/invite",
        {
            "full_name": "Dee Staff",
            "email": "dee@example.org",
            "roles": ["staff"],
            "district_id": district.id,
            "school_id": 0,
        },
    )
    assert response.status_code == 302
    invited = db.session.scalar(select(User).where(User.email == "dee@example.org"))
    assert invited.district_id == district.id
    assert invited.school_id is None
    assert not invited.is_county_wide


def test_district_staff_invite_only_into_their_own_district(login_as, post_form) -> None:
    mine, theirs = make_district(), make_district()
    login_as(make_user(roles={Role.STAFF}, district=mine))
    refused = post_form(
        "/users/invite",
        {
            "full_name": "X",
            "email": "x2@example.org",
            "roles": ["staff"],
            "district_id": theirs.id,
            "school_id": 0,
        },
    )
    assert "is not a valid choice" in refused.get_data(as_text=True) or "Not a valid choice" in (
        refused.get_data(as_text=True)
    )
    ok = post_form(
        "/users/invite",
        {
            "full_name": "Y",
            "email": "y2@example.org",
            "roles": ["staff"],
            "school_id": 0,
        },
    )
    assert ok.status_code == 302
    assert db.session.scalar(select(User).where(User.email == "y2@example.org")).district_id == (
        mine.id
    )


# --- the remember-me cookie -------------------------------------------------------------


def _remember_cookie(client, post_form) -> str:
    make_user(email="remembered@example.org")
    response = post_form(
        "/login", {"email": "remembered@example.org", "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert len(cookies) == 1
    return cookies[0]


def test_the_remember_me_cookie_is_http_only_and_same_site_lax(client, post_form) -> None:
    cookie = _remember_cookie(client, post_form)
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie
    assert "; Secure" not in cookie  # tests run over http


def test_in_production_the_remember_me_cookie_is_secure(client, post_form, monkeypatch) -> None:
    from config import ProductionConfig

    for name in ("REMEMBER_COOKIE_SECURE", "REMEMBER_COOKIE_SAMESITE"):
        monkeypatch.setitem(client.application.config, name, getattr(ProductionConfig, name))
    cookie = _remember_cookie(client, post_form)
    assert "; Secure" in cookie
    assert "; SameSite=Lax" in cookie


@pytest.mark.parametrize(
    ("roles", "admin_offered"),
    [({Role.STAFF}, False), ({Role.ADMIN, Role.STAFF}, True)],
)
def test_the_invite_form_offers_the_roles_the_service_accepts(
    client, login_as, roles, admin_offered
) -> None:
    from wbl.auth.services import INVITABLE_BY_STAFF, roles_grantable_by

    actor = login_as(make_user(roles=roles))
    assert roles_grantable_by(actor) == INVITABLE_BY_STAFF | (
        {Role.ADMIN} if admin_offered else set()
    )
    page = client.get("/users/invite").get_data(as_text=True)
    assert ('value="admin"' in page) is admin_offered
    assert 'value="teacher"' in page
