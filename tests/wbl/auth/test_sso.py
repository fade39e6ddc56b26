"""Single sign-on against a real OpenID Connect provider on loopback
(tests/support/oidc_provider.py): the app fetches its discovery document and keys and trades
the code for tokens over HTTP, as it would with Google or Entra ID. Each test that goes
wrong says how the page reads, that nobody is signed in and that nothing was stored."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from tests.support.builders import make_student, make_user
from tests.support.oidc_provider import OpenIDProvider, Person, nobody_listening
from wbl.access import Role
from wbl.auth import oidc
from wbl.auth.models import SsoIdentity, User
from wbl.extensions import db

STUDENT = Person()  # ana.torres@students.srcs.example.org, subject student-0001
NOT_SIGNED_IN = "You are not signed in"
REFUSED = "We could not sign you in"


@pytest.fixture(scope="module")
def provider() -> Iterator[OpenIDProvider]:
    with OpenIDProvider() as running:
        yield running


@pytest.fixture
def op(app: Flask, provider: OpenIDProvider) -> Iterator[OpenIDProvider]:
    """The provider, configured in the app as "district" for this test only."""
    provider.reset()
    oidc.configure(app, (provider.provider(),))
    yield provider
    oidc.configure(app, ())


def rostered_student(person: Person = STUDENT, **user: object) -> User:
    """A student as the roster makes them: an account without a password, and a profile."""
    account = make_user(
        roles={Role.STUDENT}, email=person.email, full_name=person.name, password=None, **user
    )
    make_student(user=account)
    return account


def local(url: str) -> str:
    """The path and query of a URL on the app (the test client's host is localhost)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def start(client: FlaskClient, path: str = "/sso/district") -> str:
    """Press the button: the URL of the provider's authorization page."""
    response = client.get(path)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def sign_in(client: FlaskClient, op: OpenIDProvider) -> TestResponse:
    """The whole journey: the button, the provider's "Sign in as …", back to the app."""
    return client.get(local(op.approve(start(client))))


def signed_in_as(client: FlaskClient) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def identities() -> int:
    return db.session.scalar(select(func.count()).select_from(SsoIdentity)) or 0


def assert_not_signed_in(client: FlaskClient, response: TestResponse, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert signed_in_as(client) is None
    assert identities() == 0
    assert client.get("/home").status_code == 302  # sent to sign in
    return response.get_data(as_text=True)


# --- success -----------------------------------------------------------------------------------


def test_a_rostered_student_without_a_password_signs_in(client, op) -> None:
    student = rostered_student()
    assert student.password_hash is None

    authorize = start(client)
    asked = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(f"{op.issuer}/authorize?")
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["scope"] == ["openid email profile"]
    assert asked["state"][0]
    assert asked["nonce"][0]
    response = client.get(local(op.approve(authorize)))

    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    assert signed_in_as(client) == str(student.id)
    assert student.last_login_at is not None
    link = db.session.scalars(select(SsoIdentity)).one()
    assert (link.user_id, link.issuer, link.subject) == (student.id, op.issuer, STUDENT.subject)
    # The code was traded with the PKCE verifier (the provider checks it against the challenge).
    assert [r["code_verifier"] for r in op.token_requests] != [""]
    home = client.get("/home")
    assert home.status_code == 200
    assert "Ana Torres" in home.get_data(as_text=True)


def test_the_next_sign_in_matches_the_stored_subject_even_after_the_address_changed(
    client, op
) -> None:
    student = rostered_student()
    assert sign_in(client, op).status_code == 302
    client.delete_cookie("session")

    op.person = Person(email="ana.t@srcs.example.org")  # the district renamed the mailbox
    assert sign_in(client, op).status_code == 302

    assert signed_in_as(client) == str(student.id)
    assert student.email == STUDENT.email  # the roster owns the address, not the provider
    assert identities() == 1


def test_a_teacher_signs_in_and_lands_where_the_sign_in_page_was_asked_for(client, op) -> None:
    teacher = make_user(roles={Role.TEACHER}, email="james.chen@srcs.example.org")
    op.person = Person(subject="teacher-7", email="James.Chen@SRCS.example.org")

    authorize = start(client, "/sso/district?next=/classes")
    response = client.get(local(op.approve(authorize)))

    assert response.headers["Location"] == "/classes"
    assert signed_in_as(client) == str(teacher.id)


def test_next_cannot_leave_the_site(client, op) -> None:
    rostered_student()
    authorize = start(client, "/sso/district?next=https://evil.example.com/")
    assert client.get(local(op.approve(authorize))).headers["Location"] == "/home"


def test_the_session_is_a_new_one_after_sign_in(client, op) -> None:
    rostered_student()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    sign_in(client, op)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert not [key for key in session if key.startswith("_state_")]  # the state is spent


def test_only_the_latest_sign_in_a_browser_started_may_finish(app, client, op) -> None:
    """Each start keeps its state in the session cookie: abandoned ones must not pile up
    past the 4 KB a browser keeps."""
    student = rostered_student()
    first = local(op.approve(start(client)))
    for _ in range(10):
        latest = start(client)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    assert len(cookie.value) < 900, len(cookie.value)
    assert client.get(first).status_code == 400
    assert client.get(local(op.approve(latest))).status_code == 302
    assert signed_in_as(client) == str(student.id)


def test_a_provider_that_rotated_its_key_is_followed(client, op) -> None:
    student = rostered_student()
    assert sign_in(client, op).status_code == 302  # the app now holds the provider's keys
    client.delete_cookie("session")
    op.rotate_key("test-key-2")
    assert sign_in(client, op).status_code == 302
    assert signed_in_as(client) == str(student.id)


def test_the_sign_in_throttle_does_not_stop_single_sign_on(client, post_form, op) -> None:
    student = rostered_student()
    answers = []
    while 429 not in answers and len(answers) < 12:  # five free guesses, then a growing wait
        guess = post_form("/login", {"email": STUDENT.email, "password": "a guess"})
        answers.append(guess.status_code)
    assert answers[-1] == 429, answers
    assert sign_in(client, op).status_code == 302
    assert signed_in_as(client) == str(student.id)


# --- the ID token cannot be trusted --------------------------------------------------------------


UNTRUSTED = "WBL could not verify the answer of the sign-in service"


@pytest.mark.parametrize(
    "mischief",
    [
        pytest.param({"tampered": True}, id="tampered"),
        pytest.param({"foreign_key": True}, id="signed-by-another-key"),
        pytest.param({"audience": "another-client"}, id="wrong-audience"),
        pytest.param(
            {"audience": "another-client", "azp": "wbl-test-client"}, id="wrong-audience-our-azp"
        ),
        pytest.param({"audience": ["another-client", "a-third"]}, id="audiences-without-us"),
        pytest.param(
            {"audience": ["wbl-test-client", "another"], "azp": "another"}, id="wrong-azp"
        ),
        pytest.param({"issuer": "https://accounts.example.com"}, id="wrong-issuer"),
        pytest.param({"lifetime": -120}, id="expired"),
        pytest.param({"issued_ago": 3600}, id="issued-an-hour-ago"),
        pytest.param({"issued_ago": -600}, id="issued-in-the-future"),
        pytest.param({"nonce": "a-nonce-from-another-sign-in"}, id="wrong-nonce"),
        pytest.param({"extra_claims": {"nonce": None}}, id="no-nonce"),
        pytest.param({"no_id_token": True}, id="no-id-token"),
    ],
)
def test_an_id_token_that_cannot_be_trusted_signs_nobody_in(client, op, caplog, mischief) -> None:
    rostered_student()
    op.but(**mischief)
    with caplog.at_level(logging.WARNING, logger="wbl.auth.oidc"):
        page = assert_not_signed_in(client, sign_in(client, op), 400)
    assert NOT_SIGNED_IN in page
    assert UNTRUSTED in page
    assert any("single sign-on with district" in r.getMessage() for r in caplog.records)


def test_a_token_a_little_late_by_the_clock_is_still_accepted(client, op) -> None:
    rostered_student()
    op.but(lifetime=-(oidc.LEEWAY // 2))  # our clock is half a minute ahead of the provider's
    assert sign_in(client, op).status_code == 302


# --- the person may not sign in this way -----------------------------------------------------


def test_an_unverified_address_is_refused(client, op) -> None:
    rostered_student()
    op.person = Person(email_verified=False)
    page = assert_not_signed_in(client, sign_in(client, op), 403)
    assert REFUSED in page
    assert "has not confirmed that ana.torres@students.srcs.example.org is yours" in page


def test_no_email_verified_claim_is_refused_too(client, op) -> None:
    rostered_student()
    op.person = Person(email_verified=None)
    assert "has not confirmed" in assert_not_signed_in(client, sign_in(client, op), 403)


def test_a_provider_may_name_its_own_verified_claim(app, client, op) -> None:
    """Microsoft Entra ID: no email_verified, but the optional claim xms_edov."""
    oidc.configure(app, (op.provider(verified_claim="xms_edov"),))
    student = rostered_student()
    op.person = Person(email_verified=None)
    op.but(extra_claims={"xms_edov": True})
    assert sign_in(client, op).status_code == 302
    assert signed_in_as(client) == str(student.id)


@pytest.mark.parametrize(
    "email",
    [
        "ana.torres@gmail.example.com",
        "ana.torres@evil.students.srcs.example.org",  # a sub-domain is someone else's
        "ana.torres@students.srcs.example.org.evil.example",
    ],
)
def test_an_address_outside_the_providers_domains_is_refused(client, op, caplog, email) -> None:
    make_user(roles={Role.STUDENT}, email=email)  # even an account of that address
    op.person = Person(email=email)
    with caplog.at_level(logging.WARNING, logger="wbl.auth.sso"):
        page = assert_not_signed_in(client, sign_in(client, op), 403)
    assert "Sign in with Santa Rosa Schools is for addresses at srcs.example.org" in page
    assert "students.srcs.example.org" in page
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "AddressNotAllowed" in logged
    assert email not in logged  # the domain, never the address


def test_an_unknown_address_is_refused_and_no_account_is_made(client, op) -> None:
    op.person = Person(email="new.student@students.srcs.example.org")
    page = assert_not_signed_in(client, sign_in(client, op), 403)
    assert "No active WBL account uses new.student@students.srcs.example.org" in page
    assert "ask your teacher" in page
    assert db.session.scalar(select(User).where(User.email.like("new.student%"))) is None


def test_a_deactivated_student_is_refused_like_an_unknown_address(client, op) -> None:
    rostered_student(active=False)
    page = assert_not_signed_in(client, sign_in(client, op), 403)
    assert f"No active WBL account uses {STUDENT.email}" in page


def test_a_deactivated_student_is_refused_after_a_first_sign_in_too(client, op) -> None:
    student = rostered_student()
    sign_in(client, op)
    client.delete_cookie("session")
    student.active = False
    db.session.flush()
    response = sign_in(client, op)
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert "No active WBL account" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "roles", [{Role.STAFF}, {Role.ADMIN, Role.STAFF}, {Role.TEACHER, Role.STAFF}, {Role.EMPLOYER}]
)
def test_a_role_the_provider_does_not_allow_is_refused(client, op, roles) -> None:
    make_user(roles=roles, email="pat.lee@srcs.example.org")
    op.person = Person(subject="staff-1", email="pat.lee@srcs.example.org")
    page = assert_not_signed_in(client, sign_in(client, op), 403)
    assert "Your WBL account does not sign in with Santa Rosa Schools" in page


def test_an_account_linked_to_another_identity_is_not_opened_by_a_new_one(app, client, op) -> None:
    student = rostered_student()
    sign_in(client, op)
    client.delete_cookie("session")
    # The provider gave Ana's address to another person (another subject).
    op.person = Person(subject="student-9999")
    response = sign_in(client, op)
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert "linked to another Santa Rosa Schools account" in response.get_data(as_text=True)

    # Staff remove the old link: the next sign-in links the new identity.
    result = app.test_cli_runner().invoke(args=["users", "unlink-sso", STUDENT.email])
    assert result.exit_code == 0, result.output
    assert "1 single sign-on identities removed" in result.output
    assert sign_in(client, op).status_code == 302
    link = db.session.scalars(select(SsoIdentity)).one()
    assert (link.user_id, link.subject) == (student.id, "student-9999")


def test_unlink_names_an_unknown_address(app) -> None:
    result = app.test_cli_runner().invoke(args=["users", "unlink-sso", "nobody@example.org"])
    assert result.exit_code == 1
    assert "No account uses that e-mail address." in result.output


# --- the callback cannot be used -------------------------------------------------------------


UNUSABLE = "This sign-in has expired, was already used, or was started in another browser."


def test_a_callback_started_in_another_browser_is_refused(app, client, op) -> None:
    rostered_student()
    callback = local(op.approve(start(client)))
    other = app.test_client()  # the attacker's code, in the victim's browser (login CSRF)
    response = other.get(callback)
    assert response.status_code == 400
    assert UNUSABLE in response.get_data(as_text=True)
    assert signed_in_as(other) is None
    assert identities() == 0


def test_a_callback_used_once_is_refused_the_second_time(client, op) -> None:
    rostered_student()
    callback = local(op.approve(start(client)))
    assert client.get(callback).status_code == 302
    client.delete_cookie("session")
    response = client.get(callback)
    assert response.status_code == 400
    assert signed_in_as(client) is None
    assert identities() == 1  # linked once, by the first


def test_a_code_the_provider_does_not_know_is_refused(client, op) -> None:
    rostered_student()
    callback = op.approve(start(client))
    forged = callback.replace("code=", "code=x")
    page = assert_not_signed_in(client, client.get(local(forged)), 400)
    assert UNUSABLE in page


def test_a_person_who_cancels_at_the_provider_is_told_plainly(client, op, caplog) -> None:
    rostered_student()
    op.denies = True
    with caplog.at_level(logging.INFO, logger="wbl.auth.oidc"):
        page = assert_not_signed_in(client, sign_in(client, op), 400)
    assert "The sign-in service did not sign you in." in page
    assert "access_denied" in caplog.text
    assert op.token_requests == []


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?code=abc",
        "?state=abc",
        "?state=&code=",
        "?code=abc&state=" + "x" * 5000,
        "?state=%00&code=%ff%fe",
        "?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C/script%3E+call+555",
        "?error=" + "e" * 5000,
        "?code=abc&code=def&state=abc&state=def",
    ],
)
def test_a_hostile_callback_is_a_clear_400(client, op, query) -> None:
    rostered_student()
    start(client)  # a real state waits in the session
    response = client.get("/sso/district/callback" + query)
    body = assert_not_signed_in(client, response, 400)
    assert "<script>" not in body
    assert "call 555" not in body  # the provider's words are logged, not shown


# --- the provider is down or misconfigured ------------------------------------------------


DOWN = "The sign-in service did not answer"


def test_a_provider_that_is_down_gets_a_clear_page(app, client, op, caplog) -> None:
    oidc.configure(app, (op.provider(issuer=nobody_listening()),))
    with caplog.at_level(logging.WARNING, logger="wbl.auth.oidc"):
        response = client.get("/sso/district")
    assert response.status_code == 502
    page = response.get_data(as_text=True)
    assert DOWN in page
    assert "sign in with your e-mail and password" in page
    assert "Sign in with Santa Rosa Schools again" in page
    assert "did not answer" in caplog.text


@pytest.mark.parametrize("status", [500, 503])
def test_a_token_endpoint_that_fails_gets_the_same_page(client, op, status) -> None:
    rostered_student()
    op.but(token_status=status)
    assert DOWN in assert_not_signed_in(client, sign_in(client, op), 502)


def test_a_provider_that_hangs_is_given_up_on(app, client, op, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "SSO_TIMEOUT", 0.3)
    oidc.configure(app, (op.provider(),))
    rostered_student()
    callback = local(op.approve(start(client)))
    op.but(token_delay=1.5)
    started = time.monotonic()
    response = client.get(callback)
    assert time.monotonic() - started < 1.2
    assert DOWN in assert_not_signed_in(client, response, 502)


def test_a_discovery_document_for_another_issuer_is_not_used(client, op, caplog) -> None:
    op.but(discovery_issuer="https://accounts.example.com")
    with caplog.at_level(logging.ERROR, logger="wbl.auth.oidc"):
        response = client.get("/sso/district")
    assert response.status_code == 502
    assert "names the issuer 'https://accounts.example.com'" in caplog.text


# --- the pages --------------------------------------------------------------------------------


def test_the_sign_in_page_has_a_button_per_provider(app, client, op) -> None:
    oidc.configure(
        app,
        (op.provider(), op.provider(name="classlink", label="ClassLink")),
    )
    page = client.get("/login?next=/classes").get_data(as_text=True)
    assert "Sign in with Santa Rosa Schools" in page
    assert 'href="/sso/district?next=/classes"' in page
    assert 'href="/sso/classlink?next=/classes"' in page
    assert "or with your e-mail and password" in page
    assert 'name="password"' in page  # password sign-in stays


def test_without_providers_the_sign_in_page_has_no_buttons(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "/sso/" not in page
    assert "or with your e-mail and password" not in page


def test_an_unknown_provider_is_404(client, op) -> None:
    assert client.get("/sso/google").status_code == 404
    assert client.get("/sso/google/callback?code=a&state=b").status_code == 404


def test_a_signed_in_person_pressing_the_button_goes_home(client, login_as, op) -> None:
    login_as(rostered_student())
    response = client.get("/sso/district")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert op.token_requests == []
