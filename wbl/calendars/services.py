"""A user's calendar feed: create or replace its secret, revoke it, and write the feed.

The secret is 32 random bytes (``secrets.token_urlsafe``, 43 characters): the credential of
a URL that calendar applications fetch without signing in. Only its SHA-256 is stored, so
the URL is shown once, when it is made; a user who lost it replaces it, which kills the old
one. A revoked or replaced secret, or one that was never made, finds no feed (404), and so
does the secret of an account that was deactivated.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from wbl import ical
from wbl.auth.models import User
from wbl.calendars import entries
from wbl.calendars.models import CalendarFeed
from wbl.clock import county_zone
from wbl.county.settings import county
from wbl.errors import NotFound
from wbl.extensions import atomic, db, rows_affected, utcnow

SECRET_BYTES = 32


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    """The user's feed, if they made one (its secret cannot be read back)."""
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


@atomic
def new_secret(actor: User) -> str:
    """Make the actor's feed, or give it a new secret (the old URL stops working at once).
    Returns the secret: the only time it exists outside the user's calendar."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    if not _replace(actor, secret):
        try:
            with db.session.begin_nested():
                db.session.add(CalendarFeed(user_id=actor.id, secret_hash=_digest(secret)))
        except IntegrityError:  # a second click made the feed meanwhile: this one replaces it
            _replace(actor, secret)
    db.session.commit()
    return secret


def _replace(actor: User, secret: str) -> bool:
    return (
        rows_affected(
            db.session.execute(
                update(CalendarFeed)
                .where(CalendarFeed.user_id == actor.id)
                .values(secret_hash=_digest(secret), created_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        )
        == 1
    )


@atomic
def revoke(actor: User) -> bool:
    """Delete the actor's feed; its URL answers 404 from now on. False if there was none."""
    removed = rows_affected(
        db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == actor.id))
    )
    db.session.commit()
    return removed > 0


def feed_text(secret: str, now: datetime | None = None) -> str:
    """The iCalendar text of the feed whose secret this is (needs a request context for its
    links). NotFound for an unknown, replaced or revoked secret or a deactivated account."""
    feed = db.session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.secret_hash == _digest(secret))
        .options(joinedload(CalendarFeed.user, innerjoin=True))
    )
    if feed is None or not feed.user.active:
        raise NotFound()
    now = now or utcnow()
    name = f"WBL: {feed.user.full_name}"
    if county().named:
        name = f"{county().name} WBL: {feed.user.full_name}"
    return ical.feed(name, entries.feed_events(feed.user, now), now=now, zone=county_zone())
