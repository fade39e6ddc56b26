"""Test data for incidents: a placement under way, an incident reported through the real
service, and the outbox rows it made."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from flask import current_app
from sqlalchemy import select

from tests.support.hour_data import yesterday
from wbl.auth.models import User
from wbl.extensions import db
from wbl.incidents import services
from wbl.incidents.models import Incident, IncidentKind
from wbl.notifications.models import OutboxMessage
from wbl.placements.models import Placement

PROGRAM = "wbl-program@scoe.example.org"
WHAT = "A ladder with a broken rung was left by the stockroom door; I nearly fell."


@contextmanager
def program_inbox(address: str = PROGRAM) -> Iterator[str]:
    """``PROGRAM_EMAIL`` set for the test, and put back after it."""
    before = current_app.config["PROGRAM_EMAIL"]
    current_app.config["PROGRAM_EMAIL"] = address
    try:
        yield address
    finally:
        current_app.config["PROGRAM_EMAIL"] = before


def report(
    actor: User,
    placement: Placement,
    *,
    kind: IncidentKind = IncidentKind.SAFETY,
    on: date | None = None,
    description: str = WHAT,
) -> Incident:
    with current_app.test_request_context():
        return services.report(
            actor, placement.id, services.Report(kind, on or yesterday(), description)
        )


def outbox(kind_prefix: str = "incident") -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind.startswith(kind_prefix))
            .order_by(OutboxMessage.id)
        )
    )
