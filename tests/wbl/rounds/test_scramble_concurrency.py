"""Scrambles under concurrency (PostgreSQL, separate connections, committing for real).

Staff opening a scramble of the same round at the same moment get one scramble (the unique
``scramble_of_id``) and clear refusals; publishing a scramble while an employer takes the same
last seat directly never fills the offering past its capacity (publishing refuses, or the
conditional seat update sends the later one to the waitlist)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.builders import make_user
from tests.support.concurrency import at_once
from tests.support.round_data import ADULT, choose, in_days, make_county, open_for, students
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.extensions import db
from wbl.placements.lifecycle import admit_allocated
from wbl.placements.models import SEAT_HOLDING, Application
from wbl.rounds import allocation, ranking, scramble
from wbl.rounds.models import AllocationRound, RoundStatus
from wbl.students.models import StudentProfile


def _published(app: Flask) -> dict[str, int]:
    """A published round over A (1 seat) and B (1 seat), B with a seat added afterwards:
    the senior got A, the junior (who ranked only A) was not placed."""
    with app.app_context(), app.test_request_context():
        county = make_county(capacities=(1, 1))
        a, b = county.offerings
        parent = open_for(county, offering_ids=[a.id, b.id], priority_rules=["grade_desc"])
        (senior,) = students(county, 1, grade=12, born=ADULT)
        (junior,) = students(county, 1, grade=11, born=ADULT)
        (outsider,) = students(county, 1, grade=11, born=ADULT)
        choose(parent, senior, [a])
        choose(parent, junior, [a])
        choose(parent, outsider, [b])  # gets B
        allocation.run_round(county.staff, parent.id)
        allocation.publish_round(county.staff, parent.id)
        b = db.session.get(Offering, b.id)
        assert b is not None
        b.capacity = 2  # one more seat in B
        staff = [county.staff.id] + [make_user(roles={Role.STAFF}).id for _ in range(3)]
        (walk_in,) = students(county, 1, grade=11, born=ADULT)
        db.session.commit()
        ids = {
            "parent": parent.id,
            "a": a.id,
            "b": b.id,
            "junior": junior.id,
            "walk_in": walk_in.id,
            "staff": staff[0],
            **{f"staff{n}": sid for n, sid in enumerate(staff)},
        }
        db.session.remove()
    return ids


@pytest.mark.postgres_only
def test_staff_opening_a_scramble_of_one_round_at_once_open_one(
    busy_app: Flask, no_isolation: None
) -> None:
    app = busy_app
    ids = _published(app)

    def opener(staff_id: int) -> Callable[[], object]:
        def act() -> object:
            actor = db.session.get(User, staff_id)
            assert actor is not None
            return scramble.open_scramble(actor, ids["parent"], deadline=in_days(3)).id

        return act

    done, refused = at_once(app, [opener(ids[f"staff{n}"]) for n in range(4)])
    assert len(done) == 1
    assert len(refused) == 3
    assert all("already has a scramble" in message for message in refused)
    with app.app_context():
        scrambles = db.session.scalar(
            select(func.count(AllocationRound.id)).where(
                AllocationRound.scramble_of_id == ids["parent"]
            )
        )
        assert scrambles == 1
        db.session.remove()


@pytest.mark.postgres_only
def test_publishing_a_scramble_while_the_last_seat_is_taken_never_overfills(
    busy_app: Flask, no_isolation: None
) -> None:
    app = busy_app
    ids = _published(app)
    with app.app_context(), app.test_request_context():
        staff = db.session.get(User, ids["staff"])
        assert staff is not None
        round_ = scramble.open_scramble(staff, ids["parent"], deadline=in_days(3))
        profile = db.session.get(StudentProfile, ids["junior"])
        assert profile is not None
        ranking.rank_choices(profile.user, round_.id, [ids["b"]])
        allocation.run_round(staff, round_.id)
        round_id = round_.id
        db.session.remove()

    def publish() -> object:
        actor = db.session.get(User, ids["staff"])
        assert actor is not None
        return allocation.publish_round(actor, round_id)

    def employer_takes_the_seat() -> object:
        actor = db.session.get(User, ids["staff1"])
        assert actor is not None
        outcome = admit_allocated(actor, ids["walk_in"], ids["b"], "accepted directly")
        db.session.commit()
        return outcome

    done, refused = at_once(app, [publish, employer_takes_the_seat])
    assert len(done) + len(refused) == 2
    assert all("Run the round again" in message for message in refused)
    with app.app_context():
        b = db.session.get(Offering, ids["b"])
        assert b is not None
        assert b.seats_taken <= b.capacity == 2
        holders = set(
            db.session.scalars(
                select(Application.student_id).where(
                    Application.offering_id == ids["b"],
                    Application.status.in_([s.value for s in SEAT_HOLDING]),
                )
            )
        )
        assert len(holders) == b.seats_taken
        assert not {ids["junior"], ids["walk_in"]} <= holders  # one seat: never both
        round_ = db.session.get(AllocationRound, round_id)
        assert round_ is not None
        assert round_.status in {RoundStatus.PUBLISHED, RoundStatus.PROPOSED}
        assert (round_.status is RoundStatus.PROPOSED) == bool(refused)
        db.session.remove()
