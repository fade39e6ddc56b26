"""A user's calendar feed: the hash of the secret in its URL."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow

if TYPE_CHECKING:
    from wbl.auth.models import User


class CalendarFeed(Base):
    """One feed per user. ``secret_hash`` is the SHA-256 (hex) of the URL's secret, never the
    secret itself: a copy of the database does not give anyone the users' calendars.
    Replacing the secret rewrites the hash (the old URL answers 404); revoking deletes the row."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
