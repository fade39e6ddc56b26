"""Every request has an id: on each log record written while it runs, in its ``X-Request-ID``
response header, and on every error page, where the user is asked to quote it — so that what
a user reports can be found in the logs (wbl/logs.py writes them).

A sane ``X-Request-ID`` from the proxy in front of the app is kept (one id from the load
balancer to the log); anything else is replaced by a new random one.

The id reaches log records through the record factory, not through a filter on one handler:
a handler filter sees only the records of the handlers it sits on (gunicorn's, Flask's, a
test's capture are different ones), while every record is made by the factory.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from flask import Flask, Response, has_request_context, request

HEADER = "X-Request-ID"
_ENVIRON_KEY = "wbl.request_id"
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")  # uuids, hex, Heroku's, nginx's
NO_REQUEST = "-"  # on records written outside a request (the scheduler, the CLI)


def request_id() -> str:
    """The current request's id, decided on first use and kept for the whole request."""
    environ = request.environ
    found = environ.get(_ENVIRON_KEY)
    if found is None:
        incoming = request.headers.get(HEADER, "")
        found = incoming if _SANE.fullmatch(incoming) else secrets.token_hex(8)
        environ[_ENVIRON_KEY] = found
    return str(found)


def _install_record_factory() -> None:
    """Once per process: every log record gets ``request_id``."""
    current = logging.getLogRecordFactory()
    if getattr(current, "adds_request_id", False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        record.request_id = request_id() if has_request_context() else NO_REQUEST
        return record

    # mypy knows no attributes set on functions
    make_record.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)


def register_request_ids(app: Flask) -> None:
    _install_record_factory()  # the handler and its formats: wbl/logs.py

    @app.after_request
    def _header(response: Response) -> Response:
        response.headers[HEADER] = request_id()
        return response
