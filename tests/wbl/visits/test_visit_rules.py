"""The "visit due" rule: the pure function on its boundary days, and the SQL that lists due
placements agreeing with it (the default N, a district's own N, a visit, a staff flag)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.support.builders import make_district, make_school, make_user
from tests.support.hour_data import ADULT, place
from tests.support.placement_data import make_cast
from tests.support.visit_data import record
from wbl.access import Role
from wbl.clock import local_today
from wbl.extensions import db
from wbl.placements.models import PlacementStatus
from wbl.visits import queries
from wbl.visits.models import VisitSettings
from wbl.visits.rules import DEFAULT_DUE_AFTER_DAYS, due_from, is_due

TODAY = date(2026, 3, 31)


@pytest.mark.parametrize(
    ("start_days_ago", "last_visit_days_ago", "every", "due"),
    [
        (29, None, 30, False),  # day 29 after the start: not yet
        (30, None, 30, True),  # day 30: due
        (31, None, 30, True),
        (60, 29, 30, False),  # visited 29 days ago
        (60, 30, 30, True),  # visited 30 days ago
        (9, None, 10, False),  # a district's own N
        (10, None, 10, True),
        (-1, None, 30, False),  # starts tomorrow
    ],
)
def test_is_due_on_its_boundary_days(start_days_ago, last_visit_days_ago, every, due) -> None:
    start = TODAY - timedelta(days=start_days_ago)
    last = None if last_visit_days_ago is None else TODAY - timedelta(days=last_visit_days_ago)
    assert is_due(start, last, every, TODAY) is due


def test_due_from_counts_from_the_last_visit_else_the_start() -> None:
    assert due_from(date(2026, 3, 1), None, 30) == date(2026, 3, 31)
    assert due_from(date(2026, 3, 1), date(2026, 3, 10), 30) == date(2026, 4, 9)
    assert due_from(None, None, 30) is None
    assert DEFAULT_DUE_AFTER_DAYS == 30


# --- the SQL agrees --------------------------------------------------------------------------


def _staff_of(cast):  # type: ignore[no-untyped-def]
    return make_user(roles={Role.STAFF}, district=cast.school.district)


def _due_ids(actor) -> set[int]:  # type: ignore[no-untyped-def]
    today = local_today()
    every = queries.due_after_days_by_district()
    rows = db.session.execute(queries.due_placements(actor, today, every)).all()
    count = db.session.scalar(queries.due_count(actor, today, every))
    assert count == len(rows)
    return {row[0].id for row in rows}


@pytest.mark.parametrize(("days_before", "due"), [(29, False), (30, True), (31, True)])
def test_an_unvisited_placement_is_due_from_day_n_after_its_start(days_before, due) -> None:
    cast = make_cast(born=ADULT)
    placement = place(cast, days_before=days_before, days_after=60)
    assert (placement.id in _due_ids(_staff_of(cast))) is due


@pytest.mark.parametrize(("visited_days_ago", "due"), [(29, False), (30, True)])
def test_a_visited_placement_is_due_n_days_after_its_last_visit(visited_days_ago, due) -> None:
    cast = make_cast(born=ADULT)
    placement = place(cast, days_before=90, days_after=60)
    staff = _staff_of(cast)
    record(staff, placement, on=local_today() - timedelta(days=80))
    record(staff, placement, on=local_today() - timedelta(days=visited_days_ago))
    assert (placement.id in _due_ids(staff)) is due


@pytest.mark.parametrize(("days_before", "due"), [(9, False), (10, True)])
def test_the_districts_own_interval_counts(days_before, due) -> None:
    cast = make_cast(born=ADULT)
    db.session.add(VisitSettings(district_id=cast.school.district_id, due_after_days=10))
    other = make_cast(born=ADULT)  # another district, on the default 30 days
    placement = place(cast, days_before=days_before, days_after=60)
    elsewhere = place(other, days_before=days_before, days_after=60)
    county = make_user(roles={Role.STAFF})
    ids = _due_ids(county)
    assert (placement.id in ids) is due
    assert elsewhere.id not in ids


def test_a_placement_not_started_or_not_active_is_not_due_by_the_rule() -> None:
    cast = make_cast(born=ADULT)
    placement = place(cast, days_before=40, days_after=60)
    staff = _staff_of(cast)
    assert placement.id in _due_ids(staff)
    placement.status = PlacementStatus.COMPLETED
    db.session.flush()
    assert placement.id not in _due_ids(staff)


def test_a_staff_flag_makes_it_due_and_the_next_visit_clears_it(app) -> None:
    from wbl.visits import services
    from wbl.visits.models import VisitDueFlag

    cast = make_cast(born=ADULT)
    placement = place(cast, days_before=3, days_after=60)
    staff = _staff_of(cast)
    assert placement.id not in _due_ids(staff)
    with app.test_request_context():
        services.flag_due(staff, placement.id, "New supervisor from Monday.")
    assert placement.id in _due_ids(staff)
    record(staff, placement, on=local_today())
    assert db.session.scalar(select(VisitDueFlag)) is None
    assert placement.id not in _due_ids(staff)


def test_the_due_list_is_scoped() -> None:
    cast = make_cast(born=ADULT)
    placement = place(cast, days_before=40, days_after=60)
    teacher_here = cast.teacher
    teacher_elsewhere = make_user(roles={Role.TEACHER}, school=make_school())
    staff_elsewhere = make_user(roles={Role.STAFF}, district=make_district())
    employer = cast.employer
    assert placement.id in _due_ids(teacher_here)
    assert placement.id in _due_ids(make_user(roles={Role.STAFF}))  # county staff
    assert placement.id not in _due_ids(teacher_elsewhere)
    assert placement.id not in _due_ids(staff_elsewhere)
    assert placement.id not in _due_ids(employer)
