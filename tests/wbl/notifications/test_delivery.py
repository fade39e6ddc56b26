"""The outbox goes out over real SMTP (a local aiosmtpd server): claimed before it is sent,
retried with back-off after a passing refusal, given up after a permanent one, after too
many tries, or when too old; a server that cannot be reached costs no message a try."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask

from tests.support.builders import make_user
from tests.support.smtp import Recorder, free_port, smtp_server
from wbl.extensions import db, utcnow
from wbl.notifications.delivery import (
    GIVE_UP_AFTER,
    LEASE,
    MAX_ATTEMPTS,
    RETRY_AFTER,
    MailServerUnavailable,
    deliver_pending,
    retry_at,
)
from wbl.notifications.models import OutboxMessage, OutboxState, OutboxStatus
from wbl.notifications.services import Attachment, queue_message
from wbl.scheduler import execute


@pytest.fixture
def smtp(app: Flask) -> Iterator[Recorder]:
    with smtp_server() as (recorder, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        try:
            yield recorder
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)


def _queue(to: str = "parent@example.org", subject: str = "Consent needed") -> OutboxMessage:
    return queue_message(kind="test", to=to, subject=subject, body="Please read — and sign.")


def test_queued_mail_is_delivered_over_smtp_once(smtp: Recorder) -> None:
    message = _queue()
    now = utcnow()
    assert deliver_pending(now).sent == 1
    assert message.status is OutboxStatus.SENT
    assert (message.sent_at, message.attempts, message.next_attempt_at) == (now, 1, None)
    [received] = smtp.messages
    assert received.recipients == ["parent@example.org"]
    email = received.email
    assert email["Subject"] == "Consent needed"
    assert (
        email["Message-ID"]
        == f"<outbox-{message.id}.{int(message.created_at.timestamp())}@example.org>"
    )
    assert "Please read — and sign." in email.get_content()
    assert deliver_pending(now + timedelta(hours=1)).sent == 0  # never sent twice
    assert len(smtp.messages) == 1


def test_a_passing_refusal_is_tried_again_after_its_back_off(smtp: Recorder) -> None:
    message = _queue()
    smtp.answers = ["450 4.2.1 Mailbox busy, try later"]
    now = utcnow()
    result = deliver_pending(now)
    assert (result.sent, result.retrying, result.given_up) == (0, 1, 0)
    assert message.status is OutboxStatus.QUEUED
    assert message.state is OutboxState.RETRYING
    assert message.attempts == 1
    assert message.last_attempt_at == now
    assert message.next_attempt_at == now + RETRY_AFTER[0] == now + timedelta(minutes=1)
    assert message.last_error.startswith("450 4.2.1 Mailbox busy")
    assert deliver_pending(now + timedelta(seconds=59)).sent == 0  # not before its time
    assert smtp.rcpt_count == 1
    assert deliver_pending(now + timedelta(minutes=1)).sent == 1
    assert message.status is OutboxStatus.SENT
    assert message.attempts == 2
    assert message.last_error == ""
    assert len(smtp.messages) == 1


def test_a_permanent_refusal_is_given_up_at_once(smtp: Recorder) -> None:
    message = _queue(to="nobody@example.org")
    smtp.answers = ["550 5.1.1 No such user here"]
    result = deliver_pending(utcnow())
    assert (result.sent, result.retrying, result.given_up) == (0, 0, 1)
    assert message.status is OutboxStatus.FAILED
    assert message.state is OutboxState.GIVEN_UP
    assert message.next_attempt_at is None
    assert message.last_error == "550 5.1.1 No such user here"
    assert deliver_pending(utcnow() + timedelta(days=1)).sent == 0
    assert smtp.rcpt_count == 1


def test_a_refused_message_body_is_a_refusal_too(smtp: Recorder) -> None:
    message = _queue()
    smtp.data_answer = "554 5.6.0 Message content rejected"
    assert deliver_pending(utcnow()).given_up == 1
    assert message.last_error == "554 5.6.0 Message content rejected"


def test_a_message_that_keeps_failing_is_given_up_after_its_last_try(smtp: Recorder) -> None:
    message = _queue()
    smtp.answers = ["421 4.7.0 Try again later"] * (MAX_ATTEMPTS + 2)
    now = utcnow()
    for _ in range(MAX_ATTEMPTS):
        deliver_pending(now)
        now = message.next_attempt_at or now + timedelta(days=1)
    assert message.attempts == MAX_ATTEMPTS
    assert message.status is OutboxStatus.FAILED
    assert smtp.rcpt_count == MAX_ATTEMPTS
    deliver_pending(now + timedelta(days=1))
    assert smtp.rcpt_count == MAX_ATTEMPTS


def test_the_back_off_grows_and_ends() -> None:
    now = datetime(2027, 1, 4, 17, 0, tzinfo=utcnow().tzinfo)
    waits = [retry_at(n, now) for n in range(1, MAX_ATTEMPTS + 1)]
    assert [w - now for w in waits if w] == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=4),
    ]
    assert waits[-1] is None  # the last try was the last


def test_a_mail_server_that_is_down_costs_no_message_a_try(app: Flask) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens
    try:
        message = _queue()
        with pytest.raises(MailServerUnavailable, match="could not be reached"):
            deliver_pending(utcnow())
        assert message.status is OutboxStatus.QUEUED
        assert message.attempts == 0
        run = execute("deliver-outbox", utcnow())
        assert run.ok is False
        assert "could not be reached" in run.result
        assert "1 message(s) wait" in run.result
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25)


def test_without_a_mail_server_mail_stays_in_the_outbox(app: Flask) -> None:
    message = _queue()
    result = deliver_pending(utcnow())
    assert result.sent == 0
    assert message.status is OutboxStatus.QUEUED
    assert message.attempts == 0
    run = execute("deliver-outbox", utcnow())
    assert run.ok
    assert run.result.startswith("No mail server (MAIL_SERVER): ")
    assert run.result.endswith(" message(s) kept in the outbox")


def test_a_message_claimed_by_another_sender_is_left_to_it(smtp: Recorder) -> None:
    """Another sender's claim (status sending, due again when its lease lapses) is honoured;
    a lapsed claim (that sender died) is taken over."""
    message = _queue()
    now = utcnow()
    message.status = OutboxStatus.SENDING
    message.attempts = 1
    message.next_attempt_at = now + LEASE
    db.session.flush()
    assert deliver_pending(now).sent == 0
    assert smtp.rcpt_count == 0
    assert deliver_pending(now + LEASE).sent == 1
    assert message.attempts == 2
    assert len(smtp.messages) == 1


def test_mail_too_old_to_send_is_given_up(smtp: Recorder) -> None:
    old, fresh = _queue(subject="Old news"), _queue(subject="Today")
    now = utcnow()
    old.created_at = now - GIVE_UP_AFTER - timedelta(minutes=1)
    db.session.flush()
    result = deliver_pending(now)
    assert (result.sent, result.too_old) == (1, 1)
    assert result.describe() == "1 sent, 0 to retry, 0 given up, 1 too old to send"
    db.session.refresh(old)
    assert old.status is OutboxStatus.FAILED
    assert old.last_error == "Not sent within 3 days of being queued."
    assert fresh.status is OutboxStatus.SENT
    assert [m.email["Subject"] for m in smtp.messages] == ["Today"]


def test_mail_to_a_deactivated_account_is_withheld(smtp: Recorder) -> None:
    gone = make_user(email="left.the.roster@example.org", active=False)
    make_user(email="still.here@example.org")
    withheld = _queue(to=gone.email, subject="Your application")
    _queue(to="still.here@example.org", subject="Your placement")
    result = deliver_pending(utcnow())
    assert (result.sent, result.withheld) == (1, 1)
    assert result.describe() == "1 sent, 0 to retry, 0 given up, 1 withheld (deactivated accounts)"
    db.session.refresh(withheld)
    assert withheld.status is OutboxStatus.FAILED
    assert withheld.last_error == "Not sent: the recipient's account is deactivated."
    assert [m.email["Subject"] for m in smtp.messages] == ["Your placement"]


def test_the_delivery_job_sends_and_says_what_it_did(smtp: Recorder) -> None:
    _queue()
    smtp.answers = ["", "452 4.2.2 Over quota"]
    _queue(to="full@example.org")
    run = execute("deliver-outbox", utcnow())
    assert (run.ok, run.result) == (True, "1 sent, 1 to retry, 0 given up")


def test_a_calendar_invitation_goes_out_as_an_attachment(smtp: Recorder) -> None:
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    queue_message(
        kind="test",
        to="student@example.org",
        subject="Your interview",
        body="See the invitation.",
        attachment=Attachment("interview.ics", "text/calendar; method=REQUEST", ics),
    )
    assert deliver_pending(utcnow()).sent == 1
    [received] = smtp.messages
    [part] = list(received.email.iter_attachments())
    assert part.get_filename() == "interview.ics"
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in part.get_content()
