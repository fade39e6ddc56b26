"""Worksite agreements in the browser: staff send a partner the county's agreement from the
partner's page, the signatory signs from the e-mailed link (read from the outbox) with no
account, and the partner leaves the compliance warnings. Every page is axe-checked and
photographed."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import ACCOUNTS
from tests.browser.steps import check, emailed_link, open_menu
from tests.browser.test_login_journeys import sign_in
from tests.support.builders import make_employer, make_partner
from wbl.auth.models import User
from wbl.catalog.models import Partner, PartnerContact
from wbl.catalog.worksite_models import WorksiteAgreement
from wbl.extensions import db

BAKERY = "Bayside Bakery"
SIGNER = "Jordan Baker"


@pytest.fixture(scope="module")
def bakery(browser_app: Flask) -> Iterator[tuple[int, str]]:
    """A partner with no worksite agreement on file and one contact; removed afterwards."""
    with browser_app.app_context():
        partner = make_partner(name=BAKERY, worksite_agreement_date=None)
        contact = make_employer(partner=partner)
        contact.full_name = SIGNER
        db.session.commit()
        found = partner.id, contact.email
        db.session.remove()
    yield found
    with browser_app.app_context():
        partner_id, email = found
        db.session.execute(
            delete(WorksiteAgreement).where(WorksiteAgreement.partner_id == partner_id)
        )
        db.session.execute(delete(PartnerContact).where(PartnerContact.partner_id == partner_id))
        db.session.execute(delete(Partner).where(Partner.id == partner_id))
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.delete(user)
        db.session.commit()
        db.session.remove()


def test_staff_send_the_signatory_signs_and_the_partner_becomes_compliant(
    page: Page, browser_app: Flask, bakery: tuple[int, str]
) -> None:
    partner_id, signer_email = bakery
    staff = ACCOUNTS["staff"]

    # 1. Staff find the partner among the compliance warnings and send the agreement.
    page.goto("/login")
    sign_in(page, staff)
    open_menu(page, "Catalog", "Compliance warnings")
    row = page.get_by_role("row").filter(has_text=BAKERY)
    expect(row).to_contain_text("No worksite agreement on file")
    check(page, "worksite-compliance-before")
    row.get_by_role("link", name=f"Send agreement to {BAKERY}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a worksite agreement")
    expect(page.get_by_label("Who signs")).to_contain_text(SIGNER)
    check(page, "worksite-send")
    page.get_by_role("button", name="Send to sign").click()
    expect(page.get_by_text(f"The agreement is sent to {signer_email} to sign.")).to_be_visible()
    card = page.get_by_role("region", name="Worksite agreements")
    expect(card).to_contain_text("Waiting for signature")
    check(page, "worksite-partner-sent")
    open_menu(page, "Catalog", "Worksite agreements")
    expect(page.get_by_role("heading", level=1)).to_have_text("Worksite agreements")
    check(page, "worksite-index")

    # 2. The signatory opens the e-mailed link: no account needed.
    page.context.clear_cookies()
    link = emailed_link(browser_app, "worksite_agreement", signer_email, "/worksite-agreements/")
    page.goto(urlsplit(link).path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Worksite Agreement")
    expect(page.get_by_role("region", name="The agreement")).to_contain_text(BAKERY)
    check(page, "worksite-sign")
    page.get_by_label("Your full name").fill("Someone Else")
    page.get_by_label("I have read this agreement and agree to it for the worksite").check()
    page.get_by_role("button", name="Sign the agreement").click()
    expect(page.get_by_text(f"This agreement was sent to {SIGNER}.")).to_be_visible()
    check(page, "worksite-sign-other-name")
    page.get_by_label("Your full name").fill(SIGNER.upper())
    page.get_by_label("I have read this agreement and agree to it for the worksite").check()
    page.get_by_role("button", name="Sign the agreement").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    check(page, "worksite-signed")
    page.goto(urlsplit(link).path)  # the link works once
    expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()

    # 3. Staff see it signed; the partner is no longer among the warnings.
    page.goto("/login")
    sign_in(page, staff)
    page.goto(f"/catalog/partners/{partner_id}")
    card = page.get_by_role("region", name="Worksite agreements")
    expect(card).to_contain_text(f"Signed by {SIGNER.upper()}")
    expect(page.get_by_text("This partner cannot host")).to_have_count(0)
    check(page, "worksite-partner-signed")
    with page.expect_download() as download:
        card.get_by_role("link", name="PDF").first.click()
    assert download.value.suggested_filename.startswith("worksite-agreement-")
    page.goto("/catalog/compliance")
    expect(page.get_by_role("row").filter(has_text=BAKERY)).to_have_count(0)
    check(page, "worksite-compliance-after")
