"""Test data for hours: an adult student's placement whose dates surround today."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from tests.support.placement_data import Cast, approved
from wbl.clock import local_today
from wbl.extensions import db
from wbl.placements import lifecycle
from wbl.placements.models import Placement

ADULT = date(2007, 1, 1)


def place(cast: Cast, *, days_before: int = 10, days_after: int = 10) -> Placement:
    """Place the cast's student (an adult is placed as soon as the employer accepts) on a
    placement running from ``days_before`` days ago to ``days_after`` days ahead."""
    today = local_today()
    cast.offering.start_date = today - timedelta(days=days_before)
    cast.offering.end_date = today + timedelta(days=days_after)
    db.session.flush()
    application = approved(cast)
    with current_app.test_request_context():
        lifecycle.employer_decide(cast.employer, application.id, accept=True, message="")
    placement = db.session.scalar(
        select(Placement).where(Placement.application_id == application.id)
    )
    assert placement is not None
    return placement


def yesterday() -> date:
    return local_today() - timedelta(days=1)
