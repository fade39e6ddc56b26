"""Incidents on a placement: an injury, harassment, a safety concern or an attendance problem
that someone involved reports, and the program staff follow up and close (issue 21, "Safe
placements"; DOMAIN.md lists what a district tracks).

An incident moves through three states, each move a compare-and-set (``move_status``), so
two staff members acting at once cannot both close it:

    open --staff record a follow-up--> followed_up --staff close it--> closed
    open --staff close it at once------------------------------------> closed

Every follow-up, and every change staff make to the placement from the incident (paused,
resumed, ended), is an ``IncidentNote``: who wrote it and when, never edited afterwards.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.placements.models import Placement


class IncidentKind(enum.StrEnum):
    INJURY = "injury"
    HARASSMENT = "harassment"
    SAFETY = "safety"
    ATTENDANCE = "attendance"

    @property
    def label(self) -> str:
        return {
            "injury": "Injury",
            "harassment": "Harassment",
            "safety": "Safety concern",
            "attendance": "Attendance",
        }[self.value]


class IncidentStatus(enum.StrEnum):
    OPEN = "open"
    FOLLOWED_UP = "followed_up"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "open": "Open",
            "followed_up": "Being followed up",
            "closed": "Closed",
        }[self.value]


class ReporterRole(enum.StrEnum):
    """In what capacity the reporter spoke: the same account may be staff and a teacher."""

    STUDENT = "student"
    SUPERVISOR = "supervisor"
    TEACHER = "teacher"
    STAFF = "staff"

    @property
    def label(self) -> str:
        return {
            "student": "the student",
            "supervisor": "the supervisor",
            "teacher": "a teacher",
            "staff": "program staff",
        }[self.value]


class NoteAction(enum.StrEnum):
    """What a note records: a follow-up, the closing, or a change made to the placement."""

    FOLLOW_UP = "follow_up"
    CLOSED = "closed"
    PAUSED = "paused"
    RESUMED = "resumed"
    ENDED = "ended"

    @property
    def label(self) -> str:
        return {
            "follow_up": "Follow-up",
            "closed": "Closed",
            "paused": "Placement paused",
            "resumed": "Placement resumed",
            "ended": "Placement ended",
        }[self.value]


class Incident(Base):
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placement.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    reporter_role: Mapped[ReporterRole] = mapped_column(str_enum(ReporterRole, 16))
    kind: Mapped[IncidentKind] = mapped_column(str_enum(IncidentKind, 16))
    occurred_on: Mapped[date]
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[IncidentStatus] = mapped_column(
        str_enum(IncidentStatus, 16), default=IncidentStatus.OPEN, index=True
    )
    # When the minor's guardian was e-mailed; None for an adult, or when no address is on file
    # (the detail page then asks staff to reach the guardian another way).
    guardian_notified_at: Mapped[datetime | None]
    closing_note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    placement: Mapped[Placement] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    notes: Mapped[list[IncidentNote]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="IncidentNote.id"
    )


class IncidentNote(Base):
    """A follow-up written by staff, or a change they made from the incident."""

    __tablename__ = "incident_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[NoteAction] = mapped_column(str_enum(NoteAction, 16))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    incident: Mapped[Incident] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()
