"""The placements' scheduled work (run by the scheduler process, see wbl/scheduler.py)."""

from __future__ import annotations

from datetime import datetime

from wbl.placements import consent_answers


def expire_consents(now: datetime) -> str:
    return f"{consent_answers.expire_overdue_consents(now)} consent request(s) expired"
