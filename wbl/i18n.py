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

from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_babel import Babel

#: The languages WBL speaks: code → its own name (what the switcher shows).
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"
SESSION_KEY = "language"
TRANSLATIONS = Path(__file__).parent / "translations"

babel = Babel()


def supported(code: str | None) -> str | None:
    """``code``'s language if WBL speaks it (``es-MX`` → ``es``), else None."""
    if not code:
        return None
    language = code.strip().replace("_", "-").split("-")[0].lower()
    return language if language in LANGUAGES else None


def select_locale() -> str:
    if not has_request_context():
        # A job, a CLI command or a use case called alone: no reader to ask; English.
        return DEFAULT_LANGUAGE
    chosen = supported(session.get(SESSION_KEY))
    if chosen:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
