"""The two helpers views use to show a service's refusal, and the 500 page's reference."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from flask import Flask, get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField

from tests.conftest import _fix_pysqlite_transactions, make_test_config
from tests.support.builders import make_user
from wbl import create_app
from wbl.access import Role
from wbl.auth.models import User
from wbl.errors import DomainError, Forbidden, NotFound, field_error, flash_refusal
from wbl.extensions import db
from wbl.request_ids import HEADER, NO_REQUEST


class NameForm(FlaskForm):
    name = StringField("Name")


def test_a_refusal_is_flashed_and_the_attempt_is_not_ok(app) -> None:
    with app.test_request_context():
        with flash_refusal("danger") as attempt:
            raise DomainError("Not today.")
        assert attempt.ok is False
        assert get_flashed_messages(with_categories=True) == [("danger", "Not today.")]


def test_a_call_that_succeeds_is_ok_and_flashes_nothing(app) -> None:
    with app.test_request_context():
        with flash_refusal() as attempt:
            pass
        assert attempt.ok is True
        assert get_flashed_messages() == []


@pytest.mark.parametrize("error", [NotFound(), Forbidden()])
def test_not_found_and_forbidden_pass_through(app, error: DomainError) -> None:
    with app.test_request_context():
        with pytest.raises(type(error)), flash_refusal():
            raise error
        assert get_flashed_messages() == []


def test_a_refusal_goes_next_to_its_field(app) -> None:
    with app.test_request_context(method="POST"):
        form = NameForm(meta={"csrf": False})
        form.validate()
        assert field_error(form, DomainError("Too long.", field="name")) is None
        assert form.name.errors == ["Too long."]


def test_a_refusal_without_a_field_is_returned_for_the_page(app) -> None:
    with app.test_request_context(method="POST"):
        form = NameForm(meta={"csrf": False})
        form.validate()
        assert field_error(form, DomainError("Closed.", field="nothing")) == "Closed."
        assert form.errors == {}


@pytest.mark.parametrize("error", [NotFound(), Forbidden()])
def test_field_error_raises_not_found_and_forbidden(app, error: DomainError) -> None:
    with app.test_request_context(method="POST"):
        form = NameForm(meta={"csrf": False})
        with pytest.raises(type(error)):
            field_error(form, error)


# --- the request id ------------------------------------------------------------------------


@pytest.fixture
def failing_app(app: Flask) -> Iterator[Flask]:
    """The app as a server runs it (exceptions become the 500 page), with views that fail,
    on the test database inside a transaction that is rolled back (as conftest does)."""
    failing = create_app(make_test_config(app.config["SQLALCHEMY_DATABASE_URI"]))
    failing.config["PROPAGATE_EXCEPTIONS"] = False

    @failing.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    @failing.get("/twice")
    def twice() -> str:
        """A unique index refuses a flush that nobody catches."""
        db.session.add(User(email="taken@example.org", full_name="Second"))
        db.session.flush()
        return "not reached"

    @failing.get("/far-away")
    def far_away() -> str:
        """A number no check stopped, given to the database (PostgreSQL refuses it)."""
        db.session.scalar(select(User.id).where(User.id == 2**40))
        return "SQLite stores it"

    @failing.get("/past-64-bits")
    def past_64_bits() -> str:
        """SQLite's driver cannot bind it (OverflowError); PostgreSQL compares it as numeric."""
        db.session.scalar(select(User.id).where(User.id == 2**64))
        return "PostgreSQL finds nothing"

    boom.policy = twice.policy = far_away.policy = past_64_bits.policy = ("public",)  # type: ignore[attr-defined]
    with failing.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _fix_pysqlite_transactions(engine)
        connection = engine.connect()
        transaction = connection.begin()
        db.engines[None] = connection  # type: ignore[index]
        try:
            yield failing
        finally:
            db.session.remove()
            transaction.rollback()
            connection.close()
            engine.dispose()


def test_every_response_carries_a_request_id(client) -> None:
    first = client.get("/login").headers[HEADER]
    second = client.get("/login").headers[HEADER]
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert first != second


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("4f1c2a9e-7b3d-4e8a-9c1f-2d3e4f5a6b7c", True),  # a proxy's uuid
        ("Root=1-67891233-abcdef012345678912345678", False),  # not one of ours: '='
        ("short", False),
        ("x" * 129, False),
        ("abcdefgh <script>", False),
    ],
)
def test_a_sane_incoming_request_id_is_kept(client, incoming: str, kept: bool) -> None:
    response = client.get("/login", headers={HEADER: incoming})
    assert (response.headers[HEADER] == incoming) is kept


def test_the_500_page_shows_the_reference_that_the_log_carries(
    failing_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = failing_app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    reference = response.headers[HEADER]
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert f'Reference: <code class="error-reference">{reference}</code>' in body
    assert "secret internals" not in body
    assert "Traceback" not in body
    ours = [r for r in caplog.records if r.name == "wbl.errors"]
    assert [r.getMessage() for r in ours] == [f"unhandled error, reference {reference}: GET /boom"]
    assert ours[0].exc_info is not None
    assert "secret internals" in str(ours[0].exc_info[1])
    # Every record of the request carries it (Flask's own traceback line too).
    assert {getattr(r, "request_id", None) for r in caplog.records} == {reference}


def test_a_proxys_request_id_is_the_reference(failing_app: Flask) -> None:
    response = failing_app.test_client().get("/boom", headers={HEADER: "edge-0123456789abcdef"})
    assert "edge-0123456789abcdef" in response.get_data(as_text=True)


def test_records_outside_a_request_say_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("wbl.test").info("from the scheduler")
    assert caplog.records[-1].request_id == NO_REQUEST  # type: ignore[attr-defined]


def test_the_500_page_shows_even_when_the_failure_broke_the_session(failing_app: Flask) -> None:
    """The signed-in user's navigation reads the database after the failed flush."""
    user = make_user(roles={Role.STAFF}, email="taken@example.org")
    db.session.commit()  # as if signed up long ago (the fixture's transaction still ends it)
    client = failing_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    response = client.get("/twice")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong on our side" in body
    assert response.headers[HEADER] in body


@pytest.mark.postgres_only
def test_a_value_the_database_refuses_is_a_400_with_a_reference(
    failing_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = failing_app.test_client().get("/far-away")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "A value could not be saved" in body
    reference = response.headers[HEADER]
    assert reference in body
    assert "out of range" not in body
    assert [r.getMessage() for r in caplog.records if r.name == "wbl.errors"] == [
        f"value refused by the database, reference {reference}: GET /far-away"
    ]


def test_a_number_sqlite_cannot_bind_is_a_400_too(failing_app: Flask, is_postgres: bool) -> None:
    """The same mistake answers the same way on both databases: never a 500."""
    response = failing_app.test_client().get("/past-64-bits")
    if is_postgres:
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert response.headers[HEADER] in response.get_data(as_text=True)
