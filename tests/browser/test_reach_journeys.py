"""The reach dashboard on the demo county: county staff open it from the Placements menu,
read who was reached by stage, school and student group, follow one group across the
districts, narrow it to one school, look at it
on a phone, download every table, and go on to the same school's placement funnel and
activity, and to the partners and one partner's impact report. Each page passes axe and
leaves a screenshot (tests/artifacts/reach-*.png).

Like the incentive journey, it runs its own app and live server on a database of its own with
the demo county loaded (the shared browser database holds real accounts, which the demo
refuses to load beside)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import serving
from tests.browser.steps import check, open_menu
from tests.conftest import make_test_config
from tests.support.database import postgres_test_url, prepare_database, sibling_database
from wbl import create_app
from wbl.demo.services import DEMO_DOMAIN, DEMO_PASSWORD, seed_demo
from wbl.extensions import db

PHONE = {"width": 390, "height": 844}
SCHOOL = "Casa Grande High School"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    test_url = postgres_test_url()
    url = (
        sibling_database(test_url, "_reach")
        if test_url.startswith("postgresql")
        else f"sqlite:///{tmp_path_factory.mktemp('reach-db') / 'demo.sqlite'}"
    )
    app: Flask = create_app(make_test_config(url))
    with app.app_context():
        prepare_database(app)
        assert seed_demo() is not None
        db.session.remove()
    try:
        with serving(app, "reach-server") as base_url:
            yield base_url
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_staff_see_who_was_reached_and_download_it(page: Page, demo_server: str) -> None:
    page.goto(f"{demo_server}/login")
    page.get_by_label("E-mail").fill(f"staff@{DEMO_DOMAIN}")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    open_menu(page, "Placements", "Reach and equity")
    expect(page.get_by_role("heading", name="Reach and equity")).to_be_visible()
    expect(page.get_by_role("heading", name="By student group")).to_be_visible()
    expect(page.locator("#reach-schools")).to_contain_text(SCHOOL)
    expect(page.locator("#reach-groups")).to_contain_text("fewer than 11")
    check(page, "reach-county")

    # One student group across the county's districts: the same cells their pages show.
    page.get_by_label("Student group", exact=True).select_option(label="English learners")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="English learners, by district")).to_be_visible()
    expect(page.locator("#reach-across-table")).to_contain_text("The county")
    check(page, "reach-group")
    page.get_by_label("Student group", exact=True).select_option(label="All students")

    page.get_by_label("School", exact=True).select_option(label=SCHOOL)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text(f"{SCHOOL}: a class event")).to_be_visible()
    expect(page.locator("#reach-schools")).to_have_count(0)  # one school: no school table
    check(page, "reach-school")

    page.set_viewport_size(PHONE)
    check(page, "reach-school-phone")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    data = download_info.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[1][1] == "All students"
    assert SCHOOL in rows[1][0]
    assert any(row[0] == "By student group" for row in rows)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Placement funnel").click()
    expect(page.get_by_role("heading", name="Placement funnel")).to_be_visible()
    expect(page.get_by_label("School", exact=True)).to_have_value(str(school_id(page)))
    expect(page.locator("#funnel-steps")).to_contain_text("Teacher approved")
    check(page, "reach-funnel")

    page.get_by_role("link", name="Activity over time").first.click()
    expect(page.get_by_role("heading", name="Confirmed hours per week")).to_be_visible()
    check(page, "reach-activity")

    page.get_by_role("link", name="Partners", exact=True).first.click()
    expect(page.get_by_role("heading", name="Partners by hours hosted")).to_be_visible()
    check(page, "reach-partners")
    page.locator("#partners-top a").first.click()
    expect(page.get_by_text("Impact report ·")).to_be_visible()
    check(page, "reach-partner-impact")


def school_id(page: Page) -> str:
    """The school the filters carried over (from the address)."""
    return page.url.split("school=")[1].split("&")[0]
