"""Catalog queries: listing, scoping and eager loading (each returns a Select)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.catalog.models import Offering, OfferingStatus, Partner, PartnerContact
from wbl.reference.models import ExperienceKind

COMPLIANCE_WARNING_DAYS = 30


def partners_of_contact(user: User) -> Select[Partner]:
    return (
        select(Partner)
        .join(PartnerContact, PartnerContact.partner_id == Partner.id)
        .where(PartnerContact.user_id == user.id)
        .options(selectinload(Partner.sector))
        .order_by(Partner.name)
    )


def offerings_of_contact(user: User) -> Select[Offering]:
    """An employer's own offerings, every status, soonest first."""
    return (
        select(Offering)
        .join(PartnerContact, PartnerContact.partner_id == Offering.partner_id)
        .where(PartnerContact.user_id == user.id)
        .options(selectinload(Offering.partner))
        .order_by(Offering.start_date.is_(None), Offering.start_date, Offering.id)
    )


def published_counts_by_kind() -> Select[ExperienceKind, int, int]:
    return (
        select(Offering.kind, func.count(), func.coalesce(func.sum(Offering.capacity), 0))
        .where(Offering.status == OfferingStatus.PUBLISHED)
        .group_by(Offering.kind)
    )


def partners_needing_attention(today: date) -> Select[Partner]:
    """Active partners whose insurance has expired or expires within 30 days, or who have no
    worksite agreement: they cannot host individual placements until it is fixed."""
    soon = today + timedelta(days=COMPLIANCE_WARNING_DAYS)
    return (
        select(Partner)
        .where(
            Partner.active.is_(True),
            or_(
                Partner.insurance_expiry.is_(None),
                Partner.insurance_expiry <= soon,
                Partner.worksite_agreement_date.is_(None),
            ),
        )
        .order_by(Partner.insurance_expiry.is_(None), Partner.insurance_expiry, Partner.name)
    )


def upcoming_published(today: date) -> Select[Offering]:
    return (
        select(Offering)
        .where(
            Offering.status == OfferingStatus.PUBLISHED,
            or_(Offering.start_date.is_(None), Offering.start_date >= today),
            or_(Offering.application_deadline.is_(None), Offering.application_deadline >= today),
            and_(Offering.seats_taken < Offering.capacity),
        )
        .options(selectinload(Offering.partner), selectinload(Offering.pathways))
        .order_by(Offering.start_date, Offering.id)
    )
