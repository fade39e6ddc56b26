"""Industry-recognized credentials.

The catalog is the county's (staff keep it; CSV/XLSX import and export). A credential
belongs to one career field (an industry sector) and carries points (Ohio-style bundles of
12 points count only within one career field). Each district keeps its own policy per
credential: accepted for graduation or not, and whether it counts toward English, math,
both or neither (Colorado's Graduation Guidelines).

A student's earned credential is recorded with its date and evidence (a stored file) and
counts anywhere only once staff have verified it; a rejection keeps its reason. WorkKeys
scores are kept per test and test date; the best level per test counts.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.reference.models import IndustrySector
    from wbl.schools.models import District
    from wbl.students.models import StudentProfile


class Credential(Base):
    """One industry-recognized credential in the county's catalog."""

    __tablename__ = "credential"
    __table_args__ = (
        UniqueConstraint("name", "issuer"),
        CheckConstraint("points >= 0", name="points_not_negative"),
        CheckConstraint("validity_months IS NULL OR validity_months > 0", name="validity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(200))  # the issuing body
    sector_id: Mapped[int] = mapped_column(ForeignKey("industry_sector.id"), index=True)
    points: Mapped[int] = mapped_column(default=0)  # Ohio-style point value
    validity_months: Mapped[int | None]  # None: it does not expire
    external_code: Mapped[str | None] = mapped_column(String(80), unique=True)  # state code/CTID
    incentive_qualified: Mapped[bool] = mapped_column(default=False)  # on the CDIP list
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    sector: Mapped[IndustrySector] = relationship()

    @property
    def expires(self) -> bool:
        return self.validity_months is not None


class Subject(enum.StrEnum):
    """What a district-accepted credential counts toward (Colorado's Graduation Guidelines)."""

    NEITHER = "neither"
    ENGLISH = "english"
    MATH = "math"
    BOTH = "both"

    @property
    def label(self) -> str:
        return {
            "neither": "Neither",
            "english": "English",
            "math": "Math",
            "both": "English and math",
        }[self.value]

    def covers(self, subject: Subject) -> bool:
        return self is subject or (self is Subject.BOTH and subject is not Subject.NEITHER)


class DistrictCredentialPolicy(Base):
    """A district's decision on one credential. No row: not accepted, counts for neither."""

    __tablename__ = "district_credential_policy"
    __table_args__ = (UniqueConstraint("district_id", "credential_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE"), index=True
    )
    accepted_for_graduation: Mapped[bool] = mapped_column(default=False)
    counts_toward: Mapped[Subject] = mapped_column(str_enum(Subject, 8), default=Subject.NEITHER)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    district: Mapped[District] = relationship()
    credential: Mapped[Credential] = relationship()
    updated_by: Mapped[User | None] = relationship()


class EarnedStatus(enum.StrEnum):
    PENDING = "pending"  # recorded, waiting for staff
    VERIFIED = "verified"  # counts
    REJECTED = "rejected"  # with a reason the student sees

    @property
    def label(self) -> str:
        return {
            "pending": gettext("Waiting for verification"),
            "verified": gettext("Verified"),
            "rejected": gettext("Rejected"),
        }[self.value]


def valid_on(status: EarnedStatus, expires_on: date | None, day: date) -> bool:
    """The one rule of when an earned credential counts: verified, and not expired on ``day``
    (it still counts on the day it expires)."""
    return status is EarnedStatus.VERIFIED and (expires_on is None or day <= expires_on)


class StudentCredential(Base):
    """A credential a student earned, with evidence. Only verified ones count."""

    __tablename__ = "student_credential"
    __table_args__ = (
        # One live record (pending or verified) per credential and date: a second recording
        # of the same certificate is refused, a rejected one may be recorded again.
        Index(
            "uq_student_credential_live",
            "student_id",
            "credential_id",
            "earned_on",
            unique=True,
            sqlite_where=text("status IN ('pending', 'verified')"),
            postgresql_where=text("status IN ('pending', 'verified')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student_profile.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[int] = mapped_column(ForeignKey("credential.id"), index=True)
    earned_on: Mapped[date]
    expires_on: Mapped[date | None]  # from the catalog's validity when recorded
    status: Mapped[EarnedStatus] = mapped_column(
        str_enum(EarnedStatus, 16), default=EarnedStatus.PENDING, index=True
    )
    file_key: Mapped[str] = mapped_column(String(200))  # the evidence, in wbl.storage
    file_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    file_size: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")  # from whoever recorded it
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    reject_reason: Mapped[str] = mapped_column(Text, default="")

    student: Mapped[StudentProfile] = relationship()
    credential: Mapped[Credential] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class WorkKeysTest(enum.StrEnum):
    APPLIED_MATH = "applied_math"
    GRAPHIC_LITERACY = "graphic_literacy"
    WORKPLACE_DOCUMENTS = "workplace_documents"

    @property
    def label(self) -> str:
        return {
            "applied_math": "Applied Math",
            "graphic_literacy": "Graphic Literacy",
            "workplace_documents": "Workplace Documents",
        }[self.value]


WORKKEYS_LEVELS = range(3, 8)  # 3–7


class ScoreSource(enum.StrEnum):
    WEB = "web"
    IMPORT = "import"


class WorkKeysScore(Base):
    """One WorkKeys test result. The best level per test counts."""

    __tablename__ = "workkeys_score"
    __table_args__ = (
        UniqueConstraint("student_id", "test", "tested_on"),
        CheckConstraint("level BETWEEN 3 AND 7", name="level_3_to_7"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("student_profile.id", ondelete="CASCADE"), index=True
    )
    test: Mapped[WorkKeysTest] = mapped_column(str_enum(WorkKeysTest, 24))
    level: Mapped[int]
    tested_on: Mapped[date]
    source: Mapped[ScoreSource] = mapped_column(str_enum(ScoreSource, 8), default=ScoreSource.WEB)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)

    student: Mapped[StudentProfile] = relationship()
    entered_by: Mapped[User] = relationship()
