"""Supervisor clearances in the browser: staff open a partner's contact from the partner's
page, are told when the expiry is before the completion date, record the fingerprint
background check with its scanned certificate, and open the district's clearance rules from
the Catalog menu. Every page is axe-checked and photographed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete

from tests.browser.conftest import ACCOUNTS
from tests.browser.steps import check, open_menu
from tests.browser.test_login_journeys import sign_in
from tests.support.builders import make_employer, make_partner
from tests.support.clearance_data import contact_of
from tests.support.upload_files import pdf_bytes
from wbl.catalog.clearance_models import SupervisorClearance
from wbl.catalog.models import Partner
from wbl.extensions import db


@dataclass(frozen=True)
class Setup:
    partner_id: int
    contact_id: int
    supervisor: str


@pytest.fixture(scope="module")
def setup(browser_app: Flask) -> Iterator[Setup]:
    """A partner of its own with a contact who has no clearance yet; made inactive and its
    clearances removed afterwards, so no other journey sees them."""
    with browser_app.app_context():
        partner = make_partner(name="Bodega Bay Marine Lab")
        employer = make_employer(partner=partner, cleared=False)
        contact = contact_of(employer)
        found = Setup(partner.id, contact.id, employer.full_name)
        db.session.commit()
    yield found
    with browser_app.app_context():
        db.session.execute(
            delete(SupervisorClearance).where(SupervisorClearance.contact_id == found.contact_id)
        )
        partner = db.session.get(Partner, found.partner_id)
        assert partner is not None
        partner.active = False
        db.session.commit()


def test_staff_record_a_supervisors_clearance(page: Page, setup: Setup) -> None:
    today = date.today()  # noqa: DTZ011 - test data only, far from midnight
    page.goto("/login")
    sign_in(page, ACCOUNTS["staff"])
    page.goto(f"/catalog/partners/{setup.partner_id}")
    contacts = page.get_by_role("region", name="Contacts")
    contacts.get_by_role("link", name=f"Clearances {setup.supervisor}").click()
    expect(page.get_by_role("heading", name=setup.supervisor, level=1)).to_be_visible()
    expect(page.get_by_text("No clearances recorded yet.")).to_be_visible()

    page.get_by_role("combobox", name="Clearance").select_option(
        label="Fingerprint background check"
    )
    page.get_by_label("Completed on").fill((today - timedelta(days=20)).isoformat())
    page.get_by_label("Expires on").fill((today - timedelta(days=40)).isoformat())
    page.get_by_role("button", name="Record the clearance").click()
    expect(
        page.get_by_text("The expiry date cannot be before the completion date.")
    ).to_be_visible()
    check(page, "clearances-form-error")

    page.get_by_label("Expires on").fill((today + timedelta(days=3 * 365)).isoformat())
    page.get_by_label("Certificate (optional)").set_input_files(
        files=[
            {
                "name": "live-scan.pdf",
                "mimeType": "application/pdf",
                "buffer": pdf_bytes("DOJ and FBI clearance"),
            }
        ]
    )
    page.get_by_role("button", name="Record the clearance").click()
    expect(
        page.get_by_text(f"Fingerprint background check is recorded for {setup.supervisor}.")
    ).to_be_visible()
    held = page.get_by_role("region", name="Recorded clearances")
    expect(held.get_by_text("Current")).to_be_visible()
    expect(held.get_by_role("link", name="Certificate")).to_be_visible()
    check(page, "clearances-contact")

    open_menu(page, "Catalog", "Clearance rules")
    expect(page.get_by_role("heading", name="Santa Rosa City Schools", level=1)).to_be_visible()
    expect(page.get_by_label("Required: Internship, Fingerprint background check")).to_be_checked()
    expect(page.get_by_label("Required: Guest speaker, TB test")).not_to_be_checked()
    check(page, "clearances-rules")
