"""Reviewing a Work Ready portfolio with the scoring guide.

The scoring guide is the county's: levels (Emerging 1, Developing 2, Proficient 3, Advanced
4 by default) with a descriptor per level and Portrait of a Graduate outcome, and the
passing rule (every outcome at ``pass_rank`` or above). A student submits their portfolio
(each new try is a new ``PortfolioSubmission`` with the next ``attempt``); staff assign two
reviewers from the volunteer pool; each reviewer scores every outcome with a comment; where
the two differ by more than one level, staff decide that outcome (``ReviewResolution``).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.reference.models import PogOutcome
    from wbl.students.models import StudentProfile


class ScoringLevel(Base):
    __tablename__ = "scoring_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    rank: Mapped[int] = mapped_column(unique=True)  # 1 = lowest
    name: Mapped[str] = mapped_column(String(60))


class ScoringDescriptor(Base):
    """What a level looks like for one outcome."""

    __tablename__ = "scoring_descriptor"

    level_id: Mapped[int] = mapped_column(
        ForeignKey("scoring_level.id", ondelete="CASCADE"), primary_key=True
    )
    outcome_id: Mapped[int] = mapped_column(ForeignKey("pog_outcome.id"), primary_key=True)
    text: Mapped[str] = mapped_column(Text, default="")

    level: Mapped[ScoringLevel] = relationship()
    outcome: Mapped[PogOutcome] = relationship()


class ScoringGuide(Base):
    """The passing rule (one row): every outcome at ``pass_rank`` or above."""

    __tablename__ = "scoring_guide"

    id: Mapped[int] = mapped_column(primary_key=True)
    pass_rank: Mapped[int] = mapped_column(default=3)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ReviewerVolunteer(Base):
    """Someone who signed up to score portfolios: an employer of an endorsing partner, or an
    educator."""

    __tablename__ = "reviewer_volunteer"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    active: Mapped[bool] = mapped_column(default=True)
    signed_up_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class SubmissionStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # waiting for reviewers to be assigned
    IN_REVIEW = "in_review"
    NEEDS_DECISION = "needs_decision"  # reviewers differ by more than one level somewhere
    PASSED = "passed"
    RETURNED = "returned"  # did not pass: the student revises and submits again
    WITHDRAWN = "withdrawn"


class PortfolioSubmission(Base):
    __tablename__ = "portfolio_submission"
    __table_args__ = (UniqueConstraint("student_id", "attempt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student_profile.id"), index=True)
    attempt: Mapped[int] = mapped_column(default=1)
    status: Mapped[SubmissionStatus] = mapped_column(
        str_enum(SubmissionStatus, 16), default=SubmissionStatus.SUBMITTED, index=True
    )
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")

    student: Mapped[StudentProfile] = relationship()
    assignments: Mapped[list[ReviewAssignment]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="ReviewAssignment.id"
    )


class ReviewAssignment(Base):
    __tablename__ = "review_assignment"
    __table_args__ = (UniqueConstraint("submission_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("portfolio_submission.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]  # the reviewer sent their scores

    submission: Mapped[PortfolioSubmission] = relationship(back_populates="assignments")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    scores: Mapped[list[ReviewScore]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )


class ReviewScore(Base):
    __tablename__ = "review_score"
    __table_args__ = (CheckConstraint("rank >= 1", name="rank_positive"),)

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("review_assignment.id", ondelete="CASCADE"), primary_key=True
    )
    outcome_id: Mapped[int] = mapped_column(ForeignKey("pog_outcome.id"), primary_key=True)
    rank: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")

    assignment: Mapped[ReviewAssignment] = relationship(back_populates="scores")
    outcome: Mapped[PogOutcome] = relationship()


class ReviewResolution(Base):
    """Staff's level for an outcome the two reviewers disagreed on."""

    __tablename__ = "review_resolution"

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("portfolio_submission.id", ondelete="CASCADE"), primary_key=True
    )
    outcome_id: Mapped[int] = mapped_column(ForeignKey("pog_outcome.id"), primary_key=True)
    rank: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
