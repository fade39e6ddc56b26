"""One way out for e-mail: queue in the outbox (same transaction as the change it reports);
the scheduler delivers it over SMTP when ``MAIL_SERVER`` is set (wbl/notifications/delivery.py).

Queueing never commits: the caller's service commits the message with its own change, so a
rolled-back change sends no e-mail. Delivery is separate, claimed per message and retried.

Every e-mail is a template (``templates/email/<name>.txt``, extending ``email/_layout.txt``):
its ``subject`` and ``body`` blocks hold every word, and the layout adds the county's name and
a footer saying why the person receives it (the template's ``reason`` block). So the layout
and, later, the language live in one place, and no service writes a sentence of an e-mail.
The HTML part is ``email/<name>.html`` when a message has one, else the text's paragraphs in
``email/_layout.html`` (the county's logo, from its base URL, and the same footer); HTML is
autoescaped, the text part is the one the tests read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from markupsafe import Markup, escape
from sqlalchemy import select

from wbl.auth.models import User
from wbl.extensions import current_flask_app, db
from wbl.i18n import DEFAULT_LANGUAGE, email_language
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


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


_LINK = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)\]]")


def paragraphs(text: str) -> Markup:
    """Plain text as HTML: escaped, a paragraph per blank-line block, a line break per line,
    and its links clickable (the default HTML part of an e-mail without an .html template)."""
    html = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = []
        for line in block.splitlines():
            parts, start = [], 0
            for match in _LINK.finditer(line):
                url = match.group(0)
                parts += [escape(line[start : match.start()]), _anchor(url)]
                start = match.end()
            parts.append(escape(line[start:]))
            lines.append(Markup("").join(parts))
        html.append(Markup("<p>%s</p>") % Markup("<br>\n").join(lines))
    return Markup("\n").join(html)


def _anchor(url: str) -> Markup:
    return Markup('<a href="%s">%s</a>') % (url, url)


def render_email(template: str, *, language: str = DEFAULT_LANGUAGE, **context: Any) -> Rendered:
    """The subject, text and HTML of ``templates/email/<template>.txt`` (and ``.html``) with
    ``context`` and the app's template globals (``county``), in ``language`` (the recipient's,
    whatever the language of the page that caused the e-mail)."""
    with force_locale(language):
        return _render_email(template, language, context)


def _render_email(template: str, language: str, context: dict[str, Any]) -> Rendered:
    app = current_flask_app()
    env = app.jinja_env
    app.update_template_context(context)
    context["current_language"] = language  # the layout's <html lang>, not the page's
    text_template = env.get_template(f"email/{template}.txt")
    layout = env.get_template("email/_layout.txt")

    def block(name: str) -> str:
        """A block of the message, or the layout's when the message keeps the default."""
        source = text_template if name in text_template.blocks else layout
        return "".join(source.blocks[name](source.new_context(context)))

    subject = block("subject")
    text = text_template.render(context)
    html_template = env.select_template([f"email/{template}.html", "email/_layout.html"])
    html = html_template.render(
        context,
        subject=subject,
        text_body=paragraphs(block("body")),
        reason=block("reason").strip(),
    )
    return Rendered(subject=subject, text=text.rstrip() + "\n", html=html)


def recipient_language(to: str, language: str | None = None) -> str:
    """The language to write to ``to`` in: ``language`` when the caller knows it (a
    guardian's), else the preference of the account with that address, else English."""
    if language is None:
        language = db.session.scalar(select(User.language).where(User.email == to))
    return email_language(language)


def queue_email(
    *,
    kind: str,
    to: str,
    template: str,
    context: dict[str, Any] | None = None,
    attachment: Attachment | None = None,
    language: str | None = None,
) -> OutboxMessage:
    """Queue the e-mail ``templates/email/<template>.txt`` (and its HTML part) to ``to``, in
    the recipient's language: ``language`` when the caller knows it (a guardian's, who has
    no account), else the preference of the account with that address, else the county's
    default, English."""
    rendered = render_email(template, language=recipient_language(to, language), **(context or {}))
    return queue_message(
        kind=kind,
        to=to,
        subject=rendered.subject,
        body=rendered.text,
        html=rendered.html,
        attachment=attachment,
    )


def queue_message(
    *,
    kind: str,
    to: str,
    subject: str,
    body: str,
    html: str | None = None,
    attachment: Attachment | None = None,
) -> OutboxMessage:
    """The outbox row itself. Features call ``queue_email`` (a template); this is for what
    ``render_email`` made, and for the outbox's own tests (a test over ``wbl/`` keeps it so)."""
    message = OutboxMessage(
        kind=kind, to_email=to, subject=_fit(subject), body_text=body, body_html=html
    )
    if attachment is not None:
        message.attachment_name = attachment.name
        message.attachment_type = attachment.content_type
        message.attachment_text = attachment.text
    db.session.add(message)
    db.session.flush()
    return message
