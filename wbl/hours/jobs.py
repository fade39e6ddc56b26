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

from flask import url_for
from sqlalchemy import ColumnElement, select, update

from wbl.auth.models import User
from wbl.clock import to_local
from wbl.extensions import atomic, db
from wbl.hours import digest, queries
from wbl.hours.links import expires_in, review_link
from wbl.hours.models import Digest, EntryStatus, HourEntry, digest_entry
from wbl.notifications.services import queue_email

SUPERVISOR = "supervisor"
REMINDER = "reminder"
REMIND_AFTER = timedelta(days=3)
SHORT_DESCRIPTION = 200


def _monday(now: datetime) -> date:
    today = to_local(now).date()
    return today - timedelta(days=today.weekday())


def _day(value: date) -> str:
    return f"{value:%a}, {value:%b} {value.day}, {value.year}"


def _hours(minutes: int) -> str:
    value = f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
    return f"{value} hour" if value == "1" else f"{value} hours"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT_DESCRIPTION else text[: SHORT_DESCRIPTION - 1] + "…"


def _listing(entries: Sequence[HourEntry]) -> str:
    """Entries grouped by student and placement, one line per entry."""
    lines: list[str] = []
    placement_id = None
    for entry in entries:
        if entry.placement_id != placement_id:
            placement_id = entry.placement_id
            offering = entry.placement.offering
            if lines:
                lines.append("")
            lines.append(
                f"{entry.student.user.full_name}, {offering.title} ({offering.partner.name})"
            )
        correction = " (a correction)" if entry.corrects_id else ""
        lines.append(
            f"  - {_day(entry.work_date)}: {_hours(entry.minutes)}{correction}: "
            f"{_short(entry.description)}"
        )
    return "\n".join(lines)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


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


Compose = Callable[[User, Sequence[HourEntry], str], tuple[str, str]]


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
        subject, body = compose(user, listed, _closing(review_link(digest), digest))
        queue_email(kind=f"hours_{kind}", to=user.email, subject=subject, body=body)
        sent += 1
    return sent


def _closing(link: str, digest: Digest) -> str:
    assert digest.expires_at is not None  # noqa: S101 - set when it is made
    until = _day(to_local(digest.expires_at).date())
    inbox = url_for("hours.inbox", _external=True)
    return (
        "Confirm what is right, or reject an entry with a short reason the student will see. "
        f"No sign-in is needed with this link; it works until {until}, for the entries "
        f"listed above only:\n{link}\n\n"
        f"You can also sign in and decide in your inbox:\n{inbox}\n\n"
        "Thank you for supervising our students!\n"
    )


def _weekly_mail(user: User, entries: Sequence[HourEntry], closing: str) -> tuple[str, str]:
    n = len(entries)
    subject = f"{_count(n, 'hour entry waits', 'hour entries wait')} for your confirmation"
    body = (
        f"Hello {user.full_name},\n\n"
        f"{_count(n, 'hour entry is', 'hour entries are')} waiting for you to confirm:\n\n"
        f"{_listing(entries)}\n\n{closing}"
    )
    return subject, body


def _reminder_mail(user: User, entries: Sequence[HourEntry], closing: str) -> tuple[str, str]:
    these = "This entry has" if len(entries) == 1 else "These entries have"
    body = (
        f"Hello {user.full_name},\n\n"
        f"{these} been waiting for you for more than 3 days. Your students count on these "
        "hours, so a quick look would help them a lot:\n\n"
        f"{_listing(entries)}\n\n{closing}"
    )
    return "A reminder: student hours wait for your confirmation", body


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
