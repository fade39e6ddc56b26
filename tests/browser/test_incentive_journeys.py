"""The incentive-funding report for the demo county: staff open it for one district and the
2026-27 program year, download the CSV and the Excel file, and the totals match a hand
computation done here from the rows' raw facts.

The browser database holds real (non-demo) accounts, so the demo cannot be loaded there
(``seed_demo`` refuses). This module runs its own app and live server on a database of its
own (a temporary SQLite file, or ``<test database>_demo`` on PostgreSQL) with the demo
county loaded by ``seed_demo``, as ``flask seed-demo`` does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.conftest import serving
from tests.browser.steps import check, open_menu
from tests.conftest import make_test_config
from tests.support.database import postgres_test_url, prepare_database, sibling_database
from wbl import create_app
from wbl.demo.services import DEMO_DOMAIN, DEMO_PASSWORD, seed_demo
from wbl.extensions import db

DISTRICT = "Petaluma City Schools"


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    test_url = postgres_test_url()
    url = (
        sibling_database(test_url, "_demo")
        if test_url.startswith("postgresql")
        else f"sqlite:///{tmp_path_factory.mktemp('demo-db') / 'demo.sqlite'}"
    )
    app: Flask = create_app(make_test_config(url))
    with app.app_context():
        prepare_database(app)
        assert seed_demo() is not None
        db.session.remove()
    try:
        with serving(app, "demo-server") as base_url:
            yield base_url
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _cents(text: str) -> int:
    dollars, cents = text.split(".")
    return int(dollars) * 100 + int(cents)


def _hand_computation(rows: list[dict[str, Any]], appropriation: int) -> dict[int, tuple[int, int]]:
    """tier -> (requested, estimated), from each row's raw facts: the program's $1,000 per
    funded completion, 120 % for FRL-eligible students, paid tier by tier."""
    amount, frl_weight = 100_000, Decimal("1.20")
    requested: dict[int, int] = {}
    for row in rows:
        if row["Funded"] != "Yes":
            continue
        weight = frl_weight if row["FRL"] == "Yes" else Decimal(1)
        cents = int((amount * weight).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        requested[int(row["Tier"])] = requested.get(int(row["Tier"]), 0) + cents
    estimated: dict[int, tuple[int, int]] = {}
    left = appropriation
    for tier in sorted(requested):
        # Step by step: a tier is paid in full while the money lasts; the tier it runs out
        # in gets what is left; every later tier gets nothing.
        paid = requested[tier] if left >= requested[tier] else left
        left -= paid
        estimated[tier] = (requested[tier], paid)
    return estimated


def test_staff_export_the_demo_countys_incentive_report(page: Page, demo_server: str) -> None:
    page.goto(f"{demo_server}/login")
    page.get_by_label("E-mail").fill(f"staff@{DEMO_DOMAIN}")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    open_menu(page, "Credentials", "Incentive funding report")
    page.get_by_label("Program year", exact=True).select_option(label="2026-27")
    page.get_by_label("District", exact=True).select_option(label=DISTRICT)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="By tier")).to_be_visible()
    expect(page.locator("#tier-totals")).to_contain_text("Prorated")
    check(page, "incentives-report")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    data = download_info.value.path().read_bytes()
    lines = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    rows = [r for r in lines if not r["Student"].startswith(("Tier ", "Total"))]
    totals = {r["Student"]: r for r in lines if r["Student"].startswith(("Tier ", "Total"))}
    assert len(rows) > 10

    appropriation_text = page.get_by_text("Appropriation", exact=True).locator("..")
    appropriation = _cents(
        appropriation_text.locator(".stat-value").inner_text().lstrip("$").replace(",", "")
    )
    expected = _hand_computation(rows, appropriation)
    for tier, (requested, estimated) in expected.items():
        line = totals[f"Tier {tier} total"]
        assert _cents(line["Requested"]) == requested, tier
        assert _cents(line["Estimated amount"]) == estimated, tier
        in_tier = [r for r in rows if int(r["Tier"]) == tier]
        assert sum(_cents(r["Estimated amount"]) for r in in_tier) == estimated
    assert _cents(totals["Total"]["Requested"]) == sum(r for r, _ in expected.values())
    assert _cents(totals["Total"]["Estimated amount"]) == min(
        appropriation, sum(r for r, _ in expected.values())
    )
    # The demo's appropriation covers tier 1 and runs short in tier 2.
    assert expected[1][0] == expected[1][1]
    assert 0 < expected[2][1] < expected[2][0]
    assert all(paid == 0 for tier, (_, paid) in expected.items() if tier > 2)
    assert all(
        not cell.startswith(("=", "+", "-", "@")) for r in lines for cell in r.values() if cell
    )

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Excel").click()
    xlsx = io.BytesIO(download_info.value.path().read_bytes())
    sheet = load_workbook(xlsx, read_only=True)["incentives"]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert len(table) == len(lines) + 1  # the header
    assert table[-1][0] == "Total"
    total_estimated = Decimal(str(table[-1][-1])).quantize(Decimal("0.01"))
    assert total_estimated == Decimal(totals["Total"]["Estimated amount"])

    page.get_by_role("link", name="Program years").click()
    page.get_by_role("link", name="2026-27").click()
    expect(page.get_by_label(DISTRICT)).to_have_value(
        f"{appropriation // 100}.{appropriation % 100:02d}"
    )
    check(page, "incentives-year")
