"""Steps the browser journeys share: look at a page, and follow a link from the outbox."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import select

from tests.browser.conftest import artifact_path
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_login_journeys import settle
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage


def check(page: Page, name: str) -> None:
    """The page passes axe, and leaves a screenshot to look at (``tests/artifacts/``)."""
    settle(page)
    found = axe_violations(page)
    assert found == [], (name, found)
    page.screenshot(path=str(artifact_path(f"{name}.png")), full_page=True)


def open_menu(page: Page, menu: str, entry: str) -> None:
    """Follow ``entry`` in the main navigation's ``menu`` dropdown.

    The dropdown opens through Bootstrap's script, loaded at the end of the page: a click
    that lands before it has run follows the toggle's ``#`` instead, so wait for the load.
    """
    page.wait_for_load_state("load")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("button", name=menu).click()
    nav.get_by_role("link", name=entry).click()


def emailed_link(browser_app: Flask, kind: str, to: str, marker: str) -> str:
    """The link containing ``marker`` in the latest ``kind`` e-mail to ``to``, as sent."""
    with browser_app.app_context():
        body = db.session.scalar(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.kind == kind, OutboxMessage.to_email == to)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        db.session.remove()
    assert body is not None, f"no {kind} e-mail to {to} in the outbox"
    return next(line.strip() for line in body.splitlines() if marker in line)


def letter_upload_path(browser_app: Flask, to: str) -> str:
    """The path of the upload link in the latest letter request to the recommender ``to``."""
    return urlsplit(emailed_link(browser_app, "letter_request", to, "/letters/upload/")).path
