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
    _claim(actor, offering, OfferingStatus.PUBLISHED)
    edit_fields(actor, offering, data)
    mark_published(actor, offering)
    offering.review_note = ""
    _tell_proposer(offering.proposed_by, offering, "approved")
    db.session.commit()
    return offering


@atomic
def return_offering(actor: User, offering_id: int, reason: str) -> Offering:
    offering = get_offering_to_manage(actor, offering_id)
    _claim(actor, offering, OfferingStatus.RETURNED)
    offering.review_note = _reason(reason, "Tell the employer what to change.")
    _tell_proposer(offering.proposed_by, offering, "returned", actor, offering.review_note)
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
    _claim(actor, change, ChangeStatus.APPROVED)
    offering = change.offering
    edit_fields(actor, offering, data)
    if offering.status is OfferingStatus.PUBLISHED:
        check_publishable(offering, local_today())
    _tell_proposer(change.proposed_by, offering, "change_approved")
    db.session.commit()
    return offering


@atomic
def return_change(actor: User, change_id: int, reason: str) -> OfferingChange:
    change = get_change(actor, change_id)
    _claim(actor, change, ChangeStatus.RETURNED)
    change.review_note = _reason(reason, "Tell the employer why.")
    _tell_proposer(
        change.proposed_by, change.offering, "change_returned", actor, change.review_note
    )
    db.session.commit()
    return change


def _claim(
    actor: User,
    proposal: Offering | OfferingChange,
    outcome: OfferingStatus | ChangeStatus,
) -> None:
    """Staff only: move a pending proposal to its outcome (of two reviewers acting at once, one
    wins; the other is told) and sign the review. Flushes; the caller commits."""
    require(is_staff(actor))
    if isinstance(proposal, Offering):
        moved = move_status(proposal, OfferingStatus.PENDING, status=outcome)
        already = "This proposal has already been reviewed."
    else:
        moved = move_status(proposal, ChangeStatus.PENDING, status=outcome)
        already = "These changes have already been reviewed."
    if not moved:
        raise DomainError(already)
    proposal.reviewed_by_id, proposal.reviewed_at = actor.id, utcnow()


def _reason(reason: str, missing: str) -> str:
    """The note the employer reads when a proposal goes back; it may not be empty."""
    if not reason.strip():
        raise DomainError(missing, field="reason")
    return reason.strip()


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
