"""The outbox goes out over SMTP: the scheduler's ``deliver-outbox`` job runs this every minute
(``WBL_OUTBOX_INTERVAL`` seconds) and once when the scheduler starts.

The rules, and why:

- **Claimed before sent.** One conditional UPDATE moves a due message to ``sending``, counts
  the try and commits before the SMTP conversation starts. Of two senders racing for it (two
  scheduler processes, a staff "Run now" beside the scheduler) only one moves the row, so no
  message goes out twice. A sender that dies while sending leaves its claim; the claim lapses
  after ``LEASE`` and the message is due again (SMTP is at-least-once: a crash after the server
  took a message and before our commit sends it again; its stable Message-ID lets the
  receiving side recognise the copy).
- **The server answered about this message.** 2xx: sent. 4xx is a temporary failure (RFC 5321
  §4.2.1: mailbox busy, greylisting, over quota): tried again after 1, 5, 15, 60 and 240
  minutes, and given up after the sixth try. 5xx is permanent (no such mailbox, refused by
  policy): RFC 5321 says not to repeat the request, so it is given up at once, with the
  server's answer for staff to read.
- **The server could not be reached** (connection refused, timeout, STARTTLS or login
  refused): nothing is claimed and no message pays for it; the next run tries again and the
  job's run shows the error under Administration ▸ Scheduled jobs. A connection lost in the
  middle counts as a temporary failure of the message being sent; the rest wait for the next
  run.
- **Too old to send**: a message not sent within ``GIVE_UP_AFTER`` of being queued is given
  up, so a mail server configured weeks late does not send weeks-old links.
- **Not to a deactivated account**: a message waiting for an address whose account is
  inactive (a student who left the roster, a deactivated employer) is withheld, not sent:
  it is marked given up with the reason, so staff see why in the outbox.
- **No ``MAIL_SERVER``**: nothing is sent; in development the outbox is the mailbox.

Each claim and each result is its own short transaction (a message's state must be visible to
the other senders before the slow SMTP call), so this module commits per message rather than
once at the end, as a use case would.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, func, select, update

from wbl.auth.models import User
from wbl.extensions import db, rows_affected, utcnow
from wbl.notifications.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

RETRY_AFTER = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)
MAX_ATTEMPTS = len(RETRY_AFTER) + 1  # the first try and one after each wait
GIVE_UP_AFTER = timedelta(days=3)
LEASE = timedelta(minutes=10)  # far longer than one message's SMTP conversation can take
SMTP_TIMEOUT = 30  # seconds, per network operation
BATCH = 100  # messages per run at most; the rest go a minute later


class MailServerUnavailable(RuntimeError):
    """The SMTP server could not be reached, or dropped the connection: the run fails (staff
    see why on the jobs page) and the messages wait for the next run."""


@dataclass(slots=True)
class Delivery:
    """What one run did: the job's result line."""

    sent: int = 0
    retrying: int = 0
    given_up: int = 0
    too_old: int = 0
    withheld: int = 0  # to deactivated accounts
    waiting: int = 0  # without a mail server: the messages kept in the outbox

    def describe(self) -> str:
        if not current_app.config.get("MAIL_SERVER"):
            return f"No mail server (MAIL_SERVER): {self.waiting} message(s) kept in the outbox"
        text = f"{self.sent} sent, {self.retrying} to retry, {self.given_up} given up"
        if self.too_old:
            text += f", {self.too_old} too old to send"
        if self.withheld:
            text += f", {self.withheld} withheld (deactivated accounts)"
        return text


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """When a message whose try number ``attempts`` failed for a passing reason is tried
    again; None when that was its last try."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + RETRY_AFTER[max(attempts, 1) - 1]


def _due(now: datetime) -> ColumnElement[bool]:
    """Queued and its time has come, or claimed by a sender whose claim has lapsed."""
    return and_(
        OutboxMessage.status.in_((OutboxStatus.QUEUED, OutboxStatus.SENDING)),
        OutboxMessage.next_attempt_at <= now,
    )


def _claim(message_id: int, now: datetime) -> OutboxMessage | None:
    """The message, now ours to send (and its try counted); None when another sender took
    it first or it is no longer due."""
    claimed = rows_affected(
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _due(now))
            .values(
                status=OutboxStatus.SENDING,
                attempts=OutboxMessage.attempts + 1,
                last_attempt_at=now,
                next_attempt_at=now + LEASE,
            )
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    if not claimed:
        return None
    return db.session.get(OutboxMessage, message_id, populate_existing=True)


def _sent(message: OutboxMessage, now: datetime) -> None:
    message.status = OutboxStatus.SENT
    message.sent_at = now
    message.next_attempt_at = None
    message.last_error = ""
    db.session.commit()


def _failed(message: OutboxMessage, now: datetime, error: str, *, permanent: bool) -> bool:
    """Record a refusal; True when the message is given up."""
    again = None if permanent else retry_at(message.attempts, now)
    message.last_error = error[:2000]
    message.next_attempt_at = again
    message.status = OutboxStatus.FAILED if again is None else OutboxStatus.QUEUED
    db.session.commit()
    log.warning(
        "e-mail %s to %s refused (try %s%s): %s",
        message.id,
        message.to_email,
        message.attempts,
        ", given up" if again is None else "",
        error,
    )
    return again is None


def _give_up_old(now: datetime) -> int:
    given_up = rows_affected(
        db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.QUEUED,
                OutboxMessage.created_at < now - GIVE_UP_AFTER,
            )
            .values(
                status=OutboxStatus.FAILED,
                next_attempt_at=None,
                last_error=f"Not sent within {GIVE_UP_AFTER.days} days of being queued.",
            )
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return given_up


def _email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_email
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    # The same for every try, so a copy sent again after a crash can be recognised.
    domain = sender.rpartition("@")[2] or "wbl.invalid"
    email["Message-ID"] = f"<outbox-{message.id}.{int(message.created_at.timestamp())}@{domain}>"
    email.set_content(message.body_text)
    if message.body_html:  # multipart/alternative: the reader shows the HTML, else the text
        email.add_alternative(message.body_html, subtype="html")
    if message.attachment_name:
        _, _, rest = message.attachment_type.partition("/")
        subtype, *params = [part.strip() for part in rest.split(";")]
        email.add_attachment(
            message.attachment_text,
            subtype=subtype or "plain",
            filename=message.attachment_name,
            params=dict(p.split("=", 1) for p in params if "=" in p),
        )
    return email


def _connect(config: Any) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except OSError:  # the connection is already gone: nothing more to say to it
        smtp.close()


def _refusal(error: smtplib.SMTPException) -> tuple[int, str]:
    """The SMTP reply code and text of a refusal about one message."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()))
        return code, f"{code} {reply.decode(errors='replace')}"
    assert isinstance(error, smtplib.SMTPResponseException)  # noqa: S101 - the caller's filter
    answer = error.smtp_error
    text = answer.decode(errors="replace") if isinstance(answer, bytes) else str(answer)
    return error.smtp_code, f"{error.smtp_code} {text}"


def _withhold_from_inactive() -> int:
    inactive = select(User.email).where(User.active.is_(False))
    withheld = rows_affected(
        db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.to_email.in_(inactive)
            )
            .values(
                status=OutboxStatus.FAILED,
                next_attempt_at=None,
                last_error="Not sent: the recipient's account is deactivated.",
            )
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return withheld


def deliver_pending(now: datetime | None = None, limit: int = BATCH) -> Delivery:
    """Send what is due (at most ``limit`` messages); see the module's rules."""
    now = now or utcnow()
    config = current_app.config
    delivery = Delivery()
    if not config.get("MAIL_SERVER"):
        delivery.waiting = (
            db.session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.status.in_((OutboxStatus.QUEUED, OutboxStatus.SENDING))
                )
            )
            or 0
        )
        return delivery
    delivery.too_old = _give_up_old(now)
    delivery.withheld = _withhold_from_inactive()
    due = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )
    db.session.commit()  # end the read: claims are short transactions of their own
    if not due:
        return delivery
    server = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    try:
        smtp = _connect(config)
    except OSError as error:
        raise MailServerUnavailable(
            f"the SMTP server {server} could not be reached ({type(error).__name__}: {error}); "
            f"{len(due)} message(s) wait"
        ) from error
    try:
        for message_id in due:
            message = _claim(message_id, now)
            if message is None:
                continue  # another sender took it
            try:
                smtp.send_message(_email(message, config["MAIL_DEFAULT_SENDER"]))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as error:
                code, text = _refusal(error)
                if _failed(message, now, text, permanent=code >= 500):
                    delivery.given_up += 1
                else:
                    delivery.retrying += 1
            except OSError as error:
                text = f"connection to {server} lost: {type(error).__name__}: {error}"
                _failed(message, now, text, permanent=False)
                raise MailServerUnavailable(f"{text}; before that {delivery.describe()}") from error
            else:
                _sent(message, now)
                delivery.sent += 1
    finally:
        _quit(smtp)
    return delivery
