"""Single sign-on in a real browser: a rostered student (no password) presses "Sign in with
<provider>" on the sign-in page, signs in at the test OpenID provider
(tests/support/oidc_provider.py, on loopback) and lands on their home page in WBL; an
address the county does not know gets the clear refusal page. Screenshots of the sign-in
page with its button, the provider's page and the refusal in tests/artifacts."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete

from tests.browser.conftest import artifact_path, forget_student, seeded_school
from tests.browser.steps import check
from tests.support.builders import make_student, make_user
from tests.support.oidc_provider import OpenIDProvider, Person
from wbl.access import Role
from wbl.auth import oidc
from wbl.auth.models import SsoIdentity
from wbl.extensions import db

ANA = Person(subject="ana-0001", email="ana.torres@students.srcs.example.org", name="Ana Torres")


@pytest.fixture(scope="module")
def provider(browser_app: Flask) -> Iterator[OpenIDProvider]:
    """The test provider, configured in the live app for this module only."""
    with OpenIDProvider() as running:
        oidc.configure(browser_app, (running.provider(label="Santa Rosa Schools"),))
        try:
            yield running
        finally:
            oidc.configure(browser_app, ())


@pytest.fixture
def ana(browser_app: Flask, provider: OpenIDProvider) -> Iterator[None]:
    """A student as the roster makes her: an account without a password, and a profile."""
    provider.reset()
    provider.person = ANA
    with browser_app.app_context():
        user = make_user(roles={Role.STUDENT}, email=ANA.email, full_name=ANA.name, password=None)
        profile = make_student(user=user, school=seeded_school(), grade=11)
        db.session.commit()
        ids = (profile.id, user.id)
    yield
    with browser_app.app_context():
        db.session.execute(delete(SsoIdentity).where(SsoIdentity.user_id == ids[1]))
        forget_student(*ids)
        db.session.commit()


def test_a_rostered_student_signs_in_with_the_district_account(
    page: Page, base_url: str, provider: OpenIDProvider, ana: None
) -> None:
    page.goto("/login")
    button = page.get_by_role("link", name="Sign in with Santa Rosa Schools")
    expect(button).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()  # password sign-in stays
    check(page, "sso-sign-in-page")

    button.click()
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + r"/authorize\?"))
    expect(page.get_by_role("heading", name="Test OpenID provider")).to_be_visible()
    page.screenshot(path=str(artifact_path("sso-provider-page.png")), full_page=True)
    page.get_by_role("button", name="Sign in as Ana Torres").click()

    expect(page).to_have_url(f"{base_url}/home")
    expect(page.get_by_role("heading", name="Hi Ana", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_text("Ana Torres")).to_be_visible()
    expect(page.get_by_role("heading", name="Recommended for you")).to_be_visible()
    check(page, "sso-signed-in-home")


def test_an_address_wbl_does_not_know_gets_a_clear_page(
    page: Page, base_url: str, provider: OpenIDProvider, ana: None
) -> None:
    provider.person = Person(subject="who-1", email="who@students.srcs.example.org", name="Who")
    page.goto("/login")
    page.get_by_role("link", name="Sign in with Santa Rosa Schools").click()
    page.get_by_role("button", name="Sign in as Who").click()

    expect(page.get_by_role("heading", name="We could not sign you in", level=1)).to_be_visible()
    expect(
        page.get_by_text("No active WBL account uses who@students.srcs.example.org")
    ).to_be_visible()
    check(page, "sso-refused")
    page.get_by_role("link", name="Back to sign in").click()
    expect(page).to_have_url(f"{base_url}/login")


@pytest.mark.browser_context_args(
    viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
)
def test_the_button_fits_a_phone(page: Page, provider: OpenIDProvider) -> None:
    page.goto("/login")
    expect(page.get_by_role("link", name="Sign in with Santa Rosa Schools")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    check(page, "sso-sign-in-page-phone")
