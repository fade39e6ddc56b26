"""Structured logs (wbl/logs.py, docs/logging.md): one line per request and per job run, with
the request id and the account's number but nothing that names a person, as JSON in
production and as text in development; and the request id on every error page."""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TextIO

import pytest
from flask import Flask
from flask.logging import default_handler
from werkzeug.exceptions import BadRequest, Forbidden, NotFound, TooManyRequests
from werkzeug.serving import make_server

import config
from tests.conftest import make_test_config
from tests.support.builders import make_student, make_user
from wbl import create_app, logs
from wbl.access import Role
from wbl.extensions import db, utcnow
from wbl.request_ids import HEADER, NO_REQUEST, request_id
from wbl.scheduler import execute, run_now

Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture(autouse=True)
def _logging_as_the_session_app_has_it(app: Flask) -> Iterator[None]:
    """Logging is the process's: put the session app's back."""
    yield
    logs.configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])


def _ours() -> logging.StreamHandler[TextIO]:
    [handler] = [h for h in logging.getLogger().handlers if isinstance(h, logs._Handler)]
    return handler


def _read_from_now_on() -> Callable[[], list[str]]:
    """What our handler writes from now on (it writes to standard error, where other
    handlers write too: the migrations' own, pytest's)."""
    written = io.StringIO()
    _ours().setStream(written)
    return lambda: written.getvalue().splitlines()


@pytest.fixture
def json_lines() -> Lines:
    """Logs as production writes them, each line read back as the object it must be."""
    logs.configure("INFO", "json")
    read = _read_from_now_on()
    return lambda: [json.loads(line) for line in read()]


def _by(lines: list[dict[str, Any]], logger: str) -> list[dict[str, Any]]:
    return [line for line in lines if line["logger"] == logger]


def test_a_request_is_one_json_line_with_its_fields(client, json_lines: Lines) -> None:
    response = client.get("/login?next=/hours/confirm/s3cr3t-t0ken")
    lines = json_lines()
    [line] = _by(lines, "wbl.requests")
    assert line == {
        "time": line["time"],
        "level": "INFO",
        "logger": "wbl.requests",
        "request_id": response.headers[HEADER],
        "message": line["message"],
        "method": "GET",
        "endpoint": "auth.login",
        "route": "/login",
        "status": 200,
        "duration_ms": line["duration_ms"],
        "user_id": None,
    }
    assert datetime.fromisoformat(line["time"]).utcoffset() is not None  # UTC, and says so
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["message"].startswith("GET /login 200 in ")
    everything = json.dumps(lines)
    assert "s3cr3t" not in everything  # no query string, on any line
    assert "next=" not in everything


def test_a_signed_in_request_carries_the_account_number_and_nothing_of_the_person(
    client, login_as, json_lines: Lines
) -> None:
    student = make_student(user=make_user(roles={Role.STUDENT}, full_name="Zyra Quillfeather"))
    student.user.email = "zyra.quillfeather@example.org"
    login_as(student.user)
    response = client.get("/home")
    assert response.status_code == 200
    assert "Zyra" in response.get_data(as_text=True)  # the page knew who it was for
    lines = json_lines()
    [line] = _by(lines, "wbl.requests")
    assert line["user_id"] == student.user.id
    assert (line["endpoint"], line["status"]) == ("home.dashboard", 200)
    everything = json.dumps(lines).lower()
    for part in ("zyra", "quillfeather", "@example.org"):
        assert part not in everything


def test_the_route_is_logged_not_the_path(client, login_as, json_lines: Lines) -> None:
    """Paths carry ids and, for the links that work without a password, signed tokens."""
    login_as(make_user(roles={Role.STAFF}))
    client.get("/hours/review/not-a-real-t0ken-123")
    [line] = _by(json_lines(), "wbl.requests")
    assert "t0ken" not in json.dumps(line)
    assert line["route"] is not None
    assert "<" in line["route"]  # the rule as declared, its variable part unfilled


def test_an_unknown_page_has_no_route(client, json_lines: Lines) -> None:
    client.get("/no/such/page/s3cr3t")
    [line] = _by(json_lines(), "wbl.requests")
    assert (line["status"], line["endpoint"], line["route"]) == (404, None, None)
    assert "s3cr3t" not in json.dumps(line)


def test_static_files_are_logged_at_debug_only(app: Flask, client, json_lines: Lines) -> None:
    client.get("/static/css/app.css").close()
    assert _by(json_lines(), "wbl.requests") == []
    logs.configure("DEBUG", "json")
    read = _read_from_now_on()
    client.get("/static/css/app.css").close()
    [line] = _by([json.loads(x) for x in read()], "wbl.requests")
    assert (line["level"], line["endpoint"]) == ("DEBUG", "static")


def test_a_job_run_is_one_json_line(app: Flask, json_lines: Lines) -> None:
    run = execute("prune-job-runs", utcnow())
    [line] = _by(json_lines(), "wbl.job_runs")
    assert line == {
        "time": line["time"],
        "level": "INFO",
        "logger": "wbl.job_runs",
        "request_id": NO_REQUEST,
        "message": line["message"],
        "job_id": "prune-job-runs",
        "started_at": run.started_at.isoformat(),
        "ok": True,
        "duration_ms": line["duration_ms"],
        "result": run.result,
    }
    assert line["result"].startswith("0 old job run(s)")  # the line staff see, as recorded
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0


def test_a_run_made_as_the_scheduler_makes_it_has_an_id_of_its_own(
    app: Flask, json_lines: Lines
) -> None:
    """``run_now`` (staff's Run now, ``flask jobs run``) and the scheduler run a job inside a
    request context of its own: every line of the run shares an id."""
    run_now("prune-job-runs")
    [line] = _by(json_lines(), "wbl.job_runs")
    assert re.fullmatch(r"[0-9a-f]{16}", line["request_id"])


def test_a_failed_job_run_is_a_warning_with_its_result_cut_short(
    app: Flask, json_lines: Lines, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(now: object) -> str:
        raise RuntimeError("x" * 1000)

    monkeypatch.setattr("wbl.rounds.jobs.run_due_rounds", boom)
    run = execute("run-due-rounds", utcnow())
    assert not run.ok
    lines = json_lines()
    [line] = _by(lines, "wbl.job_runs")
    assert (line["level"], line["ok"]) == ("WARNING", False)
    assert line["result"] == run.result[: logs.RESULT_LENGTH]
    assert line["result"].startswith("RuntimeError: xxx")
    [failure] = _by(lines, "wbl.scheduler")  # the traceback, beside it
    assert "Traceback" in failure["exc_info"]


# --- configuration --------------------------------------------------------------------------


def _app_with(**settings: str) -> Flask:
    base = make_test_config("sqlite://")
    return create_app(type("Config", (base,), settings))


def test_the_level_is_respected(client) -> None:
    _app_with(LOG_LEVEL="WARNING", LOG_FORMAT="json")
    read = _read_from_now_on()
    client.get("/login")
    logging.getLogger("wbl.somewhere").info("not written")
    logging.getLogger("wbl.somewhere").warning("written")
    lines = [json.loads(x) for x in read()]
    assert [line["message"] for line in lines] == ["written"]


def test_development_writes_text() -> None:
    create_app(config.DevelopmentConfig)
    read = _read_from_now_on()
    logging.getLogger("wbl.somewhere").info("hello %s", "there")
    [line] = read()
    assert line.endswith(f"] INFO {NO_REQUEST} wbl.somewhere: hello there")


def test_production_writes_json(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    production = create_app(config.ProductionConfig)
    read = _read_from_now_on()
    logging.getLogger("wbl.somewhere").info("hello")
    [line] = read()
    assert json.loads(line)["message"] == "hello"
    with production.app_context():
        # A database error's message, which is logged, leaves out the values it was sent.
        assert db.engine.hide_parameters is True


def test_making_the_app_again_does_not_write_twice() -> None:
    # As if something had asked a Flask app for its logger before logging was configured.
    logging.getLogger("wbl").addHandler(default_handler)
    for _ in range(3):
        _app_with(LOG_FORMAT="text")
    read = _read_from_now_on()  # finds exactly one handler of ours
    logging.getLogger("wbl.somewhere").warning("once")
    assert len(read()) == 1
    assert default_handler not in logging.getLogger("wbl").handlers


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"LOG_LEVEL": "chatty"}, "WBL_LOG_LEVEL"),
        ({"LOG_FORMAT": "xml"}, "WBL_LOG_FORMAT"),
    ],
)
def test_a_setting_it_does_not_know_is_a_clear_error(setting: dict[str, str], message: str) -> None:
    with pytest.raises(config.ConfigError, match=message):
        _app_with(**setting)


def test_the_development_server_writes_our_line_not_its_own(app: Flask) -> None:
    """``make run`` serves with Werkzeug, which writes a line per request with the query
    string; ours replaces it."""
    logs.configure("DEBUG", "text")
    read = _read_from_now_on()
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/static/css/app.css?token=s3cr3t"
    with urllib.request.urlopen(url) as answer:
        assert answer.status == 200
    thread.join(10)
    server.server_close()
    written = "\n".join(read())
    assert "wbl.requests: GET /static/<path:filename> 200 in" in written
    assert "s3cr3t" not in written
    assert "HTTP/1.1" not in written


# --- the request id on error pages ----------------------------------------------------------


def test_the_404_page_shows_the_request_id(client) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    reference = response.headers[HEADER]
    assert f'Reference: <code class="error-reference">{reference}</code>' in response.get_data(
        as_text=True
    )


def test_the_403_page_shows_the_request_id(client, login_as) -> None:
    login_as(make_user(roles={Role.STUDENT}))
    response = client.get("/users/invite")
    assert response.status_code == 403
    assert response.headers[HEADER] in response.get_data(as_text=True)


@pytest.mark.parametrize("error", [BadRequest, Forbidden, NotFound, TooManyRequests])
def test_every_error_page_shows_the_request_id(app: Flask, error: type[Exception]) -> None:
    with app.test_request_context("/somewhere"):
        response = app.make_response(app.handle_user_exception(error()))
        assert response.status_code == error.code  # type: ignore[attr-defined]
        assert f'<code class="error-reference">{request_id()}</code>' in response.get_data(
            as_text=True
        )
