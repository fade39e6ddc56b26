"""What the roster brings beside accounts, profiles and classes: each student's guardians, and
the student's demographics.

Demographics are kept apart from the profile on purpose. They serve one use, aggregate
reporting by county and district staff with small groups suppressed
(``wbl.roster.demographics``); no page for an employer or a teacher reads this table, and no
page shows one student's row.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow

if TYPE_CHECKING:
    from wbl.students.models import StudentProfile


class Guardian(Base):
    """A parent or guardian of a student, from the roster (``agentSourcedIds``). The first
    active one with an e-mail address is the student's consent contact
    (``StudentProfile.guardian_name``/``guardian_email``, which the consent links go to)."""

    __tablename__ = "guardian"
    __table_args__ = (UniqueConstraint("student_id", "sourced_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student_profile.id", ondelete="CASCADE"), index=True
    )
    sourced_id: Mapped[str] = mapped_column(String(255))
    relationship_kind: Mapped[str] = mapped_column(String(20))  # parent, guardian, relative
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    language: Mapped[str] = mapped_column(String(35), default="")  # BCP 47, e.g. "es"
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    student: Mapped[StudentProfile] = relationship()


class StudentDemographics(Base):
    """A student's demographics as the student information system reports them (OneRoster
    ``demographics.csv``). ``None`` means the file did not say."""

    __tablename__ = "student_demographics"

    student_id: Mapped[int] = mapped_column(
        ForeignKey("student_profile.id", ondelete="CASCADE"), primary_key=True
    )
    sex: Mapped[str] = mapped_column(String(20), default="")  # male, female, other, unspecified
    american_indian_or_alaska_native: Mapped[bool | None]
    asian: Mapped[bool | None]
    black_or_african_american: Mapped[bool | None]
    native_hawaiian_or_other_pacific_islander: Mapped[bool | None]
    white: Mapped[bool | None]
    two_or_more_races: Mapped[bool | None]
    hispanic_or_latino: Mapped[bool | None]
    english_learner: Mapped[bool | None]
    disability: Mapped[bool | None]
    free_reduced_meals: Mapped[bool | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
