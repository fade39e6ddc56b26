"""What state reporting stores: the codes staff changed, and each offering's reporting facts.

Both are optional rows over documented defaults (``layout.DEFAULT_*`` and the column
defaults below): a county that changes nothing reports with the defaults, and a row exists
only where staff said otherwise.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum


class ReportingCode(Base):
    """A code staff set for one key of a mapping: ``type`` (kind of placement → WBLR type
    code, "" = not reported) or ``evaluation`` (overall rating → evaluation code)."""

    __tablename__ = "reporting_code"
    __table_args__ = (UniqueConstraint("mapping", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mapping: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(4), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class OfferingReporting(Base):
    """An offering's facts for the WBLR file: the state course code of the course it is
    embedded in (CALPADS asks it of internships since 2022–23), whether the LEA sponsors it
    and whether a certificated staff member supervises it. Without a row: no course code
    (the record cannot be reported), sponsored, not supervised by certificated staff."""

    __tablename__ = "offering_reporting"

    offering_id: Mapped[int] = mapped_column(
        ForeignKey("offering.id", ondelete="CASCADE"), primary_key=True
    )
    state_course_code: Mapped[str] = mapped_column(String(4), default="", server_default="")
    lea_sponsored: Mapped[bool] = mapped_column(default=True, server_default=true())
    certificated_supervised: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ConcentratorSource(enum.StrEnum):
    """Where a student's concentrator status came from."""

    UPLOAD = "upload"  # a staff-uploaded list (wbl/reporting/concentrators.py)
    ROSTER = "roster"  # the roster's files, when they carry it


class CteConcentrator(Base):
    """A student's CTE concentrator status (Perkins V: a student who completed at least two
    courses in a single CTE program or program of study) and the year they graduate, as the
    district reported it. Perkins indicator 5S3 counts the concentrators graduating in a year.
    One row per student: the latest list that named them replaces what an earlier one said."""

    __tablename__ = "cte_concentrator"

    student_id: Mapped[int] = mapped_column(
        ForeignKey("student_profile.id", ondelete="CASCADE"), primary_key=True
    )
    concentrator: Mapped[bool]
    graduation_year: Mapped[int] = mapped_column(index=True)
    source: Mapped[ConcentratorSource] = mapped_column(str_enum(ConcentratorSource, 16))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
