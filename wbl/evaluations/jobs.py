"""The evaluations' scheduled work (run by the scheduler process, see wbl/scheduler.py): a
placement past its end date is completed, and its people asked for the evaluation and the
reflection."""

from __future__ import annotations

from datetime import datetime

from wbl.clock import to_local
from wbl.evaluations.services import complete_ended


def complete_ended_placements(now: datetime) -> str:
    """Active placements whose end date has passed (in the county's calendar) are completed
    (``completed_at`` now, no one's doing): each gives its seat back, and its supervisor is
    asked for the evaluation and its student for the reflection. Idempotent: one conditional
    UPDATE, and only the placements it changed are e-mailed."""
    return f"{complete_ended(to_local(now).date(), now)} placement(s) completed"
