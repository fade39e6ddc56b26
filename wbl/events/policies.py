"""Who may do what to a class-event request: pure predicates, no queries.

``partner_ids`` is the set of partners the actor is a contact of (the caller looks it up).
"""

from __future__ import annotations

from collections.abc import Set

from wbl.auth.models import User
from wbl.events.models import EventRequest, EventRequestStatus

CANCELLABLE = frozenset({EventRequestStatus.PENDING, EventRequestStatus.ACCEPTED})


def is_partner_contact(request: EventRequest, partner_ids: Set[int]) -> bool:
    return request.partner_id in partner_ids


def can_decide(actor: User, request: EventRequest, partner_ids: Set[int]) -> bool:
    """A contact of the request's partner answers a request that is still waiting."""
    return is_partner_contact(request, partner_ids) and request.status is EventRequestStatus.PENDING


def can_cancel(actor: User, request: EventRequest) -> bool:
    """The teacher who asked can call it off while it is waiting or confirmed."""
    return request.teacher_id == actor.id and request.status in CANCELLABLE
