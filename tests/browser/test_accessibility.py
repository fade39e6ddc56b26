"""Every page we build passes axe-core's WCAG 2.1 A/AA and best-practice rules, in Chromium.

axe-core is vendored (tests/browser/vendor) so the check runs with no network.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import select
from werkzeug.exceptions import InternalServerError

from tests.browser.conftest import ACCOUNTS
from tests.browser.test_login_journeys import settle, sign_in
from wbl.catalog.models import Offering, OfferingStatus
from wbl.extensions import db
from wbl.request_ids import request_id

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_violations(page: Page) -> list[dict[str, object]]:
    # Evaluated over the DevTools protocol: the page's CSP forbids inline scripts, rightly.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", RULES
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


@pytest.fixture(scope="module")
def offering_id(browser_app: Flask) -> int:
    with browser_app.app_context():
        found = db.session.scalar(
            select(Offering.id)
            .where(Offering.status == OfferingStatus.PUBLISHED)
            .order_by(Offering.id)
            .limit(1)
        )
    assert found is not None
    return found


def test_login_page_is_accessible(page: Page) -> None:
    page.goto("/login")
    settle(page)
    assert axe_violations(page) == []


@pytest.mark.parametrize(
    "path",
    [
        "/no-such-page",  # the 404 page
        "/verify/NO-SUCH-CODE",  # the unknown-certificate page, public
    ],
)
def test_not_found_pages_are_accessible(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 404
    settle(page)
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2)


def test_the_500_page_is_accessible(page: Page, browser_app: Flask, base_url: str) -> None:
    """The page the app's handler renders for an unhandled error, served on the live origin
    (its stylesheets come from the live server)."""
    with browser_app.test_request_context("/boom"):
        handler = browser_app._find_error_handler(InternalServerError(), [])
        assert handler is not None
        html, status = handler(InternalServerError(original_exception=RuntimeError("boom")))
        reference = request_id()
    assert status == 500
    page.route(
        "**/boom", lambda route: route.fulfill(status=500, body=html, content_type="text/html")
    )
    page.goto(f"{base_url}/boom")
    settle(page)
    assert page.get_by_text(reference).is_visible()
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2)


def test_login_page_with_errors_is_accessible(page: Page) -> None:
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()
    settle(page)
    assert axe_violations(page) == []


PAGES = [
    ("admin", "/home"),
    ("staff", "/home"),
    ("staff", "/admin/reference/pathways"),
    ("staff", "/users/invite"),
    ("staff", "/outbox/"),
    ("teacher", "/home"),
    ("student", "/home"),
    ("student", "/profile"),
    ("student", "/account"),  # the calendar feed's section and the API tokens link
    ("student", "/account/tokens"),
    ("staff", "/account/tokens"),  # with service tokens
    ("student", "/api/v1/docs"),
    ("student", "/profile/interest-check"),
    ("employer", "/home"),
    ("staff", "/offerings/{offering}"),
    ("employer", "/offerings/{offering}"),
    ("student", "/offerings/{offering}"),
    ("staff", "/logs/report"),
    ("staff", "/reports/reach"),
    ("teacher", "/reports/reach"),
    ("staff", "/reports/funnel"),
    ("staff", "/reports/activity"),
    ("staff", "/reports/partners"),
    ("staff", "/reports/perkins-5s3"),
    ("staff", "/reports/concentrators/import"),
    ("staff", "/reports/calpads-wblr"),
    ("staff", "/reports/calpads-wblr/codes"),
    ("staff", "/reports/calpads-wblr/offerings/{offering}"),
    ("staff", "/logs/"),
    ("staff", "/evaluations/"),
    ("staff", "/incidents/"),  # its other pages: tests/browser/test_incident_journeys.py
    ("staff", "/visits/?show=all"),  # its other pages: tests/browser/test_visit_journeys.py
    ("staff", "/visits/checklist"),
    ("staff", "/admin/reference/evaluation-categories"),
    ("teacher", "/logs/"),
    ("employer", "/evaluations/"),
    ("student", "/logs/me"),
    ("student", "/portfolio/"),
    ("student", "/record"),  # the learner record (CLR): what goes in, the format
]


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_page_is_accessible(page: Page, offering_id: int, role: str, path: str) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS[role])
    page.wait_for_url("**/home")
    page.goto(path.format(offering=offering_id))
    settle(page)
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2)
