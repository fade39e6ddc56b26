"""The placement workflow across roles in the browser: a student applies, the teacher
approves, the employer accepts, the guardian consents from the e-mailed link (read from the
outbox), and the placement shows for the student, the teacher, the employer and staff.
Every new page is axe-checked and photographed."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.conftest import ACCOUNTS
from tests.browser.steps import check, emailed_link
from tests.browser.test_login_journeys import sign_in
from tests.support.builders import make_offering, pathway
from tests.support.placement_data import delete_offerings_with_their_applications
from wbl.auth.models import User
from wbl.catalog.models import Partner
from wbl.clock import local_today
from wbl.extensions import db
from wbl.reference.models import ExperienceKind
from wbl.students.models import StudentProfile

CLINIC = "Sunrise Veterinary Clinic"
KENNEL = "Kennel assistant job shadow"
STATEMENT = (
    "I help at my aunt's dog boarding business on weekends and want to learn how a clinic "
    "keeps its kennels safe and clean."
)


@pytest.fixture(scope="module")
def kennel(browser_app: Flask) -> Iterator[int]:
    """The clinic's own offering for this module, removed afterwards with its applications,
    so the other modules see the seed as it was."""
    from datetime import timedelta

    with browser_app.app_context():
        clinic = db.session.scalar(select(Partner).where(Partner.name == CLINIC))
        assert clinic is not None
        offering = make_offering(
            partner=clinic,
            kind=ExperienceKind.JOB_SHADOW,
            capacity=2,
            title=KENNEL,
            start_date=local_today() + timedelta(days=30),
            pathways=[pathway("agriculture.animal_science")],
        )
        offering.schedule, offering.expected_hours = "Saturday, 8 am to noon", 8
        offering.requirements = "Closed-toe shoes; no fear of large dogs."
        db.session.commit()
        offering_id = offering.id
        db.session.remove()
    yield offering_id
    with browser_app.app_context():
        delete_offerings_with_their_applications([offering_id])
        db.session.commit()
        db.session.remove()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("E-mail")).to_be_visible()


def consent_link(browser_app: Flask) -> str:
    """The link in the guardian's e-mail, as the outbox holds it."""
    with browser_app.app_context():
        guardian = db.session.scalar(
            select(StudentProfile.guardian_email)
            .join(User, User.id == StudentProfile.user_id)
            .where(User.email == ACCOUNTS["student"].email)
        )
        db.session.remove()
    assert guardian is not None
    return emailed_link(browser_app, "guardian_consent", guardian, "/consent/")


def row_of(page: Page, region: str, text: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("region", name=region).get_by_role("row").filter(has_text=text)


def test_from_application_to_placement_across_roles(
    page: Page, browser_app: Flask, kennel: int
) -> None:
    student, teacher, employer, staff = (
        ACCOUNTS[r] for r in ("student", "teacher", "employer", "staff")
    )

    # 1. The student applies from the offering page.
    page.goto("/login")
    sign_in(page, student)
    page.goto(f"/offerings/{kennel}")
    page.get_by_role("link", name="Apply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Apply: {KENNEL}")
    check(page, "placement-apply-form")
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_text("Write a short statement.")).to_be_visible()
    check(page, "placement-apply-form-error")
    page.get_by_label("Your statement").fill(STATEMENT)
    page.get_by_label("Share my resume with the employer when I have one").check()
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_text("Your application is sent.")).to_be_visible()
    expect(page.get_by_text("Waiting for your teacher").first).to_be_visible()
    check(page, "placement-application-student")
    application_url = page.url
    page.goto(f"/offerings/{kennel}")
    card = page.get_by_role("region", name="Your application")
    expect(card.get_by_text("Waiting for your teacher")).to_be_visible()
    sign_out(page)

    # 2. The teacher approves it.
    sign_in(page, teacher)
    page.get_by_role("link", name="Applications").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications")
    to_approve = row_of(page, "To approve", KENNEL)
    expect(to_approve).to_contain_text(student.full_name)
    check(page, "placement-list-teacher")
    to_approve.get_by_role("link", name=student.full_name).click()
    expect(page.get_by_role("heading", name="Your decision as teacher")).to_be_visible()
    check(page, "placement-application-teacher")
    page.get_by_label("Comment for the student").fill("A thoughtful statement: good luck!")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved: the employer can now see it.")).to_be_visible()
    sign_out(page)

    # 3. The employer accepts: a seat is taken and the guardian is asked.
    sign_in(page, employer)
    page.get_by_role("link", name="Applications").click()
    to_decide = row_of(page, "To decide", KENNEL)
    expect(to_decide).to_contain_text(student.full_name)
    check(page, "placement-list-employer")
    to_decide.get_by_role("link", name=student.full_name).click()
    expect(page.get_by_text("2010")).to_have_count(0)  # no date of birth
    expect(page.get_by_role("heading", name="Guardian consent")).to_have_count(0)
    check(page, "placement-application-employer")
    page.get_by_label("Message to the student (optional)").fill("See you on Saturday!")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_text("their guardian has been asked for consent")).to_be_visible()
    sign_out(page)

    # 4. The guardian answers from the e-mailed link, with no account.
    link = consent_link(browser_app)
    page.goto(urlsplit(link).path)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Your consent for {student.full_name}"
    )
    placement = page.get_by_role("region", name="The placement")
    for shown in (KENNEL, CLINIC, "2150 Mendocino Ave", employer.full_name, "About 8 hours"):
        expect(placement).to_contain_text(shown)
    check(page, "placement-consent-page")
    page.get_by_label("Your full name").fill("Rosa Lopez")
    page.get_by_label("I give consent for my child to take part in this placement").check()
    page.get_by_role("button", name="Give consent").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    check(page, "placement-consent-done")
    page.goto(urlsplit(link).path)  # the link works once
    expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()
    check(page, "placement-consent-used")

    # 5. Everyone sees the placement.
    page.goto("/login")
    sign_in(page, student)
    page.get_by_role("link", name="Applications").click()
    expect(row_of(page, "Applications and placements", KENNEL)).to_contain_text("Placed")
    check(page, "placement-list-student")
    page.goto(application_url)
    expect(page.get_by_role("region", name="Guardian consent")).to_contain_text("Rosa Lopez")
    sign_out(page)

    sign_in(page, teacher)
    page.get_by_role("link", name="Applications").click()
    recent = page.get_by_role("region", name="Your school's students: recent applications")
    expect(recent.get_by_role("row").filter(has_text=KENNEL)).to_contain_text("Placed")
    sign_out(page)

    sign_in(page, employer)
    page.get_by_role("link", name="Applications").click()
    expect(row_of(page, KENNEL, student.full_name)).to_contain_text("Placed")
    sign_out(page)

    sign_in(page, staff)
    page.goto("/applications?status=placed")
    expect(row_of(page, "All applications", KENNEL)).to_contain_text(student.full_name)
    check(page, "placement-list-staff")
    page.goto(application_url)
    expect(page.get_by_role("region", name="History")).to_contain_text("Rosa Lopez")
    check(page, "placement-application-staff")
