"""Test fixtures: one schema per session (built by the Alembic migrations), and a rolled-back
transaction per test, on SQLite or on PostgreSQL (``TEST_DATABASE_URL``).

Per-test isolation follows SQLAlchemy's "joining a session into an external transaction"
recipe: each engine is replaced by a connection with an open transaction, and sessions
join it with ``create_savepoint`` so a service's own commit or rollback stays inside it.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from flask import Flask, g, request_started
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import TestingConfig
from tests.support.concurrency import wipe
from tests.support.database import postgres_test_url, prepare_database
from wbl import create_app
from wbl.auth.models import User
from wbl.county.settings import county
from wbl.county.settings import forget as forget_county
from wbl.extensions import db

# Timing is for benchmarks, never the suite: on a busy CI machine Hypothesis's clock-based
# checks (a deadline per example, "input generation is slow") fail tests that are right.
settings.register_profile("wbl", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("wbl")


def _test_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = postgres_test_url() or os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def make_test_config(url: str) -> type[TestingConfig]:
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        UPLOAD_FOLDER = tempfile.mkdtemp(prefix="wbl-test-uploads-")

    return Config


def _fix_pysqlite_transactions(engine: Engine) -> None:
    """SQLAlchemy's documented pysqlite fix: let SQLAlchemy, not the driver, emit BEGIN, so
    SAVEPOINTs work and nothing commits behind the test transaction's back."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, connection_record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    url = _test_database_url(tmp_path_factory)
    app = create_app(make_test_config(url))
    with app.app_context():
        prepare_database(app)
        if db.engine.dialect.name == "sqlite":
            db.engine.dispose()
            _fix_pysqlite_transactions(db.engine)
        _fresh_county_settings()
    yield app
    with app.app_context():
        db.engine.dispose()  # close pooled connections before the interpreter does


@pytest.fixture
def busy_app(app: Flask) -> Iterator[Flask]:
    """The same database (built by ``app``) through an app whose pool lets many threads hold
    a connection at once: the concurrency tests (which commit for real; ``no_isolation``
    cleans up after them, or a test file's own variant)."""
    base = make_test_config(app.config["SQLALCHEMY_DATABASE_URI"])

    class Config(base):  # type: ignore[valid-type, misc]
        SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, object]] = {
            "pool_size": 24,
            "max_overflow": 0,
        }

    busy = create_app(Config)
    yield busy
    with busy.app_context():
        db.engine.dispose()


@pytest.fixture
def no_isolation(busy_app: Flask) -> Iterator[None]:
    """For a test that commits for real (threads cannot see a test transaction): afterwards
    every row it made goes (``tests.support.concurrency.wipe``)."""
    yield
    wipe(busy_app)


@pytest.fixture(scope="session")
def is_postgres(app: Flask) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_sqlite = not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL (CI runs it)")
    for item in items:
        if on_sqlite and "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Roll back everything a test did. Browser and concurrency tests use their own database."""
    if "browser" in request.keywords or "no_isolation" in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        engines = db.engines
        saved: list[tuple[str | None, Engine]] = []
        held = []
        for key, engine in list(engines.items()):
            connection = engine.connect()
            transaction = connection.begin()
            engines[key] = connection  # type: ignore[assignment]
            saved.append((key, engine))
            held.append((connection, transaction))
        db.session.remove()
        # Rate-limit counters are rows too (wbl/auth/throttle_storage.py): they roll back with
        # the test. No reset here: a write would lock SQLite for the test's other connections.
        db.session.configure(join_transaction_mode="create_savepoint")
        try:
            yield
        finally:
            db.session.remove()
            for connection, transaction in held:
                if transaction.is_active:
                    transaction.rollback()
                connection.close()
            for key, engine in saved:
                engines[key] = engine
            db.session.configure(join_transaction_mode="conditional_savepoint")
            _fresh_county_settings()


def _fresh_county_settings() -> None:
    """The county's settings as the committed database holds them, cached before a test
    starts: settings a test saved are rolled back with it, and no test's first request pays
    for the read (the query-count tests count every request alike)."""
    forget_county()
    county()
    db.session.remove()


@pytest.fixture(scope="session", autouse=True)
def _fresh_g_per_request() -> None:
    """The test's app context stays pushed across requests (so builders and requests share the
    transaction); give each request a clean ``g`` as a real server would."""

    def clear(sender: Flask, **extra: object) -> None:
        g.__dict__.clear()

    request_started.connect(clear, weak=False)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[[User], User]:
    """Sign a user in by writing the Flask-Login session (the real form is tested in auth)."""

    def login(user: User) -> User:
        db.session.flush()
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
        return user

    return login


CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def post_form(client: FlaskClient) -> Callable[..., object]:
    """POST a form the way a browser does: read the CSRF token from the page first."""

    def post(
        url: str,
        data: dict[str, object],
        *,
        page: str | None = None,
        follow_redirects: bool = False,
    ) -> object:
        html = client.get(page or url).get_data(as_text=True)
        return client.post(
            url, data={**data, "csrf_token": csrf_from(html)}, follow_redirects=follow_redirects
        )

    return post


ARTIFACTS = Path(__file__).parent / "artifacts"


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries() -> Callable[[], object]:
    """``with count_queries() as counter:`` counts the SQL statements run inside the block."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                counter.statements.append(statement)

        event.listen(Engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            event.remove(Engine, "before_cursor_execute", record)

    return counting  # type: ignore[return-value]
