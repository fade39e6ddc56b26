"""The migrations build exactly the schema the models describe, on either database; every
downgrade undoes its upgrade; revision 0016 brings a database upgraded before 0011–0015 were
edited to the same schema; and committed revisions stay as they were committed."""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Flask
from sqlalchemy import Connection, column, select, table

from tests.conftest import make_test_config
from tests.support.database import reset_schema, scratch_database_url
from tests.support.migrations import (
    ROWS_BEFORE_THE_EDITS,
    describe_differences,
    insert_rows,
    schema_snapshot,
    undo_edits_after_commit,
)
from wbl import create_app
from wbl.extensions import db
from wbl.schema import comparison_options


def _differences_from_the_models(connection: Connection) -> list[str]:
    context = MigrationContext.configure(connection, opts=comparison_options())
    return [_describe(difference) for difference in compare_metadata(context, db.metadata)]


def _describe(difference: Any) -> str:
    """Alembic's diff tuples, readable: ``('modify_default', None, 'offering', 'schedule', …)``."""
    if isinstance(difference, list):  # column changes come as a list of one tuple each
        return "; ".join(_describe(change) for change in difference)
    kind, *rest = difference
    if kind.startswith("modify_"):
        _schema, table_name, column_name, _existing, database, models = rest
        return (
            f"{kind} {table_name}.{column_name}: database {_sql(database)}, models {_sql(models)}"
        )
    return f"{kind} {rest!r}"


def _sql(value: Any) -> str:
    argument = getattr(value, "arg", value)
    return repr(getattr(argument, "text", argument))


def test_upgrade_head_matches_the_models(app: Flask) -> None:
    # The session database was built from empty by `upgrade head` (tests/support/database.py).
    # Types and server defaults are compared: a default only the database has fills rows the
    # models think they fill.
    assert _differences_from_the_models(db.session.connection()) == []


def test_database_is_at_head(app: Flask) -> None:
    connection = db.session.connection()
    current = MigrationContext.configure(connection).get_current_revision()
    script = ScriptDirectory(app.extensions["migrate"].directory)
    assert current == script.get_current_head()


# --- a database of its own: upgrade, downgrade, and the history before the edits -------------


@pytest.fixture
def scratch(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """An app on an empty database of its own: a sibling PostgreSQL database of the session's,
    or a SQLite file. Its app context is pushed; the session database is left alone."""
    url = scratch_database_url(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, "scratch")
    scratch = create_app(make_test_config(url))
    with scratch.app_context():
        reset_schema(scratch)
        yield scratch
        db.session.remove()
        db.engine.dispose()


def _alembic(app: Flask) -> Config:
    migrate = app.extensions["migrate"]
    return migrate.migrate.get_config(migrate.directory)


def _chain(config: Config) -> list[str]:
    """The revisions from the first to the head; the history must be one line."""
    script = ScriptDirectory.from_config(config)
    heads = script.get_heads()
    assert len(heads) == 1, f"more than one head: {heads} (link the new revision after the last)"
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def _snapshot() -> dict[str, dict[str, Any]]:
    with db.engine.connect() as connection:
        return schema_snapshot(connection)


def _current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_every_downgrade_undoes_its_upgrade(scratch: Flask) -> None:
    # Up one revision at a time, then down one at a time: each downgrade must give back exactly
    # the schema below it (CHECKs, partial indexes and ON DELETE included); then up again.
    config = _alembic(scratch)
    chain = _chain(config)
    below = dict(zip(chain, ["base", *chain[:-1]], strict=True))
    seen = {"base": _snapshot()}
    assert seen["base"] == {}
    for revision in chain:
        command.upgrade(config, revision)
        seen[revision] = _snapshot()
    with db.engine.connect() as connection:
        assert _differences_from_the_models(connection) == []
    for revision in reversed(chain):
        command.downgrade(config, below[revision])
        assert describe_differences(seen[below[revision]], _snapshot()) == [], (
            f"downgrade of {revision} did not restore {below[revision]}"
        )
    assert _current_revision() is None
    command.upgrade(config, "head")
    assert describe_differences(seen[chain[-1]], _snapshot()) == []


def _upgraded_before_the_edits(config: Config) -> None:
    """A database as the original 0011–0015 left it, with a row in every table 0016 touches."""
    command.upgrade(config, "0015")
    with db.engine.begin() as connection:
        undo_edits_after_commit(connection)
        insert_rows(connection, ROWS_BEFORE_THE_EDITS)


def test_0016_brings_a_database_upgraded_before_the_edits_to_the_models(
    app: Flask, scratch: Flask
) -> None:
    with app.app_context():  # today's history: the session database, built from empty
        built_today = schema_snapshot(db.session.connection())
    config = _alembic(scratch)
    _upgraded_before_the_edits(config)
    assert _current_revision() == "0015"

    command.upgrade(config, "head")

    with db.engine.connect() as connection:
        assert _differences_from_the_models(connection) == []
    assert describe_differences(built_today, _snapshot()) == []
    with db.engine.connect() as connection:
        completions = table("incentive_completion", column("id"), column("name_key"))
        assert connection.execute(
            select(completions.c.id, completions.c.name_key).order_by(completions.c.id)
        ).all() == [(1, "ap biology"), (2, "électricité pré-apprentissage")]
        externships = table("externship", column("cancel_reason"), column("cancelled_by_id"))
        assert connection.execute(select(externships)).all() == [("", None)]
        outbox = table(
            "outbox_message",
            column("attachment_name"),
            column("attachment_type"),
            column("attachment_text"),
        )
        assert connection.execute(select(outbox)).all() == [("", "", "")]
        rules = table("pathway_rule", column("name"), column("preset"))
        assert connection.execute(select(rules)).all() == [("250 hours", None)]
        offerings = table("offering", column("title"), column("schedule"), column("requirements"))
        assert connection.execute(select(offerings)).all() == [("Baker's helper", "Saturdays", "")]


def test_0016_refuses_rows_that_break_a_rule_it_adds_and_changes_nothing(
    scratch: Flask,
) -> None:
    config = _alembic(scratch)
    _upgraded_before_the_edits(config)
    rows = dict(ROWS_BEFORE_THE_EDITS)
    verified, completion = rows["student_credential"][1], rows["incentive_completion"][0]
    twice = [  # the same live record recorded again; the same course in other capitals
        ("student_credential", [{**verified, "id": 3, "status": "pending"}]),
        ("incentive_completion", [{**completion, "id": 3, "name": "ap BIOLOGY"}]),
    ]
    with db.engine.begin() as connection:
        insert_rows(connection, twice)
    before = _snapshot()

    with pytest.raises(CommandError) as refused:
        command.upgrade(config, "head")

    message = str(refused.value)
    assert "Revision 0016 changed nothing" in message
    assert (
        "student_credential ids 2, 3: student 1 has credential 1 earned on 2026-10-01 pending "
        "or verified more than once" in message
    )
    assert (
        "incentive_completion ids 1, 3: student 1 has the ap_course 'ap biology' completed on "
        "2026-06-01 entered more than once" in message
    )
    assert _current_revision() == "0015"
    assert describe_differences(before, _snapshot()) == []


# --- committed revisions are never edited ----------------------------------------------------

# A fingerprint of each committed revision: its code without docstrings and comments (so a
# reformat or a reworded message does not change it; any change to an operation does).
# Adding a revision = adding its line here in the same commit (the failure prints it). A line
# that no longer matches means a committed revision was edited: a database that already ran it
# will never see the change. Put the file back and write a new revision (migrations/README).
COMMITTED_REVISIONS = {
    "0001_initial_schema.py": "fd4bcb7558da1031",
    "0002_geocode_cache.py": "6f6c2c4d91f56561",
    "0003_catalog_management.py": "cc96a76f0c7473da",
    "0004_placements.py": "64759f677110c43e",
    "0005_allocation_rounds.py": "b1be9b404968bd9f",
    "0006_training_agreements.py": "4edbab57f0900ab5",
    "0007_job_runs.py": "a2751ceb1b6e344c",
    "0008_hour_entries.py": "b851ae56c0d85100",
    "0009_hours_completion.py": "c535ed7dd55f97ed",
    "0010_portfolio_files_and_letters.py": "6fa8a0f9c3fe8b6f",
    "0011_reviews_interviews_certificates.py": "61ff021734efc569",
    "0012_industry_credentials_and_workkeys.py": "3bf5f50d01399dc5",
    "0013_graduation_pathway_rules.py": "e51cb747f93d1273",
    "0014_incentive_funding.py": "42b8e40668fa579b",
    "0015_teacher_externships.py": "d86836c25321adce",
    "0016_reconcile_edited_revisions.py": "0432b5c7014da8cd",
    "0017_sign_in_attempts.py": "91f6c50a9bdccca1",
    "0018_outbox_delivery.py": "b1fcd47b06314670",
    "0019_signup_requests.py": "8168d3869a81b576",
    "0020_sso_identities.py": "a5a8164f4cb45769",
    "0021_county_settings.py": "c108d114008724fe",
    "0022_roster.py": "d7ef37d41b50558f",
    "0023_outbox_html.py": "91cd31c803506dc1",
    "0024_catalog_full_text.py": "5db0ac22cfc07759",
    "0025_catalog_places.py": "f36597c11a5309c2",
    "0026_state_reporting.py": "38eab84c5fe59c41",
    "0027_cte_concentrators.py": "a9a6922652a57499",
    "0028_job_leases.py": "6b0a6ee4129e1fd8",
    "0029_calendar_feeds.py": "870e92ec3569b496",
    "0030_api_tokens.py": "bfe4bb1d96474459",
    "0031_languages.py": "406764db2de651ec",
    "0032_incidents.py": "a711d2abea7824a6",
    "0033_supervisor_clearances.py": "2ee623b39e455a7d",
    "0034_worksite_visits.py": "8d8fcd9a6ab6197b",
    "0035_work_permits.py": "aa1c9874a93dbabf",
    "0036_worksite_agreements.py": "3a4e7288b2cab70b",
    "0037_scramble_rounds.py": "2e7b2bc88a3bbee7",
}


def _fingerprint(path: Path) -> str:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and ast.get_docstring(
            node, clean=False
        ):
            node.body = node.body[1:] or [ast.Pass()]
    return hashlib.sha256(ast.dump(tree).encode()).hexdigest()[:16]


def test_committed_revisions_are_never_edited(app: Flask) -> None:
    versions = Path(app.extensions["migrate"].directory) / "versions"
    found = {path.name: _fingerprint(path) for path in sorted(versions.glob("*.py"))}
    edited = [
        f"{name} (now {found.get(name, 'missing')})"
        for name, fingerprint in COMMITTED_REVISIONS.items()
        if found.get(name) != fingerprint
    ]
    new = [f'"{name}": "{found[name]}",' for name in found if name not in COMMITTED_REVISIONS]
    assert edited == [], "committed revisions were edited: put them back, write a new revision"
    assert new == [], "new revisions: add their lines to COMMITTED_REVISIONS"
