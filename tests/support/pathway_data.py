"""Test data for graduation pathways: a district's shipped rules (committed, as ``flask
seed-reference`` does), and a completed (or active) placement with confirmed hours and a
supervisor evaluation, written directly; flushed, never committed."""

from __future__ import annotations

from datetime import timedelta

from tests.support.builders import make_user
from tests.support.log_data import make_entry, make_placement
from wbl.access import Role
from wbl.clock import local_today
from wbl.evaluations.models import PlacementEvaluation
from wbl.extensions import db
from wbl.hours.models import EntryStatus
from wbl.pathways.services import missing_default_rules
from wbl.placements.models import Placement, PlacementStatus
from wbl.schools.models import District
from wbl.students.models import StudentProfile


def add_default_rules(district: District) -> None:
    """The shipped rules the district lacks, as ``flask seed-reference`` adds them. Committed
    (inside the test's savepoint, as the app would): a service that rolls back a refused
    change must find them, and the browser tests' live server reads them."""
    db.session.add_all(missing_default_rules(district.id))
    db.session.commit()


def make_experience(
    student: StudentProfile,
    hours: int,
    *,
    rating: int | None = 3,
    outcome_rating: int | None = 3,
    evaluated: bool = True,
    completed: bool = True,
    pending_hours: int = 0,
) -> Placement:
    """A placement of ``student`` with ``hours`` confirmed hours (one entry per 8 hours, the
    rest on a last day), ``pending_hours`` waiting, and an evaluation rating every category
    ``rating`` and an outcome ``outcome_rating`` (None: N/A)."""
    today = local_today()
    placement = make_placement(
        student,
        start=today - timedelta(days=120),
        end=today - timedelta(days=1),
        status=PlacementStatus.COMPLETED if completed else PlacementStatus.ACTIVE,
    )
    day, left = 0, hours
    while left > 0:
        chunk = min(left, 8)
        make_entry(placement, today - timedelta(days=100 - day), chunk * 60)
        left -= chunk
        day += 1
    if pending_hours:
        make_entry(placement, today - timedelta(days=2), pending_hours * 60, EntryStatus.PENDING)
    if evaluated:
        db.session.add(
            PlacementEvaluation(
                placement_id=placement.id,
                evaluator_id=make_user(roles={Role.EMPLOYER}).id,
                ratings=[
                    {"code": "attendance", "name": "Attendance", "rating": rating},
                    {"code": "teamwork", "name": "Teamwork", "rating": 4},
                ],
                outcome_ratings=[
                    {
                        "outcome_id": 1,
                        "code": "curious",
                        "name": "Curious",
                        "rating": outcome_rating,
                    }
                ],
            )
        )
        db.session.flush()
    return placement
