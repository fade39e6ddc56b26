"""Test data for supervisor clearances: a contact's clearances set as a test needs them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, select

from wbl.auth.models import User
from wbl.catalog.clearance_models import ClearanceType, SupervisorClearance
from wbl.catalog.models import PartnerContact
from wbl.clock import local_today
from wbl.extensions import db


def contact_of(user: User) -> PartnerContact:
    contact = db.session.scalar(select(PartnerContact).where(PartnerContact.user_id == user.id))
    assert contact is not None
    return contact


def clear_clearances(contact: PartnerContact) -> None:
    db.session.execute(
        delete(SupervisorClearance).where(SupervisorClearance.contact_id == contact.id)
    )
    db.session.flush()


def add_clearance(
    contact: PartnerContact,
    kind: ClearanceType,
    *,
    expires_in: int = 365,
    completed: date | None = None,
) -> SupervisorClearance:
    today = local_today()
    row = SupervisorClearance(
        contact_id=contact.id,
        kind=kind,
        completed_on=completed or today - timedelta(days=10),
        expires_on=today + timedelta(days=expires_in),
    )
    db.session.add(row)
    db.session.flush()
    return row
