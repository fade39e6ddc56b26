"""The placements' scheduled work (run by the scheduler process, see wbl/scheduler.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import update

from wbl.extensions import db, rows_affected
from wbl.placements import rounds, services
from wbl.placements.models import Placement, PlacementStatus


def complete_ended_placements(today: date) -> str:
    """Active placements whose end date has passed are completed. Idempotent."""
    done = rows_affected(
        db.session.execute(
            update(Placement)
            .where(Placement.status == PlacementStatus.ACTIVE, Placement.end_date < today)
            .values(status=PlacementStatus.COMPLETED)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return f"{done} placement(s) completed"


def expire_consents(now: datetime) -> str:
    return f"{services.expire_overdue_consents(now)} consent request(s) expired"


def run_due_rounds(now: datetime) -> str:
    return f"{rounds.run_due_rounds(now)} round(s) run"
