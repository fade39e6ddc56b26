"""The incentive program's configuration per program year, the completions staff enter
(pre-apprenticeship, apprenticeship, qualified AP course), and each district's
appropriation estimate.

Credentials (verified, on the qualified list) and internships (completed, meeting the
hours rule) are not stored here: the report reads them from their own records. Money is
kept in whole cents (integers), never floats.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.schools.models import District
    from wbl.students.models import StudentProfile


class CompletionType(enum.StrEnum):
    CREDENTIAL = "credential"  # a verified credential on the qualified list
    INTERNSHIP = "internship"  # internship or residency meeting the hours rule
    PRE_APPRENTICESHIP = "pre_apprenticeship"
    APPRENTICESHIP = "apprenticeship"
    AP_COURSE = "ap_course"  # a qualified AP course (e.g. AP Computer Science)

    @property
    def label(self) -> str:
        return {
            "credential": "Industry credential",
            "internship": "Internship or residency",
            "pre_apprenticeship": "Pre-apprenticeship",
            "apprenticeship": "Apprenticeship",
            "ap_course": "Qualified AP course",
        }[self.value]


STAFF_ENTERED = (
    CompletionType.PRE_APPRENTICESHIP,
    CompletionType.APPRENTICESHIP,
    CompletionType.AP_COURSE,
)


class ProgramYear(Base):
    """One year of the program (e.g. 2025-26, July 1 to June 30) and its rules."""

    __tablename__ = "incentive_program_year"
    __table_args__ = (
        CheckConstraint("starts_on < ends_on", name="dates_in_order"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
        CheckConstraint("frl_weight >= 1", name="weight_at_least_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20), unique=True)  # "2025-26"
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    amount_cents: Mapped[int] = mapped_column(default=100_000)  # per student completion
    frl_weight: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("1.20"))
    completions_per_student: Mapped[int] = mapped_column(default=1)  # cap, per student
    internship_min_hours: Mapped[int] = mapped_column(default=0)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    tiers: Mapped[list[ProgramTier]] = relationship(
        back_populates="program_year", cascade="all, delete-orphan", order_by="ProgramTier.rank"
    )


class ProgramTier(Base):
    """The tier of one completion type in a program year (1 is paid first)."""

    __tablename__ = "incentive_tier"
    __table_args__ = (
        UniqueConstraint("program_year_id", "completion_type"),
        CheckConstraint("rank >= 1", name="rank_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_year_id: Mapped[int] = mapped_column(
        ForeignKey("incentive_program_year.id", ondelete="CASCADE"), index=True
    )
    completion_type: Mapped[CompletionType] = mapped_column(str_enum(CompletionType, 24))
    rank: Mapped[int]

    program_year: Mapped[ProgramYear] = relationship(back_populates="tiers")


class Appropriation(Base):
    """What staff expect the district to receive in a program year: the pot distributed
    tier by tier in the report's estimate."""

    __tablename__ = "incentive_appropriation"
    __table_args__ = (
        UniqueConstraint("program_year_id", "district_id"),
        CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_year_id: Mapped[int] = mapped_column(
        ForeignKey("incentive_program_year.id", ondelete="CASCADE"), index=True
    )
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    amount_cents: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    program_year: Mapped[ProgramYear] = relationship()
    district: Mapped[District] = relationship()


def _name_key(context: Any) -> str:
    """The completion's name as the duplicate check compares it (any capitalisation)."""
    return str(context.get_current_parameters()["name"]).strip().lower()


class StaffCompletion(Base):
    """A completion staff enter: pre-apprenticeship, apprenticeship or qualified AP course.
    The same student, type, name (any capitalisation) and date is one completion: entered
    twice it would be paid twice."""

    __tablename__ = "incentive_completion"
    __table_args__ = (
        UniqueConstraint(
            "student_id",
            "completion_type",
            "name_key",
            "completed_on",
            name="uq_incentive_completion_once",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student_profile.id", ondelete="CASCADE"), index=True
    )
    completion_type: Mapped[CompletionType] = mapped_column(str_enum(CompletionType, 24))
    name: Mapped[str] = mapped_column(String(200))  # "AP Computer Science Principles"
    name_key: Mapped[str] = mapped_column(String(200), default=_name_key)  # lower(name)
    completed_on: Mapped[date] = mapped_column(index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)

    student: Mapped[StudentProfile] = relationship()
    entered_by: Mapped[User] = relationship()
