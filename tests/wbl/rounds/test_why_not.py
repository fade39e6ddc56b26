"""Why not (wbl/rounds/why_not.py): an unplaced student's reason for each choice in both
modes, the opportunities still open to them (never full or closed ones), what they may
see (only their own round data), and the page in Spanish."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from tests.support.builders import make_offering, make_user
from tests.support.round_data import County, choose, make_county, open_for, students
from wbl.access import Role
from wbl.catalog.models import OfferingStatus
from wbl.clock import local_today
from wbl.extensions import db
from wbl.reference.models import ExperienceKind, PreparatoryActivity
from wbl.rounds import allocation, ranking, why_not
from wbl.rounds.models import AllocationMode, RoundRanking
from wbl.rounds.why_not import Reason

SPANISH = {"Accept-Language": "es-MX,es;q=0.9"}


@pytest.fixture
def county(app) -> County:
    return make_county(capacities=(1, 1, 1))


def publish(county: County, round_id: int, mode: AllocationMode | None = None) -> None:
    allocation.run_round(county.staff, round_id)
    with current_app.test_request_context():
        allocation.publish_round(county.staff, round_id, mode)


def reasons_of(student, round_id: int) -> list[list[Reason]]:  # type: ignore[no-untyped-def]
    found = why_not.why_not(student.user, round_id)
    assert found is not None
    return [c.reasons for c in found.choices]


def test_a_higher_priority_tier(county: County) -> None:
    x = county.offerings[0]
    round_ = open_for(county, priority_rules=["grade_desc"])
    (senior,) = students(county, 1, grade=12)
    (junior,) = students(county, 1, grade=11)
    choose(round_, senior, [x])
    choose(round_, junior, [x])
    publish(county, round_.id)
    assert reasons_of(junior, round_.id) == [[Reason.TIER]]
    assert why_not.why_not(senior.user, round_.id) is None  # placed: nothing to explain


def test_the_lottery_among_the_tier(county: County) -> None:
    x = county.offerings[0]
    round_ = open_for(county, priority_rules=["grade_desc"])
    pair = students(county, 2, grade=11)
    for s in pair:
        choose(round_, s, [x])
    publish(county, round_.id)
    (loser,) = [s for s in pair if why_not.why_not(s.user, round_.id) is not None]
    assert reasons_of(loser, round_.id) == [[Reason.LOTTERY]]


def test_the_employer_ranked_others_higher(county: County) -> None:
    x = county.offerings[0]
    round_ = open_for(county, ranking=RoundRanking.EMPLOYER, priority_rules=["grade_desc"])
    (junior,) = students(county, 1, grade=11)
    (senior,) = students(county, 1, grade=12)
    choose(round_, junior, [x])
    choose(round_, senior, [x])
    ranking.rank_students(county.employers[0], round_.id, x.id, [junior.id])
    publish(county, round_.id)
    assert reasons_of(senior, round_.id) == [[Reason.EMPLOYER]]


def test_withdrawn_and_full_offerings(county: County) -> None:
    x, y, z = county.offerings
    round_ = open_for(county, priority_rules=["grade_desc"])
    (winner,) = students(county, 1, grade=12)
    (student,) = students(county, 1, grade=11)
    choose(round_, winner, [x])
    choose(round_, student, [y, z, x])
    y.status = OfferingStatus.CLOSED  # withdrawn before the run
    z.seats_taken = z.capacity  # filled outside the round
    db.session.flush()
    publish(county, round_.id)
    assert reasons_of(student, round_.id) == [[Reason.WITHDRAWN], [Reason.FULL], [Reason.TIER]]


def test_a_missing_readiness_activity_is_said_first(county: County) -> None:
    x = county.offerings[0]
    activity = db.session.scalar(select(PreparatoryActivity).order_by(PreparatoryActivity.id))
    x.prerequisites = [activity]
    round_ = open_for(county, priority_rules=["grade_desc"])
    (senior,) = students(county, 1, grade=12)
    (junior,) = students(county, 1, grade=11)
    choose(round_, senior, [x])
    choose(round_, junior, [x])
    publish(county, round_.id)
    found = why_not.why_not(junior.user, round_.id)
    assert found.choices[0].reasons == [Reason.NOT_ELIGIBLE, Reason.TIER]
    assert found.choices[0].missing == [activity.name]


def test_the_welfare_mode_says_so(county: County) -> None:
    x, y, _z = county.offerings
    round_ = open_for(county, priority_rules=["grade_desc"])
    (senior,) = students(county, 1, grade=12)
    (a, b) = students(county, 2, grade=11)
    choose(round_, senior, [x, y])
    choose(round_, a, [x])
    choose(round_, b, [x])
    publish(county, round_.id, AllocationMode.WELFARE)
    # Welfare: the senior goes to y so that one junior gets x; the other junior did not.
    unplaced = [s for s in (senior, a, b) if why_not.why_not(s.user, round_.id) is not None]
    assert len(unplaced) == 1
    found = why_not.why_not(unplaced[0].user, round_.id)
    assert found.mode is AllocationMode.WELFARE
    assert [c.reasons for c in found.choices] == [[Reason.WELFARE]]


def test_alternatives_leave_out_full_and_closed_offerings(county: County) -> None:
    x = county.offerings[0]
    start = local_today() + timedelta(days=30)
    kind = ExperienceKind.INTERNSHIP
    open_one = make_offering(title="Open bakery internship", kind=kind, start_date=start)
    full = make_offering(title="Full bakery internship", kind=kind, start_date=start, capacity=1)
    full.seats_taken = 1
    closed = make_offering(title="Closed bakery internship", kind=kind, start_date=start)
    closed.status = OfferingStatus.CLOSED
    db.session.flush()
    round_ = open_for(county)
    pair = students(county, 2)
    for s in pair:
        choose(round_, s, [x])
    publish(county, round_.id)
    (loser,) = [s for s in pair if why_not.why_not(s.user, round_.id) is not None]
    found = why_not.why_not(loser.user, round_.id)
    ids = {o.id for o in found.alternatives}
    assert open_one.id in ids
    assert full.id not in ids
    assert closed.id not in ids
    assert x.id not in ids  # its one seat is taken now
    assert len(found.alternatives) <= why_not.MAX_ALTERNATIVES
    assert all(o.seats_left > 0 for o in found.alternatives)


def test_the_page_shows_the_student_only_their_own_reasons(client, login_as, county) -> None:
    x = county.offerings[0]
    round_ = open_for(county, priority_rules=["grade_desc"])
    (senior,) = students(county, 1, grade=12)
    (junior,) = students(county, 1, grade=11)
    choose(round_, senior, [x])
    choose(round_, junior, [x])
    publish(county, round_.id)
    login_as(junior.user)
    page = client.get(f"/rounds/{round_.id}/choose").get_data(as_text=True)
    assert 'id="why-not"' in page
    assert "students in a higher priority tier" in page
    assert senior.user.full_name not in page
    assert 'id="alternatives"' in page
    assert "See why" in client.get("/rounds/mine").get_data(as_text=True)
    login_as(senior.user)
    page = client.get(f"/rounds/{round_.id}/choose").get_data(as_text=True)
    assert 'id="why-not"' not in page  # placed
    outsider = students(county, 1)[0]
    login_as(outsider.user)
    page = client.get(f"/rounds/{round_.id}/choose").get_data(as_text=True)
    assert 'id="why-not"' not in page  # not in the round: nobody else's reasons
    assert junior.user.full_name not in page


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.TEACHER, Role.STAFF])
def test_other_roles_do_not_reach_the_student_page(client, login_as, county, role) -> None:
    round_ = open_for(county)
    login_as(make_user(roles={role}))
    assert client.get(f"/rounds/{round_.id}/choose").status_code == 403


def test_the_reasons_in_spanish(client, login_as, county: County) -> None:
    x = county.offerings[0]
    round_ = open_for(county, priority_rules=["grade_desc"])
    (senior,) = students(county, 1, grade=12)
    (junior,) = students(county, 1, grade=11)
    choose(round_, senior, [x])
    choose(round_, junior, [x])
    publish(county, round_.id)
    login_as(junior.user)
    page = client.get(f"/rounds/{round_.id}/choose", headers=SPANISH).get_data(as_text=True)
    assert "Por qué no obtuviste tus opciones" in page
    assert "prioridad más alto" in page
    assert "Why you did not get" not in page


def test_a_grade_rule_the_student_no_longer_meets(client, login_as, county: County) -> None:
    x = county.offerings[0]
    round_ = open_for(county, priority_rules=["grade_desc"])
    (senior,) = students(county, 1, grade=12)
    (junior,) = students(county, 1, grade=11)
    choose(round_, senior, [x])
    choose(round_, junior, [x])
    x.min_grade = 12  # raised after the students ranked
    db.session.flush()
    publish(county, round_.id)
    found = why_not.why_not(junior.user, round_.id)
    assert found.choices[0].reasons == [Reason.NOT_ELIGIBLE, Reason.TIER]
    assert found.choices[0].min_grade == 12
    login_as(junior.user)
    page = client.get(f"/rounds/{round_.id}/choose").get_data(as_text=True)
    assert "it is for grade 12 and up" in page
