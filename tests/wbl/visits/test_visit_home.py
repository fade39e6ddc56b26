"""The staff home lists the placements due a worksite visit and the visits whose follow-up is
still open, scoped to the staff member's district (county staff: all), in a number of SQL
statements that does not grow with the rows."""

from __future__ import annotations

from datetime import timedelta

from tests.support.builders import make_user
from tests.support.hour_data import ADULT, place
from tests.support.placement_data import make_cast
from tests.support.visit_data import record
from wbl.access import Role
from wbl.clock import local_today


def _overdue(cast):  # type: ignore[no-untyped-def]
    return place(cast, days_before=45, days_after=30)


def test_staff_home_lists_overdue_visits_and_open_follow_ups_in_scope(
    client, login_as, count_queries
) -> None:
    here = make_cast(born=ADULT)
    there = make_cast(born=ADULT)  # another district
    due = _overdue(here)
    _overdue(there)
    staff = make_user(roles={Role.STAFF}, district=here.school.district)
    recent = make_cast(born=ADULT)
    recent.school.district_id = here.school.district_id
    visited = place(recent, days_before=40, days_after=30)
    record(staff, visited, on=local_today() - timedelta(days=2), follow_up="Fire exit blocked.")
    login_as(staff)
    client.get("/home")  # warm up
    with count_queries() as one:
        body = client.get("/home").get_data(as_text=True)
    assert f'href="/visits/placements/{due.id}"' in body
    assert here.student.user.full_name in body
    assert there.student.user.full_name not in body
    assert '1<span class="visually-hidden"> placements due a visit' in body
    assert "Fire exit blocked." in body  # visited two days ago: a follow-up, not due
    assert f'href="/visits/placements/{visited.id}"' not in body

    for _ in range(4):
        cast = make_cast(born=ADULT)
        cast.school.district_id = here.school.district_id
        placement = _overdue(cast)
        record(staff, placement, on=local_today() - timedelta(days=35), follow_up="Gloves.")
    client.get("/home")  # warm up again: the commits above expired the signed-in account
    with count_queries() as five:
        body = client.get("/home").get_data(as_text=True)
    assert '5<span class="visually-hidden"> placements due a visit' in body
    assert '5<span class="visually-hidden"> follow-ups open' in body
    assert five.count == one.count


def test_county_staff_see_every_district(client, login_as) -> None:
    first, second = make_cast(born=ADULT), make_cast(born=ADULT)
    _overdue(first), _overdue(second)
    login_as(make_user(roles={Role.STAFF}))
    body = client.get("/home").get_data(as_text=True)
    assert first.student.user.full_name in body
    assert second.student.user.full_name in body
    assert '2<span class="visually-hidden"> placements due a visit' in body
