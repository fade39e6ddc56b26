"""The outbox: every e-mail is a row first, sent over SMTP when a server is configured."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

SUBJECT_LENGTH = 200


class OutboxStatus(enum.StrEnum):
    """Where a message is on its way out (wbl/notifications/delivery.py moves it)."""

    QUEUED = "queued"  # waiting for its first try, or for its next one after a failure
    SENDING = "sending"  # a sender claimed it; due again if that sender died (a lease)
    SENT = "sent"  # the SMTP server accepted it
    FAILED = "failed"  # given up: refused for good, too many tries, or too old


class OutboxState(enum.StrEnum):
    """What staff read on the outbox page (and filter by): a queued message that failed
    before is retrying."""

    QUEUED = "queued"
    RETRYING = "retrying"
    SENDING = "sending"
    SENT = "sent"
    GIVEN_UP = "given-up"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    # What the delivery job looks for: due messages, by status and time.
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    to_email: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH))
    body_text: Mapped[str] = mapped_column(Text)
    # The HTML alternative (templates/email/); None for messages queued before it existed.
    body_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus, 16), default=OutboxStatus.QUEUED, server_default="queued"
    )
    # Queued: when it is due (its back-off after a failure); sending: when the claim lapses.
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # One text attachment at most (a calendar invitation): its file name, type and text.
    attachment_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    attachment_type: Mapped[str] = mapped_column(String(100), default="", server_default="")
    attachment_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    @property
    def state(self) -> OutboxState:
        if self.status is OutboxStatus.QUEUED:
            return OutboxState.RETRYING if self.attempts else OutboxState.QUEUED
        return {
            OutboxStatus.SENDING: OutboxState.SENDING,
            OutboxStatus.SENT: OutboxState.SENT,
            OutboxStatus.FAILED: OutboxState.GIVEN_UP,
        }[self.status]
