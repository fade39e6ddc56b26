"""Staff acting on the same visit, placement or checklist at the same moment (PostgreSQL,
separate connections): closing a follow-up is a compare-and-set, so exactly one closes it and
the others are told it already was; flagging a placement and saving a district's checklist
lock the placement's or the district's row, so the second waits and updates what the first
wrote instead of failing on a duplicate."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.builders import make_user
from tests.support.concurrency import at_once, each_user
from tests.support.hour_data import ADULT, place
from tests.support.placement_data import make_cast
from tests.support.visit_data import record
from wbl.access import Role
from wbl.auth.models import User
from wbl.extensions import db
from wbl.visits import services
from wbl.visits.models import VisitChecklistItem, VisitDueFlag, VisitSettings, WorksiteVisit


def _setting(app: Flask) -> tuple[int, int, int, list[int]]:
    with app.app_context(), app.test_request_context():
        cast = make_cast(born=ADULT)
        placement = place(cast)
        staff = [make_user(roles={Role.STAFF}).id for _ in range(4)]
        visit = record(db.session.get(User, staff[0]), placement, follow_up="Call back.")
        db.session.commit()
        ids = visit.id, placement.id, cast.school.district_id, staff
        db.session.remove()
    return ids


@pytest.mark.postgres_only
def test_of_staff_closing_one_follow_up_at_once_exactly_one_wins(
    busy_app: Flask, no_isolation: None
) -> None:
    visit_id, _, _, staff = _setting(busy_app)
    won, refused = at_once(
        busy_app,
        each_user(staff, lambda actor, n: services.close_follow_up(actor, visit_id, f"By {n}.")),
    )
    assert len(won) == 1
    assert refused == [services.FollowUpAlreadyClosed.message] * (len(staff) - 1)
    with busy_app.app_context():
        visit = db.session.get(WorksiteVisit, visit_id)
        assert visit is not None
        assert (visit.follow_up_closed_by_id, visit.follow_up_outcome) == (won[0], f"By {won[0]}.")
        db.session.remove()


@pytest.mark.postgres_only
def test_of_staff_flagging_one_placement_at_once_all_succeed_with_one_flag(
    busy_app: Flask, no_isolation: None
) -> None:
    _, placement_id, _, staff = _setting(busy_app)
    won, refused = at_once(
        busy_app,
        each_user(staff, lambda actor, n: services.flag_due(actor, placement_id, f"By {n}.")),
    )
    assert (sorted(won), refused) == (sorted(staff), [])
    with busy_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VisitDueFlag)) == 1
        db.session.remove()


@pytest.mark.postgres_only
def test_of_staff_saving_one_checklist_at_once_one_list_remains(
    busy_app: Flask, no_isolation: None
) -> None:
    _, _, district_id, staff = _setting(busy_app)
    won, refused = at_once(
        busy_app,
        each_user(
            staff,
            lambda actor, n: services.save_checklist(
                actor, district_id, services.ChecklistSettings((f"Item A {n}", f"Item B {n}"), 20)
            ),
        ),
    )
    assert (sorted(won), refused) == (sorted(staff), [])
    with busy_app.app_context():
        items = db.session.scalars(
            select(VisitChecklistItem.text).where(VisitChecklistItem.district_id == district_id)
        ).all()
        assert len(items) == 2
        assert items[0].split()[-1] == items[1].split()[-1]  # both from the same save
        assert db.session.get(VisitSettings, district_id).due_after_days == 20
        db.session.remove()
