"""Hour entries on placements, and their audit trail.

Confirmed hours make an experience count (certificates, credentials, incentive funding), so
entries never vanish: a pending entry can be edited or withdrawn (it stays, marked
``deleted``); a confirmed one is corrected by a new entry that references it; every change
is written to ``HourEntryEvent`` (who, how, when, what).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.placements.models import Placement
    from wbl.students.models import StudentProfile


class EntryStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CORRECTED = "corrected"  # a confirmed entry a later entry corrects
    DELETED = "deleted"  # withdrawn by the student while pending

    @property
    def label(self) -> str:
        return {
            "pending": "Waiting for the supervisor",
            "confirmed": "Confirmed",
            "rejected": "Rejected",
            "corrected": "Corrected",
            "deleted": "Withdrawn",
        }[self.value]


class Channel(enum.StrEnum):
    WEB = "web"  # signed in
    EMAIL = "email"  # from the signed link in the weekly e-mail


class HourEntry(Base):
    __tablename__ = "hour_entry"
    __table_args__ = (
        CheckConstraint("minutes > 0 AND minutes % 15 = 0", name="quarter_hours"),
        CheckConstraint("minutes <= 720", name="at_most_twelve_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placement.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id"), index=True)
    work_date: Mapped[date] = mapped_column(index=True)
    minutes: Mapped[int]  # quarter hours: 15, 30, 45, ...
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[EntryStatus] = mapped_column(
        str_enum(EntryStatus, 16), default=EntryStatus.PENDING, index=True
    )
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("hour_entry.id"))
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    decided_via: Mapped[Channel | None] = mapped_column(str_enum(Channel, 8))
    reminded_at: Mapped[datetime | None]  # the pending-entry reminder went out
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    placement: Mapped[Placement] = relationship()
    student: Mapped[StudentProfile] = relationship()
    corrects: Mapped[HourEntry | None] = relationship(remote_side=[id])
    decided_by: Mapped[User | None] = relationship()
    events: Mapped[list[HourEntryEvent]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="HourEntryEvent.id"
    )

    @property
    def hours(self) -> float:
        return self.minutes / 60


class HourEntryEvent(Base):
    """The audit trail: every change to an entry, by whom, through which channel."""

    __tablename__ = "hour_entry_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("hour_entry.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(20))  # created, edited, deleted, confirmed, ...
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    via: Mapped[Channel] = mapped_column(str_enum(Channel, 8), default=Channel.WEB)
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    entry: Mapped[HourEntry] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
