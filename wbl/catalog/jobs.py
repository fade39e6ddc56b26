"""The catalog's scheduled work (run by the scheduler process, see wbl/scheduler.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update

from wbl.catalog.models import Offering, OfferingStatus
from wbl.clock import to_local
from wbl.extensions import atomic, db, rows_affected


@atomic
def close_stale_offerings(now: datetime) -> str:
    """Close published offerings whose application deadline or end date has passed (in the
    county's calendar), so no stale posting stays open. Placements already made are not
    touched. Idempotent."""
    today = to_local(now).date()
    closed = rows_affected(
        db.session.execute(
            update(Offering)
            .where(
                Offering.status == OfferingStatus.PUBLISHED,
                or_(Offering.application_deadline < today, Offering.end_date < today),
            )
            .values(status=OfferingStatus.CLOSED)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return f"{closed} offering(s) closed"
