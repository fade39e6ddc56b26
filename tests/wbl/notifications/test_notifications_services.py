"""E-mail goes through the outbox and out over real SMTP (a local aiosmtpd server)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller

from tests.support.builders import make_user
from wbl.access import Role
from wbl.extensions import db
from wbl.notifications.services import MAX_ATTEMPTS, deliver_pending, queue_email


class Recorder:
    def __init__(self, refuse: bool = False) -> None:
        self.messages: list[tuple[str, list[str], str]] = []
        self.refuse = refuse

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's API
        if self.refuse:
            return "554 Transaction failed: mailbox unavailable"
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode())
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server(app) -> Iterator[Recorder]:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield recorder
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)
        controller.stop()


def test_queued_mail_is_delivered_over_smtp_once(smtp_server) -> None:
    message = queue_email(
        kind="test",
        to="parent@example.org",
        subject="Consent needed",
        body="Please read — and sign.",
    )
    assert deliver_pending() == 1
    assert message.sent_at is not None
    assert message.attempts == 1
    [(_sender, recipients, content)] = smtp_server.messages
    assert recipients == ["parent@example.org"]
    assert "Subject: Consent needed" in content
    assert deliver_pending() == 0  # never sent twice
    assert len(smtp_server.messages) == 1


def test_a_refused_message_stays_queued_with_the_error(smtp_server) -> None:
    smtp_server.refuse = True
    message = queue_email(kind="test", to="x@example.org", subject="Hi", body="Hello")
    assert deliver_pending() == 0
    assert message.sent_at is None
    assert message.attempts == 1
    assert "mailbox unavailable" in message.last_error
    smtp_server.refuse = False
    assert deliver_pending() == 1
    assert message.sent_at is not None


def test_a_message_that_keeps_failing_is_given_up(smtp_server) -> None:
    smtp_server.refuse = True
    message = queue_email(kind="test", to="x@example.org", subject="Hi", body="Hello")
    for _ in range(MAX_ATTEMPTS + 2):
        deliver_pending()
    assert message.attempts == MAX_ATTEMPTS


def test_without_a_mail_server_mail_waits_in_the_outbox(app) -> None:
    message = queue_email(kind="test", to="x@example.org", subject="Hi", body="Hello")
    assert deliver_pending() == 0
    assert message.sent_at is None
    assert message.attempts == 0


def test_staff_read_the_outbox(client, login_as) -> None:
    queue_email(kind="test", to="reader@example.org", subject="Your placement", body="Details")
    db.session.flush()
    login_as(make_user(roles={Role.STAFF}))
    body = client.get("/outbox/").get_data(as_text=True)
    assert "Your placement" in body
    assert "reader@example.org" in body


def test_outbox_page_is_hidden_when_not_enabled(app, client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    app.config["SHOW_OUTBOX"] = False
    try:
        assert client.get("/outbox/").status_code == 404
    finally:
        app.config["SHOW_OUTBOX"] = True


def test_a_mail_server_that_is_down_loses_nothing(app) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())  # nobody listens
    try:
        message = queue_email(kind="test", to="x@example.org", subject="Hi", body="Hello")
        assert deliver_pending() == 0
        assert message.sent_at is None
        assert message.attempts == 0  # never reached the server: not counted against it
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)


def test_a_calendar_invitation_goes_out_as_an_attachment(smtp_server) -> None:
    import email
    from email.message import EmailMessage
    from email.policy import default

    from wbl.notifications.services import Attachment

    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    queue_email(
        kind="test",
        to="student@example.org",
        subject="Your interview",
        body="See the invitation.",
        attachment=Attachment("interview.ics", "text/calendar; method=REQUEST", ics),
    )
    assert deliver_pending() == 1
    [(_sender, _recipients, content)] = smtp_server.messages
    parsed = email.message_from_string(content, policy=default)
    assert isinstance(parsed, EmailMessage)
    [part] = list(parsed.iter_attachments())
    assert part.get_filename() == "interview.ics"
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in part.get_content()
    with pytest.raises(ValueError, match="text attachments"):
        Attachment("x.pdf", "application/pdf", "")


def test_a_subject_too_long_for_its_column_is_shortened_not_refused() -> None:
    title = "Summer externship in " + "precision machining " * 12  # a 200-character title
    message = queue_email(
        kind="externship_placed", to="t@example.org", subject=f"You are placed: {title}", body="."
    )
    db.session.flush()
    assert len(message.subject) == 200
    assert message.subject.startswith("You are placed: Summer externship in precision")
    assert message.subject.endswith("…")


def test_a_subject_keeps_to_one_line() -> None:
    message = queue_email(kind="k", to="t@example.org", subject="Line one\nLine two", body=".")
    assert message.subject == "Line one Line two"
