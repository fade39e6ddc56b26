from __future__ import annotations

from sqlalchemy import Select, select

from wbl.notifications.models import OutboxMessage


def outbox_newest_first() -> Select[OutboxMessage]:
    return select(OutboxMessage).order_by(OutboxMessage.id.desc())
