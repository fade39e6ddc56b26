"""Revision 0018 gives existing outbox rows a delivery state: sent stays sent, a message that
had used up the old five tries is given up, the rest are queued and due at once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from tests.conftest import make_test_config
from tests.support.database import postgres_test_url, reset_schema, scratch_database_url
from wbl import create_app
from wbl.extensions import db


@pytest.fixture
def no_isolation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app on a database of its own, which this test migrates step by step."""
    url = scratch_database_url(
        postgres_test_url(), tmp_path_factory.mktemp("migration"), "outbox_migration"
    )
    app = create_app(make_test_config(url))
    with app.app_context():
        reset_schema(app)
        yield app
        db.session.remove()
        reset_schema(app)
        db.engine.dispose()


def test_existing_messages_get_a_delivery_state(no_isolation: Flask) -> None:
    directory = no_isolation.extensions["migrate"].directory
    upgrade(directory=directory, revision="0017")
    with db.engine.begin() as connection:
        for subject, sent_at, attempts in [
            ("sent", "2026-11-30 10:00:00", 1),
            ("waiting", None, 0),
            ("tried twice", None, 2),
            ("worn out", None, 5),
        ]:
            connection.execute(
                text(
                    "INSERT INTO outbox_message (kind, to_email, subject, body_text, created_at,"
                    " sent_at, attempts, last_error) VALUES ('test', 'x@example.org', :subject,"
                    " '.', '2026-11-30 09:00:00', :sent_at, :attempts, '')"
                ),
                {"subject": subject, "sent_at": sent_at, "attempts": attempts},
            )
    upgrade(directory=directory, revision="0018")
    with db.engine.connect() as connection:
        rows = {
            subject: (status, str(next_at) if next_at else None)
            for subject, status, next_at in connection.execute(
                text("SELECT subject, status, next_attempt_at FROM outbox_message")
            )
        }
    assert rows == {
        "sent": ("sent", None),
        "waiting": ("queued", "2026-11-30 09:00:00"),
        "tried twice": ("queued", "2026-11-30 09:00:00"),
        "worn out": ("failed", None),
    }
