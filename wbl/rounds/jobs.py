"""The allocation rounds' scheduled work (run by the scheduler process, see wbl/scheduler.py)."""

from __future__ import annotations

from datetime import datetime

from wbl.rounds import allocation


def run_due_rounds(now: datetime) -> str:
    return f"{allocation.run_due_rounds(now)} round(s) run"
