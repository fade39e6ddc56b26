"""Signed, expiring, purpose-bound links: password reset and invitation, the supervisors'
hours, guardian consent, training agreements, letters of recommendation, sign-up
confirmations, staged imports. Each purpose is its own salt, so a token made for one is not
valid for another.
"""

from __future__ import annotations

from flask import Response, current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from wbl.errors import DomainError
from wbl.i18n import N_


class InvalidLink(DomainError):
    message = N_("This link is not valid. Ask for a new one.")


class ExpiredLink(InvalidLink):
    message = N_("This link has expired. Ask for a new one.")


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"wbl.{purpose}")


def make_token(purpose: str, payload: dict[str, object]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict[str, object]:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ExpiredLink() from None
    except BadSignature:
        raise InvalidLink() from None
    if not isinstance(data, dict):
        raise InvalidLink()
    return data


def private_link_page(response: Response) -> Response:
    """Headers for a page opened from a signed link, whose URL is as good as a password:
    out of search engines, never sent on to other sites (Referer), never cached."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, no-store"
    return response
