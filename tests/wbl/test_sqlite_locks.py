"""On SQLite every connection waits for another process's write (wbl/__init__.py): the web
workers and the scheduler share the file."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from wbl import SQLITE_BUSY_MS


def test_every_sqlite_connection_waits_thirty_seconds_for_a_lock(app, tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'any.sqlite'}")  # any engine of the process
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_MS
    engine.dispose()
