"""No message is sent twice when senders race (two scheduler processes, a "Run now" beside the
scheduler): four threads, each with its own app context, session and connection, deliver the
same forty queued messages to one real SMTP server at the same moment. Each message is
claimed by one conditional UPDATE, so each arrives exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from tests.support.smtp import Recorder, smtp_server
from wbl.extensions import db, utcnow
from wbl.notifications.delivery import Delivery, deliver_pending
from wbl.notifications.models import OutboxMessage, OutboxStatus
from wbl.notifications.services import queue_message

SENDERS = 4
MESSAGES = 40


@pytest.fixture
def no_isolation(busy_app: Flask) -> Iterator[None]:
    """This test commits for real (threads cannot see a test transaction); it cleans up."""
    yield
    with busy_app.app_context():
        db.session.rollback()
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.kind == "race"))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def smtp(busy_app: Flask) -> Iterator[Recorder]:
    with smtp_server() as (recorder, port):
        busy_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        yield recorder


def test_racing_senders_send_each_message_once(
    busy_app: Flask, no_isolation: None, smtp: Recorder
) -> None:
    app = busy_app
    with app.app_context():
        for n in range(MESSAGES):
            queue_message(kind="race", to=f"race-{n}@example.org", subject=f"#{n}", body=".")
        db.session.commit()
        db.session.remove()
    now = utcnow()
    start = threading.Barrier(SENDERS)
    results: list[Delivery] = []
    errors: list[BaseException] = []

    def sender() -> None:
        with app.app_context():
            try:
                start.wait()
                results.append(deliver_pending(now))
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(r.sent for r in results) == MESSAGES
    received = Counter(to for m in smtp.messages for to in m.recipients)
    assert len(received) == MESSAGES
    assert set(received.values()) == {1}
    with app.app_context():
        statuses = db.session.execute(
            select(
                OutboxMessage.status, func.count(OutboxMessage.id), func.max(OutboxMessage.attempts)
            )
            .where(OutboxMessage.kind == "race")
            .group_by(OutboxMessage.status)
        ).all()
        db.session.remove()
    assert [tuple(row) for row in statuses] == [(OutboxStatus.SENT, MESSAGES, 1)]
