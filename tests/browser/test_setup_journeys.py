"""A county moves in: from an empty database with one administrator (made as
``flask users create-admin`` makes it), the administrator signs in, is led to the set-up
checklist, enters the county's settings (name, time zone, base URL, logo), adds a district
and a school by hand, and the home page then shows the county's name and logo. Each new page
passes axe and leaves a screenshot (tests/artifacts/setup-*.png), on a laptop and a phone.

The journey runs on a database and live server of its own: the shared browser database is a
county already set up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import serving
from tests.browser.steps import check, open_menu
from tests.conftest import make_test_config
from tests.support.database import postgres_test_url, prepare_database, sibling_database
from tests.support.logo_files import png_bytes
from wbl import create_app
from wbl.auth.services import create_admin
from wbl.extensions import db

ADMIN_EMAIL = "avery.admin@ycoe.example.org"
ADMIN_PASSWORD = "a long passphrase for the first run"
COUNTY = "Yolo County Office of Education"
PHONE = {"width": 390, "height": 844}


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    test_url = postgres_test_url()
    if test_url.startswith("postgresql"):
        return sibling_database(test_url, "_first_run")
    return f"sqlite:///{tmp_path_factory.mktemp('first-run-db') / 'first-run.sqlite'}"


@pytest.fixture(scope="module")
def empty_county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database (migrated, reference data only) with one administrator and no
    county name configured, served live; yields its base URL."""
    base = make_test_config(_database_url(tmp_path_factory))

    class Config(base):  # type: ignore[valid-type, misc]
        COUNTY_NAME = ""

    app: Flask = create_app(Config)
    with app.app_context():
        prepare_database(app)
        create_admin(ADMIN_EMAIL, "Avery Admin", ADMIN_PASSWORD)
        db.session.remove()
    with serving(app, "first-run-server") as url:
        yield url
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _no_sideways_scroll(page: Page) -> None:
    """The page fits the phone's width once laid out for it (just after the viewport shrinks
    the old, wider layout can still be measured): waits up to 5 s, then fails."""
    page.wait_for_function(
        "() => document.documentElement.scrollWidth <= window.innerWidth", timeout=5000
    )


def test_a_county_moves_in(page: Page, empty_county: str) -> None:
    url = empty_county
    page.goto(f"{url}/login")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Led to the checklist: nothing is done yet.
    expect(page).to_have_url(f"{url}/admin/setup")
    expect(page.get_by_role("heading", name="Set up WBL", level=1)).to_be_visible()
    check(page, "setup-1-checklist")
    page.get_by_role("link", name="Enter county settings").click()

    # County settings: a bad address first, said next to its field, the rest kept.
    expect(page.get_by_role("heading", name="County settings", level=1)).to_be_visible()
    page.get_by_label("County office's name").fill(COUNTY)
    page.get_by_label("Time zone").select_option("America/Los_Angeles")
    page.get_by_label("Web address (base URL)").fill("wbl.ycoe.example.org")
    page.get_by_label("Logo").set_input_files(
        {"name": "ycoe.png", "mimeType": "image/png", "buffer": png_bytes((240, 80), "#1d4e89")}
    )
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Enter a full address starting with https://")).to_be_visible()
    expect(page.get_by_label("County office's name")).to_have_value(COUNTY)
    check(page, "setup-2-settings-error")
    page.get_by_label("Web address (base URL)").fill("https://wbl.ycoe.example.org")
    page.get_by_label("Logo").set_input_files(
        {"name": "ycoe.png", "mimeType": "image/png", "buffer": png_bytes((240, 80), "#1d4e89")}
    )
    page.get_by_role("button", name="Save settings").click()

    # Back on the checklist (no district yet), the first step done.
    expect(page).to_have_url(f"{url}/admin/setup")
    expect(page.get_by_text("The county's settings are saved.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Set up WBL for {COUNTY}")).to_be_visible()
    page.get_by_role("link", name="Districts and schools").last.click()

    # A district and a school, with their CDS codes.
    page.get_by_role("link", name="Add a district").click()
    page.get_by_label("District name").fill("Davis Joint Unified")
    page.get_by_label("County-district code").fill("57 72694")
    check(page, "setup-3-district-form")
    page.get_by_role("button", name="Add district").click()
    expect(page.get_by_role("heading", name="Davis Joint Unified", level=1)).to_be_visible()
    page.get_by_role("link", name="Add a school").click()
    page.get_by_label("School name").fill("Davis Senior High")
    page.get_by_label("CDS code").fill("57 72694 5730405")
    page.get_by_label("ZIP code").fill("95616")
    check(page, "setup-4-school-form")
    page.get_by_role("button", name="Add school").click()
    row = page.get_by_role("row", name="Davis Senior High")
    expect(row).to_contain_text("57726945730405")
    expect(row).to_contain_text("Davis")
    check(page, "setup-5-district")

    # Set up: the home page is the county's.
    page.goto(f"{url}/home")
    expect(page).to_have_url(f"{url}/home")
    logo = page.get_by_role("navigation", name="Main").get_by_role("img", name=COUNTY)
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth === 240")
    expect(page.locator("footer")).to_contain_text(f"WBL · {COUNTY} ·")
    check(page, "setup-6-home")
    open_menu(page, "Administration", "Set-up checklist")
    expect(page.get_by_text("WBL is open")).to_be_visible()

    # On a phone: the checklist and the district's schools fit the width.
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    check(page, "setup-7-checklist-phone")
    page.goto(f"{url}/admin/districts")
    page.get_by_role("link", name="Davis Joint Unified").click()
    _no_sideways_scroll(page)
    check(page, "setup-8-district-phone")
