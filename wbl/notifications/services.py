"""One way out for e-mail: queue in the outbox (same transaction as the change it reports),
then deliver over SMTP when ``MAIL_SERVER`` is set.

Queueing never commits: the caller's service commits the message with its own change, so a
rolled-back change sends no e-mail. Delivery is separate and retried.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from wbl.extensions import db, utcnow
from wbl.notifications.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def queue_email(*, kind: str, to: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(kind=kind, to_email=to, subject=subject, body_text=body)
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
