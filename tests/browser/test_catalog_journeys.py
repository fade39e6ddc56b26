"""The catalog in the browser: a student filters by distance and type and opens an offering;
anyone sees the businesses that endorse the Work Ready Certificate; every page passes axe."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.conftest import ACCOUNTS, artifact_path
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_login_journeys import settle, sign_in
from tests.support.builders import make_offering
from tests.support.catalog_data import png_bytes
from wbl.catalog.models import Offering, Partner
from wbl.clock import local_today
from wbl.extensions import db
from wbl.storage import storage

CLINIC = "Sunrise Veterinary Clinic"
HEALTH_CENTER = "Russian River Health Center"
# ZIP centres from the packaged table: the clinic's 95403 and Guerneville's 95446.
CLINIC_PLACE = (38.4822, -122.7473)
GUERNEVILLE = (38.5055, -122.9965)


@pytest.fixture(scope="module")
def catalog_seed(browser_app: Flask) -> Iterator[dict[str, int]]:
    """Put the seed's partners where their addresses are and give the clinic a logo, then
    put everything back so the other browser modules see the shared seed as it was."""
    with browser_app.app_context():
        clinic = db.session.scalar(select(Partner).where(Partner.name == CLINIC))
        health = db.session.scalar(select(Partner).where(Partner.name == HEALTH_CENTER))
        assert clinic is not None
        assert health is not None
        saved = {
            "clinic": (clinic.latitude, clinic.longitude, clinic.logo_key),
            "health": (health.latitude, health.longitude),
        }
        clinic.latitude, clinic.longitude = CLINIC_PLACE
        health.latitude, health.longitude = GUERNEVILLE
        clinic.logo_key = storage().save(
            png_bytes((120, 60), "#1d7a43"), folder="logos", extension="png"
        )
        clinic.logo_content_type = "image/png"
        shadow_id = db.session.scalar(
            select(Offering.id).where(Offering.title == "Veterinary assistant job shadow")
        )
        assert shadow_id is not None
        ids = {"clinic": clinic.id, "shadow": shadow_id}
        db.session.commit()
        db.session.remove()
    yield ids
    with browser_app.app_context():
        clinic = db.session.get(Partner, ids["clinic"])
        health = db.session.scalar(select(Partner).where(Partner.name == HEALTH_CENTER))
        assert clinic is not None
        assert health is not None
        clinic.latitude, clinic.longitude, clinic.logo_key = saved["clinic"]
        health.latitude, health.longitude = saved["health"]
        clinic.logo_content_type = ""
        db.session.commit()
        db.session.remove()


def test_student_filters_by_distance_and_type_and_opens_an_offering(
    page: Page, catalog_seed: dict[str, int]
) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["student"])
    page.wait_for_url("**/home")
    page.goto("/offerings")
    expect(page.get_by_role("heading", name="Find an opportunity", level=1)).to_be_visible()
    results = page.get_by_role("region", name="opportunities")
    expect(results.get_by_role("link", name="Patient care job shadow")).to_be_visible()

    page.get_by_label("Distance").select_option(label="Within 10 miles")
    page.get_by_role("checkbox", name="Job shadow").check()
    page.get_by_role("button", name="Show results").click()

    expect(page).to_have_url(re.compile(r"type=job_shadow.*within=10"))
    results = page.get_by_role("region", name="opportunity")
    expect(results.get_by_role("heading", level=2)).to_have_text("1 opportunity")
    shadow = results.get_by_role("link", name="Veterinary assistant job shadow")
    expect(shadow).to_be_visible()
    expect(results.get_by_role("link", name="Patient care job shadow")).to_have_count(0)
    expect(results.get_by_role("link", name="Behind the scenes", exact=False)).to_have_count(0)
    expect(page.get_by_role("list", name="Active filters")).to_contain_text("Within 10 miles")
    expect(results).to_contain_text(" mi")
    settle(page)
    page.screenshot(path=str(artifact_path("catalog-browse-student.png")), full_page=True)

    shadow.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Veterinary assistant job shadow")
    glance = page.get_by_role("region", name="At a glance")
    expect(glance).to_contain_text("4 of 4 open")
    expect(glance).to_contain_text("miles from your home ZIP 95405")
    expect(page.get_by_role("heading", name="What you will do")).to_be_visible()
    expect(page.get_by_role("navigation", name="breadcrumb")).to_contain_text("Opportunities")
    settle(page)
    page.screenshot(path=str(artifact_path("catalog-offering-student.png")), full_page=True)

    page.get_by_role("link", name=CLINIC).first.click()
    expect(page.get_by_role("heading", name=CLINIC, level=1)).to_be_visible()
    expect(page.get_by_text("Endorses the Work Ready Certificate")).to_be_visible()
    expect(page.get_by_role("img", name=f"{CLINIC} logo")).to_be_visible()
    expect(page.get_by_role("link", name="Summer animal care internship")).to_be_visible()
    expect(page.get_by_text(ACCOUNTS["employer"].email)).to_have_count(0)
    settle(page)
    page.screenshot(path=str(artifact_path("catalog-partner-student.png")), full_page=True)


def test_student_searches_by_words_and_clears_them(
    page: Page, catalog_seed: dict[str, int]
) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["student"])
    page.wait_for_url("**/home")
    page.goto("/offerings")
    page.get_by_label("Search").fill("dairy")
    page.get_by_role("button", name="Show results").click()
    results = page.get_by_role("region", name="opportunit")
    expect(results.get_by_role("link", name="Herd health data project")).to_be_visible()
    expect(results.get_by_role("article")).to_have_count(1)
    page.get_by_role("link", name="“dairy” (remove this filter)").click()
    expect(results.get_by_role("article")).not_to_have_count(1)


@pytest.mark.browser_context_args(
    viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
)
def test_catalog_on_a_phone_puts_results_first(page: Page, catalog_seed: dict[str, int]) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["student"])
    page.wait_for_url("**/home")
    page.goto("/offerings")
    search = page.get_by_label("Search")
    expect(search).to_be_hidden()
    expect(page.get_by_role("link", name="Veterinary assistant job shadow")).to_be_visible()
    page.get_by_role("button", name="Show or hide filters").click()
    expect(search).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    settle(page)
    page.screenshot(path=str(artifact_path("catalog-browse-mobile.png")), full_page=True)


@pytest.fixture
def closed_offering(browser_app: Flask, catalog_seed: dict[str, int]) -> Iterator[str]:
    """An offering of the clinic's that starts soonest of all but no longer takes
    applications (its deadline was yesterday); removed again after the test."""
    title = "Kennel care job shadow"
    with browser_app.app_context():
        partner = db.session.get(Partner, catalog_seed["clinic"])
        offering = make_offering(partner=partner, title=title, start_date=local_today())
        offering.application_deadline = local_today() - timedelta(days=1)
        db.session.commit()
        offering_id = offering.id
        db.session.remove()
    yield title
    with browser_app.app_context():
        db.session.delete(db.session.get(Offering, offering_id))
        db.session.commit()
        db.session.remove()


def test_student_sees_open_opportunities_and_may_include_closed_ones(
    page: Page, closed_offering: str
) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["student"])
    page.wait_for_url("**/home")
    page.goto("/offerings")
    results = page.get_by_role("region", name="opportunit")
    expect(results.get_by_role("link", name="Patient care job shadow")).to_be_visible()
    expect(results.get_by_role("link", name=closed_offering)).to_have_count(0)
    expect(results).not_to_contain_text("Applications closed")
    include = page.get_by_role("checkbox", name="Include opportunities whose applications have")
    expect(include).not_to_be_checked()
    open_count = int(results.get_by_role("heading", level=2).inner_text().split()[0])

    include.check()
    page.get_by_role("button", name="Show results").click()
    expect(page).to_have_url(re.compile(r"closed=y"))
    expect(include).to_be_checked()
    expect(results.get_by_role("heading", level=2)).to_have_text(f"{open_count + 1} opportunities")
    closed_card = results.get_by_role("article").filter(has_text=closed_offering)
    expect(closed_card).to_contain_text("Applications closed")
    expect(page.get_by_role("list", name="Active filters")).to_contain_text(
        "Applications closed included"
    )
    settle(page)
    page.screenshot(path=str(artifact_path("catalog-include-closed.png")), full_page=True)


def test_anyone_sees_the_endorsing_businesses(page: Page, catalog_seed: dict[str, int]) -> None:
    page.goto("/endorsers")
    expect(
        page.get_by_role("heading", name="Businesses that endorse the Work Ready Certificate")
    ).to_be_visible()
    logo = page.get_by_role("img", name=f"{CLINIC} logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 120
    expect(page.get_by_text("Redwood Valley Dairy")).to_have_count(0)  # does not endorse
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    settle(page)
    page.screenshot(path=str(artifact_path("catalog-endorsers.png")), full_page=True)


PAGES = [
    ("student", "/offerings"),
    ("student", "/offerings?within=10&type=job_shadow&sort=distance"),
    ("student", "/offerings?closed=y"),
    ("student", "/offerings?zip=00000&starts_after=soon"),
    ("teacher", "/offerings?q=animal"),
    ("staff", "/offerings?zip=95403&within=25"),
    ("student", "/partners/{clinic}"),
    ("employer", "/partners/{clinic}"),
    ("student", "/offerings/{shadow}"),
    (None, "/endorsers"),
]


@pytest.mark.parametrize(("role", "path"), PAGES)
def test_catalog_page_is_accessible(
    page: Page, catalog_seed: dict[str, int], role: str | None, path: str
) -> None:
    if role is not None:
        page.goto("/login")
        sign_in(page, ACCOUNTS[role])
        page.wait_for_url("**/home")
    page.goto(path.format(**catalog_seed))
    settle(page)
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2)
