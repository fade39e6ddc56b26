"""The catalog's scheduled work (run by the scheduler process, see wbl/scheduler.py)."""

from __future__ import annotations

from datetime import datetime

from flask import url_for
from sqlalchemy import or_, update

from wbl.catalog import clearances
from wbl.catalog.models import Offering, OfferingStatus
from wbl.clock import to_local
from wbl.extensions import atomic, db, rows_affected
from wbl.notifications.services import queue_email


@atomic
def close_stale_offerings(now: datetime) -> str:
    """Close published offerings whose application deadline or end date has passed (in the
    county's calendar), so no stale posting stays open. Placements already made are not
    touched. Idempotent."""
    today = to_local(now).date()
    closed = rows_affected(
        db.session.execute(
            update(Offering)
            .where(
                Offering.status == OfferingStatus.PUBLISHED,
                or_(Offering.application_deadline < today, Offering.end_date < today),
            )
            .values(status=OfferingStatus.CLOSED)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return f"{closed} offering(s) closed"


@atomic
def remind_expiring_clearances(now: datetime) -> str:
    """Thirty days before a supervisor's clearance expires, e-mail the contact and the
    partner's primary contact (each in their own language), once per clearance and expiry
    date: the row is marked by a compare-and-set in the same transaction, so a second run (or
    a second scheduler) sends nothing; a corrected expiry date is reminded of again."""
    today = to_local(now).date()
    sent = 0
    for row in clearances.due_reminders(today):
        if not clearances.mark_reminded(row):
            continue
        contact = row.contact
        recipients = [contact.user] if contact.user.active else []
        primary = clearances.primary_contact(contact.partner_id)
        if primary is not None and primary.id != contact.id and primary.user.active:
            recipients.append(primary.user)
        for user in recipients:
            queue_email(
                kind="clearance_expiring",
                to=user.email,
                template="catalog/clearance_expiring",
                context={
                    "clearance": row,
                    "supervisor": contact.user,
                    "partner": contact.partner,
                    "own": user.id == contact.user_id,
                    "link": url_for("clearances.mine", _external=True),
                },
            )
            sent += 1
    db.session.commit()
    return f"{sent} clearance reminder(s) queued"
