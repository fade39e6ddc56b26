"""Staff acting on the same visit, placement or checklist at the same moment (PostgreSQL,
separate connections): closing a follow-up is a compare-and-set, so exactly one closes it and
the others are told it already was; flagging a placement and saving a district's checklist
lock the placement's or the district's row, so the second waits and updates what the first
wrote instead of failing on a duplicate."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.builders import make_user
from tests.support.hour_data import ADULT, place
from tests.support.placement_data import make_cast
from tests.support.visit_data import record
from wbl.access import Role
from wbl.auth.models import User
from wbl.errors import DomainError
from wbl.extensions import db
from wbl.visits import services
from wbl.visits.models import VisitChecklistItem, VisitDueFlag, VisitSettings, WorksiteVisit

KEEP = {  # reference data loaded once per test session; everything else this test made goes
    "alembic_version",
    "industry_sector",
    "pathway",
    "pog_outcome",
    "preparatory_activity",
    "experience_type",
    "evaluation_category",
    "scoring_level",
    "scoring_descriptor",
    "scoring_guide",
    "geocode_cache",
}


@pytest.fixture
def no_isolation(busy_app: Flask) -> Iterator[None]:
    """This test commits for real (threads cannot see a test transaction); afterwards every
    row it made goes, children before parents."""
    yield
    with busy_app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEEP:
                db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


def _at_once(
    app: Flask, staff_ids: list[int], act: Callable[[User, int], object]
) -> tuple[list[int], list[str]]:
    start = threading.Barrier(len(staff_ids))
    won: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(user_id: int) -> None:
        try:
            with app.app_context(), app.test_request_context():
                actor = db.session.get(User, user_id)
                assert actor is not None
                start.wait(timeout=30)
                try:
                    act(actor, user_id)
                except DomainError as refusal:
                    with lock:
                        refused.append(refusal.message)
                else:
                    with lock:
                        won.append(user_id)
                db.session.remove()
        except BaseException as error:  # reported below, never swallowed
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=run, args=(user_id,)) for user_id in staff_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return won, refused


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
    won, refused = _at_once(
        busy_app, staff, lambda actor, n: services.close_follow_up(actor, visit_id, f"By {n}.")
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
    won, refused = _at_once(
        busy_app, staff, lambda actor, n: services.flag_due(actor, placement_id, f"By {n}.")
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
    won, refused = _at_once(
        busy_app,
        staff,
        lambda actor, n: services.save_checklist(
            actor, district_id, services.ChecklistSettings((f"Item A {n}", f"Item B {n}"), 20)
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
