"""The catalog's back office in a real browser: staff build the catalog by hand; an employer
proposes an opportunity and staff approve it. Every page is also checked with axe-core."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ACCOUNTS, artifact_path
from tests.browser.steps import open_menu
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_login_journeys import settle, sign_in
from tests.support.logo_files import png_bytes


def _date(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()  # noqa: DTZ011 - far from midnight


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()


def test_staff_create_a_partner_and_an_offering(page: Page) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["staff"])
    open_menu(page, "Catalog", "Partners")
    expect(page.get_by_role("heading", name="Partners", level=1)).to_be_visible()
    page.get_by_role("link", name="New partner").click()

    # A bad ZIP first: the form says so next to the field and keeps what was typed.
    page.get_by_label("Business name").fill("Laguna Farm Cooperative")
    page.get_by_label("Industry sector").select_option(label="Agriculture and Natural Resources")
    page.get_by_label("City").fill("Sebastopol")
    page.get_by_label("ZIP code").fill("00000")
    page.get_by_role("button", name="Add partner").click()
    expect(page.get_by_text("That is not a ZIP code we know.")).to_be_visible()
    expect(page.get_by_label("Business name")).to_have_value("Laguna Farm Cooperative")
    settle(page)
    page.screenshot(path=artifact_path("manage-partner-form-error.png"), full_page=True)

    # Healdsburg: far enough from the seed students that other journeys' distance filters
    # (within 10 miles of Santa Rosa) do not see what this test creates.
    page.get_by_label("City").fill("Healdsburg")
    page.get_by_label("ZIP code").fill("95448")
    page.get_by_label("Worksite agreement signed").fill(_date(-30))
    page.get_by_label("Worksite agreement expires").fill(_date(3 * 365))
    page.get_by_label("Liability insurance expires").fill(_date(200))
    page.get_by_label("Endorses the Work Ready Certificate").check()
    page.get_by_role("button", name="Add partner").click()
    expect(page.get_by_role("heading", name="Laguna Farm Cooperative", level=1)).to_be_visible()

    page.get_by_label("Logo file").set_input_files(
        files=[{"name": "laguna.png", "mimeType": "image/png", "buffer": png_bytes((120, 60))}]
    )
    page.get_by_role("button", name="Upload logo").click()
    expect(page.get_by_text("The logo is saved.")).to_be_visible()
    expect(page.get_by_role("img", name="Laguna Farm Cooperative logo")).to_be_visible()

    contacts = page.get_by_role("region", name="Contacts")
    contacts.get_by_label("Full name").fill("Rosa Alvarez")
    contacts.get_by_label("Work e-mail").fill("rosa@lagunafarm.example.com")
    contacts.get_by_role("button", name="Add contact").click()
    expect(
        page.get_by_text("Rosa Alvarez is a contact and has been sent an invitation.")
    ).to_be_visible()
    settle(page)
    page.screenshot(path=artifact_path("manage-partner.png"), full_page=True)

    page.get_by_role("link", name="New opportunity").click()
    chosen = page.get_by_role("combobox", name="Partner").evaluate(
        "select => select.options[select.selectedIndex].text"
    )
    assert chosen == "Laguna Farm Cooperative"  # the partner's page preselects it
    page.get_by_label("Type of experience").select_option(label="Work-based project")
    page.get_by_label("Title").fill("Plan an organic farm's irrigation")
    page.get_by_label("What students will do").fill(
        "Walk the fields at harvest, plan irrigation and help run the farm stand."
    )
    page.get_by_label("Starts").fill(_date(20))
    page.get_by_label("Ends").fill(_date(21))
    page.get_by_label("Seats").fill("3")
    page.get_by_label("Career pathways").select_option(label="Plant and Soil Science")
    page.get_by_label("Portrait of a Graduate outcomes developed").select_option(label="Curious")
    settle(page)
    page.screenshot(path=artifact_path("manage-offering-form.png"), full_page=True)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("The opportunity is published")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Plan an organic farm's irrigation", level=1)
    ).to_be_visible()


def test_employer_proposes_and_staff_approve(page: Page) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["employer"])
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Our opportunities"
    ).click()
    page.get_by_role("link", name="Propose an opportunity").click()
    page.get_by_label("Type of experience").select_option(label="Internship")
    page.get_by_label("Title").fill("Kennel and surgery prep internship")
    page.get_by_label("What students will do").fill(
        "Care for boarding animals and prepare the surgery suite with our technicians."
    )
    page.get_by_label("Starts").fill(_date(40))
    page.get_by_label("Ends").fill(_date(90))
    page.get_by_label("Seats").fill("2")
    page.get_by_label("Career pathways").select_option(label="Animal Science")
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_text("sent to the CTE team for review")).to_be_visible()
    row = page.get_by_role("listitem").filter(has_text="Kennel and surgery prep internship")
    expect(row.get_by_text("Waiting for review")).to_be_visible()
    settle(page)
    page.screenshot(path=artifact_path("manage-employer-offerings.png"), full_page=True)
    _sign_out(page)

    sign_in(page, ACCOUNTS["staff"])
    page.goto("/catalog/review")
    page.get_by_role("link", name="Kennel and surgery prep internship").click()
    page.get_by_label("Expected hours in total").fill("120")
    settle(page)
    page.screenshot(path=artifact_path("manage-review.png"), full_page=True)
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("is approved and published")).to_be_visible()
    _sign_out(page)

    sign_in(page, ACCOUNTS["employer"])
    page.goto("/catalog/mine")
    row = page.get_by_role("listitem").filter(has_text="Kennel and surgery prep internship")
    expect(row.get_by_text("Published")).to_be_visible()


PAGES = [
    ("staff", "/catalog/partners"),
    ("staff", "/catalog/partners/new"),
    ("staff", "/catalog/compliance"),
    ("staff", "/catalog/offerings"),
    ("staff", "/catalog/offerings/new"),
    ("staff", "/catalog/review"),
    ("employer", "/catalog/mine"),
    ("employer", "/catalog/offerings/new"),
]


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_back_office_pages_are_accessible(page: Page, role: str, path: str) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS[role])
    page.wait_for_url("**/home")
    page.goto(path)
    settle(page)
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2)
