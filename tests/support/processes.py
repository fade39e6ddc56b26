"""Real processes for the tests that need them (``flask scheduler``, ``flask serve``): a
committed database they can share with the test, starting them in a process group of their
own (as a terminal would), waiting for them, and never leaving one behind."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from tests.conftest import make_test_config
from tests.support.database import postgres_test_url, prepare_database, sibling_database
from wbl import create_app
from wbl.extensions import db

ROOT = Path(__file__).resolve().parents[2]


def committed_app(
    session_app: Flask, tmp_path_factory: pytest.TempPathFactory, suffix: str
) -> Flask:
    """An app on a database of its own, committed, so that other processes see what the test
    writes: ``<test database><suffix>`` on the PostgreSQL server, built by the migrations; on
    SQLite a copy of the session's database (built by the same migrations; copying it takes
    milliseconds where migrating takes seconds)."""
    url = postgres_test_url()
    if url.startswith("postgresql"):
        url = sibling_database(url, suffix)
    else:
        path = tmp_path_factory.mktemp("processes") / "wbl.sqlite"
        source = make_url(session_app.config["SQLALCHEMY_DATABASE_URI"]).database
        assert source, "the session's database is a file"
        with sqlite3.connect(source) as original, sqlite3.connect(path) as copy:
            original.backup(copy)
        url = f"sqlite:///{path}"
    app = create_app(make_test_config(url))
    if url.startswith("postgresql"):
        with app.app_context():
            prepare_database(app)
            db.session.remove()
    return app


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def app_env(app: Flask, **extra: str) -> dict[str, str]:
    """The environment of a ``flask --app wsgi`` process on ``app``'s database (development
    settings, which read the mail server and the rest from the environment)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MAIL_", "WBL_", "FLASK_", "PYTEST_"))
        and key not in {"DATABASE_URL", "TEST_DATABASE_URL"}
    }
    env.update(
        WBL_CONFIG="development",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def _as_from_a_terminal() -> None:
    """Ctrl+C and Ctrl+\\ act as they do for a command typed in a terminal, even when the tests
    run in the background of a shell without job control (which starts them with SIGINT and
    SIGQUIT ignored, and a child inherits that: ``flask serve`` would never see Ctrl+C)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def flask_process(
    args: list[str], env: dict[str, str], log: Path
) -> contextlib.AbstractContextManager[subprocess.Popen[bytes]]:
    """``python -m flask --app wsgi ARGS`` in a session (process group) of its own, its output
    in ``log``; whatever is left of the group is killed at the end."""
    return python_process(["-m", "flask", "--app", "wsgi", *args], env, log)


@contextlib.contextmanager
def python_process(
    args: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """``python ARGS`` (our own interpreter) as ``flask_process`` starts ``flask``."""
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_as_from_a_terminal,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def wait_for(check: Callable[[], bool], *, seconds: float, what: str, log: Path) -> None:
    """Poll ``check`` until it holds; fail with the process's output after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds} s; output:\n{log.read_text()}")
        time.sleep(0.2)


def children(pid: int) -> list[int]:
    """The direct child processes of ``pid`` (Linux /proc)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    """Running (not gone, and not a zombie waiting for its parent to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
