"""The placements' scheduled work (run by the scheduler process, see wbl/scheduler.py)."""

from __future__ import annotations

from datetime import datetime

from wbl.clock import to_local
from wbl.evaluations.services import complete_ended
from wbl.placements import consent_answers


def complete_ended_placements(now: datetime) -> str:
    """Active placements whose end date has passed (in the county's calendar) are completed
    (``completed_at`` now, no one's doing): each gives its seat back, and its supervisor is
    asked for the evaluation and its student for the reflection. Idempotent: one conditional
    UPDATE, and only the placements it changed are e-mailed."""
    return f"{complete_ended(to_local(now).date(), now)} placement(s) completed"


def expire_consents(now: datetime) -> str:
    return f"{consent_answers.expire_overdue_consents(now)} consent request(s) expired"
