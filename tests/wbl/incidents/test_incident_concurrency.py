"""Two staff members close the same incident at the same moment (PostgreSQL, separate
connections): the close is a compare-and-set on the incident's status (``move_status``), so
exactly one closes it, with their note, and the other is told it was already closed. Two
members pausing and resuming the placement at once are held the same way."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.builders import make_user
from tests.support.concurrency import at_once, each_user
from tests.support.hour_data import ADULT, place
from tests.support.incident_data import report
from tests.support.placement_data import make_cast
from wbl.access import Role
from wbl.extensions import db
from wbl.incidents import services
from wbl.incidents.models import Incident, IncidentNote, IncidentStatus, NoteAction
from wbl.placements.models import Placement, PlacementStatus


def _setting(app: Flask) -> tuple[int, int, list[int]]:
    with app.app_context(), app.test_request_context():
        cast = make_cast(born=ADULT)
        placement = place(cast)
        incident = report(cast.student.user, placement)
        staff = [cast.staff.id] + [make_user(roles={Role.STAFF}).id for _ in range(3)]
        db.session.commit()
        ids = incident.id, placement.id, staff
        db.session.remove()
    return ids


@pytest.mark.postgres_only
def test_of_staff_closing_one_incident_at_once_exactly_one_wins(
    busy_app: Flask, no_isolation: None
) -> None:
    app = busy_app
    incident_id, _, staff = _setting(app)
    won, refused = at_once(
        app,
        each_user(staff, lambda actor, n: services.close(actor, incident_id, f"Closed by {n}.")),
    )
    assert len(won) == 1
    assert refused == [services.AlreadyClosed.message] * (len(staff) - 1)
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident is not None
        assert incident.status is IncidentStatus.CLOSED
        assert (incident.closed_by_id, incident.closing_note) == (won[0], f"Closed by {won[0]}.")
        closings = db.session.scalar(
            select(func.count(IncidentNote.id)).where(
                IncidentNote.incident_id == incident_id, IncidentNote.action == NoteAction.CLOSED
            )
        )
        assert closings == 1
        db.session.remove()


@pytest.mark.postgres_only
def test_of_staff_pausing_one_placement_at_once_exactly_one_pauses_it(
    busy_app: Flask, no_isolation: None
) -> None:
    app = busy_app
    incident_id, placement_id, staff = _setting(app)
    won, refused = at_once(
        app,
        each_user(staff, lambda actor, n: services.pause_placement(actor, incident_id, f"By {n}.")),
    )
    assert len(won) == 1
    assert len(refused) == len(staff) - 1
    assert all("Only an active placement can be paused" in m for m in refused)
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        assert placement is not None
        assert placement.status is PlacementStatus.PAUSED
        pauses = db.session.scalar(
            select(func.count(IncidentNote.id)).where(IncidentNote.action == NoteAction.PAUSED)
        )
        assert pauses == 1
        db.session.remove()
