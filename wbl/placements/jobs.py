"""The placements' scheduled work (run by the scheduler process, see wbl/scheduler.py)."""

from __future__ import annotations

from datetime import date, datetime

from wbl.evaluations.services import complete_ended
from wbl.placements import rounds, services


def complete_ended_placements(today: date, now: datetime | None = None) -> str:
    """Active placements whose end date has passed are completed (``completed_at`` now, no
    one's doing): each gives its seat back, and its supervisor is asked for the evaluation
    and its student for the reflection. Idempotent: one conditional UPDATE, and only the
    placements it changed are e-mailed."""
    return f"{complete_ended(today, now)} placement(s) completed"


def expire_consents(now: datetime) -> str:
    return f"{services.expire_overdue_consents(now)} consent request(s) expired"


def run_due_rounds(now: datetime) -> str:
    return f"{rounds.run_due_rounds(now)} round(s) run"
