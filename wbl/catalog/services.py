"""Catalog use cases."""

from __future__ import annotations

from wbl.auth.models import User
from wbl.catalog import queries
from wbl.catalog.models import Offering
from wbl.errors import NotFound
from wbl.extensions import db


def get_offering(actor: User, offering_id: int) -> Offering:
    """An offering the actor may see; anything else is reported as not found."""
    offering = db.session.scalar(queries.offering_detail(actor, offering_id))
    if offering is None:
        raise NotFound()
    return offering
