"""The database part of a backup, one way per kind of database.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore``, the server's own tools (they must
be the server's major version or newer). The dump runs on a snapshot exported by a
REPEATABLE READ transaction of ours, and the row counts written to the manifest are read in
that same transaction: the counts describe exactly the rows in the dump, even while the app
keeps writing. The password goes to the tools in ``PGPASSWORD``, never on the command line
(which every user of the machine can read in ``ps``).

SQLite: the online backup API (``sqlite3.Connection.backup``), which copies a consistent
database while others read and write it; the counts are read from the copy.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from wbl.errors import DomainError

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
DUMP_FILES = {POSTGRESQL: "database.dump", SQLITE: "database.sqlite"}


class BackupError(DomainError):
    """A backup could not be made, checked or restored; the message says why."""

    message = "The backup could not be made or restored."


@dataclass(frozen=True)
class DatabaseCopy:
    """What a dump holds: its kind, its migration revision and each table's row count."""

    kind: str
    revision: str | None
    tables: dict[str, int]


def database_kind(uri: str) -> str:
    backend = make_url(uri).get_backend_name()
    if backend not in DUMP_FILES:
        raise BackupError(f"Backups know PostgreSQL and SQLite, not {backend}.")
    return backend


def dump(uri: str, target: Path) -> DatabaseCopy:
    """Write the database at ``uri`` to ``target`` (a file name from ``DUMP_FILES``)."""
    url = make_url(uri)
    if database_kind(uri) == POSTGRESQL:
        try:
            return _dump_postgresql(url, target)
        except OperationalError as error:
            raise BackupError(f"The database cannot be reached: {error.orig}") from None
    return _dump_sqlite(_sqlite_path(url), target)


def tables_in(uri: str) -> list[str]:
    """The tables the database at ``uri`` has (empty: a database to restore into)."""
    url = make_url(uri)
    if database_kind(uri) == POSTGRESQL:
        with _postgresql(url) as connection:
            return _postgresql_tables(connection)
    path = _sqlite_path(url)
    if not path.exists():
        return []
    with closing(sqlite3.connect(path)) as connection:
        return _sqlite_tables(connection)


def row_counts(uri: str) -> DatabaseCopy:
    """The revision and every table's row count of the database at ``uri`` (after a restore)."""
    url = make_url(uri)
    if database_kind(uri) == POSTGRESQL:
        with _postgresql(url) as connection:
            return _postgresql_copy(connection)
    with closing(sqlite3.connect(_sqlite_path(url))) as connection:
        return _sqlite_copy(connection)


def restore(uri: str, source: Path, *, replace: bool) -> None:
    """Load ``source`` into the database at ``uri``. It must have no tables, unless ``replace``
    (then everything in it goes first)."""
    url = make_url(uri)
    if database_kind(uri) == POSTGRESQL:
        _restore_postgresql(url, source, replace=replace)
    else:
        _restore_sqlite(_sqlite_path(url), source)


# --------------------------------------------------------------------------- PostgreSQL


def _postgresql(url: URL) -> Connection:
    engine = create_engine(url, poolclass=NullPool, isolation_level="REPEATABLE READ")
    return engine.connect()


def _postgresql_tables(connection: Connection) -> list[str]:
    return list(
        connection.scalars(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "ORDER BY tablename"
            )
        )
    )


def _postgresql_copy(connection: Connection) -> DatabaseCopy:
    tables = _postgresql_tables(connection)
    quote = connection.dialect.identifier_preparer.quote
    counts = {
        table: int(connection.scalar(text(f"SELECT count(*) FROM {quote(table)}")) or 0)  # noqa: S608 - a table name from the catalog, quoted
        for table in tables
    }
    revision = (
        connection.scalar(text("SELECT version_num FROM alembic_version"))
        if "alembic_version" in tables
        else None
    )
    return DatabaseCopy(POSTGRESQL, revision, counts)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """The connection string for libpq's tools (without the password) and their environment
    (with it). ``postgresql+psycopg://`` and the other drivers' prefixes are SQLAlchemy's;
    the host, port, user, database and query options (sslmode ...) are libpq's own."""
    from psycopg.conninfo import make_conninfo

    options: dict[str, str] = {
        key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()
    }
    if url.host:
        options["host"] = url.host
    if url.port:
        options["port"] = str(url.port)
    if url.username:
        options["user"] = url.username
    if url.database:
        options["dbname"] = url.database
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    return make_conninfo(**options), environment


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found: install the PostgreSQL client tools of the server's "
            "version (Debian: postgresql-client-15) and put them on PATH."
        )
    return found


def _run(arguments: list[str], environment: dict[str, str]) -> None:
    done = subprocess.run(  # noqa: S603 - the PostgreSQL tools, arguments we built
        arguments, env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tool = Path(arguments[0]).name
        raise BackupError(f"{tool} failed: {done.stderr.strip() or done.returncode}")


def _dump_postgresql(url: URL, target: Path) -> DatabaseCopy:
    conninfo, environment = _libpq(url)
    with _postgresql(url) as connection:
        # The snapshot lives as long as this transaction: pg_dump reads the same rows we count.
        snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
        _run(
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={target}",
                f"--dbname={conninfo}",
            ],
            environment,
        )
        return _postgresql_copy(connection)


def _restore_postgresql(url: URL, source: Path, *, replace: bool) -> None:
    conninfo, environment = _libpq(url)
    if replace:
        with _postgresql(url) as connection:
            tables = _postgresql_tables(connection)
            if tables:
                quote = connection.dialect.identifier_preparer.quote
                connection.execute(
                    text(f"DROP TABLE {', '.join(quote(t) for t in tables)} CASCADE")
                )
            connection.commit()
    # One transaction: a failed restore leaves the database as it was (empty).
    # No owner and no grants: the restoring role owns what it creates, whoever made the dump.
    _run(
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={conninfo}",
            str(source),
        ],
        environment,
    )


# --------------------------------------------------------------------------- SQLite


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database has nothing to back up or restore into.")
    return Path(url.database)


def _sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [name for (name,) in rows]


def _sqlite_copy(connection: sqlite3.Connection) -> DatabaseCopy:
    tables = _sqlite_tables(connection)
    counts = {
        table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - a table name from sqlite_master
        for table in tables
    }
    revision = (
        connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        if "alembic_version" in tables
        else None
    )
    return DatabaseCopy(SQLITE, revision, counts)


def _read_only(path: Path) -> sqlite3.Connection:
    """Opened read-only: a mistyped path is an error, not a new empty database."""
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.OperationalError as error:
        raise BackupError(f"The SQLite database {path} cannot be opened: {error}.") from None


def _dump_sqlite(path: Path, target: Path) -> DatabaseCopy:
    with closing(_read_only(path)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
        return _sqlite_copy(copy)


def _restore_sqlite(path: Path, source: Path) -> None:
    """The backup API replaces every page of the target: nothing of what it held remains."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(_read_only(source)) as backup, closing(sqlite3.connect(path)) as target:
        backup.backup(target)
