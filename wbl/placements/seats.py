"""An offering's seats, taken and given back only inside the database.

Each function is one conditional UPDATE whose WHERE clause states the rule, so two
employers accepting at the same moment (two web workers, two connections) can never take
more seats than the offering has: the database serialises the updates on the row, and the
loser's UPDATE matches no row. The CHECK constraint ``seats_taken <= capacity`` is the
second line of defence. Callers flush, never commit: the use case commits once.
"""

from __future__ import annotations

from sqlalchemy import update

from wbl.catalog.models import Offering
from wbl.extensions import db, rows_affected


def take_seat(offering_id: int) -> bool:
    """Take one seat if one is left; False when the offering is full."""
    taken = rows_affected(
        db.session.execute(
            update(Offering)
            .where(Offering.id == offering_id, Offering.seats_taken < Offering.capacity)
            .values(seats_taken=Offering.seats_taken + 1)
            .execution_options(synchronize_session=False)
        )
    )
    return taken == 1


def give_back_seat(offering_id: int) -> None:
    """Release one seat (a refusal, an expiry, a withdrawal, a cancellation)."""
    db.session.execute(
        update(Offering)
        .where(Offering.id == offering_id, Offering.seats_taken > 0)
        .values(seats_taken=Offering.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )
