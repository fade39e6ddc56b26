"""The work ready interview and the Work Ready Certificate.

Staff schedule interview panels (two or three panelists, a time, a place or a video link)
and invite students whose portfolio passed; each panelist records a level per outcome and a
decision. When portfolio and interview have both passed, staff issue the certificate: a
one-page PDF with a verification code, checked publicly at ``/verify/<code>``, and an Open
Badges 3.0 credential signed with the county's key. A certificate can be revoked with a
reason; the verification page then says so.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.reviews.models import PortfolioSubmission
    from wbl.students.models import StudentProfile


panel_member = Table(
    "panel_member",
    Base.metadata,
    Column("panel_id", ForeignKey("interview_panel.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id"), primary_key=True),
)


class InterviewPanel(Base):
    __tablename__ = "interview_panel"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=120)  # the whole session
    location: Mapped[str] = mapped_column(String(200), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[User]] = relationship(secondary=panel_member)
    interviews: Mapped[list[Interview]] = relationship(
        back_populates="panel", order_by="Interview.starts_at"
    )


class InterviewStatus(enum.StrEnum):
    INVITED = "invited"
    PASSED = "passed"
    NOT_PASSED = "not_passed"
    CANCELLED = "cancelled"


class Interview(Base):
    """One student's slot before a panel."""

    __tablename__ = "interview"
    __table_args__ = (UniqueConstraint("panel_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("interview_panel.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("portfolio_submission.id"))
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=20)
    status: Mapped[InterviewStatus] = mapped_column(
        str_enum(InterviewStatus, 16), default=InterviewStatus.INVITED, index=True
    )
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")

    panel: Mapped[InterviewPanel] = relationship(back_populates="interviews")
    student: Mapped[StudentProfile] = relationship()
    submission: Mapped[PortfolioSubmission] = relationship()
    votes: Mapped[list[InterviewVote]] = relationship(
        back_populates="interview", cascade="all, delete-orphan"
    )


class InterviewVote(Base):
    """A panelist's scores (``{"outcome_id": rank}`` with comments) and decision."""

    __tablename__ = "interview_vote"

    interview_id: Mapped[int] = mapped_column(
        ForeignKey("interview.id", ondelete="CASCADE"), primary_key=True
    )
    panelist_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    scores: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    passed: Mapped[bool]
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    interview: Mapped[Interview] = relationship(back_populates="votes")
    panelist: Mapped[User] = relationship()


class Certificate(Base):
    """An issued Work Ready Certificate. What it says is kept as issued (the student's name
    and the outcomes' names), so a later rename does not change a certificate."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # in /verify/<code>
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("portfolio_submission.id"))
    interview_id: Mapped[int] = mapped_column(ForeignKey("interview.id"))
    student_name: Mapped[str] = mapped_column(String(200))
    outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoke_reason: Mapped[str] = mapped_column(Text, default="")

    student: Mapped[StudentProfile] = relationship()
