"""A teacher's request for a class event (guest speaker or workplace visit) at a partner.

The teacher offers up to three dates; the partner's contacts accept one (the event is then
confirmed for the teacher and the class's students) or decline with a message.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import ExperienceKind, str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.catalog.models import Offering, Partner
    from wbl.schools.models import ClassSection, School


class EventRequestStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "pending": "Waiting for the partner",
            "accepted": "Confirmed",
            "declined": "Declined",
            "cancelled": "Cancelled",
        }[self.value]


class EventRequest(Base):
    __tablename__ = "event_request"
    __table_args__ = (CheckConstraint("class_size > 0", name="class_size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ExperienceKind] = mapped_column(str_enum(ExperienceKind))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offering.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    class_section_id: Mapped[int | None] = mapped_column(ForeignKey("class_section.id"), index=True)
    class_size: Mapped[int]
    topic: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[EventRequestStatus] = mapped_column(
        str_enum(EventRequestStatus, 16), default=EventRequestStatus.PENDING, index=True
    )
    response_message: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner] = relationship()
    offering: Mapped[Offering | None] = relationship()
    teacher: Mapped[User] = relationship(foreign_keys=[teacher_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    school: Mapped[School] = relationship()
    class_section: Mapped[ClassSection | None] = relationship()
    options: Mapped[list[EventDateOption]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="EventDateOption.position"
    )

    @property
    def confirmed_option(self) -> EventDateOption | None:
        return next((o for o in self.options if o.chosen), None)


class EventDateOption(Base):
    """One date and time the teacher can do; ``chosen`` marks the one the partner accepted."""

    __tablename__ = "event_date_option"
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="duration_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("event_request.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=60)
    chosen: Mapped[bool] = mapped_column(default=False)

    request: Mapped[EventRequest] = relationship(back_populates="options")
