"""At most twelve hours a day, under real concurrency (PostgreSQL, separate connections).

Confirmed hours count towards certificates, credentials and incentive funding, so the daily
limit must hold even when a student sends several entries at the same moment (two tabs, a
double tap on a phone). Ten threads each log two hours for the same day at once: the check
and the insert run under a lock on the student's row, so exactly six are logged (twelve
hours) and four are refused with the daily-limit message.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.hour_data import place, yesterday
from tests.support.placement_data import make_cast
from wbl.auth.models import User
from wbl.errors import DomainError
from wbl.extensions import db
from wbl.hours import services
from wbl.hours.models import HourEntry

THREADS = 10
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
    row it made goes. Children before parents; DELETE, not TRUNCATE ... CASCADE, which would
    also empty reference tables that merely point at a user (the scoring guide's editor)."""
    yield
    with busy_app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEEP:
                db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


@pytest.mark.postgres_only
def test_ten_entries_at_once_never_pass_twelve_hours_a_day(
    busy_app: Flask, no_isolation: None
) -> None:
    app = busy_app
    with app.app_context(), app.test_request_context():
        cast = make_cast(born=date(2007, 1, 1))
        placement = place(cast, days_before=10)
        db.session.commit()
        user_id, placement_id, day = cast.student.user_id, placement.id, yesterday()

    start = threading.Barrier(THREADS)
    logged: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def log(n: int) -> None:
        try:
            with app.app_context(), app.test_request_context():
                actor = db.session.get(User, user_id)
                assert actor is not None
                start.wait(timeout=30)
                try:
                    entry = services.log_hours(actor, placement_id, day, 120, f"Shift part {n}")
                except DomainError as refusal:
                    with lock:
                        refused.append(refusal.message)
                else:
                    with lock:
                        logged.append(entry.id)
                db.session.remove()
        except BaseException as error:  # reported below, never swallowed
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=log, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(logged) == 6
    assert len(refused) == 4
    assert all("at most 12 hours a day in total" in message for message in refused)
    with app.app_context():
        total = db.session.scalar(
            select(func.sum(HourEntry.minutes)).where(HourEntry.placement_id == placement_id)
        )
        db.session.remove()
    assert total == 12 * 60
