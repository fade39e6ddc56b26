"""Backups that restore: the demo county, backed up with ``flask backup create``, restores into
an empty database and upload folder with every table's rows, the uploaded files and the
signing key as they were; a backup that is damaged, unfinished, made by newer code, or aimed
at a database that already holds data, restores nothing.

On PostgreSQL (``TEST_DATABASE_URL``) through pg_dump/pg_restore into databases of their own
beside the test database; on SQLite through files. Everything here commits for real, so the
tests use their own databases (``no_isolation``), never the session's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from click.testing import Result
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from tests.conftest import make_test_config
from tests.support.builders import make_district
from tests.support.database import postgres_test_url, prepare_database
from wbl import create_app
from wbl.certificates import keys
from wbl.demo.services import seed_demo
from wbl.extensions import db
from wbl.schools.models import District
from wbl.storage import storage


@pytest.fixture
def no_isolation() -> None:
    """These tests commit to databases of their own (see the module's docstring)."""


def _postgres() -> str:
    return postgres_test_url()


def _server_admin(url: str, statement: str) -> None:
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(statement))
    finally:
        server.dispose()


@dataclass
class Site:
    """One installation: its app, database, upload folder and key file."""

    app: Flask
    url: str
    uploads: Path
    key: Path

    def invoke(self, *args: str) -> Result:
        """As ``flask backup ...`` runs it: in an app context (which ``flask`` pushes)."""
        with self.app.app_context():
            return self.app.test_cli_runner().invoke(args=["backup", *args])


@pytest.fixture(scope="module")
def sites() -> Iterator[Callable[[str], Site]]:
    """Makes installations on new, empty databases; drops them all at the end."""
    made: list[Site] = []
    base = Path(tempfile.mkdtemp(prefix="wbl-backup-test-"))

    def make(name: str) -> Site:
        folder = base / name
        folder.mkdir()
        postgres = _postgres()
        if postgres:
            database = f"{make_url(postgres).database}_{name}"
            _server_admin(postgres, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            _server_admin(postgres, f'CREATE DATABASE "{database}"')
            url = make_url(postgres).set(database=database).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{folder / 'wbl.sqlite'}"

        base_config = make_test_config(url)

        class Config(base_config):  # type: ignore[valid-type, misc]
            UPLOAD_FOLDER = str(folder / "uploads")
            BADGE_KEY_FILE = str(folder / "keys" / "badge.pem")

        site = Site(create_app(Config), url, folder / "uploads", folder / "keys" / "badge.pem")
        made.append(site)
        return site

    yield make
    for site in made:
        with site.app.app_context():
            db.session.remove()
            db.engine.dispose()
        if site.url.startswith("postgresql"):
            _server_admin(site.url, f'DROP DATABASE IF EXISTS "{make_url(site.url).database}"')
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def county(sites: Callable[[str], Site]) -> Site:
    """The demo county with its uploaded files (logos, credential scans, certificates), two
    more of our own, and a signing key in a file."""
    site = sites("source")
    with site.app.app_context():
        prepare_database(site.app)
        seed_demo(seed=2026)
        store = storage()
        store.save(b"%PDF-1.4 a scan\n" + bytes(range(256)), folder="credentials", extension="pdf")
        store.save(b"\x89PNG\r\n\x1a\n" + b"\x00" * 5000, folder="logos", extension="png")
        keys.signing_key()  # writes the key file, as development does on first use
        db.session.remove()
    return site


@pytest.fixture(scope="module")
def backup(county: Site, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("backups") / "county-backup"
    # A file the storage is still writing is not part of the backup.
    (county.uploads / "logos" / "0123.png.part").write_bytes(b"half a logo")
    result = county.invoke("create", str(folder))
    assert result.exit_code == 0, result.output
    assert f"Backup written to {folder}" in result.output
    return folder


def _counts(site: Site) -> dict[str, int]:
    """Every table's row count, read with SQLAlchemy (not with the backup's own code)."""
    with site.app.app_context(), db.engine.connect() as connection:
        return {
            name: connection.scalar(select(func.count()).select_from(table(name))) or 0
            for name in inspect(connection).get_table_names()
        }


def _stored_files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.endswith(".part")
    }


def _copy(backup: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(backup, copy)
    return copy


def test_the_demo_county_restores_into_an_empty_database(
    no_isolation: None, sites: Callable[[str], Site], county: Site, backup: Path
) -> None:
    target = sites("restored")
    result = target.invoke("restore", str(backup))
    assert result.exit_code == 0, result.output
    assert "every table's count as in the manifest" in result.output

    source_counts = _counts(county)
    assert sum(source_counts.values()) > 10_000  # the demo county, not an empty schema
    assert source_counts["student_profile"] == 3000
    assert _counts(target) == source_counts

    # The rows themselves: every account's e-mail and every partner's name, in order.
    for query in ("SELECT email FROM user_account ORDER BY id", "SELECT name FROM partner"):
        rows = []
        for site in (county, target):
            with site.app.app_context(), db.engine.connect() as connection:
                rows.append(sorted(connection.scalars(text(query))))
        assert rows[0] == rows[1]

    uploaded = _stored_files(county.uploads)
    assert len(uploaded) > 10
    assert _stored_files(target.uploads) == uploaded
    assert not (target.uploads / "logos" / "0123.png.part").exists()

    with target.app.app_context():  # new ids follow the restored ones (sequences restored)
        highest = db.session.scalar(select(func.max(District.id)))
        district = make_district(name="Restored Unified")
        db.session.commit()
        assert highest is not None
        assert district.id > highest
        db.session.remove()

    assert target.key.read_bytes() == county.key.read_bytes()
    assert stat.S_IMODE(target.key.stat().st_mode) == 0o600
    with county.app.app_context():
        published = keys.key_id(keys.signing_key())
    with target.app.app_context():
        assert keys.key_id(keys.signing_key()) == published  # yesterday's badges still verify


def test_a_backup_is_owner_only_and_lists_what_it_holds(
    no_isolation: None, county: Site, backup: Path
) -> None:
    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    assert stat.S_IMODE((backup / "badge-signing-key.pem").stat().st_mode) == 0o600
    manifest = json.loads((backup / "manifest.json").read_text())
    kind = "postgresql" if county.url.startswith("postgresql") else "sqlite"
    assert manifest["database"]["kind"] == kind
    assert manifest["database"]["tables"]["partner"] == _counts(county)["partner"]
    with county.app.app_context():
        head = county.app.extensions["migrate"].directory
    assert manifest["alembic_revision"] == _head(head)
    paths = {entry["path"] for entry in manifest["files"]}
    assert {manifest["database"]["file"], "badge-signing-key.pem"} <= paths
    assert {f"uploads/{key}" for key in _stored_files(county.uploads)} <= paths
    assert not any(path.endswith(".part") for path in paths)
    # Nothing but the finished backup was left beside it.
    assert [p.name for p in backup.parent.iterdir()] == [backup.name]

    verified = county.invoke("verify", str(backup))
    assert verified.exit_code == 0, verified.output
    assert "is complete" in verified.output


def _head(directory: str) -> str:
    head = ScriptDirectory(directory).get_current_head()
    assert head is not None
    return head


def test_a_database_with_tables_is_replaced_only_with_force(
    no_isolation: None, sites: Callable[[str], Site], county: Site, backup: Path
) -> None:
    target = sites("replaced")
    with target.app.app_context():
        prepare_database(target.app)  # a database that has the schema and reference data
        db.session.remove()
    before = _counts(target)
    (target.uploads / "logos").mkdir(parents=True)
    (target.uploads / "logos" / "old.png").write_bytes(b"old")

    refused = target.invoke("restore", str(backup))
    assert refused.exit_code == 1
    assert "Nothing was restored" in refused.output
    assert "tables" in refused.output
    assert "upload folder" in refused.output
    assert _counts(target) == before

    forced = target.invoke("restore", "--force", str(backup))
    assert forced.exit_code == 0, forced.output
    assert _counts(target) == _counts(county)
    assert (target.uploads / "logos" / "old.png").read_bytes() == b"old"  # others stay


def test_a_different_signing_key_is_kept_when_forced(
    no_isolation: None, sites: Callable[[str], Site], backup: Path
) -> None:
    target = sites("other_key")
    target.key.parent.mkdir(parents=True)
    target.key.write_bytes(b"another county's key")
    refused = target.invoke("restore", str(backup))
    assert refused.exit_code == 1
    assert "different signing key" in refused.output
    assert target.key.read_bytes() == b"another county's key"
    assert _counts(target) == {}

    forced = target.invoke("restore", "--force", str(backup))
    assert forced.exit_code == 0, forced.output
    assert target.key.read_bytes() == (backup / "badge-signing-key.pem").read_bytes()
    kept = list(target.key.parent.glob("badge.pem.before-restore-*"))
    assert [k.read_bytes() for k in kept] == [b"another county's key"]


def test_create_refuses_a_folder_that_is_not_empty(
    no_isolation: None, county: Site, tmp_path: Path
) -> None:
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    result = county.invoke("create", str(folder))
    assert result.exit_code == 1
    assert "already exists and is not empty" in result.output
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]

    a_file = tmp_path / "a-file"
    a_file.write_text("")
    assert county.invoke("create", str(a_file)).exit_code != 0


def test_a_failed_backup_leaves_nothing_behind(
    no_isolation: None, county: Site, tmp_path: Path
) -> None:
    folder = tmp_path / "backup"
    if county.url.startswith("postgresql"):
        broken = make_url(county.url).set(database="no_such_database_ops_backup")
    else:
        broken = make_url(f"sqlite:///{tmp_path / 'missing.sqlite'}")
    saved = county.app.config["SQLALCHEMY_DATABASE_URI"]
    county.app.config["SQLALCHEMY_DATABASE_URI"] = broken.render_as_string(hide_password=False)
    try:
        result = county.invoke("create", str(folder))
    finally:
        county.app.config["SQLALCHEMY_DATABASE_URI"] = saved
    assert result.exit_code != 0
    assert list(tmp_path.iterdir()) == []  # neither the folder nor a half-written one


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("no manifest", "has no manifest.json"),
        ("manifest not JSON", "is damaged or not a WBL backup manifest"),
        ("manifest of another format", "is damaged or not a WBL backup manifest"),
        ("an uploaded file changed", "its SHA-256 is not the one in the manifest"),
        ("the database dump cut short", "the manifest says"),
        ("the key file missing", "badge-signing-key.pem: missing"),
        ("a path outside the backup", "not a path inside the backup"),
        ("newer code's migration", "made by a newer version of WBL"),
    ],
)
def test_a_damaged_or_newer_backup_restores_nothing(
    no_isolation: None,
    sites: Callable[[str], Site],
    backup: Path,
    tmp_path: Path,
    damage: str,
    message: str,
) -> None:
    copy = _copy(backup, tmp_path)
    manifest_path = copy / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    dump = copy / manifest["database"]["file"]
    if damage == "no manifest":
        manifest_path.unlink()
    elif damage == "manifest not JSON":
        manifest_path.write_text(manifest_path.read_text()[:100])
    elif damage == "manifest of another format":
        manifest["format_version"] = 99
        manifest_path.write_text(json.dumps(manifest))
    elif damage == "an uploaded file changed":
        upload = next(e["path"] for e in manifest["files"] if e["path"].startswith("uploads/"))
        data = bytearray((copy / upload).read_bytes())
        data[-1] ^= 0xFF  # same size, one byte different
        (copy / upload).write_bytes(bytes(data))
    elif damage == "the database dump cut short":
        dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    elif damage == "the key file missing":
        (copy / "badge-signing-key.pem").unlink()
    elif damage == "a path outside the backup":
        manifest["files"].append({"path": "uploads/../../etc/passwd", "size": 1, "sha256": "0"})
        manifest_path.write_text(json.dumps(manifest))
    elif damage == "newer code's migration":
        manifest["alembic_revision"] = "9999_from_the_future"
        manifest_path.write_text(json.dumps(manifest))

    target = sites("damaged_" + re.sub(r"\W+", "_", damage))
    result = target.invoke("restore", str(copy))
    assert result.exit_code == 1
    assert message in result.output
    assert _counts(target) == {}
    assert not target.uploads.exists() or _stored_files(target.uploads) == {}
    assert not target.key.exists()
    if damage != "newer code's migration":
        assert target.invoke("verify", str(copy)).exit_code == 1


def test_a_backup_of_another_kind_of_database_is_refused(
    no_isolation: None, county: Site, backup: Path, tmp_path: Path
) -> None:
    copy = _copy(backup, tmp_path)
    manifest = json.loads((copy / "manifest.json").read_text())
    other = "sqlite" if manifest["database"]["kind"] == "postgresql" else "postgresql"
    manifest["database"]["kind"] = other
    # The manifest's own file list still names the dump: list it under the other kind's name.
    wanted = {"postgresql": "database.dump", "sqlite": "database.sqlite"}[other]
    os.rename(copy / manifest["database"]["file"], copy / wanted)
    for entry in manifest["files"]:
        if entry["path"] == manifest["database"]["file"]:
            entry["path"] = wanted
    manifest["database"]["file"] = wanted
    (copy / "manifest.json").write_text(json.dumps(manifest))
    before = _counts(county)
    result = county.invoke("restore", "--force", str(copy))
    assert result.exit_code == 1
    assert "restore it into the same kind of database" in result.output
    assert _counts(county) == before


def test_the_password_reaches_the_postgresql_tools_in_their_environment_only(
    no_isolation: None,
) -> None:
    from wbl.backups.database import _libpq

    conninfo, environment = _libpq(
        make_url("postgresql+psycopg://wbl:s3cr%20et@db.internal:5433/wbl?sslmode=require")
    )
    assert "s3cr" not in conninfo
    assert environment["PGPASSWORD"] == "s3cr et"
    assert dict(part.split("=", 1) for part in conninfo.split()) == {
        "host": "db.internal",
        "port": "5433",
        "user": "wbl",
        "dbname": "wbl",
        "sslmode": "require",
    }


def test_a_backup_from_before_an_upgrade_restores_and_then_upgrades(
    no_isolation: None, sites: Callable[[str], Site], tmp_path: Path
) -> None:
    older = sites("older")
    directory = older.app.extensions["migrate"].directory
    head = _head(directory)
    previous = ScriptDirectory(directory).get_revision(head).down_revision
    assert isinstance(previous, str)
    with older.app.app_context():
        upgrade(directory=directory, revision=previous)
        db.session.remove()
    made = older.invoke("create", str(tmp_path / "older"))
    assert made.exit_code == 0, made.output

    target = sites("older_restored")
    restored = target.invoke("restore", str(tmp_path / "older"))
    assert restored.exit_code == 0, restored.output
    assert f"older than this code's {head}: run `flask --app wsgi db upgrade`" in restored.output
    assert _counts(target) == _counts(older)
    with target.app.app_context():
        upgrade(directory=directory)
        with db.engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == head
        db.session.remove()
