"""Teacher externships.

A partner offers an externship with a number of teacher seats; teachers apply; staff place
a team (two or more applicants) into it — seats move only by conditional UPDATE, as for
students' offerings. A placed teacher logs hours, which a contact of the partner confirms
or rejects (with a reason), and attaches the classroom project they built from it.

Hours never vanish, as students' hour entries never do (``wbl.hours.models``): hours the
teacher withdraws while pending stay, marked ``withdrawn``, and no longer count. Every change
to an hour entry is written to ``ExternshipHourEvent`` (who, what, when, and the entry as it
stood after the change).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.catalog.models import Partner


class ExternshipStatus(enum.StrEnum):
    OPEN = "open"  # taking applications
    CLOSED = "closed"
    CANCELLED = "cancelled"  # for good, with a reason; cannot be reopened


class Externship(Base):
    __tablename__ = "externship"
    __table_args__ = (
        CheckConstraint("seats >= 2", name="seats_for_a_team"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= seats", name="seats_in_range"),
        CheckConstraint("min_team_size >= 2", name="team_of_two_or_more"),
        CheckConstraint("starts_on <= ends_on", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    expected_hours: Mapped[int | None]
    seats: Mapped[int] = mapped_column(default=2)
    seats_taken: Mapped[int] = mapped_column(default=0)  # moves only by conditional UPDATE
    min_team_size: Mapped[int] = mapped_column(default=2)
    apply_by: Mapped[date | None]
    status: Mapped[ExternshipStatus] = mapped_column(
        str_enum(ExternshipStatus, 16), default=ExternshipStatus.OPEN, index=True
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancelled_at: Mapped[datetime | None]

    partner: Mapped[Partner] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    teams: Mapped[list[ExternshipTeam]] = relationship(
        back_populates="externship", order_by="ExternshipTeam.id"
    )


class ExternshipTeam(Base):
    """Teachers staff placed together in one externship."""

    __tablename__ = "externship_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    externship_id: Mapped[int] = mapped_column(ForeignKey("externship.id"), index=True)
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)

    externship: Mapped[Externship] = relationship(back_populates="teams")
    placed_by: Mapped[User] = relationship()
    members: Mapped[list[ExternshipApplication]] = relationship(
        back_populates="team", order_by="ExternshipApplication.id"
    )


class TeacherApplicationStatus(enum.StrEnum):
    APPLIED = "applied"
    PLACED = "placed"
    DECLINED = "declined"  # by staff, with a note (or the externship was cancelled)
    WITHDRAWN = "withdrawn"  # by the teacher, or off the team when the externship was cancelled
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        """The word pages and downloads show."""
        return self.value.capitalize()


# A teacher on a team: placed, or completed with the team.
ON_TEAM = (TeacherApplicationStatus.PLACED, TeacherApplicationStatus.COMPLETED)


class ExternshipApplication(Base):
    """A teacher's application; once placed, it carries their team, hours and project."""

    __tablename__ = "externship_application"
    __table_args__ = (UniqueConstraint("externship_id", "teacher_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    externship_id: Mapped[int] = mapped_column(ForeignKey("externship.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    statement: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[TeacherApplicationStatus] = mapped_column(
        str_enum(TeacherApplicationStatus, 16), default=TeacherApplicationStatus.APPLIED
    )
    team_id: Mapped[int | None] = mapped_column(ForeignKey("externship_team.id"), index=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The classroom project built from the externship (text, and optionally a file).
    project_title: Mapped[str] = mapped_column(String(200), default="")
    project_summary: Mapped[str] = mapped_column(Text, default="")
    project_file_key: Mapped[str | None] = mapped_column(String(200))
    project_file_name: Mapped[str] = mapped_column(String(200), default="")
    project_content_type: Mapped[str] = mapped_column(String(100), default="")
    project_file_size: Mapped[int | None]
    project_submitted_at: Mapped[datetime | None]

    externship: Mapped[Externship] = relationship()
    teacher: Mapped[User] = relationship()
    team: Mapped[ExternshipTeam | None] = relationship(back_populates="members")
    hours: Mapped[list[ExternshipHour]] = relationship(
        back_populates="application", order_by="ExternshipHour.work_date"
    )


class ExternshipHourStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by the teacher while pending: kept, and counted nowhere

    @property
    def label(self) -> str:
        """The word pages show."""
        return "Waiting" if self is ExternshipHourStatus.PENDING else self.value.capitalize()


class ExternshipHour(Base):
    """Hours a placed teacher logged; a contact of the partner confirms or rejects them."""

    __tablename__ = "externship_hour"
    __table_args__ = (CheckConstraint("minutes > 0 AND minutes <= 720", name="minutes_in_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("externship_application.id"), index=True)
    work_date: Mapped[date]
    minutes: Mapped[int]
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[ExternshipHourStatus] = mapped_column(
        str_enum(ExternshipHourStatus, 16), default=ExternshipHourStatus.PENDING, index=True
    )
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[ExternshipApplication] = relationship(back_populates="hours")
    decided_by: Mapped[User | None] = relationship()


class HourAction(enum.StrEnum):
    CREATED = "created"
    EDITED = "edited"
    WITHDRAWN = "withdrawn"  # the teacher took a pending entry back (it stays, withdrawn)
    CONFIRMED = "confirmed"
    REJECTED = "rejected"

    @property
    def verb(self) -> str:
        return {
            "created": "logged",
            "edited": "changed",
            "withdrawn": "withdrew",
            "confirmed": "confirmed",
            "rejected": "rejected",
        }[self.value]


class ExternshipHourEvent(Base):
    """The hours' audit trail, per placed teacher. It keeps the entry as it stood after the
    change (what was logged, what it was changed to, what was withdrawn), so the trail reads
    on its own. ``hour_id`` is NULL on the steps of hours withdrawn before withdrawn hours
    were kept (their rows were deleted then)."""

    __tablename__ = "externship_hour_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("externship_application.id"), index=True)
    hour_id: Mapped[int | None] = mapped_column(
        ForeignKey("externship_hour.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[HourAction] = mapped_column(str_enum(HourAction, 16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    work_date: Mapped[date]
    minutes: Mapped[int]
    description: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # why hours were rejected
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
