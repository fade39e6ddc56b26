"""The process's logs: one line per request and one per job run, with every other record,
as JSON objects (one a line, for a log collector) or as text (for a person at a terminal).

``WBL_LOG_FORMAT`` picks the format (``json`` by default in production, ``text`` in
development and tests) and ``WBL_LOG_LEVEL`` the level of the app's own records (``wbl.*``,
INFO by default); other libraries are heard from WARNING up. Both are applied when the app is
made, so the web workers, ``flask scheduler`` and every ``flask`` command log alike. Making
the app again (the tests do, many times) replaces this module's one handler rather than
adding another. docs/logging.md lists the fields and what is never logged.

What a request line holds, and why no more: the request id (wbl/request_ids.py), the
signed-in account's number (never a name or an e-mail address: the logs leave the county's
hands, students' data must not), the route as declared (``/students/<int:student_id>``, not
the path: paths and query strings carry signed tokens), the method, the status and the
time it took. No query string, no form, no address.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from time import perf_counter
from typing import TYPE_CHECKING, Any, TextIO

from flask import Flask, Response, g, request, request_finished, request_started
from flask.logging import default_handler
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect

from config import ConfigError
from wbl.request_ids import NO_REQUEST

if TYPE_CHECKING:  # the jobs feature's model; this shared module only reads its fields
    from wbl.jobs.models import JobRun

request_log = logging.getLogger("wbl.requests")
job_log = logging.getLogger("wbl.job_runs")

FORMATS = ("json", "text")
TEXT_FORMAT = "[%(asctime)s] %(levelname)s %(request_id)s %(name)s: %(message)s"
RESULT_LENGTH = 200  # characters of a job's result line in its log line

# Hits that would drown the requests people make: static files (each page pulls several)
# and the probes and scrapes a load balancer and Prometheus send every few seconds. Logged at
# DEBUG while they succeed; a failure is logged at INFO like any request.
QUIET_ENDPOINTS = frozenset({"static", "bootstrap.static"})
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})

_STARTED = "wbl.logs.started"  # the request's start (perf_counter), in its WSGI environ


class JsonLines(JsonFormatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, request id and message
    first, then the record's own fields (``extra=``), then a traceback as ``exc_info``."""

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"
        )
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["request_id"] = getattr(record, "request_id", NO_REQUEST)
        log_data["message"] = record.message
        super().add_fields(log_data, record, message_dict)


class _Handler(logging.StreamHandler):
    """This module's handler on the root logger: the one it replaces when called again."""


class _NoServerAccessLines(logging.Filter):
    """The development server (``make run``, ``flask run``) writes its own line per request,
    with the path and query string as sent; ours replaces it. Werkzeug writes that line, and
    only that one, with the format ``'... "%s" %s %s'`` (request line, status, size)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.endswith('"%s" %s %s'))


def _level(name: str) -> int:
    level = logging.getLevelNamesMapping().get(name.strip().upper())
    if level is None:
        raise ConfigError(
            f"WBL_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {name!r}."
        )
    return level


def _formatter(name: str) -> logging.Formatter:
    if name == "json":
        return JsonLines()
    if name == "text":
        return logging.Formatter(TEXT_FORMAT, defaults={"request_id": NO_REQUEST})
    raise ConfigError(f"WBL_LOG_FORMAT must be json or text, not {name!r}.")


def configure(level_name: str, format_name: str, stream: TextIO | None = None) -> None:
    """Send every record of the process to ``stream`` (standard error) in ``format_name``:
    the app's own from ``level_name`` up, other libraries' from WARNING (or that level, if
    higher). Called again, it replaces what it set up before."""
    level = _level(level_name)
    handler = _Handler(stream or sys.stderr)
    handler.setFormatter(_formatter(format_name))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(max(level, logging.WARNING))
    ours = logging.getLogger("wbl")
    ours.setLevel(level)
    # Flask gives the app's logger (named "wbl", as the package) a handler of its own when
    # no handler is above it yet; with ours on the root, that would write every line twice.
    ours.removeHandler(default_handler)
    server = logging.getLogger("werkzeug")
    if not any(isinstance(f, _NoServerAccessLines) for f in server.filters):
        server.addFilter(_NoServerAccessLines())


def register_logs(app: Flask) -> None:
    """Configure the process's logs from the app's settings, and log each request."""
    configure(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    # Signals rather than before/after_request: request_started comes before every
    # before_request function (one may answer for the view: the sign-in gate, a rate limit),
    # request_finished after the response is complete (the 500 page's too).
    request_started.connect(_request_started, app)
    request_finished.connect(_request_finished, app)


def _request_started(sender: Flask, **_: Any) -> None:
    request.environ[_STARTED] = perf_counter()


def _request_finished(sender: Flask, response: Response, **_: Any) -> None:
    status = response.status_code
    endpoint = request.endpoint
    route = request.url_rule.rule if request.url_rule is not None else None
    quiet = (endpoint in QUIET_ENDPOINTS or route in QUIET_ROUTES) and status < 400
    level = logging.DEBUG if quiet else logging.INFO
    if not request_log.isEnabledFor(level):
        return
    started = request.environ.get(_STARTED)
    duration_ms = round((perf_counter() - started) * 1000, 1) if started is not None else None
    user_id = _signed_in_user_id()
    request_log.log(
        level,
        "%s %s %s in %s ms (%s, %s)",
        request.method,
        route or "(no route)",
        status,
        duration_ms,
        endpoint,
        "anonymous" if user_id is None else f"user {user_id}",
        extra={
            "method": request.method,
            "endpoint": endpoint,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "user_id": user_id,
        },
    )


def _signed_in_user_id() -> int | None:
    """The signed-in account's id, if the request loaded it (every page does; a static file
    does not, and is not made to: that would cost it a query).

    Read from the account's identity, not its ``id`` attribute: after a failure the session
    was rolled back and the attribute expired, and reading it would query a database that
    may be what failed."""
    user = g.get("_login_user")  # where Flask-Login keeps the request's user
    state = inspect(user, raiseerr=False) if user is not None else None
    if state is None or state.identity is None:
        return None  # anonymous
    return int(state.identity[0])


def log_job_run(run: JobRun) -> None:
    """One line per job run (wbl/scheduler.py ``execute``), as the job_run row records it:
    its time (the clock the job ran with), whether it succeeded, how long it took, and the
    start of its result line. A failure's traceback is logged beside it by the scheduler."""
    duration_ms = (
        round((run.finished_at - run.started_at).total_seconds() * 1000, 1)
        if run.finished_at is not None
        else None
    )
    result = run.result[:RESULT_LENGTH]
    job_log.log(
        logging.INFO if run.ok else logging.WARNING,
        "job %s %s in %s ms: %s",
        run.job_id,
        "ok" if run.ok else "failed",
        duration_ms,
        result,
        extra={
            "job_id": run.job_id,
            "started_at": run.started_at.isoformat(),
            "ok": run.ok,
            "duration_ms": duration_ms,
            "result": result,
        },
    )
