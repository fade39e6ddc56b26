"""Worksite agreements signed in the app (issue 21): the county's template and each agreement
sent to a partner, signed from an e-mailed single-use link.

A signed agreement sets the partner's ``worksite_agreement_date`` / ``_expiry`` (the
compliance dates every rule already reads), so nothing else needs to know where they came from.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.catalog.models import Partner


class WorksiteAgreementStatus(enum.StrEnum):
    SENT = "sent"  # e-mailed, waiting for the signatory
    SIGNED = "signed"
    WITHDRAWN = "withdrawn"  # staff withdrew it before it was signed: its link says so


class WorksiteAgreementTemplate(Base):
    """One version of the county's agreement text. Saving adds a version (never edits one),
    so every agreement can name the version its text came from."""

    __tablename__ = "worksite_agreement_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class WorksiteAgreement(Base):
    """An agreement sent to a partner's signatory. Its title and body are the template's text
    with the placeholders filled in at sending, kept here: a later edit of the template does
    not change what was sent or signed."""

    __tablename__ = "worksite_agreement"
    __table_args__ = (CheckConstraint("end_date > start_date", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partner.id", ondelete="CASCADE"), index=True
    )
    template_version: Mapped[int | None]  # None: the built-in text (no template saved yet)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    start_date: Mapped[date]
    end_date: Mapped[date]
    signatory_name: Mapped[str] = mapped_column(String(120))
    signatory_email: Mapped[str] = mapped_column(String(254))
    signatory_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_contact.id", ondelete="SET NULL")
    )
    status: Mapped[WorksiteAgreementStatus] = mapped_column(
        str_enum(WorksiteAgreementStatus, 16), default=WorksiteAgreementStatus.SENT, index=True
    )
    # The link's secret: cleared when it is signed or withdrawn, replaced when it is re-sent.
    nonce: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    typed_name: Mapped[str] = mapped_column(String(120), default="")
    # The typed name is not the name on file, and the signatory confirmed signing under it.
    name_differs: Mapped[bool] = mapped_column(default=False)
    signed_at: Mapped[datetime | None]
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    pdf_key: Mapped[str | None] = mapped_column(String(80))  # the signed PDF (wbl/storage.py)

    partner: Mapped[Partner] = relationship()
