"""A student's portfolio for the Work Ready Certificate: artifacts tied to Portrait of a
Graduate outcomes, each with the student's commentary on how it shows that outcome (the
artifact is a text, an uploaded file or a link); teachers' comments on artifacts; the
required documents (a resume and a cover letter, uploaded by the student; two letters of
recommendation, uploaded by the recommenders through a signed link, confidential to
reviewers and staff). Completed placements create artifact drafts (``source = placement``).

Files are stored through ``wbl.storage`` under generated keys; the name the uploader gave is
kept only to show and to name the download."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.placements.models import Placement
    from wbl.reference.models import PogOutcome
    from wbl.students.models import StudentProfile


class ArtifactSource(enum.StrEnum):
    PLACEMENT = "placement"
    CLASS = "class"
    OTHER = "other"


class ArtifactKind(enum.StrEnum):
    TEXT = "text"
    FILE = "file"
    LINK = "link"


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
    source_note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    kind: Mapped[ArtifactKind] = mapped_column(
        str_enum(ArtifactKind, 8), default=ArtifactKind.TEXT, server_default="text"
    )
    url: Mapped[str] = mapped_column(String(500), default="", server_default="")
    file_key: Mapped[str | None] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    content_type: Mapped[str] = mapped_column(String(100), default="", server_default="")
    file_size: Mapped[int | None]
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
    comments: Mapped[list[ArtifactComment]] = relationship(
        back_populates="artifact", cascade="all, delete-orphan", order_by="ArtifactComment.id"
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


class ArtifactComment(Base):
    """A teacher's (or staff member's) feedback on an artifact; the student revises."""

    __tablename__ = "artifact_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    artifact_id: Mapped[int] = mapped_column(
        ForeignKey("artifact.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    artifact: Mapped[Artifact] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()


class DocumentKind(enum.StrEnum):
    RESUME = "resume"
    COVER_LETTER = "cover_letter"

    @property
    def label(self) -> str:
        return {"resume": gettext("Resume"), "cover_letter": gettext("Cover letter")}[self.value]


class PortfolioDocument(Base):
    """The student's resume or cover letter (one of each; a new upload replaces it)."""

    __tablename__ = "portfolio_document"
    __table_args__ = (UniqueConstraint("student_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind, 16))
    file_key: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(100))
    file_size: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    student: Mapped[StudentProfile] = relationship()


class LetterStatus(enum.StrEnum):
    REQUESTED = "requested"  # e-mailed; the recommender has not uploaded yet
    RECEIVED = "received"
    WITHDRAWN = "withdrawn"  # the student asked someone else instead


class Recommendation(Base):
    """A letter of recommendation: the student asks someone by e-mail; the recommender
    uploads the letter through a signed link (no account). The student sees that it arrived,
    never its text: the letter is for reviewers and staff."""

    __tablename__ = "recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id"), index=True)
    recommender_name: Mapped[str] = mapped_column(String(120))
    recommender_email: Mapped[str] = mapped_column(String(254))
    relationship_note: Mapped[str] = mapped_column(String(120), default="")  # "CTE teacher"
    message: Mapped[str] = mapped_column(Text, default="")  # the student's note
    status: Mapped[LetterStatus] = mapped_column(
        str_enum(LetterStatus, 16), default=LetterStatus.REQUESTED, index=True
    )
    nonce: Mapped[str | None] = mapped_column(String(32), unique=True)  # cleared when used
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    received_at: Mapped[datetime | None]
    file_key: Mapped[str | None] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="")
    file_size: Mapped[int | None]

    student: Mapped[StudentProfile] = relationship()
