"""One way out for e-mail: queue in the outbox (same transaction as the change it reports),
then deliver over SMTP when ``MAIL_SERVER`` is set.

Queueing never commits: the caller's service commits the message with its own change, so a
rolled-back change sends no e-mail. Delivery is separate and retried.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from wbl.extensions import db, utcnow
from wbl.notifications.models import SUBJECT_LENGTH, OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Attachment:
    """A text attachment, e.g. ``Attachment("interview.ics", "text/calendar", ics_text)``."""

    name: str
    content_type: str  # "text/calendar"; a "; method=REQUEST" parameter is kept
    text: str

    def __post_init__(self) -> None:
        if not self.content_type.startswith("text/"):
            raise ValueError("the outbox keeps text attachments only")


def _fit(subject: str) -> str:
    """Subjects carry titles people typed (up to 200 characters themselves): shorten one that
    would not fit the column, rather than fail the whole action on PostgreSQL."""
    subject = " ".join(subject.split())  # no line breaks in a header
    if len(subject) <= SUBJECT_LENGTH:
        return subject
    return subject[: SUBJECT_LENGTH - 1].rstrip() + "…"


def queue_email(
    *, kind: str, to: str, subject: str, body: str, attachment: Attachment | None = None
) -> OutboxMessage:
    message = OutboxMessage(kind=kind, to_email=to, subject=_fit(subject), body_text=body)
    if attachment is not None:
        message.attachment_name = attachment.name
        message.attachment_type = attachment.content_type
        message.attachment_text = attachment.text
    db.session.add(message)
    db.session.flush()
    return message


def _send_one(smtp: smtplib.SMTP, message: OutboxMessage, sender: str) -> int:
    """Send one message; a refusal is recorded on it and the others still go."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_email
    email["Subject"] = message.subject
    email.set_content(message.body_text)
    if message.attachment_name:
        _, _, rest = message.attachment_type.partition("/")
        subtype, *params = [part.strip() for part in rest.split(";")]
        email.add_attachment(
            message.attachment_text,
            subtype=subtype or "plain",
            filename=message.attachment_name,
            params=dict(p.split("=", 1) for p in params if "=" in p),
        )
    message.attempts += 1
    try:
        smtp.send_message(email)
    except smtplib.SMTPRecipientsRefused as error:
        message.last_error = str(error)
        log.warning("e-mail %s to %s refused: %s", message.id, message.to_email, error)
        return 0
    except smtplib.SMTPDataError as error:
        message.last_error = str(error)
        log.warning("e-mail %s to %s failed: %s", message.id, message.to_email, error)
        return 0
    message.sent_at = utcnow()
    message.last_error = ""
    return 1


def deliver_pending(limit: int = 100) -> int:
    """Send queued messages over SMTP; returns how many were sent. No server: nothing to do."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return 0
    pending = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    if not pending:
        return 0
    sent = 0
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            for message in pending:
                sent += _send_one(smtp, message, config["MAIL_DEFAULT_SENDER"])
    except (OSError, smtplib.SMTPException) as error:
        # The server is down or refused us: every unsent message stays queued for next time.
        log.warning("SMTP server %s unavailable: %s", config["MAIL_SERVER"], error)
    db.session.commit()
    return sent
