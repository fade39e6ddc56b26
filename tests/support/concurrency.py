"""What the concurrency tests share (they run on PostgreSQL, in separate connections, and
commit for real because threads cannot see a test's transaction): acts started at the same
moment, and the clean-up afterwards (the ``no_isolation`` fixture in tests/conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from flask import Flask

from wbl.auth.models import User
from wbl.errors import DomainError
from wbl.extensions import db

T = TypeVar("T")

#: Reference data loaded once per test session; every other row a test made goes afterwards.
KEEP = frozenset(
    {
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
)


def wipe(app: Flask) -> None:
    """Delete every row a committing test made, children before parents."""
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEEP:
                db.session.execute(table.delete())
        db.session.commit()
        db.session.remove()


def at_once(app: Flask, acts: Sequence[Callable[[], T]]) -> tuple[list[T], list[str]]:
    """Every act at the same moment, each in its own request and connection: what those that
    went through returned, and the refusals (``DomainError`` messages) the others met. Any
    other error fails the test, never swallowed."""
    start = threading.Barrier(len(acts))
    done: list[T] = []
    refused: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(act: Callable[[], T]) -> None:
        try:
            with app.app_context(), app.test_request_context():
                start.wait(timeout=30)
                try:
                    outcome = act()
                except DomainError as refusal:
                    with lock:
                        refused.append(refusal.message)
                else:
                    with lock:
                        done.append(outcome)
                db.session.remove()
        except BaseException as error:
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=run, args=(act,)) for act in acts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return done, refused


def each(ids: Sequence[int], act: Callable[[int], object]) -> list[Callable[[], int]]:
    """One act per id, ``act(id)``, returning the id (so ``at_once`` says which ids won)."""

    def one(key: int) -> Callable[[], int]:
        def run() -> int:
            act(key)
            return key

        return run

    return [one(key) for key in ids]


def each_user(
    user_ids: Sequence[int], act: Callable[[User, int], object]
) -> list[Callable[[], int]]:
    """One act per user, ``act(user, user_id)`` with the user loaded in the act's own session,
    returning the user's id."""

    def as_user(user_id: int) -> None:
        actor = db.session.get(User, user_id)
        assert actor is not None
        act(actor, user_id)

    return each(user_ids, as_user)
