"""The people who speak for a partner: staff link employer accounts to it as its contacts.

A contact sees the partner's applicants, confirms hours and proposes offerings, so only an
employer's account is ever linked (a student's or a teacher's never); a person without an
account is invited. The first contact is the partner's primary one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.auth.services import add_invited_user, find_user_by_email
from wbl.catalog import rules
from wbl.catalog.models import Partner, PartnerContact
from wbl.catalog.policies import can_manage_partner, get_partner
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db
from wbl.placements.models import Placement
from wbl.scopes import speaks_for


@dataclass(frozen=True, slots=True)
class ContactData:
    email: str
    full_name: str
    job_title: str = ""
    phone: str = ""


@atomic
def add_contact(actor: User, partner_id: int, data: ContactData) -> PartnerContact:
    """Link an employer account to the partner, inviting the person when they have none."""
    partner = get_partner(actor, partner_id)
    contact = link_contact(actor, partner, data)
    db.session.commit()
    return contact


def link_contact(
    actor: User, partner: Partner, data: ContactData, *, note: str | None = None
) -> PartnerContact:
    """The contact inside the caller's transaction (flushes, never commits): used by
    ``add_contact`` and by the approval of a sign-up. A person without an account is invited
    (``note`` replaces the invitation's sentence about the partner).

    An existing account is linked only if it is an employer's: a student's or a teacher's
    account must never gain access to a business's applicants."""
    require(can_manage_partner(actor, partner))
    problem = rules.email_problem(data.email)
    if problem:
        raise DomainError(problem, field="email")
    user = find_user_by_email(data.email)
    if user is None:
        default = f"You will speak for {partner.name}: post opportunities and confirm hours."
        user = add_invited_user(
            actor,
            email=data.email,
            full_name=data.full_name,
            roles={Role.EMPLOYER},
            note=note or default,
        )
    elif not user.has_role(Role.EMPLOYER):
        raise DomainError(
            "That e-mail belongs to an account that is not an employer's. "
            "Use the contact's work address.",
            field="email",
        )
    elif speaks_for(user, partner.id):
        raise DomainError("That person is already a contact of this partner.", field="email")
    first = not partner.contacts
    contact = PartnerContact(
        partner=partner,
        user=user,
        job_title=data.job_title.strip(),
        phone=data.phone.strip(),
        is_primary=first,
    )
    db.session.add(contact)
    db.session.flush()
    return contact


@atomic
def remove_contact(actor: User, contact_id: int) -> Partner:
    contact = db.session.get(PartnerContact, contact_id)
    if contact is None:
        raise NotFound()
    partner = get_partner(actor, contact.partner_id)
    require(can_manage_partner(actor, partner))
    # Placements this person supervised go on without a named supervisor (any contact of
    # the partner confirms their hours and evaluates) rather than block the removal.
    db.session.execute(
        update(Placement).where(Placement.supervisor_id == contact.id).values(supervisor_id=None)
    )
    db.session.delete(contact)
    db.session.commit()
    return partner
