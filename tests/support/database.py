"""Build a test database from scratch with the real migrations."""

from __future__ import annotations

import os
import re
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from wbl.extensions import db
from wbl.seeding import seed_reference


def reset_schema(app: Flask) -> None:
    """Drop everything: a PostgreSQL schema is recreated; a SQLite file starts empty anyway."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def prepare_database(app: Flask) -> None:
    """Empty schema -> ``upgrade head`` -> default reference data (committed, shared by tests)."""
    reset_schema(app)
    upgrade(directory=app.extensions["migrate"].directory)
    seed_reference()
    db.session.remove()


def sibling_database(url: str, suffix: str) -> str:
    """``<database><suffix>`` on the same PostgreSQL server, created when missing: the
    browser tests' committed database, and one database per pytest-xdist worker."""
    base = make_url(url)
    name = f"{base.database}{suffix}"
    if not re.fullmatch(r"\w+", name):
        raise ValueError(f"unexpected database name {name!r}")
    server = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def scratch_database_url(url: str, directory: Path, name: str) -> str:
    """An empty database of a test's own beside ``url`` (the session's): a sibling PostgreSQL
    database ``<database>_<name>``, or a SQLite file in ``directory``. For tests that migrate a
    database step by step, leaving the session's alone."""
    if url.startswith("postgresql"):
        return sibling_database(url, f"_{name}")
    return f"sqlite:///{directory / f'{name}.sqlite'}"


def postgres_test_url() -> str:
    """TEST_DATABASE_URL, made per worker when pytest-xdist runs the suite in parallel
    (workers must not share a database: each builds its own schema)."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if url.startswith("postgresql") and worker:
        return sibling_database(url, f"_{worker}")
    return url
