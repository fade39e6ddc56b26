"""Administration ▸ Outbox: every message with its delivery state, tries, next try and last
error, in the county's time zone; filtered by state."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.builders import make_district, make_user
from wbl.access import Role
from wbl.extensions import db
from wbl.notifications.delivery import MAX_ATTEMPTS
from wbl.notifications.models import OutboxMessage, OutboxStatus
from wbl.notifications.services import queue_message

QUEUED_AT = datetime(2027, 1, 5, 17, 30, tzinfo=UTC)  # 9:30 AM in Sonoma County (PST)


def _message(subject: str, **state: object) -> OutboxMessage:
    message = queue_message(kind="test", to="reader@example.org", subject=subject, body="Details")
    message.created_at = QUEUED_AT
    for name, value in state.items():
        setattr(message, name, value)
    db.session.flush()
    return message


@pytest.fixture
def outbox() -> None:
    _message("Fresh news")
    _message(
        "Busy mailbox",
        attempts=2,
        last_attempt_at=QUEUED_AT + timedelta(minutes=1),
        next_attempt_at=QUEUED_AT + timedelta(minutes=6),
        last_error="450 4.2.1 Mailbox busy",
    )
    _message(
        "Delivered",
        status=OutboxStatus.SENT,
        attempts=1,
        sent_at=QUEUED_AT + timedelta(minutes=1),
        next_attempt_at=None,
    )
    _message(
        "Nobody home",
        status=OutboxStatus.FAILED,
        attempts=1,
        last_attempt_at=QUEUED_AT + timedelta(minutes=1),
        next_attempt_at=None,
        last_error="550 5.1.1 No such user here",
    )


def _cards(html: str) -> dict[str, str]:
    """Each message's card by subject."""
    return {
        m.group(2): m.group(0)
        for m in re.finditer(
            r'<article[^>]*data-state="([^"]+)".*?<strong>([^<]+)</strong>.*?</article>', html, re.S
        )
    }


def test_staff_read_each_message_with_its_state_in_local_time(
    client: FlaskClient, login_as, outbox: None
) -> None:
    login_as(make_user(roles={Role.STAFF}))
    html = client.get("/outbox/").get_data(as_text=True)
    cards = _cards(html)
    assert set(cards) == {"Fresh news", "Busy mailbox", "Delivered", "Nobody home"}
    assert 'data-state="queued"' in cards["Fresh news"]
    busy = cards["Busy mailbox"]
    assert 'data-state="retrying"' in busy
    assert f"Try 2 of {MAX_ATTEMPTS} failed Tue, Jan 5, 2027, 9:31 AM PST." in busy
    assert "Next try Tue, Jan 5, 2027, 9:36 AM PST." in busy
    assert "450 4.2.1 Mailbox busy" in busy
    assert "Sent Tue, Jan 5, 2027, 9:31 AM PST." in cards["Delivered"]
    given_up = cards["Nobody home"]
    assert "Given up after 1 try, last Tue, Jan 5, 2027, 9:31 AM PST." in given_up
    assert "550 5.1.1 No such user here" in given_up
    assert "Written Tue, Jan 5, 2027, 9:30 AM PST" in html
    assert "UTC" not in html
    assert "No mail server is set" in html  # the outbox is the mailbox


@pytest.mark.parametrize(
    ("state", "subjects"),
    [
        ("queued", {"Fresh news"}),
        ("retrying", {"Busy mailbox"}),
        ("sent", {"Delivered"}),
        ("given-up", {"Nobody home"}),
        ("sending", set()),
        ("nonsense", {"Fresh news", "Busy mailbox", "Delivered", "Nobody home"}),
    ],
)
def test_the_outbox_filters_by_state(
    client: FlaskClient, login_as, outbox: None, state: str, subjects: set[str]
) -> None:
    login_as(make_user(roles={Role.STAFF}))
    response = client.get(f"/outbox/?state={state}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert set(_cards(html)) == subjects
    if not subjects:
        assert "No e-mail in this state." in html


def test_the_outbox_names_its_mail_server(app: Flask, client: FlaskClient, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    app.config["MAIL_SERVER"] = "smtp.scoe.example.org"
    try:
        html = client.get("/outbox/").get_data(as_text=True)
    finally:
        app.config["MAIL_SERVER"] = ""
    assert "smtp.scoe.example.org</code> every minute" in html


def test_the_outbox_is_for_county_wide_staff(client: FlaskClient, login_as) -> None:
    """It holds every district's mail: a district's staff may not read it."""
    assert client.get("/outbox/").status_code == 302
    login_as(make_user(roles={Role.TEACHER}))
    assert client.get("/outbox/").status_code == 403
    district_staff = make_user(roles={Role.STAFF}, district=make_district())
    login_as(district_staff)
    assert client.get("/outbox/").status_code == 403


def test_production_shows_delivery_but_not_the_bodies(
    app: Flask, client: FlaskClient, login_as
) -> None:
    """Bodies carry live signed links (a password reset): only their recipient may see one."""
    _message("Reset your WBL password", body_text="Choose a new password: https://x/reset/SECRET")
    login_as(make_user(roles={Role.ADMIN}))
    app.config["SHOW_OUTBOX"] = False
    try:
        html = client.get("/outbox/").get_data(as_text=True)
    finally:
        app.config["SHOW_OUTBOX"] = True
    assert "Reset your WBL password" in html
    assert "Queued" in html
    assert "SECRET" not in html
    assert "SECRET" in client.get("/outbox/").get_data(as_text=True)
