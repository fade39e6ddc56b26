"""The migrations build exactly the schema the models describe, on either database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from wbl.extensions import db
from wbl.scheduler import include_in_migrations


def test_upgrade_head_matches_the_models(app) -> None:
    # The session database was built from empty by `upgrade head` (tests/support/database.py).
    connection = db.session.connection()
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_in_migrations}
    )
    assert compare_metadata(context, db.metadata) == []


def test_database_is_at_head(app) -> None:
    from alembic.script import ScriptDirectory

    connection = db.session.connection()
    current = MigrationContext.configure(connection).get_current_revision()
    script = ScriptDirectory(app.extensions["migrate"].directory)
    assert current == script.get_current_head()
