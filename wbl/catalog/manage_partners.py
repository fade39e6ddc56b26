"""Staff keep the catalog's partners: their record, compliance dates and logo.

A partner's fields meet ``rules.py`` (the same rules as the import and the sign-up), its name
is unique (ignoring case), its sector is active and its ZIP one we can place. Deactivating a
partner hides it and all its offerings from students at once; nothing is deleted. The
people who speak for a partner are kept in ``manage_contacts.py``, its offerings in
``manage_offerings.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from wbl.access import require
from wbl.auth.models import User
from wbl.catalog import rules
from wbl.catalog.models import Partner
from wbl.catalog.policies import can_manage_partner, get_partner
from wbl.errors import DomainError
from wbl.extensions import atomic, db
from wbl.geocoding.services import UnknownZip, locate
from wbl.images import clean_logo
from wbl.reference.models import IndustrySector
from wbl.scopes import is_staff
from wbl.storage import storage


@dataclass(frozen=True, slots=True)
class PartnerData:
    name: str
    sector_id: int
    street_address: str = ""
    city: str = ""
    zip: str = ""
    latitude: float | None = None
    longitude: float | None = None
    website: str = ""
    phone: str = ""
    description: str = ""
    endorses_certificate: bool = False
    worksite_agreement_date: date | None = None
    worksite_agreement_expiry: date | None = None
    insurance_expiry: date | None = None

    def rule_fields(self) -> rules.PartnerFields:
        return rules.PartnerFields(
            name=self.name,
            street_address=self.street_address,
            city=self.city,
            website=self.website.strip(),
            phone=self.phone,
            description=self.description,
            latitude=self.latitude,
            longitude=self.longitude,
            worksite_agreement_date=self.worksite_agreement_date,
            worksite_agreement_expiry=self.worksite_agreement_expiry,
        )


def _check_partner(data: PartnerData, partner_id: int | None) -> IndustrySector:
    rules.refuse(rules.partner_problems(data.rule_fields()))
    name = data.name.strip()
    clash = db.session.scalar(
        select(Partner.id).where(
            func.lower(Partner.name) == name.lower(),
            Partner.id != (partner_id or 0),
        )
    )
    if clash is not None:
        raise DomainError(rules.NAME_TAKEN, field="name")
    sector = db.session.get(IndustrySector, data.sector_id)
    if sector is None or not sector.active:
        raise DomainError("Choose a sector from the list.", field="sector_id")
    return sector


def _apply_partner(partner: Partner, data: PartnerData) -> None:
    try:
        location = locate(zip_code=data.zip, street=data.street_address, city=data.city)
    except UnknownZip as error:
        raise UnknownZip(error.message, field="zip") from None
    partner.name = data.name.strip()
    partner.sector_id = data.sector_id
    partner.street_address = data.street_address.strip()
    partner.city = data.city.strip()
    partner.zip = data.zip.strip()[:5]
    if data.latitude is not None and data.longitude is not None:
        partner.latitude, partner.longitude = data.latitude, data.longitude
        partner.coordinates_manual = True
    else:
        partner.latitude, partner.longitude = location.latitude, location.longitude
        partner.coordinates_manual = False
    partner.website = data.website.strip()
    partner.phone = data.phone.strip()
    partner.description = data.description.strip()
    partner.endorses_certificate = data.endorses_certificate
    partner.worksite_agreement_date = data.worksite_agreement_date
    partner.worksite_agreement_expiry = data.worksite_agreement_expiry
    partner.insurance_expiry = data.insurance_expiry


@atomic
def create_partner(actor: User, data: PartnerData) -> Partner:
    partner = add_partner(actor, data)
    db.session.commit()
    return partner


def add_partner(actor: User, data: PartnerData) -> Partner:
    """A new partner inside the caller's transaction (flushes, never commits): used by
    ``create_partner`` and by the approval of a business's sign-up, so both meet the same
    rules (``rules.py``, a unique name, an active sector, a ZIP we can place)."""
    require(is_staff(actor))
    _check_partner(data, None)
    partner = Partner()
    _apply_partner(partner, data)
    db.session.add(partner)
    db.session.flush()
    return partner


@atomic
def update_partner(actor: User, partner_id: int, data: PartnerData) -> Partner:
    partner = get_partner(actor, partner_id)
    require(can_manage_partner(actor, partner))
    _check_partner(data, partner.id)
    _apply_partner(partner, data)
    db.session.commit()
    return partner


@atomic
def set_partner_active(actor: User, partner_id: int, active: bool) -> Partner:
    """Deactivating hides the partner and all its offerings from students at once (the
    catalog and the recommendations only show active partners); nothing is deleted."""
    partner = get_partner(actor, partner_id)
    require(can_manage_partner(actor, partner))
    partner.active = active
    db.session.commit()
    return partner


@atomic
def upload_logo(actor: User, partner_id: int, data: bytes) -> Partner:
    """Store a cleaned logo under a new key; the old file is removed after the commit."""
    partner = get_partner(actor, partner_id)
    require(can_manage_partner(actor, partner))
    logo = clean_logo(data)
    old_key = partner.logo_key
    partner.logo_key = storage().save(logo.data, folder="logos", extension=logo.extension)
    partner.logo_content_type = logo.content_type
    db.session.commit()
    if old_key:
        storage().delete(old_key)
    return partner


@atomic
def remove_logo(actor: User, partner_id: int) -> Partner:
    partner = get_partner(actor, partner_id)
    require(can_manage_partner(actor, partner))
    old_key = partner.logo_key
    partner.logo_key, partner.logo_content_type = None, ""
    db.session.commit()
    if old_key:
        storage().delete(old_key)
    return partner
