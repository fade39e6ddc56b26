"""Sign-up requests: a business asking to become a partner, or a person volunteering to review
portfolios or sit on interview panels (seed 000: "Employers and Educators, let us know you
want to be involved!").

A request holds what was typed and nothing more: no partner, account or pool membership
exists until staff approve it. It moves ``submitted`` (its e-mail not yet confirmed) →
``confirmed`` (in the staff queue) → ``approved`` or ``declined``; each move is a
``move_status`` on the status it expects. Who decided, when, and why (a decline's reason)
stay on the row, with the partner and account an approval made or linked.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.catalog.models import Partner
    from wbl.reference.models import IndustrySector


class SignupKind(enum.StrEnum):
    PARTNER = "partner"  # "Become a partner": a business, its address, sectors and offer
    VOLUNTEER = "volunteer"  # "Volunteer as a reviewer or interviewer": one person

    @property
    def label(self) -> str:
        return {"partner": "Partner", "volunteer": "Volunteer"}[self.value]


class SignupStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # sent; the e-mail address is not confirmed yet
    CONFIRMED = "confirmed"  # the address is confirmed: waiting for staff
    APPROVED = "approved"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {
            "submitted": "E-mail not confirmed",
            "confirmed": "Waiting for review",
            "approved": "Approved",
            "declined": "Declined",
        }[self.value]


class Background(enum.StrEnum):
    """Where a volunteer comes from (what they say; their account, if any, decides)."""

    EMPLOYER = "employer"  # works at a business or organisation
    EDUCATOR = "educator"  # a teacher, counselor or administrator

    @property
    def label(self) -> str:
        return {
            "employer": "At a business or organisation",
            "educator": "In education (a teacher, counselor or administrator)",
        }[self.value]


class SignupRequest(Base):
    __tablename__ = "signup_request"
    # The staff queue: one kind, one status, oldest first.
    __table_args__ = (Index("ix_signup_request_queue", "kind", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SignupKind] = mapped_column(str_enum(SignupKind, 16))
    status: Mapped[SignupStatus] = mapped_column(
        str_enum(SignupStatus, 16), default=SignupStatus.SUBMITTED
    )
    # The person: the partner's contact, or the volunteer.
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    job_title: Mapped[str] = mapped_column(String(120), default="")
    # The business's name (a partner), or where the volunteer works.
    organisation: Mapped[str] = mapped_column(String(160))
    # A partner's fields, as the catalog keeps them.
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("industry_sector.id"))
    street_address: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    zip: Mapped[str] = mapped_column(String(10), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    business_phone: Mapped[str] = mapped_column(String(40), default="")
    # About the business (a partner), or what a volunteer wants staff to know.
    description: Mapped[str] = mapped_column(Text, default="")
    # Experience kinds a business can offer (``ExperienceKind`` codes).
    experience_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    endorses_certificate: Mapped[bool] = mapped_column(default=False)
    # A volunteer's background and what they offer to do.
    background: Mapped[Background | None] = mapped_column(str_enum(Background, 16))
    reviews: Mapped[bool] = mapped_column(default=False)
    interviews: Mapped[bool] = mapped_column(default=False)

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text, default="")  # a decline's, e-mailed
    # What an approval made or linked: the partner (a business, or a volunteer's employer)
    # and the person's account.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    sector: Mapped[IndustrySector | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    partner: Mapped[Partner | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    @property
    def name(self) -> str:
        """What staff call the request: the business, or the volunteer."""
        return self.organisation if self.kind is SignupKind.PARTNER else self.full_name

    @property
    def offer(self) -> str:
        """What the person offered, for the e-mails: "to make X a partner", "to volunteer"."""
        if self.kind is SignupKind.PARTNER:
            return f"to make {self.organisation} a partner"
        return "to volunteer"

    @property
    def offers(self) -> str:
        """What a volunteer offers to do, in words."""
        return " and ".join(
            what
            for what, offered in (
                ("review portfolios", self.reviews),
                ("sit on interview panels", self.interviews),
            )
            if offered
        )
