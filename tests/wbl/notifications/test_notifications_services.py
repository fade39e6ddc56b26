"""Queueing e-mail in the outbox: in the caller's transaction, due at once, one line of
subject, text attachments only. Delivery is tested in test_delivery.py."""

from __future__ import annotations

import pytest

from wbl.extensions import db, utcnow
from wbl.notifications.models import OutboxState, OutboxStatus
from wbl.notifications.services import Attachment, queue_message


def test_a_queued_message_is_due_at_once() -> None:
    before = utcnow()
    message = queue_message(kind="test", to="x@example.org", subject="Hi", body="Hello")
    assert message.status is OutboxStatus.QUEUED
    assert message.state is OutboxState.QUEUED
    assert message.attempts == 0
    assert message.next_attempt_at is not None
    assert before <= message.next_attempt_at <= utcnow()


def test_only_text_attachments_are_kept() -> None:
    with pytest.raises(ValueError, match="text attachments"):
        Attachment("x.pdf", "application/pdf", "")


def test_a_subject_too_long_for_its_column_is_shortened_not_refused() -> None:
    title = "Summer externship in " + "precision machining " * 12  # a 200-character title
    message = queue_message(
        kind="externship_placed", to="t@example.org", subject=f"You are placed: {title}", body="."
    )
    db.session.flush()
    assert len(message.subject) == 200
    assert message.subject.startswith("You are placed: Summer externship in precision")
    assert message.subject.endswith("…")


def test_a_subject_keeps_to_one_line() -> None:
    message = queue_message(kind="k", to="t@example.org", subject="Line one\nLine two", body=".")
    assert message.subject == "Line one Line two"
