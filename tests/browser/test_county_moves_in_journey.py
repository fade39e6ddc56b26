"""Issue 15's "done when", end to end in a real browser: a county with no demo data is set up
from an empty database by its administrator (county settings, then the OneRoster export of
its student information system through Administration ▸ Roster import), a district's OpenID
provider is configured, and a rostered student, who never had a password, signs in with the
district account, sees recommendations and applies.

Runs on a database and live server of its own (the shared browser database is a county
already set up). The OpenID provider is the real one of tests/support/oidc_provider.py, on
loopback. Each new page passes axe and leaves a screenshot (tests/artifacts/move-in-*.png).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import serving
from tests.browser.steps import check, open_menu
from tests.conftest import make_test_config
from tests.support.builders import make_offering, make_partner
from tests.support.database import postgres_test_url, prepare_database, sibling_database
from tests.support.oidc_provider import OpenIDProvider, Person
from tests.support.roster_files import EXAMPLES, zipped
from wbl import create_app
from wbl.auth import oidc
from wbl.auth.services import create_admin
from wbl.extensions import db

ADMIN_EMAIL = "morgan.admin@lvcoe.example.org"
ADMIN_PASSWORD = "a long passphrase for moving in"
COUNTY = "Laguna Valley County Office of Education"
ANA = Person(
    subject="lv-s-1001",
    email="ana.martinez@students.lagunavalley.example.org",
    name="Ana Martinez",
)
OFFERING = "Shadow a veterinary technician"
STATEMENT = (
    "I take Agriscience 2 and help with the animals on my family's ranch. I would like to see "
    "how a veterinary clinic works and what a technician does every day."
)


@dataclass(frozen=True)
class County:
    url: str
    app: Flask
    provider: OpenIDProvider


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    test_url = postgres_test_url()
    if test_url.startswith("postgresql"):
        return sibling_database(test_url, "_move_in")
    return f"sqlite:///{tmp_path_factory.mktemp('move-in-db') / 'move-in.sqlite'}"


@pytest.fixture(scope="module")
def empty_county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    """An empty database (migrated, reference data only) with one administrator, no county
    name, and the district's OpenID provider configured; served live."""
    base = make_test_config(_database_url(tmp_path_factory))

    class Config(base):  # type: ignore[valid-type, misc]
        COUNTY_NAME = ""
        DEMO_FOOTER = False  # a real county: no "demo data" line

    app: Flask = create_app(Config)
    with app.app_context():
        prepare_database(app)
        create_admin(ADMIN_EMAIL, "Morgan Admin", ADMIN_PASSWORD)
        db.session.remove()
    with OpenIDProvider() as provider, serving(app, "move-in-server") as url:
        provider.person = ANA
        oidc.configure(
            app,
            (
                provider.provider(
                    label="Laguna Valley Schools",
                    domains=frozenset({"students.lagunavalley.example.org"}),
                ),
            ),
        )
        yield County(url, app, provider)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _a_published_offering(app: Flask) -> None:
    """What the catalog import (its own journey) would have brought: one partner, one job
    shadow open to students."""
    with app.app_context():
        make_offering(partner=make_partner(name="Laguna Valley Animal Hospital"), title=OFFERING)
        db.session.commit()


def test_a_county_moves_in_and_a_rostered_student_applies(
    page: Page, empty_county: County, tmp_path: Path
) -> None:
    url = empty_county.url

    # 1. The administrator signs in and names the county.
    page.goto(f"{url}/login")
    page.get_by_label("E-mail").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{url}/admin/setup")
    page.get_by_role("link", name="Enter county settings").click()
    page.get_by_label("County office's name").fill(COUNTY)
    page.get_by_label("Time zone").select_option("America/Los_Angeles")
    page.get_by_label("Web address (base URL)").fill("https://wbl.lvcoe.example.org")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("The county's settings are saved.")).to_be_visible()

    # 2. The roster: checked first, shown as a table, then imported.
    open_menu(page, "Administration", "Roster import")
    archive = tmp_path / "laguna-valley-oneroster.zip"
    archive.write_bytes(zipped(EXAMPLES / "oneroster-1.1"))
    page.get_by_label("OneRoster file (.zip)").set_input_files(str(archive))
    page.get_by_role("button", name="Check the roster").click()
    counts = page.get_by_role("table", name="What the import will do")
    expect(counts.get_by_role("row", name="Users")).to_contain_text("6")
    check(page, "move-in-1-roster-checked")
    page.get_by_role("button", name="Import the roster").click()
    expect(page.get_by_role("heading", name="The roster is imported")).to_be_visible()
    check(page, "move-in-2-roster-imported")

    # The checklist shows the district and the people the roster brought.
    open_menu(page, "Administration", "Set-up checklist")
    expect(page.get_by_text("WBL is open")).to_be_visible()
    expect(page.get_by_text("1 district and 2 schools so far.")).to_be_visible()
    expect(page.get_by_text("Configured: Laguna Valley Schools.")).to_be_visible()
    check(page, "move-in-3-checklist")
    page.get_by_role("button", name="Sign out").click()

    _a_published_offering(empty_county.app)

    # 3. A rostered student signs in with the district account: no password ever set.
    page.goto(f"{url}/login")
    page.get_by_role("link", name="Sign in with Laguna Valley Schools").click()
    expect(page.get_by_role("heading", name="Test OpenID provider")).to_be_visible()
    page.get_by_role("button", name="Sign in as Ana Martinez").click()
    expect(page).to_have_url(f"{url}/home")
    expect(page.get_by_role("heading", name="Hi Ana", level=1)).to_be_visible()
    expect(page.locator("footer")).to_contain_text(COUNTY)
    expect(page.locator("footer")).not_to_contain_text("Demo data")

    # 4. She sees what is recommended for her, and applies.
    recommended = page.get_by_role("region", name="Recommended for you")
    expect(recommended.get_by_text(OFFERING)).to_be_visible()
    check(page, "move-in-4-student-home")
    recommended.get_by_role("link", name=OFFERING).first.click()
    page.get_by_role("link", name="Apply").click()
    page.get_by_label("Your statement").fill(STATEMENT)
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_text("Your application is sent.")).to_be_visible()
    check(page, "move-in-5-applied")
