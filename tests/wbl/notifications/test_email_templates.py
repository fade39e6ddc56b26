"""E-mails are templates (templates/email/): the subject and every sentence come from the
message's .txt, the layout adds the county's name, its logo (HTML, from the county's base
URL) and a footer saying why the person receives it; the HTML part is escaped, and both parts
go out together over real SMTP."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask

from tests.support.county_data import YOLO, name_county
from tests.support.logo_files import png_bytes
from tests.support.smtp import Recorder, smtp_server
from wbl.extensions import utcnow
from wbl.notifications.delivery import deliver_pending
from wbl.notifications.services import paragraphs, queue_email, render_email

LINK = "http://localhost/invite/abc?x=1&y=2"


def _invitation(full_name: str = "Dana Ito", note: str = "") -> dict[str, object]:
    return {
        "user": SimpleNamespace(full_name=full_name),
        "actor": SimpleNamespace(full_name="Sam Staff"),
        "note": note,
        "days": 7,
        "link": LINK,
    }


def test_the_subject_and_the_words_come_from_the_template(app: Flask) -> None:
    with app.test_request_context():
        name_county(YOLO)
        email = render_email("auth/invitation", **_invitation(note="Welcome aboard."))
    assert email.subject == "You are invited to WBL, the work-based learning platform"
    body, footer = email.text.split("\n-- \n")
    assert body == (
        f"Hello Dana Ito,\n\nSam Staff invited you to WBL, {YOLO}'s work-based learning "
        f"platform.\nWelcome aboard.\nSet your password within 7 days to start:\n\n{LINK}\n"
    )
    assert footer.startswith(f"Work-based learning at {YOLO}\nYou receive this e-mail because")
    assert email.text.endswith(".\n")


def test_the_html_part_has_the_county_the_same_words_and_the_reason(app: Flask) -> None:
    with app.test_request_context():
        name_county(YOLO)
        email = render_email("auth/invitation", **_invitation())
    assert f'<strong style="font-size:17px;vertical-align:middle">{YOLO}</strong>' in email.html
    assert "<p>Hello Dana Ito,</p>" in email.html
    assert '<a href="http://localhost/invite/abc?x=1&amp;y=2">' in email.html
    assert "Sam Staff invited this address" in email.html
    assert "<img" not in email.html  # no logo set


def test_the_logo_is_an_absolute_address_on_the_county_base_url(app: Flask) -> None:
    with app.test_request_context():
        name_county(YOLO, base_url="https://wbl.ycoe.example.org", logo=png_bytes((300, 100)))
        email = render_email("auth/password_reset", user=_invitation()["user"], hours=2, link=LINK)
    assert '<img src="https://wbl.ycoe.example.org/county/logo?v=' in email.html
    assert "cid:" not in email.html
    assert "https://wbl.ycoe.example.org/county/logo" not in email.text


def test_what_people_typed_is_escaped_in_html_and_kept_in_text(app: Flask) -> None:
    name = '<script>alert("x")</script> & Co'
    with app.test_request_context():
        email = render_email("auth/invitation", **_invitation(full_name=name, note="<b>hi</b>"))
    assert "<script>" not in email.html
    assert "<b>hi</b>" not in email.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in email.html
    assert f"Hello {name}," in email.text  # the text part is not HTML


def test_paragraphs_split_on_blank_lines_and_link_only_addresses() -> None:
    html = paragraphs("One\ntwo <x>\n\nSee https://a.example/p?q=1&r=2.\n")
    assert html == (
        "<p>One<br>\ntwo &lt;x&gt;</p>\n"
        '<p>See <a href="https://a.example/p?q=1&amp;r=2">https://a.example/p?q=1&amp;r=2</a>.'
        "</p>"
    )


@pytest.fixture
def smtp(app: Flask) -> Iterator[Recorder]:
    with smtp_server() as (recorder, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        try:
            yield recorder
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)


def test_both_parts_go_out_as_multipart_alternative(app: Flask, smtp: Recorder) -> None:
    with app.test_request_context():
        message = queue_email(
            kind="invitation",
            to="dana@example.org",
            template="auth/invitation",
            context=_invitation(full_name="Dana <Ito>"),
        )
    assert message.body_html is not None
    assert deliver_pending(utcnow()).sent == 1
    [received] = smtp.messages
    email = received.email
    assert email.get_content_type() == "multipart/alternative"
    assert email["Subject"] == "You are invited to WBL, the work-based learning platform"
    text = email.get_body(preferencelist=("plain",))
    html = email.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert text.get_content().replace("\r\n", "\n") == message.body_text  # SMTP's line ends
    assert "Hello Dana &lt;Ito&gt;," in html.get_content()


# --- every e-mail is a template ------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[3]


def _calls(name: str) -> Iterator[tuple[str, ast.Call]]:
    for path in sorted((ROOT / "wbl").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if called == name:
                    yield path.relative_to(ROOT).as_posix(), node


def test_every_e_mail_is_a_template_that_exists() -> None:
    """No queue_email call writes a subject or a body: it names a template, whose file is
    there (templates/email/<name>.txt), so every word is where the layout and a translator
    reach it."""
    problems, written = [], set()
    for where, call in _calls("queue_email"):
        keywords = {k.arg: k.value for k in call.keywords}
        template = keywords.get("template")
        if {"subject", "body"} & set(keywords) or template is None:
            written.add(where)
        elif not (isinstance(template, ast.Constant) and isinstance(template.value, str)):
            problems.append(f"{where}:{call.lineno}: the template is not a plain name")
        elif not (ROOT / "templates" / "email" / f"{template.value}.txt").is_file():
            problems.append(f"{where}:{call.lineno}: no templates/email/{template.value}.txt")
    assert problems == []
    assert sorted(written) == [], "e-mails written in Python: use a template"


def test_only_the_outbox_writes_rows_itself() -> None:
    assert {where for where, _ in _calls("queue_message")} == {"wbl/notifications/services.py"}
