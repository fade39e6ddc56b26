"""Supervisor clearances (issue 21, "Supervisor clearance"): what a partner's contact who
supervises minors has completed (a fingerprint background check, a TB test, mandated-reporter
training), until when, and which of them each district requires for which experience type.

``supervisor_clearance`` is one completed clearance, with who recorded it and, optionally, the
scanned certificate (through ``wbl/storage.py``; only staff read it). A renewed clearance is a
new row: the one of each type that runs longest counts (``clearance_rules.latest``).

``district_clearance_rule`` is a district's decision for one experience type and one
clearance type. No row: the default of ``clearance_rules.DEFAULT_REQUIRED`` stands, so a
district that never opened the settings page still gets the documented defaults
(docs/safety.md).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import ExperienceKind, str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.catalog.models import PartnerContact
    from wbl.schools.models import District


class ClearanceType(enum.StrEnum):
    """The clearances California districts ask of adults who supervise students off campus:
    the DOJ/FBI fingerprint (Live Scan) background check, a TB risk assessment or test
    (Education Code 49406), and mandated-reporter training (Penal Code 11165.7)."""

    BACKGROUND_CHECK = "background_check"
    TB_TEST = "tb_test"
    MANDATED_REPORTER = "mandated_reporter"

    @property
    def label(self) -> str:
        return str(LABELS[self])


LABELS = {
    ClearanceType.BACKGROUND_CHECK: _l("Fingerprint background check"),
    ClearanceType.TB_TEST: _l("TB test"),
    ClearanceType.MANDATED_REPORTER: _l("Mandated-reporter training"),
}


class SupervisorClearance(Base):
    __tablename__ = "supervisor_clearance"
    __table_args__ = (CheckConstraint("expires_on >= completed_on", name="expires_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A contact removed from the partner takes their clearances (and the documents' rows) along.
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("partner_contact.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ClearanceType] = mapped_column(str_enum(ClearanceType, 24))
    completed_on: Mapped[date]
    expires_on: Mapped[date] = mapped_column(index=True)
    # The scanned certificate, through the storage service: a generated key, never the
    # uploader's file name as a path; served only to staff.
    document_key: Mapped[str | None] = mapped_column(String(80))
    document_name: Mapped[str] = mapped_column(String(120), default="")
    document_type: Mapped[str] = mapped_column(String(80), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The expiry date the 30-day reminder was sent for: once per clearance per expiry (a
    # corrected expiry date is reminded of again).
    reminded_for: Mapped[date | None]

    contact: Mapped[PartnerContact] = relationship()
    recorded_by: Mapped[User | None] = relationship()


class DistrictClearanceRule(Base):
    """A district's decision: is ``clearance`` required of the supervisor of a minor in a
    ``kind`` experience? No row: ``clearance_rules.DEFAULT_REQUIRED`` decides."""

    __tablename__ = "district_clearance_rule"
    __table_args__ = (UniqueConstraint("district_id", "kind", "clearance"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    kind: Mapped[ExperienceKind] = mapped_column(str_enum(ExperienceKind))
    clearance: Mapped[ClearanceType] = mapped_column(str_enum(ClearanceType, 24))
    required: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    district: Mapped[District] = relationship()
