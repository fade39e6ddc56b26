"""The hours' scheduled e-mails (run by the scheduler process, see wbl/scheduler.py).

- Each week, every supervisor with entries waiting gets one e-mail listing them, with a signed
  link that confirms or rejects exactly those entries without signing in (wbl/hours/links.py).
- Each day, entries waiting more than 3 days that nobody was reminded of yet go to their
  supervisors once more, unless the weekly e-mail listed them in the last 3 days (so Monday's
  e-mail is not followed by a reminder of the same entries half an hour later).

Both are idempotent. A ``Digest`` row, unique per (kind, user, period), is written in the same
transaction as the e-mail it records, so a second run in the same week (or day) finds it and
sends nothing. Reminders also mark each entry (``reminded_at``, a conditional UPDATE), so an
entry is reminded of once.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from flask import url_for
from flask_babel import format_date, format_decimal
from sqlalchemy import ColumnElement, select, update

from wbl.auth.models import User
from wbl.clock import to_local
from wbl.extensions import atomic, db
from wbl.hours import digest, queries
from wbl.hours.links import expires_in, review_link
from wbl.hours.models import Digest, EntryStatus, HourEntry, digest_entry
from wbl.i18n import is_english, later
from wbl.notifications.services import queue_email

SUPERVISOR = "supervisor"
REMINDER = "reminder"
REMIND_AFTER = timedelta(days=3)
SHORT_DESCRIPTION = 200


def _monday(now: datetime) -> date:
    today = to_local(now).date()
    return today - timedelta(days=today.weekday())


def _day(value: date) -> str:
    if not is_english():
        return format_date(value, "EEE, d MMM y")
    return f"{value:%a}, {value:%b} {value.day}, {value.year}"


def _hours(minutes: int) -> str:
    """The hours as a number for the e-mail: 1, 1.5, 0.33 (the template adds hour/hours)."""
    if not is_english():
        return format_decimal(minutes / 60, "#,##0.##")
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT_DESCRIPTION else text[: SHORT_DESCRIPTION - 1] + "…"


def _groups(entries: Sequence[HourEntry]) -> list[dict[str, Any]]:
    """Entries grouped by student and placement, one row per entry (email/hours/_entries.txt)."""
    groups: list[dict[str, Any]] = []
    placement_id = None
    for entry in entries:
        if entry.placement_id != placement_id:
            placement_id = entry.placement_id
            offering = entry.placement.offering
            groups.append(
                {
                    "student": entry.student.user.full_name,
                    "title": offering.title,
                    "partner": offering.partner.name,
                    "rows": [],
                }
            )
        groups[-1]["rows"].append(
            {
                "day": later(_day, entry.work_date),  # the e-mail's language
                "hours": later(_hours, entry.minutes),
                "correction": entry.corrects_id is not None,
                "text": _short(entry.description),
            }
        )
    return groups


def _pending_by_user(*entry_filter: ColumnElement[bool]) -> dict[int, list[int]]:
    rows = db.session.execute(queries.pending_by_supervisor().where(*entry_filter))
    by_user: dict[int, list[int]] = defaultdict(list)
    for user_id, entry_id in rows:
        by_user[user_id].append(entry_id)
    return by_user


def _already_sent(kind: str, period: date, user_ids: Iterable[int]) -> set[int]:
    return set(
        db.session.scalars(
            select(Digest.user_id).where(
                Digest.kind == kind, Digest.period == period, Digest.user_id.in_(list(user_ids))
            )
        )
    )


Compose = Callable[[str, dict[str, Any]], None]


def _send(
    kind: str, period: date, now: datetime, by_user: dict[int, list[int]], compose: Compose
) -> int:
    """One digest row and one e-mail per user, with users and entries loaded in a fixed
    number of queries; the caller commits (the rows and the e-mails together)."""
    if not by_user:
        return 0
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(by_user))))}
    all_ids = {entry_id for ids in by_user.values() for entry_id in ids}
    entries = list(db.session.scalars(queries.entries_for_mail(all_ids)))
    sent = 0
    for user_id, ids in sorted(by_user.items()):
        user, wanted = users[user_id], set(ids)
        listed = [entry for entry in entries if entry.id in wanted]
        digest = Digest(
            kind=kind,
            user_id=user.id,
            period=period,
            nonce=secrets.token_hex(16),
            expires_at=expires_in(now),
            sent_at=now,
            entries=listed,
        )
        db.session.add(digest)
        db.session.flush()
        context = {"user": user, "count": len(listed), "groups": _groups(listed)}
        compose(user.email, context | _closing(review_link(digest), digest))
        sent += 1
    return sent


def _closing(link: str, digest: Digest) -> dict[str, str]:
    """The signed link, how long it works and the inbox (email/hours/_closing.txt)."""
    assert digest.expires_at is not None  # noqa: S101 - set when it is made
    until = later(_day, to_local(digest.expires_at).date())
    return {"link": link, "until": until, "inbox": url_for("hours.inbox", _external=True)}


def _weekly_mail(to: str, context: dict[str, Any]) -> None:
    queue_email(kind="hours_supervisor", to=to, template="hours/supervisor", context=context)


def _reminder_mail(to: str, context: dict[str, Any]) -> None:
    queue_email(kind="hours_reminder", to=to, template="hours/reminder", context=context)


@atomic
def send_supervisor_digests(now: datetime) -> str:
    """The weekly e-mail: every active supervisor with pending entries gets one listing them,
    once per county-local week (Monday to Sunday)."""
    period = _monday(now)
    by_user = _pending_by_user()
    for user_id in _already_sent(SUPERVISOR, period, by_user):
        del by_user[user_id]
    sent = _send(SUPERVISOR, period, now, by_user, _weekly_mail)
    db.session.commit()
    return f"{sent} supervisor e-mail(s) queued"


@atomic
def remind_pending(now: datetime) -> str:
    """Entries pending for more than 3 days that nobody was reminded of: one reminder per
    supervisor listing them (not those the weekly e-mail listed in the last 3 days: they are
    reminded of 3 days after it, if still waiting). Each entry is claimed with a conditional
    UPDATE on ``reminded_at IS NULL``, so a second run (or a concurrent one) reminds of it no
    more. A supervisor already reminded today waits for tomorrow's run for entries only they
    supervise."""
    period = to_local(now).date()
    recently_listed = (
        select(digest_entry.c.entry_id)
        .join(Digest, Digest.id == digest_entry.c.digest_id)
        .where(Digest.kind == SUPERVISOR, Digest.sent_at > now - REMIND_AFTER)
    )
    by_user = _pending_by_user(
        HourEntry.created_at <= now - REMIND_AFTER,
        HourEntry.reminded_at.is_(None),
        HourEntry.id.not_in(recently_listed),
    )
    for user_id in _already_sent(REMINDER, period, by_user):
        del by_user[user_id]
    candidates = sorted({entry_id for ids in by_user.values() for entry_id in ids})
    claimed: set[int] = set()
    if candidates:
        claimed = set(
            db.session.scalars(
                update(HourEntry)
                .where(
                    HourEntry.id.in_(candidates),
                    HourEntry.reminded_at.is_(None),
                    HourEntry.status == EntryStatus.PENDING,
                )
                .values(reminded_at=now)
                .returning(HourEntry.id)
                .execution_options(synchronize_session=False)
            )
        )
    to_send = {
        user_id: kept
        for user_id, ids in by_user.items()
        if (kept := [entry_id for entry_id in ids if entry_id in claimed])
    }
    sent = _send(REMINDER, period, now, to_send, _reminder_mail)
    db.session.commit()
    return f"{sent} reminder(s) queued"


def send_teacher_digests(now: datetime) -> str:
    """Each teacher's weekly digest of their students' activity (wbl/hours/digest.py)."""
    return digest.send_teacher_digests(now)
