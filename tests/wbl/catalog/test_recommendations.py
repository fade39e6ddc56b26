"""The matching index is built once per catalog change, not per request."""

from __future__ import annotations

from datetime import timedelta

from tests.support.builders import make_offering, make_student
from wbl.catalog.models import OfferingStatus
from wbl.catalog.recommendations import current_index, recommendations_for
from wbl.clock import local_today
from wbl.extensions import db


def test_index_is_reused_until_the_catalog_changes(app) -> None:
    today = local_today()
    offering = make_offering()
    first = current_index(today)
    assert current_index(today) is first
    make_offering()  # published: the catalog changed
    second = current_index(today)
    assert second is not first
    assert current_index(today) is second
    offering.status = OfferingStatus.CLOSED
    db.session.flush()
    assert current_index(today) is not second
    assert current_index(today + timedelta(days=1)) is not current_index(today)


def test_a_taken_seat_reaches_the_recommendations(app) -> None:
    student = make_student()
    offering = make_offering(capacity=1, title="Last seat shadow")
    today = local_today()
    assert [r.offering.id for r in recommendations_for(student, today)] == [offering.id]
    offering.seats_taken = 1
    db.session.flush()
    assert recommendations_for(student, today) == []


def test_a_completed_placement_moves_the_student_along_the_continuum(app) -> None:
    """The type of a completed placement is an experience done: after a job shadow, an
    internship is the next step (and the shadow itself is not suggested again)."""
    from datetime import date

    from tests.support.evaluation_data import ended_placement
    from tests.support.placement_data import make_cast
    from wbl.reference.models import ExperienceKind

    cast = make_cast(born=date(2007, 1, 1))
    assert cast.offering.kind is ExperienceKind.JOB_SHADOW
    internship = make_offering(kind=ExperienceKind.INTERNSHIP, title="Clinic internship")
    ended_placement(cast)
    recs = {r.offering.id: r for r in recommendations_for(cast.student, local_today())}
    assert cast.offering.id not in recs
    assert "A good next step after your job shadow" in recs[internship.id].reasons
