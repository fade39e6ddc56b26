"""Training agreements in the browser: a placed student acknowledges the agreement from the
e-mailed link (read from the outbox), and staff see who is still missing. Every new page is
axe-checked and photographed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
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
from wbl.placements import applications, consent_answers, lifecycle
from wbl.placements.models import (
    GuardianConsent,
    Placement,
)
from wbl.reference.models import ExperienceKind
from wbl.students.models import StudentProfile

CLINIC = "Sunrise Veterinary Clinic"
GROOMING = "Grooming room job shadow"


@pytest.fixture(scope="module")
def placement_id(browser_app: Flask) -> Iterator[int]:
    """Maria placed (through the services, guardian consent included) in an unpaid offering
    of the clinic's; everything is removed afterwards so other modules see the seed as it was."""
    with browser_app.app_context(), browser_app.test_request_context():
        clinic = db.session.scalar(select(Partner).where(Partner.name == CLINIC))
        assert clinic is not None
        offering = make_offering(
            partner=clinic,
            kind=ExperienceKind.JOB_SHADOW,
            capacity=2,
            title=GROOMING,
            start_date=local_today() + timedelta(days=21),
            pathways=[pathway("agriculture.animal_science")],
        )
        offering.schedule, offering.expected_hours = "Saturday, 8 am to noon", 8
        offering.skills = "Handle dogs calmly\nKeep the grooming room clean and safe"
        db.session.commit()
        offering_id = offering.id

        def user(role: str) -> User:
            found = db.session.scalar(select(User).where(User.email == ACCOUNTS[role].email))
            assert found is not None
            return found

        application = applications.apply(
            user("student"),
            offering_id,
            "I brush and bathe our two dogs every week and want to learn to do it well.",
            share_resume=False,
        )
        applications.teacher_decide(user("teacher"), application.id, approve=True, comment="")
        lifecycle.employer_decide(user("employer"), application.id, accept=True, message="")
        consent = db.session.scalar(
            select(GuardianConsent).where(GuardianConsent.application_id == application.id)
        )
        assert consent is not None
        assert consent.nonce is not None
        consent_answers.answer_consent(
            consent.id, consent.nonce, give=True, typed_name="Rosa Lopez", ip_address=""
        )
        placement = db.session.scalar(
            select(Placement).where(Placement.application_id == application.id)
        )
        assert placement is not None
        found = placement.id
        db.session.remove()
    yield found
    with browser_app.app_context():
        delete_offerings_with_their_applications([offering_id])
        db.session.commit()
        db.session.remove()


def agreement_link(browser_app: Flask, email: str) -> str:
    return emailed_link(browser_app, "training_agreement", email, "/agreements/")


def guardian_email(browser_app: Flask) -> str:
    with browser_app.app_context():
        email = db.session.scalar(
            select(StudentProfile.guardian_email)
            .join(User, User.id == StudentProfile.user_id)
            .where(User.email == ACCOUNTS["student"].email)
        )
        db.session.remove()
    assert email
    return email


def test_the_student_acknowledges_and_staff_see_who_is_missing(
    page: Page, browser_app: Flask, placement_id: int
) -> None:
    student, staff = ACCOUNTS["student"], ACCOUNTS["staff"]

    # 1. The student opens the e-mailed link: no account needed.
    path = urlsplit(agreement_link(browser_app, student.email)).path
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Work-Based Learning Training Agreement"
    )
    agreement = page.get_by_role("region", name="The agreement")
    for shown in (student.full_name, CLINIC, GROOMING, "About 8 hours", "Handle dogs calmly"):
        expect(agreement).to_contain_text(shown)
    expect(agreement).to_contain_text("primary beneficiary")
    check(page, "agreement-acknowledge")
    page.get_by_role("button", name="Acknowledge the agreement").click()
    expect(page.get_by_text("Type your full name to sign.")).to_be_visible()
    check(page, "agreement-acknowledge-error")
    page.get_by_label("Your full name").fill(student.full_name)
    page.get_by_label("I have read and agree to this training agreement").check()
    page.get_by_role("button", name="Acknowledge the agreement").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    check(page, "agreement-acknowledged")
    page.goto(path)  # the link works once
    expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()
    check(page, "agreement-link-used")

    # 2. Staff see who has acknowledged and send the guardian a new link.
    page.goto("/login")
    sign_in(page, staff)
    page.goto(f"/placements/{placement_id}/agreement")
    expect(page.get_by_role("heading", level=1)).to_have_text("Training agreement")
    parties = page.get_by_role("region", name="Acknowledgements")
    expect(parties.get_by_role("row").filter(has_text="Student")).to_contain_text(
        f"Signed “{student.full_name}”"
    )
    expect(parties.get_by_role("row").filter(has_text="Parent or guardian")).to_contain_text(
        "Not yet acknowledged"
    )
    check(page, "agreement-detail-staff")
    old = agreement_link(browser_app, guardian_email(browser_app))
    page.get_by_role("button", name="Send a new link to the parent or guardian").click()
    expect(page.get_by_text("A new link was sent")).to_be_visible()
    assert agreement_link(browser_app, guardian_email(browser_app)) != old
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename == f"training-agreement-{placement_id}.pdf"

    # 3. The application page links to it.
    with browser_app.app_context():
        application_id = db.session.scalar(
            select(Placement.application_id).where(Placement.id == placement_id)
        )
        db.session.remove()
    page.goto(f"/applications/{application_id}")
    page.get_by_role("link", name="See the agreement and who has acknowledged it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Training agreement")
