"""The outbox: every e-mail is a row first, sent over SMTP when a server is configured."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wbl.extensions import Base, utcnow

SUBJECT_LENGTH = 200


class OutboxMessage(Base):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    to_email: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH))
    body_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # One text attachment at most (a calendar invitation): its file name, type and text.
    attachment_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    attachment_type: Mapped[str] = mapped_column(String(100), default="", server_default="")
    attachment_text: Mapped[str] = mapped_column(Text, default="", server_default="")
