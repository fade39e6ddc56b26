"""Catalog queries: listing, scoping and eager loading (each returns a Select)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Offering, OfferingStatus, Partner
from wbl.reference.models import ExperienceKind
from wbl.scopes import is_staff, partner_ids_of


def partners_of_contact(user: User) -> Select[Partner]:
    return (
        select(Partner)
        .where(Partner.id.in_(partner_ids_of(user)))
        .options(selectinload(Partner.sector))
        .order_by(Partner.name)
    )


def offerings_of_contact(user: User) -> Select[Offering]:
    """An employer's own offerings, every status, soonest first."""
    return (
        select(Offering)
        .where(Offering.partner_id.in_(partner_ids_of(user)))
        .options(selectinload(Offering.partner))
        .order_by(Offering.start_date.is_(None), Offering.start_date, Offering.id)
    )


def published_counts_by_kind() -> Select[ExperienceKind, int, int]:
    return (
        select(Offering.kind, func.count(), func.coalesce(func.sum(Offering.capacity), 0))
        .where(Offering.status == OfferingStatus.PUBLISHED)
        .group_by(Offering.kind)
    )


def open_to_students() -> ColumnElement[bool]:
    """Published, by a partner that is active: a deactivated partner's offerings are hidden
    from students and teachers at once, a bookmarked link included."""
    return and_(
        Offering.status == OfferingStatus.PUBLISHED,
        Offering.partner.has(Partner.active.is_(True)),
    )


def offerings_visible_to(actor: User) -> Select[Offering]:
    """Staff see every offering; employers their partner's (any status); students and
    teachers what is open to students."""
    query = select(Offering)
    if is_staff(actor):
        return query
    if actor.has_role(Role.EMPLOYER):
        own = partner_ids_of(actor)
        if actor.has_role(Role.TEACHER) or actor.has_role(Role.STUDENT):
            return query.where(or_(Offering.partner_id.in_(own), open_to_students()))
        return query.where(Offering.partner_id.in_(own))
    return query.where(open_to_students())


def offering_detail(actor: User, offering_id: int) -> Select[Offering]:
    return (
        offerings_visible_to(actor)
        .where(Offering.id == offering_id)
        .options(
            selectinload(Offering.partner).selectinload(Partner.sector),
            selectinload(Offering.pathways),
            selectinload(Offering.outcomes),
            selectinload(Offering.prerequisites),
        )
    )


def published_for_matching() -> Select[Offering]:
    """What the recommendation index holds: published offerings of active partners."""
    return (
        select(Offering)
        .join(Partner, Partner.id == Offering.partner_id)
        .where(Offering.status == OfferingStatus.PUBLISHED, Partner.active.is_(True))
        .options(
            selectinload(Offering.partner),
            selectinload(Offering.pathways),
            selectinload(Offering.prerequisites),
        )
        .order_by(Offering.id)
    )


def catalog_version() -> Select[int, object, int]:
    """A cheap fingerprint of what the index holds: it changes when an offering is published,
    edited or closed, a partner is deactivated, or a seat is taken."""
    return (
        select(
            func.count(Offering.id),
            func.max(Offering.updated_at),
            func.coalesce(func.sum(Offering.seats_taken), 0),
        )
        .join(Partner, Partner.id == Offering.partner_id)
        .where(Offering.status == OfferingStatus.PUBLISHED, Partner.active.is_(True))
    )
