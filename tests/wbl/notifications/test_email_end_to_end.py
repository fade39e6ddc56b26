"""End to end: with the real scheduler process running and MAIL_SERVER pointing at a real SMTP
server on loopback, a password reset asked for through the web arrives at the SMTP server,
and its link resets the password."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, select

from tests.conftest import csrf_from
from tests.support.builders import make_user
from tests.support.processes import app_env, committed_app, dispose, flask_process, wait_for
from tests.support.smtp import smtp_server
from wbl.access import Role
from wbl.auth.models import User, UserRole
from wbl.auth.services import check_reset_token
from wbl.extensions import db
from wbl.jobs.models import JobRun
from wbl.notifications.models import OutboxMessage, OutboxStatus

EMAIL = "rosa.delgado@scoe.example.org"
STARTUP = 60  # seconds at most for the scheduler to import the app and start (a few, usually)
DELIVERY = 15  # the test's scheduler delivers every second


@pytest.fixture
def no_isolation(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The web app (test client) and the scheduler process share a committed database."""
    web = committed_app(app, tmp_path_factory, "_mail_e2e")
    with web.app_context():
        make_user(roles={Role.STAFF}, email=EMAIL, full_name="Rosa Delgado")
        db.session.commit()
        db.session.remove()
    yield web
    with web.app_context():
        db.session.execute(delete(OutboxMessage))
        db.session.execute(delete(JobRun))
        db.session.execute(delete(UserRole))
        db.session.execute(delete(User))
        db.session.commit()
    dispose(web)


def _status(app: Flask) -> tuple[OutboxStatus, int]:
    """The one message's delivery state, read afresh (the scheduler process writes it)."""
    with app.app_context():
        try:
            message = db.session.scalars(select(OutboxMessage)).one()
            return message.status, message.attempts
        finally:
            db.session.remove()


def test_a_password_reset_asked_for_on_the_web_reaches_the_smtp_server(
    no_isolation: Flask, tmp_path: Path
) -> None:
    app = no_isolation
    log = tmp_path / "scheduler.log"
    with smtp_server() as (smtp, port):
        env = app_env(app, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), WBL_OUTBOX_INTERVAL="1")
        with flask_process(["scheduler"], env, log) as scheduler:
            wait_for(
                lambda: "WBL scheduler:" in log.read_text(),
                seconds=STARTUP,
                what="the scheduler did not start",
                log=log,
            )
            client = app.test_client()
            token = csrf_from(client.get("/password/forgot").get_data(as_text=True))
            response = client.post("/password/forgot", data={"email": EMAIL, "csrf_token": token})
            assert response.status_code == 302
            wait_for(
                lambda: bool(smtp.messages),
                seconds=DELIVERY,
                what="no e-mail reached the SMTP server",
                log=log,
            )
            # The server has the message before the scheduler records it as sent.
            wait_for(
                lambda: _status(app) == (OutboxStatus.SENT, 1),
                seconds=DELIVERY,
                what="the message was not recorded as sent",
                log=log,
            )
            assert scheduler.poll() is None  # still running: it delivered, it did not exit
    [received] = smtp.messages
    assert received.recipients == [EMAIL]
    email = received.email
    assert email["Subject"] == "Reset your WBL password"
    text = email.get_body(preferencelist=("plain",))  # the text part of text + HTML
    assert text is not None
    match = re.search(r"/password/reset/(\S+)", text.get_content())
    assert match, text.get_content()
    with app.app_context():
        assert check_reset_token(match.group(1)).email == EMAIL
        assert db.session.scalars(select(OutboxMessage)).one().sent_at is not None
