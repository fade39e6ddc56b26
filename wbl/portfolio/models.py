"""A student's portfolio: artifacts tied to Portrait of a Graduate outcomes, each with the
student's commentary on how it shows that outcome. Completed placements create drafts
(``source = placement``) that the student finishes; the portfolio issue adds files, links,
reviews and the Work Ready Certificate on top."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.placements.models import Placement
    from wbl.reference.models import PogOutcome
    from wbl.students.models import StudentProfile


class ArtifactSource(enum.StrEnum):
    PLACEMENT = "placement"
    CLASS = "class"
    OTHER = "other"


class ArtifactStatus(enum.StrEnum):
    DRAFT = "draft"  # the student has not finished it
    READY = "ready"  # finished by the student


class Artifact(Base):
    __tablename__ = "artifact"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # the artifact as text
    source: Mapped[ArtifactSource] = mapped_column(
        str_enum(ArtifactSource, 16), default=ArtifactSource.OTHER
    )
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placement.id"), index=True)
    status: Mapped[ArtifactStatus] = mapped_column(
        str_enum(ArtifactStatus, 16), default=ArtifactStatus.DRAFT, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    student: Mapped[StudentProfile] = relationship()
    placement: Mapped[Placement | None] = relationship()
    outcomes: Mapped[list[ArtifactOutcome]] = relationship(
        back_populates="artifact", cascade="all, delete-orphan"
    )


class ArtifactOutcome(Base):
    """One outcome an artifact shows, with the student's commentary on how."""

    __tablename__ = "artifact_outcome"

    artifact_id: Mapped[int] = mapped_column(
        ForeignKey("artifact.id", ondelete="CASCADE"), primary_key=True
    )
    outcome_id: Mapped[int] = mapped_column(ForeignKey("pog_outcome.id"), primary_key=True)
    commentary: Mapped[str] = mapped_column(Text, default="")

    artifact: Mapped[Artifact] = relationship(back_populates="outcomes")
    outcome: Mapped[PogOutcome] = relationship()
