"""The API on a committed database, outside the suite's per-test transaction: the token check
and the rate-limit counter (written on the throttle's own connection) take turns on the
database as they do in production. On SQLite a transaction the token check left open would
lock the counter out: 30 seconds, then a 500 (found by hand on ``make run``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import delete

from tests.support.api_data import api_get, service_token
from tests.support.builders import make_user
from tests.support.processes import committed_app, dispose
from wbl.access import Role
from wbl.api.models import ApiToken
from wbl.auth.models import ThrottleCounter, User, UserRole
from wbl.extensions import db


@pytest.fixture
def shared(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    shared = committed_app(app, tmp_path_factory, "_api_committed")
    yield shared
    with shared.app_context():
        for model in (ApiToken, ThrottleCounter, UserRole, User):
            db.session.execute(delete(model))
        db.session.commit()
    dispose(shared)


def test_requests_in_a_row_with_one_token(shared: Flask) -> None:
    """The first request records the token's last use; the next ones, within the minute,
    do not, and each still counts against the rate limit."""
    with shared.app_context():
        staff = make_user(roles={Role.STAFF})
        db.session.commit()
        secret = service_token(staff, ["catalog:read"])
        db.session.remove()
    client = shared.test_client()
    remaining = []
    for _ in range(3):
        response = api_get(client, "/api/v1/offerings", secret)
        assert response.status_code == 200, response.get_data(as_text=True)
        remaining.append(response.headers["RateLimit"])
    assert len(set(remaining)) == 3  # counted every time
