"""Who may keep which part of the catalog, and the partner or offering a request may reach.

Staff (any CTE staff; partners serve the whole county) keep every partner and offering. An
employer reaches only the partners it speaks for (``wbl.scopes``) and their offerings, where
it proposes; anybody else's partner or offering is reported as not found, so other partners'
ids are not leaked (DESIGN.md: object scope is checked in the service).
"""

from __future__ import annotations

from wbl.auth.models import User
from wbl.catalog.models import Offering, Partner
from wbl.errors import NotFound
from wbl.extensions import db
from wbl.scopes import acts_for, is_staff


def can_manage_partner(user: User, partner: Partner) -> bool:
    return is_staff(user)


def can_propose_for(user: User, partner: Partner) -> bool:
    return acts_for(user, partner.id)


def manager_of(user: User, offering: Offering) -> str | None:
    """How the user may act on an offering's page: "staff", "employer" (its own partner's),
    or None (students, teachers, other partners' employers)."""
    if is_staff(user):
        return "staff"
    if acts_for(user, offering.partner_id):
        return "employer"
    return None


def get_partner(actor: User, partner_id: int) -> Partner:
    """A partner staff manage, or an employer's own; anything else is not found."""
    partner = db.session.get(Partner, partner_id)
    if partner is None or not (is_staff(actor) or can_propose_for(actor, partner)):
        raise NotFound()
    return partner


def get_offering_to_manage(actor: User, offering_id: int) -> Offering:
    """Any offering for staff; an employer's own partner's offerings; else not found."""
    offering = db.session.get(Offering, offering_id)
    if offering is None:
        raise NotFound()
    if not is_staff(actor) and not acts_for(actor, offering.partner_id):
        raise NotFound()
    return offering
