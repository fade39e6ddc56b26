"""/healthz and /readyz: what a load balancer asks. Each readiness check fails on its own
cause, the answer names only the checks, and neither endpoint needs a session or a user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import text

from tests.conftest import make_test_config
from tests.support.builders import make_offering, make_user
from tests.support.county_data import unnamed_county
from wbl import create_app
from wbl.access import Role
from wbl.catalog import index_files
from wbl.catalog.recommendations import build_to_file, rebuild_index
from wbl.clock import local_today
from wbl.county.settings import forget as forget_county
from wbl.extensions import db
from wbl.ops.health import migration_heads

ALL_OK = {"database": "ok", "migrations": "ok", "uploads": "ok", "index": "ok"}


@pytest.fixture
def index_loaded(app: Flask) -> None:
    """This worker holds the recommendation index, as a server does once it has warmed up."""
    make_offering()
    rebuild_index(local_today())


def _another_worker(app: Flask) -> None:
    """A worker process that holds no index of its own yet."""
    app.extensions.pop("wbl.matching_index", None)


def test_healthz_answers_without_the_database(client, count_queries) -> None:
    with count_queries() as counter:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert counter.statements == []
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ok_when_every_check_is(client, index_loaded, count_queries) -> None:
    with count_queries() as counter:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": ALL_OK}
    assert "Set-Cookie" not in response.headers
    assert len(counter.statements) == 2  # the probe and the migration version: nothing else


def test_readyz_needs_no_sign_in_and_ignores_a_signed_in_user(client, login_as, index_loaded):
    login_as(make_user(roles={Role.STUDENT}))
    assert client.get("/readyz").status_code == 200


def test_a_county_being_set_up_holds_no_probe(app, client, login_as, index_loaded) -> None:
    """The set-up gate (wbl/county/gate.py) holds signed-in users' pages, never the probes,
    and asks nothing of the database for them."""
    login_as(make_user(roles={Role.TEACHER}))
    with unnamed_county(app):
        assert client.get("/home").status_code == 503  # held: the county has no name
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200


def test_readyz_is_failing_while_the_index_is_neither_loaded_nor_on_disk(client, app) -> None:
    _another_worker(app)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "failing", "checks": {**ALL_OK, "index": "failing"}}
    assert "wbl.matching_index" not in app.extensions or (
        app.extensions["wbl.matching_index"].index is None
    ), "the check must not build the index"


def test_readyz_counts_an_index_on_disk_as_ready_for_a_new_worker(
    client, app, monkeypatch, tmp_path
) -> None:
    """A worker forked after the server's warm-up (gunicorn --preload) has no index yet, but
    loads the shared file in milliseconds on its first student's request."""
    shared = tmp_path / "matching-index"
    monkeypatch.setitem(app.config, "MATCHING_INDEX_FOLDER", str(shared))
    make_offering()
    rebuild_index(local_today())  # written to the shared folder
    assert list(shared.glob("*.index"))
    _another_worker(app)
    assert client.get("/readyz").status_code == 200

    make_offering()  # the catalog changed: no file for it yet, and this worker holds none
    _another_worker(app)
    assert client.get("/readyz").get_json()["checks"]["index"] == "failing"

    from wbl.catalog.recommendations import _catalog_version

    today = local_today()
    build_to_file(index_files.file_for(shared, _catalog_version(today)), today)
    _another_worker(app)
    assert client.get("/readyz").get_json()["checks"]["index"] == "ok"


def test_readyz_is_failing_when_migrations_are_behind(app, client, index_loaded) -> None:
    directory = app.extensions["migrate"].directory
    (head,) = migration_heads(str(directory))
    previous = ScriptDirectory(directory).get_revision(head).down_revision
    assert isinstance(previous, str)
    db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": previous})
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {**ALL_OK, "migrations": "failing"}


def test_readyz_stays_ready_when_the_database_is_ahead_of_this_code(
    app, client, index_loaded, caplog
) -> None:
    """A rolling deploy: ``db upgrade`` ran for the next release, whose revision this node's
    code does not know. The node keeps serving (and says so in the log) rather than leave the
    load balancer before any new node is up."""
    db.session.execute(text("UPDATE alembic_version SET version_num = 'f00dnewer0001'"))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"] == ALL_OK
    assert "the database is newer" in caplog.text


def test_readyz_is_failing_when_the_upload_folder_is_not_writable(
    app, client, index_loaded, monkeypatch, tmp_path
) -> None:
    """A file where the folder should be: no account (root neither) can write into it."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(blocker / "uploads"))
    monkeypatch.delitem(app.extensions, "wbl.storage", raising=False)  # built again from it
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"] == {**ALL_OK, "uploads": "failing"}


def test_the_uploads_check_leaves_no_file_behind(app, client, index_loaded) -> None:
    """The folder is the session's, where other tests' uploads may lie: what it holds after
    the check is what it held before."""
    folder = Path(app.config["UPLOAD_FOLDER"])

    def files() -> set[Path]:
        return {p for p in folder.rglob("*") if p.is_file()}

    before = files()
    assert client.get("/readyz").get_json()["checks"]["uploads"] == "ok"
    assert files() == before


@pytest.fixture(
    params=[
        pytest.param("postgresql+psycopg://postgres@127.0.0.1:1/nobody", id="postgres-closed-port"),
        pytest.param("sqlite:////nonexistent-folder/wbl.sqlite", id="sqlite-missing-folder"),
    ]
)
def unreachable_app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    """An app whose database nobody answers (a server on a port nobody listens on, a SQLite
    file in a folder that does not exist)."""
    unreachable = create_app(make_test_config(request.param))
    yield unreachable
    forget_county()  # the settings it fell back to are not the test database's


def test_readyz_is_failing_when_the_database_does_not_answer(unreachable_app: Flask) -> None:
    with unreachable_app.app_context():
        client = unreachable_app.test_client()
        assert client.get("/healthz").status_code == 200  # alive, though not ready
        response = client.get("/readyz")
        db.session.remove()
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "failing"
    assert body["checks"]["database"] == "failing"
    assert body["checks"]["migrations"] == "failing"
    assert set(body) == {"status", "checks"}  # nothing about why: that goes to the log
    assert "nobody" not in response.get_data(as_text=True)
