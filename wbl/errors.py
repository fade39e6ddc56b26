"""Business errors raised by services, and the friendly error pages."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, flash, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError

from wbl.i18n import N_
from wbl.request_ids import request_id

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule said no. ``message`` is shown to the user; ``field`` names the form field."""

    message = N_("That could not be done.")

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        # A class's message is English, marked with N_ for the catalog: it is translated here,
        # into the language of the request that raised it (English outside a request).
        self.message = message if message is not None else gettext(self.message)
        self.field = field
        super().__init__(self.message)


class NotFound(DomainError):
    """The object does not exist, or is outside the actor's scope (never say which)."""

    message = N_("We could not find that.")


class Forbidden(DomainError):
    """The object is visible to the actor, but the action is not theirs to take."""

    message = N_("You do not have permission to do that.")


def field_error(form: Any, error: DomainError) -> str | None:
    """Put a service's refusal next to its form field.

    NotFound and Forbidden are raised again (they answer 404 and 403); a refusal that names no
    field of the form is returned, for the page to show above the form.
    """
    if isinstance(error, NotFound | Forbidden):
        raise error
    field = form._fields.get(error.field or "")
    message = gettext(error.message)  # a class's message is marked N_, translated here
    if field is None:
        return message
    field.errors = [*field.errors, message]
    return None


@dataclass
class Attempt:
    ok: bool = False


@contextmanager
def flash_refusal(category: str = "warning") -> Iterator[Attempt]:
    """Run a service call for a button: a rule's refusal is flashed, and ``attempt.ok`` stays
    False; NotFound and Forbidden pass through (404 and 403)::

        with flash_refusal() as attempt:
            letter = letters.remind(current_user, letter_id)
        if attempt.ok:
            flash(f"A reminder is on its way to {letter.recommender_name}.", "success")
    """
    attempt = Attempt()
    try:
        yield attempt
    except (NotFound, Forbidden):
        raise
    except DomainError as error:
        flash(gettext(error.message), category)  # a class's message is marked N_
    else:
        attempt.ok = True


_ERROR_ANSWERS = "wbl.error_answers"


def answer_errors_under(app: Flask, prefix: str, answer: Callable[[int, str], Response]) -> None:
    """Errors no view handled (an unknown path, a method not allowed) under ``prefix`` are
    answered by ``answer(code, text)`` rather than an HTML page: for machine clients such as
    the API's. Registered by the feature, so this shared module imports none."""
    app.extensions.setdefault(_ERROR_ANSWERS, {})[prefix] = answer


def _page(code: int, title: str, text: str, *, reference: str | None = None) -> ResponseReturnValue:
    """Every error page shows the request's id, which its log lines carry: what a user quotes
    finds them. Under a prefix a feature answers errors for itself (``answer_errors_under``:
    the API's problem details for an unknown path under ``/api/``), its answer instead."""
    for prefix, answer in current_app.extensions.get(_ERROR_ANSWERS, {}).items():
        if request.path.startswith(prefix):
            return answer(code, text)
    page = render_template(
        "errors/error.html",
        code=code,
        title=gettext(title),  # the page's language; the API's answer above stays English
        text=gettext(text),
        reference=reference or request_id(),
    )
    return page, code


def _logged(what: str, cause: BaseException) -> str:
    """Log a failure with the request's id, and return the id for the page to show.

    The failure may have left the session in a failed transaction: it is rolled back first,
    or the page (its navigation reads the signed-in user) would fail in turn."""
    from wbl.extensions import db  # extensions imports this module

    db.session.rollback()
    reference = request_id()
    log.error(
        "%s, reference %s: %s %s",
        what,
        reference,
        request.method,
        request.path,
        exc_info=(type(cause), cause, cause.__traceback__),
    )
    return reference


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(NotFound)
    def _not_found_domain(error: NotFound) -> ResponseReturnValue:
        return _page(404, N_("Page not found"), error.message)

    @app.errorhandler(Forbidden)
    def _forbidden_domain(error: Forbidden) -> ResponseReturnValue:
        return _page(403, N_("Not allowed"), error.message)

    @app.errorhandler(400)
    def _bad_request(error: HTTPException) -> ResponseReturnValue:
        return _page(
            400,
            N_("Something was wrong with that request"),
            N_("The form may have expired. Go back, reload the page and try again."),
        )

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _unstorable_value(error: DataError | OverflowError) -> ResponseReturnValue:
        """The database refused a value (SQLSTATE class 22: a number out of range, text too
        long for its column, …; on SQLite the driver's OverflowError for a number past 64
        bits) that no check caught before it: the request was wrong, not the server. Logged
        with its reference, as a 500 would be, so the missing check is found and added."""
        reference = _logged("value refused by the database", error)
        return _page(
            400,
            N_("A value could not be saved"),
            N_(
                "Something you sent is too large or too long to be stored. Go back, check what "
                "you entered and try again; if it happens again, quote the reference below."
            ),
            reference=reference,
        )

    @app.errorhandler(403)
    def _forbidden(error: HTTPException) -> ResponseReturnValue:
        return _page(403, N_("Not allowed"), N_("Your account does not have access to this page."))

    @app.errorhandler(404)
    def _not_found(error: HTTPException) -> ResponseReturnValue:
        return _page(404, N_("Page not found"), N_("The page you asked for is not here."))

    @app.errorhandler(429)
    def _too_many(error: HTTPException) -> ResponseReturnValue:
        if error.response is not None:  # a limit that answers with its own page (sign-up)
            return error.response
        return _page(
            429,
            N_("Too many requests"),
            N_(
                "This was asked for too often from your address (a password reset, say). Wait an "
                "hour and try again; if you cannot sign in meanwhile, ask the program office."
            ),
        )

    @app.errorhandler(500)
    def _server_error(error: InternalServerError) -> ResponseReturnValue:
        reference = _logged("unhandled error", error.original_exception or error)
        return _page(
            500,
            N_("Something went wrong on our side"),
            N_(
                "The error has been logged. Try again in a moment; if it happens again, tell "
                "the program office what you were doing and quote the reference below."
            ),
            reference=reference,
        )
