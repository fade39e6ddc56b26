"""``flask serve`` (what ``make run`` starts): the web server with the scheduler beside it in a
child process; Ctrl+C, or a SIGTERM to the server alone, stops both and leaves no orphan."""

from __future__ import annotations

import os
import signal
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.processes import (
    alive,
    app_env,
    children,
    committed_app,
    dispose,
    flask_process,
    wait_for,
)
from tests.support.smtp import free_port
from wbl.extensions import db
from wbl.jobs.models import JobRun

STARTUP = 60  # seconds at most: two interpreters import the app (a few seconds; more when busy)
STOP = 60  # seconds at most for both to exit (a second or two; far more on a busy machine)


@pytest.fixture(scope="module")
def serve_app(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    served = committed_app(app, tmp_path_factory, "_serve")
    yield served
    dispose(served)


@pytest.fixture
def no_isolation(serve_app: Flask) -> None:
    """The processes share the committed database; the test only reads it."""


def _serves(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/login", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except OSError:
        return False


def _ready(url: str) -> bool:
    """``/readyz``: among its checks, the recommendation index the server warmed up."""
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except OSError:  # refused, or 503 (an HTTPError) while the index is built
        return False


def _scheduler_of(server: int) -> int:
    """The server's ``flask scheduler`` child (the index builder may be a child too, for a
    moment)."""
    [scheduler] = [
        pid
        for pid in children(server)
        if "scheduler" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    ]
    return scheduler


def _outbox_runs(app: Flask) -> int:
    """The scheduler delivers the outbox as soon as it starts: each start records a run."""
    with app.app_context():
        count = db.session.scalar(
            select(func.count(JobRun.id)).where(JobRun.job_id == "deliver-outbox")
        )
        db.session.remove()
    return count or 0


@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm to the server"])
def test_serve_runs_the_scheduler_beside_the_web_server_and_stops_both(
    serve_app: Flask, no_isolation: None, tmp_path: Path, stop: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    runs = _outbox_runs(serve_app)
    env = app_env(serve_app, WBL_MATCHING_INDEX_FOLDER=str(tmp_path / "index"))
    with flask_process(["serve", "--port", str(port)], env, log) as server:
        wait_for(lambda: _serves(url), seconds=STARTUP, what="no web server", log=log)
        wait_for(lambda: _ready(url), seconds=STARTUP, what="not ready (the index?)", log=log)
        wait_for(
            lambda: _outbox_runs(serve_app) > runs, seconds=STARTUP, what="no scheduler", log=log
        )
        scheduler = _scheduler_of(server.pid)
        output = log.read_text()
        assert f"WBL is serving on {url} with the scheduler beside it" in output
        assert f"read it in the outbox, {url}/outbox/" in output
        assert "Ctrl+C stops both." in output
        if stop == "ctrl-c":
            os.killpg(server.pid, signal.SIGINT)  # the terminal signals the whole group
        else:
            server.send_signal(signal.SIGTERM)  # e.g. `kill`: the server alone
        assert server.wait(STOP) == 0
        wait_for(lambda: not alive(scheduler), seconds=STOP, what="the scheduler ran on", log=log)
    assert "Traceback" not in log.read_text()
