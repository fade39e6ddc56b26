"""Signing in and out through the real form, for each role, in a real browser.

Each role's home page is also saved to tests/artifacts/home-<role>.png for people to look at.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ACCOUNTS, Account, artifact_path
from tests.support.builders import PASSWORD
from wbl.auth import throttle_storage

WRONG_PASSWORD_MESSAGE = "That e-mail and password do not match an active account."


def sign_in(page: Page, account: Account, password: str = PASSWORD) -> None:
    page.get_by_label("E-mail").fill(account.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def settle(page: Page) -> None:
    """Wait for web fonts (Bootstrap Icons) so screenshots show icons, not blanks."""
    page.wait_for_load_state("load")
    page.evaluate("() => document.fonts.ready.then(() => true)")


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_each_role_signs_in_and_lands_on_its_home_page(
    page: Page, base_url: str, role: str
) -> None:
    account = ACCOUNTS[role]
    page.goto("/")
    expect(page).to_have_url(f"{base_url}/login")
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()

    sign_in(page, account)

    expect(page).to_have_url(f"{base_url}/home")
    expect(page.get_by_role("heading", name=account.heading, level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_text(account.full_name)).to_be_visible()
    expect(nav.get_by_text(account.badge, exact=True)).to_be_visible()
    # Every role's menus fit a laptop screen: nothing pushes the page sideways.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
    settle(page)
    page.screenshot(path=artifact_path(f"home-{role}.png"), full_page=True)


@pytest.mark.browser_context_args(
    viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
)
def test_student_home_on_a_phone(page: Page, base_url: str) -> None:
    account = ACCOUNTS["student"]
    page.goto("/login")
    sign_in(page, account)

    expect(page).to_have_url(f"{base_url}/home")
    expect(page.get_by_role("heading", name=account.heading, level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Recommended for you")).to_be_visible()
    # Nothing may push the page sideways on a phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    settle(page)
    page.screenshot(path=artifact_path("home-student-mobile.png"), full_page=True)


def test_a_wrong_password_is_refused_next_to_the_password_field(page: Page, base_url: str) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["teacher"], password="not the password")

    expect(page).to_have_url(f"{base_url}/login")
    password = page.get_by_label("Password")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(WRONG_PASSWORD_MESSAGE)
    error = page.locator("#password-error")
    expect(error).to_have_text(WRONG_PASSWORD_MESSAGE)
    expect(error).to_be_visible()
    # The message sits right under the field, not somewhere else on the page.
    field_box, error_box = password.bounding_box(), error.bounding_box()
    assert field_box
    assert error_box
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 24
    expect(page.get_by_role("alert")).to_contain_text("Please correct the problem below.")
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out")
    ).to_have_count(0)


def test_signing_out_returns_to_the_login_page(page: Page, base_url: str) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["staff"])
    expect(page).to_have_url(f"{base_url}/home")

    page.get_by_role("navigation", name="Main").get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(base_url)}/login"))
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.goto("/home")  # the session is really gone
    expect(page).to_have_url(re.compile(rf"^{re.escape(base_url)}/login\?next="))


def test_the_first_tab_on_the_login_page_reaches_the_skip_link(page: Page) -> None:
    page.goto("/login")

    page.keyboard.press("Tab")

    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused(timeout=1000)


def test_the_skip_link_is_the_first_tab_stop_and_jumps_to_the_content(
    page: Page, base_url: str
) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["staff"])  # a home page with links both in the nav and the content
    expect(page).to_have_url(f"{base_url}/home")

    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # visually hidden until it has focus
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is in the content, past the navigation
    expect(page.get_by_role("main").get_by_role("link", name="Review queue")).to_be_focused()


def test_after_five_wrong_passwords_the_form_says_how_long_to_wait(
    page: Page, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The live server runs in this process: its throttle reads the clock set here."""
    moment = [time.time()]
    monkeypatch.setattr(throttle_storage, "now", lambda: moment[0])
    account = ACCOUNTS["student"]
    page.goto("/login")
    for _ in range(5):
        sign_in(page, account, password="not the password")
        expect(page.locator("#password-error")).to_have_text(WRONG_PASSWORD_MESSAGE)

    sign_in(page, account)  # even the right password waits its turn

    expect(page).to_have_url(f"{base_url}/login")
    password = page.get_by_label("Password")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#password-error")).to_have_text(
        "Too many attempts. Wait 1 second before trying again, or reset your password."
    )
    expect(page.get_by_label("E-mail")).to_have_value(account.email)  # what was typed stays

    moment[0] += 1
    sign_in(page, account)
    expect(page).to_have_url(f"{base_url}/home")
