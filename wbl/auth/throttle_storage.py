"""Rate-limit counters in the app's database: a ``limits`` storage for ``database://``.

Flask-Limiter keeps its counters in each worker's memory unless told otherwise, so with three
workers an address had three times the attempts it should, and the counts vanished on every
restart. The database is there in every deployment, so it is the default store
(``RATELIMIT_STORAGE_URI`` unset); a large deployment sets ``redis://host:6379`` and gets the
``limits`` library's own Redis storage instead. Both speak one interface (``incr``, ``get``,
``get_expiry``, ``clear``), so sign-in throttling (``wbl.auth.throttle``) and Flask-Limiter's
decorators (password reset) run unchanged on either.

Each call is a short transaction of its own, on its own session: a counter must be written
whatever becomes of the request, and no row lock may be held while a password hash is being
worked out. ``incr`` is one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (SQLite 3.35+ and
PostgreSQL), so two workers incrementing the same counter at once both count, and a counter
past its expiry starts a new window in the same statement. Expired rows are deleted, a batch
at a time, whenever a window starts.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import Any

from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from wbl.auth.models import ThrottleCounter
from wbl.extensions import db

KEY_LENGTH = 255  # ThrottleCounter.key
PRUNE_BATCH = 500


def now() -> float:
    """The throttle's clock, in seconds since the epoch (tests move it on)."""
    return time.time()


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def stored_key(key: str) -> str:
    """The key as stored: a key longer than the column is replaced by its digest."""
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


class DatabaseStorage(Storage):
    """Fixed-window counters in the ``throttle_counter`` table (see the module docstring)."""

    STORAGE_SCHEME = ["database"]  # noqa: RUF012 - the registry of ``limits`` reads a list

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    @staticmethod
    def _session() -> Session:
        """A session of its own: in production its own connection and transaction. Under the
        test suite's per-test transaction ``db.engine`` is that connection, and the session
        joins it with a SAVEPOINT, so the counters roll back with the test."""
        return Session(bind=db.engine, join_transaction_mode="create_savepoint")

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        current = now()
        started = _moment(current)
        with self._session() as session, session.begin():
            dialect = session.connection().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            fresh = insert(ThrottleCounter).values(
                key=stored_key(key), count=amount, expires_at=_moment(current + expiry)
            )
            expired = ThrottleCounter.expires_at <= started
            statement = fresh.on_conflict_do_update(
                index_elements=[ThrottleCounter.key],
                set_={
                    "count": case(
                        (expired, fresh.excluded.count),
                        else_=ThrottleCounter.count + fresh.excluded.count,
                    ),
                    "expires_at": case(
                        (expired, fresh.excluded.expires_at), else_=ThrottleCounter.expires_at
                    ),
                },
            ).returning(ThrottleCounter.count)
            count = session.execute(statement).scalar_one()
        if count == amount:  # a new window: a good moment to forget the old ones
            self._prune(started)
        return count

    def _prune(self, moment: datetime) -> None:
        with self._session() as session, session.begin():
            stale = (
                select(ThrottleCounter.key)
                .where(ThrottleCounter.expires_at <= moment)
                .limit(PRUNE_BATCH)
                .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer
            )
            session.execute(delete(ThrottleCounter).where(ThrottleCounter.key.in_(stale)))

    def _live(self, key: str) -> ThrottleCounter | None:
        with self._session() as session:
            row = session.scalar(
                select(ThrottleCounter).where(
                    ThrottleCounter.key == stored_key(key),
                    ThrottleCounter.expires_at > _moment(now()),
                )
            )
            if row is not None:
                session.expunge(row)
            return row

    def get(self, key: str) -> int:
        row = self._live(key)
        return row.count if row is not None else 0

    def get_expiry(self, key: str) -> float:
        row = self._live(key)
        return row.expires_at.timestamp() if row is not None else now()

    def clear(self, key: str) -> None:
        with self._session() as session, session.begin():
            session.execute(delete(ThrottleCounter).where(ThrottleCounter.key == stored_key(key)))

    def reset(self) -> int | None:
        with self._session() as session, session.begin():
            deleted = session.scalars(delete(ThrottleCounter).returning(ThrottleCounter.key))
            return len(deleted.all())

    def check(self) -> bool:
        try:
            with self._session() as session:
                session.execute(select(1))
        except SQLAlchemyError:
            return False
        return True
