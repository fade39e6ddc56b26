"""How the live database is compared with the models: the options Alembic's autogenerate
(migrations/env.py) and the migration tests (tests/wbl/test_migrations.py) share, so that
`flask db migrate` and the tests see the same differences."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Column
from sqlalchemy.schema import DefaultClause

from wbl.scheduler import include_in_migrations


def _sql_string_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def compare_server_default(
    context: Any,
    inspected_column: Column[Any],
    metadata_column: Column[Any],
    inspected_default: str | None,
    metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool | None:
    """False when the database holds exactly the literal a model's string server default is
    written as in DDL; None (Alembic's own comparison) otherwise.

    A plain string ``server_default="x"`` becomes ``DEFAULT 'x'``. Alembic's SQLite comparison
    unquotes a reflected ``'x'`` with a pattern that needs at least one character, so an empty
    default (``DEFAULT ''``) is reported as different from ``server_default=""`` on every
    comparison. PostgreSQL reports ``''::character varying`` and keeps Alembic's comparison.
    """
    if inspected_default is None or not isinstance(metadata_default, DefaultClause):
        return None
    if not isinstance(metadata_default.arg, str):
        return None
    reflected = re.sub(r"^\((.*)\)$", r"\1", inspected_default.strip())
    if reflected == _sql_string_literal(metadata_default.arg):
        return False
    return None


# The catalog's full-text search (migration 0024, wbl/catalog/fulltext.py) lives beside the
# models, not in them: SQLAlchemy has no FTS5 virtual table (SQLite also makes its shadow
# tables, offering_fts_data and so on), and offering.search_vector and the GIN indexes exist on
# PostgreSQL only. They are the database's, like APScheduler's table, not a difference.
FULL_TEXT_TABLES = ("offering_fts", "partner_fts")
FULL_TEXT_COLUMNS = {("offering", "search_vector")}
FULL_TEXT_INDEXES = {"ix_offering_search_vector", "ix_partner_name_tsvector"}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """What autogenerate compares: not APScheduler's job table, not the full-text search."""
    if type_ == "table" and name is not None and name.startswith(FULL_TEXT_TABLES):
        return False
    if type_ == "column" and (obj.table.name, name) in FULL_TEXT_COLUMNS:
        return False
    if type_ == "index" and name in FULL_TEXT_INDEXES:
        return False
    return include_in_migrations(obj, name, type_, reflected, compare_to)


def comparison_options() -> dict[str, Any]:
    """``MigrationContext`` options: types and server defaults compared; APScheduler's own job
    table and the full-text search left out."""
    return {
        "compare_type": True,
        "compare_server_default": compare_server_default,
        "include_object": include_object,
    }
