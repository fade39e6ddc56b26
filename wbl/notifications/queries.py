from __future__ import annotations

from sqlalchemy import ColumnElement, Select, select

from wbl.notifications.models import OutboxMessage, OutboxState, OutboxStatus

_STATES: dict[OutboxState, ColumnElement[bool]] = {
    OutboxState.QUEUED: (OutboxMessage.status == OutboxStatus.QUEUED)
    & (OutboxMessage.attempts == 0),
    OutboxState.RETRYING: (OutboxMessage.status == OutboxStatus.QUEUED)
    & (OutboxMessage.attempts > 0),
    OutboxState.SENDING: OutboxMessage.status == OutboxStatus.SENDING,
    OutboxState.SENT: OutboxMessage.status == OutboxStatus.SENT,
    OutboxState.GIVEN_UP: OutboxMessage.status == OutboxStatus.FAILED,
}


def outbox_newest_first(state: OutboxState | None = None) -> Select[OutboxMessage]:
    """The outbox, or the messages in one state (the page's filter)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if state is not None:
        query = query.where(_STATES[state])
    return query
