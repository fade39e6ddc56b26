"""Partner businesses, their employer contacts, and the offerings they make."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wbl.extensions import Base, utcnow
from wbl.reference.models import ExperienceKind, str_enum

if TYPE_CHECKING:
    from wbl.auth.models import User
    from wbl.reference.models import IndustrySector, Pathway, PogOutcome, PreparatoryActivity


class OfferingStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  # proposed by an employer, waiting for staff approval
    RETURNED = "returned"  # sent back to the employer with a reason (``review_note``)
    PUBLISHED = "published"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "draft": gettext("Draft"),
            "pending": gettext("Waiting for review"),
            "returned": gettext("Returned for changes"),
            "published": gettext("Published"),
            "closed": gettext("Closed"),
        }[self.value]


class ChangeStatus(enum.StrEnum):
    """An employer's proposed change to an offering, as it moves through the staff queue."""

    PENDING = "pending"
    APPROVED = "approved"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class Partner(Base):
    __tablename__ = "partner"
    # The distance search reads partners in a latitude band (wbl/catalog/search.py).
    __table_args__ = (Index("ix_partner_place", "latitude", "longitude"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(160), index=True)
    sector_id: Mapped[int] = mapped_column(ForeignKey("industry_sector.id"), index=True)
    street_address: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    zip: Mapped[str] = mapped_column(String(10), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    website: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    endorses_certificate: Mapped[bool] = mapped_column(default=False)
    # Set when staff placed the partner by hand; a ZIP change then keeps their coordinates.
    coordinates_manual: Mapped[bool] = mapped_column(default=False)
    # The logo, through the storage service (wbl/storage.py): a generated key, never a name
    # the uploader chose, and the sniffed content type it is served with.
    logo_key: Mapped[str | None] = mapped_column(String(80))
    logo_content_type: Mapped[str] = mapped_column(String(40), default="")
    worksite_agreement_date: Mapped[date | None]
    worksite_agreement_expiry: Mapped[date | None]
    insurance_expiry: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    sector: Mapped[IndustrySector] = relationship()
    contacts: Mapped[list[PartnerContact]] = relationship(
        back_populates="partner", cascade="all, delete-orphan"
    )
    offerings: Mapped[list[Offering]] = relationship(back_populates="partner")

    def compliance_problems(self, day: date) -> list[str]:
        """Why the partner cannot host individual placements on ``day`` (empty: it can).

        Individual placements (job shadows, projects, internships) need a current worksite
        agreement and current liability insurance (DOMAIN.md, safety and compliance)."""
        problems = []
        if self.worksite_agreement_date is None:
            problems.append("no worksite agreement on file")
        elif self.worksite_agreement_date > day:  # signed ahead of its start (issue 21)
            problems.append(f"the worksite agreement starts on {self.worksite_agreement_date}")
        elif self.worksite_agreement_expiry is not None and self.worksite_agreement_expiry < day:
            problems.append(f"the worksite agreement expired on {self.worksite_agreement_expiry}")
        if self.insurance_expiry is None:
            problems.append("no liability insurance on file")
        elif self.insurance_expiry < day:
            problems.append(f"the liability insurance expired on {self.insurance_expiry}")
        return problems


class PartnerContact(Base):
    """An employer user who speaks for a partner: posts offerings, confirms hours."""

    __tablename__ = "partner_contact"
    __table_args__ = (UniqueConstraint("partner_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    job_title: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    is_primary: Mapped[bool] = mapped_column(default=False)

    partner: Mapped[Partner] = relationship(back_populates="contacts")
    user: Mapped[User] = relationship()


offering_pathway = Table(
    "offering_pathway",
    Base.metadata,
    Column("offering_id", ForeignKey("offering.id", ondelete="CASCADE"), primary_key=True),
    Column("pathway_id", ForeignKey("pathway.id"), primary_key=True),
)

offering_outcome = Table(
    "offering_outcome",
    Base.metadata,
    Column("offering_id", ForeignKey("offering.id", ondelete="CASCADE"), primary_key=True),
    Column("outcome_id", ForeignKey("pog_outcome.id"), primary_key=True),
)

offering_prerequisite = Table(
    "offering_prerequisite",
    Base.metadata,
    Column("offering_id", ForeignKey("offering.id", ondelete="CASCADE"), primary_key=True),
    Column("activity_id", ForeignKey("preparatory_activity.id"), primary_key=True),
)


class Offering(Base):
    """One experience a partner offers. ``seats_taken`` only moves by conditional UPDATE."""

    __tablename__ = "offering"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"
        ),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="ends_after_start"),
        # Every column the catalog search filters and sorts on (wbl/catalog/search.py), so
        # the search reads this index, not the wide rows with their descriptions (issue 17).
        Index(
            "ix_offering_catalog",
            "status",
            "start_date",
            "end_date",
            "application_deadline",
            "kind",
            "partner_id",
            "is_virtual",
            "paid",
            "created_at",
            "latitude",
            "longitude",
        ),
        # The distance search reads offerings in a latitude band (wbl/catalog/search.py).
        Index("ix_offering_place", "latitude", "longitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partner.id"), index=True)
    kind: Mapped[ExperienceKind] = mapped_column(str_enum(ExperienceKind), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[str] = mapped_column(Text, default="")  # e.g. closed-toe shoes, TB test
    schedule: Mapped[str] = mapped_column(String(200), default="")  # e.g. "Tue and Thu, 3–6 pm"
    location: Mapped[str] = mapped_column(String(200), default="")
    zip: Mapped[str] = mapped_column(String(10), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    is_virtual: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int] = mapped_column(default=1)
    seats_taken: Mapped[int] = mapped_column(default=0)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    application_deadline: Mapped[date | None]
    minimum_age: Mapped[int | None]
    min_grade: Mapped[int | None]
    paid: Mapped[bool] = mapped_column(default=False)
    expected_hours: Mapped[int | None]
    status: Mapped[OfferingStatus] = mapped_column(
        str_enum(OfferingStatus, 16), default=OfferingStatus.DRAFT, index=True
    )
    # Employer proposals: who proposed it, and the reason staff gave when sending it back.
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)

    partner: Mapped[Partner] = relationship(back_populates="offerings")
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    pathways: Mapped[list[Pathway]] = relationship(secondary=offering_pathway)
    outcomes: Mapped[list[PogOutcome]] = relationship(secondary=offering_outcome)
    prerequisites: Mapped[list[PreparatoryActivity]] = relationship(secondary=offering_prerequisite)

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_individual(self) -> bool:
        """Job shadows, projects and internships place one student (vs. class events)."""
        return self.kind in INDIVIDUAL_KINDS


INDIVIDUAL_KINDS = frozenset(
    {ExperienceKind.JOB_SHADOW, ExperienceKind.WORK_BASED_PROJECT, ExperienceKind.INTERNSHIP}
)
CLASS_EVENT_KINDS = frozenset({ExperienceKind.GUEST_SPEAKER, ExperienceKind.WORKPLACE_VISIT})


class OfferingChange(Base):
    """Changes an employer proposes to an offering staff already approved.

    The live offering stays as it is until staff approve; ``changes`` maps field names to
    the proposed values (dates as ISO strings, id lists for pathways and outcomes)."""

    __tablename__ = "offering_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id"), index=True)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    changes: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    status: Mapped[ChangeStatus] = mapped_column(
        str_enum(ChangeStatus, 16), default=ChangeStatus.PENDING, index=True
    )
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    offering: Mapped[Offering] = relationship()
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
