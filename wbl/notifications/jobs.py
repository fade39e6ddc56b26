"""The outbox's scheduled work (run by the scheduler process, see wbl/scheduler.py)."""

from __future__ import annotations

from datetime import datetime

from wbl.notifications.delivery import deliver_pending


def deliver_outbox(now: datetime) -> str:
    """Send the e-mail that is due over SMTP (wbl/notifications/delivery.py has the rules)."""
    return deliver_pending(now).describe()
