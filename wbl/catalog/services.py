"""Catalog use cases."""

from __future__ import annotations

from dataclasses import dataclass

from wbl.auth.models import User
from wbl.catalog import queries
from wbl.catalog.models import Offering, Partner
from wbl.errors import NotFound
from wbl.extensions import db
from wbl.storage import storage


def get_offering(actor: User, offering_id: int) -> Offering:
    """An offering the actor may see; anything else is reported as not found."""
    offering = db.session.scalar(queries.offering_detail(actor, offering_id))
    if offering is None:
        raise NotFound()
    return offering


@dataclass(frozen=True, slots=True)
class StoredLogo:
    data: bytes
    content_type: str


def partner_logo(partner_id: int) -> StoredLogo:
    """An active partner's logo as stored (cleaned at upload); NotFound when there is none."""
    partner = db.session.get(Partner, partner_id)
    if partner is None or not partner.active or not partner.logo_key:
        raise NotFound()
    return StoredLogo(storage().read(partner.logo_key), partner.logo_content_type)
