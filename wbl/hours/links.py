"""The signed link in the supervisor's e-mails (the weekly one and the reminder).

The link is an itsdangerous token (purpose-salted) naming a ``Digest`` and carrying its
random nonce. The digest row decides what the link may do: it holds the entries the e-mail
listed (the link decides those and nothing else), the supervisor it acts as, and when it
expires (14 days after the e-mail). A tampered token, an unknown digest, a nonce that does
not match or a supervisor who is no longer active make the link not valid; a link past its
row's ``expires_at`` has expired. Either way the page says so and changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for

from wbl.extensions import db
from wbl.hours.models import Digest
from wbl.tokens import ExpiredLink, InvalidLink, make_token, read_token

PURPOSE = "hours-review"
LINK_DAYS = 14
# Kinds of digest whose e-mail carries a link (the teacher digest has none).
LINKED_KINDS = frozenset({"supervisor", "reminder"})


class ExpiredReviewLink(ExpiredLink):
    message = (
        f"This link has expired: the link in the e-mail works for {LINK_DAYS} days. "
        "Nothing was changed."
    )


def review_link(digest: Digest) -> str:
    """The absolute link for the digest's e-mail (inside a request: jobs run in one)."""
    token = make_token(PURPOSE, {"d": digest.id, "n": digest.nonce})
    return url_for("hour_links.review", token=token, _external=True)


def read_review_link(token: str, now: datetime) -> Digest:
    """The digest a link is for, if the link may still be used at ``now``."""
    # The row's expires_at decides; the signature's own age is only a backstop.
    data = read_token(PURPOSE, token, max_age=(LINK_DAYS + 1) * 86400)
    digest_id, nonce = data.get("d"), data.get("n")
    if not isinstance(digest_id, int) or not isinstance(nonce, str) or not nonce:
        raise InvalidLink()
    digest = db.session.get(Digest, digest_id)
    if digest is None or digest.kind not in LINKED_KINDS or digest.nonce != nonce:
        raise InvalidLink()
    if not digest.user.active:
        raise InvalidLink()
    if digest.expires_at is None or now >= digest.expires_at:
        raise ExpiredReviewLink()
    return digest


def expires_in(now: datetime) -> datetime:
    """When a link sent at ``now`` stops working."""
    return now + timedelta(days=LINK_DAYS)
