"""What the portfolio reviews' e-mails share: links back to the app, and the program's inbox
that hears of new submissions and of reviewers who disagree."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for


def absolute_link(endpoint: str, **values: Any) -> str:
    """An absolute link for an e-mail (inside a request; elsewhere, none)."""
    if not has_request_context():
        return ""
    return url_for(endpoint, _external=True, **values)


def program_inbox() -> str:
    """The program's shared inbox (``PROGRAM_EMAIL``), or "" when none is configured."""
    return str(current_app.config.get("PROGRAM_EMAIL", ""))
