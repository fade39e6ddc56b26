"""Sign-up in the browser (issue 15): a business signs up from the sign-in page, confirms from
the e-mailed link, CTE staff approve it, and its contact sets a password from the invitation
and lands on the employer home; a volunteer from an endorsing partner signs up from the footer
and lands in the reviewer pool. Every page on the way is axe-checked and photographed
(tests/artifacts/signup-*.png)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import ACCOUNTS, seeded_partner
from tests.browser.steps import check, emailed_link, open_menu
from tests.browser.test_login_journeys import sign_in
from wbl.auth.models import User, UserRole
from wbl.catalog.models import Partner, PartnerContact
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.reviews.models import ReviewerVolunteer
from wbl.signup.models import SignupRequest

BAKERY = "Laguna Bread Company"
OWNER = "rosa@lagunabread.example.com"
VOLUNTEER = "ken.ito@sunrisevet.example.com"
NEW_PASSWORD = "a loaf at dawn every day"


@pytest.fixture(autouse=True)
def _forget_the_sign_ups(browser_app: Flask) -> Iterator[None]:
    """Everything the journeys make goes again, so other journeys meet the seeded county."""
    yield
    with browser_app.app_context():
        users = select(User.id).where(User.email.in_([OWNER, VOLUNTEER]))
        bakery = select(Partner.id).where(Partner.name == BAKERY)
        db.session.execute(delete(SignupRequest))
        db.session.execute(delete(ReviewerVolunteer).where(ReviewerVolunteer.user_id.in_(users)))
        db.session.execute(delete(PartnerContact).where(PartnerContact.user_id.in_(users)))
        db.session.execute(delete(Partner).where(Partner.id.in_(bakery)))
        db.session.execute(delete(UserRole).where(UserRole.user_id.in_(users)))
        db.session.execute(delete(User).where(User.id.in_(users)))
        db.session.execute(
            delete(OutboxMessage).where(OutboxMessage.to_email.in_([OWNER, VOLUNTEER]))
        )
        db.session.commit()
        db.session.remove()


def _path(link: str) -> str:
    return urlsplit(link).path


def _confirm(page: Page, browser_app: Flask, email: str, name: str) -> None:
    page.goto(_path(emailed_link(browser_app, "signup_confirm", email, "/join/confirm/")))
    expect(page.get_by_role("heading", name="Confirm your e-mail address")).to_be_visible()
    check(page, f"signup-{name}-confirm")
    page.get_by_role("button", name="Confirm my e-mail address").click()
    expect(page.get_by_text("Your e-mail address is confirmed.")).to_be_visible()
    check(page, f"signup-{name}-confirmed")


def _as_staff(page: Page) -> None:
    page.context.clear_cookies()
    page.goto("/login")
    sign_in(page, ACCOUNTS["staff"])


def test_a_business_signs_up_is_approved_and_its_contact_starts(
    page: Page, browser_app: Flask, base_url: str
) -> None:
    page.goto("/login")
    page.get_by_role("main").get_by_role("link", name="become a partner").click()
    expect(page.get_by_role("heading", name="Become a partner", level=1)).to_be_visible()
    check(page, "signup-partner-form")

    page.get_by_label("Business name").fill(BAKERY)
    page.get_by_label("Industry sector").select_option(label="Hospitality, Tourism, and Recreation")
    page.get_by_label("Street address").fill("120 Fourth St")
    page.get_by_label("City").fill("Santa Rosa")
    page.get_by_label("ZIP code").fill("9540")  # a digit short
    page.get_by_label("Website").fill("https://www.lagunabread.example.com")
    page.get_by_label("About the business").fill("A bakery and café: students see a kitchen.")
    page.get_by_label("Workplace visit").check()
    page.get_by_label("Job shadow").check()
    page.get_by_label("We endorse the Work Ready Certificate").check()
    page.get_by_label("Your name").fill("Rosa Delgado")
    page.get_by_label("Your job title").fill("Owner")
    page.get_by_label("Your e-mail").fill(OWNER)
    page.get_by_role("button", name="Send our request").click()

    zip_code = page.get_by_label("ZIP code")
    expect(zip_code).to_have_attribute("aria-invalid", "true")
    expect(zip_code).to_have_accessible_description(re.compile("Enter a five-digit ZIP code"))
    expect(page.get_by_label("Business name")).to_have_value(BAKERY)  # nothing typed is lost
    expect(page.get_by_label("Job shadow")).to_be_checked()
    check(page, "signup-partner-form-errors")
    zip_code.fill("95401")
    page.get_by_role("button", name="Send our request").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    check(page, "signup-partner-sent")

    _confirm(page, browser_app, OWNER, "partner")

    _as_staff(page)
    open_menu(page, "Catalog", "Partner sign-ups")
    page.get_by_role("link", name=BAKERY).click()
    expect(page.get_by_role("heading", name=BAKERY)).to_be_visible()
    # No likely match: the approval proposes a new partner.
    expect(page.get_by_label("Partner", exact=True)).to_have_value("0")
    check(page, "signup-partner-review")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"{BAKERY}: approved.")).to_be_visible()
    check(page, "signup-partner-queue")

    page.context.clear_cookies()
    page.goto(_path(emailed_link(browser_app, "invitation", OWNER, "/invitation/")))
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Repeat the password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    expect(page).to_have_url(f"{base_url}/home")
    expect(page.get_by_role("heading", name="Thank you for hosting students, Rosa")).to_be_visible()
    expect(page.get_by_text(BAKERY).first).to_be_visible()
    check(page, "signup-partner-employer-home")


def test_a_volunteer_signs_up_and_lands_in_the_reviewer_pool(
    page: Page, browser_app: Flask
) -> None:
    with browser_app.app_context():
        clinic = seeded_partner()
        assert clinic.endorses_certificate
        clinic_name = clinic.name
        db.session.remove()

    page.goto("/login")
    page.get_by_role("contentinfo").get_by_role("link", name="Volunteer").click()
    expect(
        page.get_by_role("heading", name="Volunteer as a reviewer or interviewer")
    ).to_be_visible()
    check(page, "signup-volunteer-form")
    page.get_by_label("Review and score students' Work Ready portfolios").check()
    page.get_by_label("Your name").fill("Ken Ito")
    page.get_by_label("Your job title").fill("Veterinary technician")
    page.get_by_label("Your e-mail").fill(VOLUNTEER)
    page.get_by_label("At a business or organisation").check()
    page.get_by_label("Where you work").fill(clinic_name)
    page.get_by_role("button", name="Send my offer").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    _confirm(page, browser_app, VOLUNTEER, "volunteer")

    _as_staff(page)
    open_menu(page, "Work Ready", "Volunteer sign-ups")
    page.get_by_role("link", name="Ken Ito").click()
    matches = page.get_by_role("table", name="Partners that may be this volunteer's employer")
    expect(matches.get_by_role("row", name=clinic_name)).to_contain_text("Same name")
    expect(page.get_by_label("Add them to the portfolio reviewer pool")).to_be_checked()
    check(page, "signup-volunteer-review")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Ken Ito: approved.")).to_be_visible()

    open_menu(page, "Work Ready", "Reviewer pool")
    row = page.get_by_role("row", name="Ken Ito")
    expect(row).to_contain_text(clinic_name)
    check(page, "signup-volunteer-pool")


@pytest.mark.browser_context_args(
    viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
)
@pytest.mark.parametrize("path", ["/join/partner", "/join/volunteer"])
def test_the_forms_fit_a_phone(page: Page, path: str) -> None:
    page.goto(path)
    page.get_by_role("button", name=re.compile("^Send")).click()  # with every error shown
    expect(page.get_by_text("Please correct the problems below.")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    check(page, f"signup-phone-{path.rsplit('/', 1)[1]}")
