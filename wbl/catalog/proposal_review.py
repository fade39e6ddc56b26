"""Staff review employers' proposals: a new offering, or changes to an approved one.

A reviewer approves (with their own edits, which meet the same rules as any edit) or sends
back with a reason the employer sees; the employer is told by e-mail either way. Each review
starts by moving the proposal from ``pending`` (``move_status``), so of two reviewers acting
at once one wins and the other is told it was already reviewed.
"""

from __future__ import annotations

from flask import url_for

from wbl.access import require
from wbl.auth.models import User
from wbl.catalog.manage_offerings import (
    OfferingData,
    check_publishable,
    edit_fields,
    mark_published,
)
from wbl.catalog.models import ChangeStatus, Offering, OfferingChange, OfferingStatus
from wbl.catalog.policies import get_offering_to_manage
from wbl.clock import local_today
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, move_status, utcnow
from wbl.notifications.services import queue_email
from wbl.scopes import is_staff


@atomic
def approve_offering(actor: User, offering_id: int, data: OfferingData) -> Offering:
    """Approve an employer's proposal, with the reviewer's edits, and publish it."""
    offering = get_offering_to_manage(actor, offering_id)
    require(is_staff(actor))
    if not move_status(offering, OfferingStatus.PENDING, status=OfferingStatus.PUBLISHED):
        raise DomainError("This proposal has already been reviewed.")
    edit_fields(actor, offering, data)
    mark_published(actor, offering)
    offering.review_note = ""
    offering.reviewed_by_id, offering.reviewed_at = actor.id, utcnow()
    _tell_proposer(
        offering.proposed_by,
        offering,
        "approved",
    )
    db.session.commit()
    return offering


@atomic
def return_offering(actor: User, offering_id: int, reason: str) -> Offering:
    offering = get_offering_to_manage(actor, offering_id)
    require(is_staff(actor))
    if not move_status(offering, OfferingStatus.PENDING, status=OfferingStatus.RETURNED):
        raise DomainError("This proposal has already been reviewed.")
    if not reason.strip():
        raise DomainError("Tell the employer what to change.", field="reason")
    offering.review_note = reason.strip()
    offering.reviewed_by_id, offering.reviewed_at = actor.id, utcnow()
    _tell_proposer(
        offering.proposed_by,
        offering,
        "returned",
        actor,
        offering.review_note,
    )
    db.session.commit()
    return offering


def get_change(actor: User, change_id: int) -> OfferingChange:
    change = db.session.get(OfferingChange, change_id)
    if change is None:
        raise NotFound()
    get_offering_to_manage(actor, change.offering_id)
    return change


@atomic
def approve_change(actor: User, change_id: int, data: OfferingData) -> Offering:
    change = get_change(actor, change_id)
    require(is_staff(actor))
    if not move_status(change, ChangeStatus.PENDING, status=ChangeStatus.APPROVED):
        raise DomainError("These changes have already been reviewed.")
    offering = change.offering
    edit_fields(actor, offering, data)
    if offering.status is OfferingStatus.PUBLISHED:
        check_publishable(offering, local_today())
    change.reviewed_by_id, change.reviewed_at = actor.id, utcnow()
    _tell_proposer(
        change.proposed_by,
        offering,
        "change_approved",
    )
    db.session.commit()
    return offering


@atomic
def return_change(actor: User, change_id: int, reason: str) -> OfferingChange:
    change = get_change(actor, change_id)
    require(is_staff(actor))
    if not move_status(change, ChangeStatus.PENDING, status=ChangeStatus.RETURNED):
        raise DomainError("These changes have already been reviewed.")
    if not reason.strip():
        raise DomainError("Tell the employer why.", field="reason")
    change.review_note = reason.strip()
    change.reviewed_by_id, change.reviewed_at = actor.id, utcnow()
    _tell_proposer(
        change.proposed_by,
        change.offering,
        "change_returned",
        actor,
        change.review_note,
    )
    db.session.commit()
    return change


def changed_fields(change: OfferingChange) -> list[str]:
    """Names of the fields a proposed change would alter (for the reviewer's side-by-side)."""
    current = OfferingData.of(change.offering).to_json()
    return [name for name, value in change.changes.items() if current.get(name) != value]


def _tell_proposer(
    user: User | None,
    offering: Offering,
    outcome: str,  # approved, returned, change_approved, change_returned
    actor: User | None = None,
    note: str | None = None,
) -> None:
    if user is None:
        return
    link = url_for("manage.my_offerings", _external=True)
    queue_email(
        kind="offering_reviewed",
        to=user.email,
        template="catalog/offering_reviewed",
        context={
            "user": user,
            "offering": offering,
            "outcome": outcome,
            "actor": actor,
            "note": note,
            "link": link,
        },
    )
