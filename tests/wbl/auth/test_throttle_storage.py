"""Rate-limit counters every web worker shares: the database by default, Redis when
``RATELIMIT_STORAGE_URI`` names it (issue 14: "throttling is per worker").

The two-worker test runs a second worker as a real second process on the same database; the
Redis tests use a key prefix of their own and delete their keys. CI has Redis; elsewhere the
Redis tests skip unless WBL_REQUIRE_TOOLS=1, which makes a missing Redis a failure.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import ClassVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from limits.storage import RedisStorage, storage_from_string
from sqlalchemy import delete, func, select
from werkzeug.test import TestResponse

from wbl import create_app
from wbl.auth import throttle_storage
from wbl.auth.models import ThrottleCounter
from wbl.auth.throttle import Rules, SignInDelayed, Throttle, current_throttle
from wbl.auth.throttle_storage import DatabaseStorage
from wbl.extensions import db, limiter

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
ATTACKER = "203.0.113.9"


def _counters() -> int:
    return db.session.scalar(select(func.count()).select_from(ThrottleCounter)) or 0


# --- the database storage ------------------------------------------------------------------


def test_the_database_is_the_default_storage(app) -> None:
    assert isinstance(current_throttle().storage, DatabaseStorage)
    assert isinstance(limiter.storage, DatabaseStorage)


def test_database_counters_count_expire_and_clear(app, monkeypatch) -> None:
    moment = [time.time()]
    monkeypatch.setattr(throttle_storage, "now", lambda: moment[0])
    storage = DatabaseStorage()
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("k", 60, amount=-1) == 2
    assert storage.get("k") == 2
    assert storage.get_expiry("k") == pytest.approx(moment[0] + 60, abs=0.001)
    moment[0] += 60  # the window is over: the counter reads zero and starts again
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
    assert storage.get_expiry("k") == pytest.approx(moment[0] + 60, abs=0.001)
    long_key = "x" * 1000  # stored under its digest
    assert storage.incr(long_key, 60) == 1
    assert storage.get(long_key) == 1
    storage.clear("k")
    assert storage.get("k") == 0
    assert storage.reset() == 1


def test_expired_counters_are_deleted_when_a_window_starts(app, monkeypatch) -> None:
    moment = [time.time()]
    monkeypatch.setattr(throttle_storage, "now", lambda: moment[0])
    storage = DatabaseStorage()
    for n in range(5):
        storage.incr(f"old-{n}", 10)
    moment[0] += 11
    storage.incr("new", 10)
    assert _counters() == 1


def test_password_reset_requests_are_counted_in_the_database(
    client, post_form, monkeypatch
) -> None:
    monkeypatch.setitem(client.application.config, "PASSWORD_RESET_MIN_SECONDS", 0)
    for _ in range(10):
        response = post_form("/password/forgot", {"email": "someone@example.org"})
        assert response.status_code == 302
    refused = post_form("/password/forgot", {"email": "someone@example.org"})
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Wait an hour" in page
    assert "sign-in is paused" not in page  # sign-in has its own growing delay, on its form
    assert db.session.scalar(select(ThrottleCounter.count)) == 11  # the refused one counts too


# --- two workers ------------------------------------------------------------------------


CEILING = 5  # failures per address, lowered so that a few attempts reach it


def _config(url: str) -> type:
    from tests.conftest import make_test_config

    class Config(make_test_config(url)):  # type: ignore[misc]
        SIGN_IN_ADDRESS_CEILING = CEILING

    return Config


def _fail(client: FlaskClient, email: str) -> TestResponse:
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": "a guess", "csrf_token": token})


def _second_worker(url: str) -> None:
    """Another web worker: its own process, app and connections, the same database."""
    app = create_app(_config(url))
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ATTACKER
    for n in range(CEILING):
        assert _fail(client, f"stuffed-{n}@example.org").status_code == 200
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def no_isolation(app: Flask) -> Iterator[None]:
    """The workers commit for real (another process cannot see a test transaction)."""
    yield
    with app.app_context():
        db.session.rollback()
        db.session.execute(delete(ThrottleCounter))
        db.session.commit()
        db.session.remove()


def test_workers_share_the_sign_in_counters(app, no_isolation, monkeypatch) -> None:
    with app.app_context():
        monkeypatch.setattr(current_throttle(), "rules", Rules(address_ceiling=CEILING))
    worker = multiprocessing.get_context("spawn").Process(
        target=_second_worker, args=(app.config["SQLALCHEMY_DATABASE_URI"],)
    )
    worker.start()
    worker.join(120)
    assert worker.exitcode == 0

    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ATTACKER
    # This worker counts the other's failures: the address has reached its ceiling.
    response = _fail(client, "stuffed-next@example.org")
    assert response.status_code == 429
    assert "Wait 60 minutes" in response.get_data(as_text=True)


def test_behind_a_proxy_the_forwarded_address_counts(app, no_isolation) -> None:
    base = _config(app.config["SQLALCHEMY_DATABASE_URI"])

    class Config(base):  # type: ignore[misc, valid-type]
        PROXY_HOPS = 1

    proxied = create_app(Config)
    client = proxied.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # the load balancer

    def through_proxy(client_address: str, email: str) -> int:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = client_address
        return _fail(client, email).status_code

    for n in range(CEILING):
        assert through_proxy(ATTACKER, f"proxied-{n}@example.org") == 200
    assert through_proxy(ATTACKER, "proxied-next@example.org") == 429
    # Another client behind the same load balancer is not the attacker.
    assert through_proxy("198.51.100.20", "proxied-next@example.org") == 200
    with proxied.app_context():
        db.engine.dispose()


@pytest.mark.postgres_only
def test_simultaneous_attempts_cannot_slip_past_the_free_ones(busy_app, no_isolation) -> None:
    """Sixteen attempts at the same moment, each on its own connection: only the five free
    ones may check a password, because each attempt is counted before its check."""
    app, passed, barrier = busy_app, [], threading.Barrier(16)

    def attempt() -> None:
        with app.app_context():
            barrier.wait()
            try:
                current_throttle().reserve("raced@example.org", ATTACKER)
            except SignInDelayed:
                return
            finally:
                db.session.remove()
            passed.append(1)

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(passed) == 5


# --- Redis ------------------------------------------------------------------------------


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"wbl-test-{uuid.uuid4().hex}"
    storage = storage_from_string(REDIS_URL, key_prefix=prefix)
    assert isinstance(storage, RedisStorage)
    if not storage.check():
        if os.environ.get("WBL_REQUIRE_TOOLS") == "1":
            pytest.fail(f"WBL_REQUIRE_TOOLS=1 but Redis does not answer at {REDIS_URL}")
        pytest.skip(f"Redis does not answer at {REDIS_URL} (CI has it)")
    yield prefix
    storage.reset()  # deletes this prefix's keys only


def test_redis_counters_are_shared_by_workers(redis_prefix: str, monkeypatch) -> None:
    workers = [
        Throttle(storage_from_string(REDIS_URL, key_prefix=redis_prefix), Rules()) for _ in range(2)
    ]
    for _ in range(5):
        workers[0].reserve("redis@example.org", ATTACKER)
        workers[0].failed("redis@example.org", ATTACKER)
    with pytest.raises(SignInDelayed) as refused:
        workers[1].reserve("redis@example.org", ATTACKER)
    assert refused.value.wait == 1
    workers[1].reserve("redis@example.org", "198.51.100.1")  # the owner, elsewhere


@pytest.fixture
def redis_app(app: Flask, redis_prefix: str) -> Iterator[Flask]:
    """An app configured for Redis. The limiter is one object for the process: it goes back
    to the test app's storage afterwards."""

    class Config(_config(app.config["SQLALCHEMY_DATABASE_URI"])):  # type: ignore[misc]
        RATELIMIT_STORAGE_URI = REDIS_URL
        RATELIMIT_STORAGE_OPTIONS: ClassVar[dict[str, object]] = {"key_prefix": redis_prefix}

    redis_app = create_app(Config)
    try:
        yield redis_app
    finally:
        limiter.init_app(app)
        with redis_app.app_context():
            db.engine.dispose()


def test_with_a_redis_uri_sign_in_and_the_limiter_count_in_redis(redis_app: Flask) -> None:
    with redis_app.app_context():
        assert isinstance(current_throttle().storage, RedisStorage)
        assert isinstance(limiter.storage, RedisStorage)
    client = redis_app.test_client()
    client.environ_base["REMOTE_ADDR"] = ATTACKER
    for n in range(CEILING):
        assert _fail(client, f"redis-{n}@example.org").status_code == 200
    assert _fail(client, "redis-next@example.org").status_code == 429
    with redis_app.app_context():
        assert _counters() == 0  # nothing went to the database
