"""Queries of the catalog's back office: staff lists, the review queue, an employer's own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from wbl.auth.models import User
from wbl.catalog.fulltext import in_title_or_partner
from wbl.catalog.models import (
    ChangeStatus,
    Offering,
    OfferingChange,
    OfferingStatus,
    Partner,
    PartnerContact,
)
from wbl.catalog.search import search_terms
from wbl.errors import NotFound
from wbl.extensions import db
from wbl.scopes import is_staff, partner_ids_of

COMPLIANCE_WARNING_DAYS = 30
# A worksite agreement is renewed by its signatory, which takes longer than sending a new
# insurance certificate: it is flagged 60 days ahead, with a one-click renewal
# (wbl/catalog/worksite_agreements.py, RENEWAL_DAYS).
AGREEMENT_WARNING_DAYS = 60
LOGO_READ_LIMIT = 1024 * 1024 + 1  # one byte over the limit is enough to say it is too big


@dataclass(frozen=True, slots=True)
class PartnerFilters:
    q: str = ""
    sector_id: int | None = None
    state: str = "active"  # active | inactive | attention | all


def _needs_attention(today: date) -> ColumnElement[bool]:
    soon = today + timedelta(days=COMPLIANCE_WARNING_DAYS)
    agreement_soon = today + timedelta(days=AGREEMENT_WARNING_DAYS)
    return or_(
        Partner.worksite_agreement_date.is_(None),
        Partner.worksite_agreement_date > today,
        Partner.worksite_agreement_expiry <= agreement_soon,
        Partner.insurance_expiry.is_(None),
        Partner.insurance_expiry <= soon,
    )


def partners_for_staff(filters: PartnerFilters, today: date) -> Select[Partner]:
    query = select(Partner).options(selectinload(Partner.sector)).order_by(Partner.name)
    if filters.q:
        query = query.where(func.lower(Partner.name).contains(filters.q.lower(), autoescape=True))
    if filters.sector_id:
        query = query.where(Partner.sector_id == filters.sector_id)
    if filters.state == "active":
        query = query.where(Partner.active.is_(True))
    elif filters.state == "inactive":
        query = query.where(Partner.active.is_(False))
    elif filters.state == "attention":
        query = query.where(Partner.active.is_(True), _needs_attention(today))
    return query


def offering_counts(partner_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per partner: (published offerings, all offerings), in one query."""
    if not partner_ids:
        return {}
    rows = db.session.execute(
        select(
            Offering.partner_id,
            func.count().filter(Offering.status == OfferingStatus.PUBLISHED),
            func.count(),
        )
        .where(Offering.partner_id.in_(partner_ids))
        .group_by(Offering.partner_id)
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def partner_for_staff(actor: User, partner_id: int) -> Partner:
    if not is_staff(actor):
        raise NotFound()
    partner = db.session.scalar(
        select(Partner)
        .where(Partner.id == partner_id)
        .options(
            selectinload(Partner.sector),
            selectinload(Partner.contacts).selectinload(PartnerContact.user),
        )
    )
    if partner is None:
        raise NotFound()
    return partner


def offerings_of_partner(partner_id: int) -> list[Offering]:
    return list(
        db.session.scalars(
            select(Offering)
            .where(Offering.partner_id == partner_id)
            .order_by(Offering.start_date.is_(None), Offering.start_date.desc(), Offering.id)
        )
    )


@dataclass(frozen=True, slots=True)
class ComplianceRow:
    partner: Partner
    problem: str
    severity: str  # danger (cannot host individual placements now) | warning (soon)
    day: date | None


def compliance_rows(today: date) -> list[ComplianceRow]:
    """Active partners whose agreement or insurance is missing, expired, or expires soon (the
    agreement within 60 days, the insurance within 30): the warning list staff work through."""
    soon = today + timedelta(days=COMPLIANCE_WARNING_DAYS)
    agreement_soon = today + timedelta(days=AGREEMENT_WARNING_DAYS)
    partners = db.session.scalars(
        select(Partner)
        .where(Partner.active.is_(True), _needs_attention(today))
        .options(selectinload(Partner.sector))
        .order_by(Partner.name)
    )
    rows: list[ComplianceRow] = []
    for partner in partners:
        if partner.worksite_agreement_date is None:
            rows.append(ComplianceRow(partner, "No worksite agreement on file", "danger", None))
        elif partner.worksite_agreement_date > today:
            rows.append(
                ComplianceRow(
                    partner, "Agreement starts", "warning", partner.worksite_agreement_date
                )
            )
        elif (expiry := partner.worksite_agreement_expiry) is not None and expiry <= agreement_soon:
            expired = expiry < today
            rows.append(
                ComplianceRow(
                    partner,
                    "Agreement expired" if expired else "Agreement ends",
                    "danger" if expired else "warning",
                    expiry,
                )
            )
        if partner.insurance_expiry is None:
            rows.append(ComplianceRow(partner, "No liability insurance on file", "danger", None))
        elif partner.insurance_expiry <= soon:
            expired = partner.insurance_expiry < today
            rows.append(
                ComplianceRow(
                    partner,
                    "Insurance expired" if expired else "Insurance ends",
                    "danger" if expired else "warning",
                    partner.insurance_expiry,
                )
            )
    rows.sort(key=lambda r: (r.severity != "danger", r.day or date.min, r.partner.name))
    return rows


@dataclass(frozen=True, slots=True)
class OfferingFilters:
    q: str = ""
    status: OfferingStatus | None = None
    kind: object = None


def offerings_for_staff(filters: OfferingFilters) -> Select[Offering]:
    """The staff list, last changed first (``ix_offering_updated_at`` reads it in that order).
    Each word of ``q`` must be in the title or the partner's name, found as the catalog search
    finds words (``wbl/catalog/fulltext.py``: stemmed, and the words they begin)."""
    query = (
        select(Offering)
        .options(selectinload(Offering.partner))
        .order_by(Offering.updated_at.desc(), Offering.id.desc())
    )
    dialect = db.session.get_bind().dialect.name
    for word in search_terms(filters.q):
        query = query.where(in_title_or_partner(word, dialect))
    if filters.status is not None:
        query = query.where(Offering.status == filters.status)
    if filters.kind is not None:
        query = query.where(Offering.kind == filters.kind)
    return query


def partner_choices(actor: User) -> list[SelectChoice]:
    query = select(Partner.id, Partner.name).where(Partner.active.is_(True))
    if not is_staff(actor):
        query = query.where(Partner.id.in_(partner_ids_of(actor)))
    rows = db.session.execute(query.order_by(Partner.name))
    return [SelectChoice(row.id, row.name) for row in rows]


# The queue shows the partner's and the proposer's names: both in the offering's statement
# (many-to-one), and not the proposers' roles, which every User load would otherwise add.
_PROPOSER_AND_PARTNER = (
    joinedload(Offering.partner),
    joinedload(Offering.proposed_by).lazyload(User.roles),
)


def pending_proposals() -> list[Offering]:
    return list(
        db.session.scalars(
            select(Offering)
            .where(Offering.status == OfferingStatus.PENDING)
            .options(*_PROPOSER_AND_PARTNER)
            .order_by(Offering.updated_at, Offering.id)
        )
    )


def pending_changes() -> list[OfferingChange]:
    return list(
        db.session.scalars(
            select(OfferingChange)
            .where(OfferingChange.status == ChangeStatus.PENDING)
            .options(
                joinedload(OfferingChange.offering).joinedload(Offering.partner),
                joinedload(OfferingChange.proposed_by).lazyload(User.roles),
            )
            .order_by(OfferingChange.created_at, OfferingChange.id)
        )
    )


def review_count() -> int:
    """Proposals and proposed changes waiting for staff."""
    offerings = db.session.scalar(
        select(func.count(Offering.id)).where(Offering.status == OfferingStatus.PENDING)
    )
    changes = db.session.scalar(
        select(func.count(OfferingChange.id)).where(OfferingChange.status == ChangeStatus.PENDING)
    )
    return (offerings or 0) + (changes or 0)


@dataclass(frozen=True, slots=True)
class EmployerRow:
    offering: Offering
    change: OfferingChange | None  # the latest proposed change, if any


def employer_partners(actor: User) -> list[Partner]:
    return list(
        db.session.scalars(
            select(Partner).where(Partner.id.in_(partner_ids_of(actor))).order_by(Partner.name)
        )
    )


def employer_offerings(actor: User) -> list[EmployerRow]:
    """Every offering of the employer's partners, with the latest change proposal (two
    queries whatever the count)."""
    own = partner_ids_of(actor)
    offerings = list(
        db.session.scalars(
            select(Offering)
            .where(Offering.partner_id.in_(own))
            .options(selectinload(Offering.partner))
            .order_by(Offering.updated_at.desc(), Offering.id.desc())
        )
    )
    latest: dict[int, OfferingChange] = {}
    if offerings:
        for change in db.session.scalars(
            select(OfferingChange)
            .where(
                OfferingChange.offering_id.in_([o.id for o in offerings]),
                OfferingChange.status != ChangeStatus.WITHDRAWN,
            )
            .order_by(OfferingChange.created_at, OfferingChange.id)
        ):
            latest[change.offering_id] = change
    return [EmployerRow(o, latest.get(o.id)) for o in offerings]
