"""Catalog import in the browser: a file with mistakes, then a clean one confirmed."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import ACCOUNTS, artifact_path
from tests.browser.test_login_journeys import settle, sign_in
from tests.support.import_files import csv_bytes, partner_row


def _choose(page: Page, data: bytes, name: str) -> None:
    page.get_by_label("What does the file hold?").select_option("partners")
    page.get_by_label("Spreadsheet (.csv or .xlsx)").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="Check the file").click()


def test_staff_fix_a_file_then_import_it(page: Page) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["staff"])
    page.goto("/catalog/import/")
    expect(page.get_by_role("heading", name="Import partners and offerings")).to_be_visible()
    settle(page)
    page.screenshot(path=str(artifact_path("import-upload.png")), full_page=True)

    # Inactive partners, so the rest of the browser suite's catalog is unaffected.
    good = partner_row(external_id="BROWSER-1", name="Browser Bakery", active="no")
    bad = partner_row(external_id="BROWSER-2", sector="Bakeries", zip="9540")
    _choose(page, csv_bytes([good, bad, {**good, "name": "Again"}]), "partners.csv")
    expect(page.get_by_role("heading", name="The file needs corrections")).to_be_visible()
    problems = page.get_by_role("table", name="Problems found in the file")
    expect(problems.get_by_role("row")).to_have_count(4)  # the header and three problems
    expect(problems).to_contain_text("unknown sector “Bakeries”")
    settle(page)
    page.screenshot(path=str(artifact_path("import-problems.png")), full_page=True)

    _choose(page, csv_bytes([good]), "partners-fixed.csv")
    expect(page.get_by_role("heading", name="The file is ready to import")).to_be_visible()
    settle(page)
    page.screenshot(path=str(artifact_path("import-ready.png")), full_page=True)
    page.get_by_role("button", name="Import 1 partner").click()
    expect(page.get_by_text("Import finished.")).to_contain_text("1 created")
