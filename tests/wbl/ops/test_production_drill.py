"""The production drill of issue 23, on one machine: two web servers (gunicorn, on two ports)
and two schedulers run against one PostgreSQL database, as several nodes behind a load
balancer would (docs/deployment.md).

- Both web servers become ready (``/readyz``) on the shared database, uploads folder and
  index folder.
- A password reset asked for on one web server reaches the SMTP server exactly once, though
  two schedulers deliver the outbox, and every job runs once per due time through a sped-up
  day (tests/support/fast_scheduler.py: every job due every two seconds).
- When the database stops answering (it refuses connections and its sessions are ended),
  both servers' ``/readyz`` turn failing while ``/healthz`` still answers; when it is back,
  they are ready again without a restart.

The third part of the drill, a backup of the demo county restored into an empty database,
is tests/wbl/backups/test_backup_restore.py.
"""

from __future__ import annotations

import re
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest
import requests
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.engine import make_url

from tests.support.builders import make_user
from tests.support.processes import (
    alive,
    app_env,
    committed_app,
    dispose,
    python_process,
    wait_for,
)
from tests.support.smtp import free_port, smtp_server
from wbl.access import Role
from wbl.auth.models import User, UserRole
from wbl.extensions import db
from wbl.jobs.models import JobLease, JobRun
from wbl.notifications.models import OutboxMessage, OutboxStatus
from wbl.scheduler import JOBS

EMAIL = "it.desk@scoe.example.org"
STARTUP = 90  # seconds at most for a server or scheduler to start (far less, usually)
ROUNDS = 3  # due times of every job to see run while both schedulers are up
STOP = 30


@pytest.fixture
def shared_app(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    shared = committed_app(app, tmp_path_factory, "_drill")
    with shared.app_context():
        make_user(roles={Role.STAFF}, email=EMAIL, full_name="Lena Ortiz")
        db.session.commit()
        db.session.remove()
    yield shared
    with shared.app_context():
        for model in (OutboxMessage, JobRun, JobLease, UserRole, User):
            db.session.execute(delete(model))
        db.session.commit()
        db.session.remove()
    dispose(shared)


def _admin_connection(app: Flask) -> psycopg.Connection[tuple[object, ...]]:
    """A connection to the server's ``postgres`` database, to stop and start the app's."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    return psycopg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname="postgres",
        autocommit=True,
    )


def _stop_database(app: Flask) -> None:
    """The database refuses new connections and ends every session it has (as a stopped
    server would, for this database only: the rest of the suite shares the server)."""
    name = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    with _admin_connection(app) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )


def _start_database(app: Flask) -> None:
    name = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    with _admin_connection(app) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def _ready(base: str) -> bool:
    try:
        return requests.get(f"{base}/readyz", timeout=10).status_code == 200
    except requests.ConnectionError:  # not listening yet
        return False


def _failing(base: str) -> bool:
    response = requests.get(f"{base}/readyz", timeout=10)
    return response.status_code == 503 and response.json()["checks"]["database"] == "failing"


def _read(app: Flask, statement):  # type: ignore[no-untyped-def]
    with app.app_context():
        try:
            return [tuple(row) for row in db.session.execute(statement)]
        finally:
            db.session.remove()


def _ask_for_a_reset(base: str) -> None:
    with requests.Session() as browser:
        page = browser.get(f"{base}/password/forgot", timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, page
        response = browser.post(
            f"{base}/password/forgot",
            data={"email": EMAIL, "csrf_token": token.group(1)},
            allow_redirects=False,
            timeout=10,
        )
    assert response.status_code == 302, response.text


@pytest.mark.postgres_only
def test_two_web_servers_and_two_schedulers_on_one_database(
    shared_app: Flask, tmp_path: Path
) -> None:
    index_folder, uploads = tmp_path / "index", tmp_path / "uploads"
    index_folder.mkdir()
    uploads.mkdir()
    with smtp_server() as (smtp, smtp_port), ExitStack() as running:
        env = app_env(
            shared_app,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(smtp_port),
            WBL_MATCHING_INDEX_FOLDER=str(index_folder),
            UPLOAD_FOLDER=str(uploads),
        )
        webs: list[str] = []
        logs: list[Path] = []
        for n in (1, 2):
            port = free_port()
            log = tmp_path / f"web-{n}.log"
            command = ["-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
            running.enter_context(python_process([*command, "wsgi:app"], env, log))
            webs.append(f"http://127.0.0.1:{port}")
            logs.append(log)
        for base, log in zip(webs, logs[:2], strict=True):
            wait_for(lambda base=base: _ready(base), seconds=STARTUP, what="not ready", log=log)

        schedulers = []
        for n in (1, 2):
            log = tmp_path / f"scheduler-{n}.log"
            process = running.enter_context(
                python_process(["-m", "tests.support.fast_scheduler"], env, log)
            )
            schedulers.append(process)
            logs.append(log)
        for log in logs[2:]:
            wait_for(
                lambda log=log: "WBL scheduler:" in log.read_text(),
                seconds=STARTUP,
                what="a scheduler did not start",
                log=log,
            )

        # A day of work: mail asked for on one web server, every job due several times.
        _ask_for_a_reset(webs[1])
        wait_for(lambda: bool(smtp.messages), seconds=STARTUP, what="no e-mail", log=logs[2])
        start = Counter(job_id for (job_id,) in _read(shared_app, select(JobLease.job_id)))

        def a_day_went_by() -> bool:
            done = Counter(
                job_id
                for (job_id,) in _read(
                    shared_app, select(JobLease.job_id).where(JobLease.finished_at.is_not(None))
                )
            )
            return all(done[job.id] >= start[job.id] + ROUNDS for job in JOBS)

        wait_for(a_day_went_by, seconds=STARTUP, what="the jobs did not run", log=logs[2])
        assert all(alive(process.pid) for process in schedulers)
        for process in schedulers:  # a stop lets a run under way finish and record it
            process.send_signal(signal.SIGTERM)
        for process, log in zip(schedulers, logs[2:], strict=True):
            assert process.wait(STOP) == 0, log.read_text()

        assert len(smtp.messages) == 1  # two schedulers, one delivery
        assert smtp.messages[0].recipients == [EMAIL]
        [(status,)] = _read(shared_app, select(OutboxMessage.status))
        assert status is OutboxStatus.SENT
        leases = _read(shared_app, select(JobLease.job_id, JobLease.finished_at))
        assert all(finished for _, finished in leases)
        runs = Counter(job_id for (job_id,) in _read(shared_app, select(JobRun.job_id)))
        assert runs == Counter(job_id for job_id, _ in leases)  # once per due time
        holders = _read(shared_app, select(JobLease.holder).distinct())
        assert len(holders) == 2  # both schedulers took their share

        # The database stops: neither server is ready, both still alive; then it is back.
        _stop_database(shared_app)
        try:
            for base in webs:
                assert _failing(base)
                assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
        finally:
            _start_database(shared_app)
        for base, log in zip(webs, logs[:2], strict=True):
            wait_for(lambda base=base: _ready(base), seconds=30, what="not ready again", log=log)
    for log in logs:
        assert "Traceback" not in log.read_text(), log.read_text()
