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

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.i18n import N_
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.events.models import EventRequest
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
            "pending": N_("Waiting for the supervisor"),
            "confirmed": N_("Confirmed"),
            "rejected": N_("Rejected"),
            "corrected": N_("Corrected"),
            "deleted": N_("Withdrawn"),
        }[self.value]


class Channel(enum.StrEnum):
    WEB = "web"  # signed in
    EMAIL = "email"  # from the signed link in the weekly e-mail
    API = "api"  # with a token, through /api/v1


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


digest_entry = Table(
    "digest_entry",
    Base.metadata,
    Column("digest_id", ForeignKey("digest.id", ondelete="CASCADE"), primary_key=True),
    Column("entry_id", ForeignKey("hour_entry.id", ondelete="CASCADE"), primary_key=True),
)


class Digest(Base):
    """One e-mail a job sent to one person for one period: the weekly supervisor e-mail (its
    signed link confirms only ``entries``, until ``expires_at``), the pending-entry reminder,
    the weekly teacher digest. The unique (kind, user, period) row is what makes a job that
    runs twice send nothing twice."""

    __tablename__ = "digest"
    __table_args__ = (UniqueConstraint("kind", "user_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # supervisor, reminder, teacher
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    period: Mapped[date]  # the week's Monday (weekly kinds) or the day (reminders)
    nonce: Mapped[str | None] = mapped_column(String(32), unique=True)  # in the signed link
    expires_at: Mapped[datetime | None]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    entries: Mapped[list[HourEntry]] = relationship(
        secondary=digest_entry, order_by="HourEntry.work_date"
    )


class EventAttendance(Base):
    """A student's attendance at a confirmed class event, recorded by the teacher for the
    whole class at once; it shows in the student's experience log."""

    __tablename__ = "event_attendance"
    __table_args__ = (
        UniqueConstraint("event_id", "student_id"),
        CheckConstraint("minutes >= 0 AND minutes <= 720", name="attendance_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("event_request.id", ondelete="CASCADE"), index=True
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id"), index=True)
    present: Mapped[bool] = mapped_column(default=True)
    minutes: Mapped[int] = mapped_column(default=0)  # the event's length when present
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    event: Mapped[EventRequest] = relationship()
    student: Mapped[StudentProfile] = relationship()
    recorded_by: Mapped[User] = relationship()
