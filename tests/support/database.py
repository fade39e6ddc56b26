"""Build a test database from scratch with the real migrations."""

from __future__ import annotations

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from wbl.extensions import db
from wbl.reference.services import seed_reference


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
