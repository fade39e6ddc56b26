"""Languages: Flask-Babel's gettext catalogs (``wbl/translations``), and which language a
request is answered in.

English is the source language; Spanish (``es``) is the first translation. The catalogs are
``.po`` files kept in git; ``make catalogs`` compiles them to ``.mo`` (at ``make setup``, so
``make run`` and ``make test`` always have them) and ``make translations`` extracts the
strings marked in code and templates and merges them into each catalog.

A request's language (``select_locale``): the one chosen in the footer switcher this session,
else the signed-in user's preference, else the browser's ``Accept-Language``, else English.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import cast

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, format_date, get_locale, gettext, refresh
from flask_babel.speaklater import LazyString
from flask_login import current_user

#: The languages WBL speaks: code → its own name (what the switcher shows).
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"
SESSION_KEY = "language"
TRANSLATIONS = Path(__file__).parent / "translations"

babel = Babel()


def N_(message: str) -> str:  # noqa: N802 -- gettext's name for this marker, which pybabel extracts
    """Marks a message for the catalog without translating it here (a class's message,
    made before any request): whoever shows it translates it then, ``gettext(message)``."""
    return message


def supported(code: str | None) -> str | None:
    """``code``'s language if WBL speaks it (``es-MX`` → ``es``), else None."""
    if not code:
        return None
    language = code.strip().replace("_", "-").split("-")[0].lower()
    return language if language in LANGUAGES else None


def select_locale() -> str:
    """This session's switcher choice, the signed-in user's preference, the browser's
    ``Accept-Language``, English: the first that names a language WBL speaks. Outside a
    request (a job, a command) English: what those produce is for the county's records, and
    an e-mail names its recipient's language itself (``force_locale``)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = supported(session.get(SESSION_KEY)) or supported(
        getattr(current_user, "language", None)
    )
    if chosen:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def is_english() -> bool:
    """Whether the text being made is English (the source language: no formatting to do)."""
    return str(get_locale() or DEFAULT_LANGUAGE) == DEFAULT_LANGUAGE


def later(function: Callable[..., object], *args: object, **kwargs: object) -> str:
    """A value of an e-mail's context made when the e-mail is rendered, so in its
    recipient's language (``force_locale``), not the page's: ``later(local_when, moment)``,
    ``later(gettext, LABEL)``. It reads as a string wherever the template uses it."""
    return cast(str, LazyString(function, *args, **kwargs))


def long_day(value: date) -> str:
    """A day written out: "November 24, 2026" ("24 de noviembre de 2026" in Spanish)."""
    if not is_english():
        return format_date(value, "long")
    return f"{value:%B} {value.day}, {value.year}"


def email_language(*preferences: str | None) -> str:
    """The language of an e-mail: the first of ``preferences`` WBL speaks (a user's choice,
    a guardian's), else the county's default, English. Never the sender's page language:
    the e-mail is read by its recipient."""
    for preference in preferences:
        language = supported(preference)
        if language:
            return language
    return DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel keeps the language it chose on ``g``; a request that shares an application
    # context with an earlier one (a test's, a command's) chooses afresh.
    app.before_request(refresh)


def data_name(text: str | None) -> str:
    """A reference row's name or description (a sector, a pathway, an outcome, an experience
    type, a default pathway rule) in the reader's language while it is still the text WBL
    ships: those are in the catalogs (``wbl/babel_extract.py`` reads them from
    ``wbl/reference/defaults.py``; the default rules mark theirs with ``N_``). A text the
    county or district wrote itself is not in the catalogs and is shown as written."""
    if not text:
        return text or ""
    return gettext(text)
