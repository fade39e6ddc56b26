"""The roster from the browser: county CTE staff upload the documented example bundle
(docs/examples/oneroster-1.1, zipped here) with one mistake, see the problem's row, upload it
clean, see the dry run's table, confirm and see what was imported; then the students'
demographics in aggregate. Each page passes axe and leaves a screenshot
(tests/artifacts/roster-*.png), on a laptop and on a phone.

The journey runs on a database and live server of its own: a roster's bulk files deactivate
whatever rostered people they no longer list, and the shared browser database's county must
stay as the other journeys expect it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import serving
from tests.browser.steps import check, open_menu
from tests.conftest import make_test_config
from tests.support.builders import PASSWORD, make_user
from tests.support.database import postgres_test_url, prepare_database, sibling_database
from tests.support.roster_files import example_zip
from wbl import create_app
from wbl.access import Role
from wbl.extensions import db

STAFF_EMAIL = "morgan.lee@ycoe.example.org"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
BAD_ENROLLMENT = "e-99,,2026-08-01,cls-nope,org-s1,s-1001,student,false,2026-08-12,2027-06-04\n"


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    test_url = postgres_test_url()
    if test_url.startswith("postgresql"):
        return sibling_database(test_url, "_roster")
    return f"sqlite:///{tmp_path_factory.mktemp('roster-db') / 'roster.sqlite'}"


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database with one county-wide CTE staff member, served live."""
    app: Flask = create_app(make_test_config(_database_url(tmp_path_factory)))
    with app.app_context():
        prepare_database(app)
        make_user(roles={Role.STAFF}, email=STAFF_EMAIL, full_name="Morgan Lee")
        db.session.commit()
        db.session.remove()
    with serving(app, "roster-server") as url:
        yield url
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def _choose(page: Page, data: bytes, name: str) -> None:
    page.get_by_label("OneRoster file (.zip)").set_input_files(
        files=[{"name": name, "mimeType": "application/zip", "buffer": data}]
    )
    page.get_by_role("button", name="Check the roster").click()


def test_county_staff_import_the_roster(page: Page, county: str) -> None:
    url = county
    page.goto(f"{url}/login")
    page.get_by_label("E-mail").fill(STAFF_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{url}/home")
    open_menu(page, "Administration", "Roster import")
    expect(page.get_by_role("heading", name="Roster import", level=1)).to_be_visible()
    expect(page.get_by_text("flask --app wsgi roster import PATH").first).to_be_visible()
    check(page, "roster-1-upload")

    # A roster with one enrollment in a class it does not have: the problem, by file and row.
    _choose(page, example_zip(extra={"enrollments.csv": BAD_ENROLLMENT}), "roster.zip")
    expect(page.get_by_role("heading", name="The roster needs corrections")).to_be_visible()
    problems = page.get_by_role("table", name="Problems found in the roster")
    expect(problems.get_by_role("row")).to_have_count(2)  # the header and the problem
    row = problems.get_by_role("row").nth(1)
    expect(row).to_contain_text("enrollments.csv")
    expect(row).to_contain_text("classSourcedId")
    expect(page.get_by_role("button", name="Import the roster")).to_have_count(0)
    check(page, "roster-2-problems")
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    check(page, "roster-2-problems-phone")
    page.set_viewport_size(LAPTOP)

    # The clean roster: the dry run's table, then the import.
    _choose(page, example_zip(), "laguna-valley-roster.zip")
    expect(page.get_by_role("heading", name="The roster is ready to import")).to_be_visible()
    counts = page.get_by_role("table", name="What the import will do")
    expect(counts.get_by_role("row", name="Users")).to_contain_text("6")
    expect(counts.get_by_role("row", name="Enrollments")).to_be_visible()
    check(page, "roster-3-ready")
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    expect(page.get_by_text("6 to create").first).to_be_visible()
    check(page, "roster-4-ready-phone")
    page.set_viewport_size(LAPTOP)
    page.get_by_role("button", name="Import the roster").click()

    expect(page.get_by_role("heading", name="The roster is imported")).to_be_visible()
    done = page.get_by_role("table", name="What the import did")
    expect(done.get_by_role("row", name="Users").get_by_role("cell").first).to_have_text("6")
    check(page, "roster-5-imported")
    page.get_by_role("link", name="Districts and schools").click()
    expect(page.get_by_role("link", name="Laguna Valley Unified School District")).to_be_visible()

    # The demographics: four students, so every count is suppressed.
    open_menu(page, "Administration", "Student demographics")
    expect(page.get_by_role("heading", name="Student demographics", level=1)).to_be_visible()
    sex = page.get_by_role("table", name="Students and sex")
    expect(sex.get_by_role("row", name="Laguna Valley Unified School District")).to_contain_text(
        "fewer than 11"
    )
    expect(page.get_by_role("heading", name="How small groups are protected")).to_be_visible()
    check(page, "roster-6-demographics")
    page.set_viewport_size(PHONE)
    _no_sideways_scroll(page)
    check(page, "roster-7-demographics-phone")
