"""One way out for e-mail: queue in the outbox (same transaction as the change it reports);
the scheduler delivers it over SMTP when ``MAIL_SERVER`` is set (wbl/notifications/delivery.py).

Queueing never commits: the caller's service commits the message with its own change, so a
rolled-back change sends no e-mail. Delivery is separate, claimed per message and retried.
"""

from __future__ import annotations

from dataclasses import dataclass

from wbl.extensions import db
from wbl.notifications.models import SUBJECT_LENGTH, OutboxMessage


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
