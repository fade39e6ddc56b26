"""Catalog use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from wbl.auth.models import User
from wbl.catalog import queries, search
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


# --- Browsing: partner pages and the public endorsement page -------------------------------


@dataclass(frozen=True, slots=True)
class PartnerCard:
    """A partner as the catalog shows it: the logo URL's cache-busting version and the
    initials shown when there is no logo."""

    partner: Partner
    logo_version: str | None
    initials: str

    @property
    def website_url(self) -> str | None:
        return website_url(self.partner.website)


def partner_card(partner: Partner) -> PartnerCard:
    version = None
    if partner.logo_key:
        # The key is "<folder>/<random>.<ext>": a new upload gets a new random part.
        version = partner.logo_key.rsplit("/", 1)[-1].split(".", 1)[0][:12]
    words = [w for w in partner.name.replace("&", " ").split() if w[:1].isalnum()]
    initials = "".join(w[0] for w in words[:2]).upper() or "?"
    return PartnerCard(partner, version, initials)


@dataclass(frozen=True, slots=True)
class PartnerPage:
    card: PartnerCard
    offerings: list[Offering]


def get_partner_page(partner_id: int, today: date) -> PartnerPage:
    """An active partner and its offerings open to students today; NotFound otherwise.

    Contacts are not part of it: their names, e-mails and phones are for staff; the
    partner's own phone and website are public information."""
    partner = db.session.scalar(search.active_partner(partner_id))
    if partner is None:
        raise NotFound()
    offerings = list(db.session.scalars(search.open_offerings_of_partner(partner_id, today)))
    return PartnerPage(partner_card(partner), offerings)


def endorsers() -> list[PartnerCard]:
    """Active partners who publicly endorse the Work Ready Certificate, by name (seed 000:
    an endorsing employer's name and logo appear on the county's list)."""
    return [partner_card(p) for p in db.session.scalars(search.endorsing_partners())]


def website_url(text: str) -> str | None:
    """A partner's website as a safe link: http(s) only (never ``javascript:``; imports and
    older rows are not limited to what the form allows), and a bare domain such as
    "sunrisevet.com" gets https. None when it cannot be a link."""
    site = (text or "").strip()
    if site.lower().startswith(("http://", "https://")):
        return site
    if site and " " not in site and "." in site and ":" not in site:
        return f"https://{site}"
    return None
