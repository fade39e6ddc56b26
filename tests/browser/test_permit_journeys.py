"""A work permit in the browser, end to end: Maria (16) is placed in a paid internship; she
fills in her part signed in, her Spanish-speaking guardian fills in theirs from the e-mailed
link (the page opens in Spanish: the roster says so), the employer theirs, and staff find the
request under Placements ▸ Work permits and issue it. Every page is axe-checked and
photographed (tests/artifacts/permit-*.png)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import ACCOUNTS, VIEWPORT
from tests.browser.steps import check, emailed_link, open_menu
from tests.browser.test_login_journeys import sign_in
from tests.support.builders import make_offering, pathway
from tests.support.placement_data import delete_offerings_with_their_applications
from wbl.auth.models import User
from wbl.catalog.models import Partner
from wbl.clock import local_today
from wbl.extensions import db
from wbl.placements import applications, consent_answers, lifecycle
from wbl.placements.models import GuardianConsent, Placement
from wbl.reference.models import ExperienceKind
from wbl.roster.models import Guardian
from wbl.students.models import StudentProfile

CLINIC = "Sunrise Veterinary Clinic"
JOB = "Paid kennel assistant"


def _user(role: str) -> User:
    found = db.session.scalar(select(User).where(User.email == ACCOUNTS[role].email))
    assert found is not None
    return found


@pytest.fixture(scope="module")
def placed(browser_app: Flask) -> Iterator[tuple[int, str]]:
    """Maria placed in a paid internship of the clinic's (consent given through the service);
    the roster lists her guardian as speaking Spanish. Everything is removed afterwards."""
    with browser_app.app_context(), browser_app.test_request_context():
        clinic = db.session.scalar(select(Partner).where(Partner.name == CLINIC))
        assert clinic is not None
        student = db.session.scalar(
            select(StudentProfile).where(StudentProfile.user_id == _user("student").id)
        )
        assert student is not None
        email = student.guardian_email
        guardian = Guardian(
            student_id=student.id,
            sourced_id="guardian-permit-journey",
            relationship_kind="parent",
            full_name="Rosa Lopez",
            email=email,
            language="es",
        )
        db.session.add(guardian)
        offering = make_offering(
            partner=clinic,
            kind=ExperienceKind.INTERNSHIP,
            capacity=2,
            title=JOB,
            start_date=local_today() + timedelta(days=14),
            pathways=[pathway("agriculture.animal_science")],
        )
        offering.paid = True
        offering.schedule, offering.expected_hours = "Saturdays, 8 am to 4 pm", 64
        db.session.commit()
        offering_id, guardian_id = offering.id, guardian.id
        application = applications.apply(
            _user("student"), offering_id, "I look after dogs every day.", share_resume=False
        )
        applications.teacher_decide(_user("teacher"), application.id, approve=True, comment="")
        lifecycle.employer_decide(_user("employer"), application.id, accept=True, message="")
        consent = db.session.scalar(
            select(GuardianConsent).where(GuardianConsent.application_id == application.id)
        )
        assert consent is not None
        assert consent.nonce is not None
        consent_answers.answer_consent(
            consent.id, consent.nonce, give=True, typed_name="Rosa Lopez", ip_address=""
        )
        placement_id = db.session.scalar(
            select(Placement.id).where(Placement.application_id == application.id)
        )
        assert placement_id is not None
        db.session.remove()
    yield placement_id, email
    with browser_app.app_context():
        delete_offerings_with_their_applications([offering_id])
        db.session.execute(delete(Guardian).where(Guardian.id == guardian_id))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def link_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A fresh browser (no session, English by default): a party opening an e-mailed link."""
    context: BrowserContext = browser.new_context(base_url=base_url, viewport=VIEWPORT)
    page = context.new_page()
    yield page
    context.close()


def _link(browser_app: Flask, to: str) -> str:
    return urlsplit(emailed_link(browser_app, "work_permit_part", to, "/permits/")).path


def test_the_permit_chain_student_guardian_employer_and_the_school(
    page: Page, link_page: Page, browser_app: Flask, placed: tuple[int, str]
) -> None:
    placement_id, guardian_email = placed
    student, employer, staff = ACCOUNTS["student"], ACCOUNTS["employer"], ACCOUNTS["staff"]

    # 1. Maria sees her permit waiting and fills in her part signed in.
    page.goto("/login")
    sign_in(page, student)
    page.goto(f"/placements/{placement_id}/permit")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Work permit")
    expect(page.get_by_role("status").first).to_contain_text("Waiting for the work permit")
    check(page, "permit-student-waiting")
    page.get_by_role("link", name="Fill in my part").click()
    page.get_by_role("button", name="Sign and send").click()
    expect(page.get_by_text("Type your full name to sign.")).to_be_visible()
    check(page, "permit-student-part-error")
    # The school and the grade come from her record, for her to check.
    expect(page.get_by_label("Your school")).to_have_value("Montgomery High School")
    expect(page.get_by_label("Your grade")).to_have_value("11")
    page.get_by_label("Your full name").fill(student.full_name)
    page.get_by_role("button", name="Sign and send").click()
    expect(page.get_by_text("Your part of the work permit request is sent.")).to_be_visible()
    parts = page.get_by_role("region", name="The parts of the request")
    expect(parts.get_by_role("row").filter(has_text="Student")).to_contain_text(
        f"Signed “{student.full_name}”"
    )
    check(page, "permit-student-done")
    page.context.clear_cookies()

    # 2. The guardian opens their link: the page is in Spanish (the roster's language).
    guardian_path = _link(browser_app, guardian_email)
    link_page.goto(guardian_path)
    expect(link_page.locator("html")).to_have_attribute("lang", "es")
    expect(link_page.get_by_role("heading", level=1)).to_have_text(
        "Declaración de intención de emplear a un menor y solicitud de permiso de trabajo"
    )
    link_page.get_by_label("Su nombre completo").fill("Rosa Lopez")
    link_page.get_by_role("button", name="Firmar y enviar").click()
    expect(
        link_page.get_by_text("Marque esta casilla para dar su consentimiento para este trabajo.")
    ).to_be_visible()
    check(link_page, "permit-guardian-part-es-error")
    link_page.get_by_label("Soy el padre, la madre o el tutor").check()
    link_page.get_by_label("Su nombre completo").fill("Rosa Lopez")
    link_page.get_by_role("button", name="Firmar y enviar").click()
    expect(link_page.get_by_role("heading", name="Gracias")).to_be_visible()
    check(link_page, "permit-guardian-done-es")
    link_page.goto(guardian_path)  # the link works once
    expect(link_page.get_by_role("heading", level=1)).to_contain_text("ya se usó")
    link_page.context.clear_cookies()

    # 3. The employer opens theirs (English) and gives the job's facts.
    link_page.goto(_link(browser_app, employer.email))
    expect(link_page.locator("html")).to_have_attribute("lang", "en")
    link_page.get_by_label("Job title").fill("Kennel assistant")
    link_page.get_by_label("Duties").fill("Feeding and walking boarded dogs; cleaning kennels.")
    link_page.get_by_label("Hours per day").fill("8")
    link_page.get_by_label("Hours per week").fill("8")
    link_page.get_by_label("Pay rate (optional)").fill("$17.50 an hour")
    link_page.get_by_label("Your full name").fill(employer.full_name)
    check(link_page, "permit-employer-part")
    link_page.get_by_role("button", name="Sign and send").click()
    expect(link_page.get_by_role("heading", name="Thank you")).to_be_visible()

    # 4. Staff find it in the menu, ready to decide, and issue it.
    page.goto("/login")
    sign_in(page, staff)
    open_menu(page, "Placements", "Work permits")
    expect(page.get_by_role("heading", level=1)).to_have_text("Work permits")
    row = page.get_by_role("row").filter(has_text=student.full_name)
    expect(row).to_contain_text("Ready to decide")
    expect(row).to_contain_text("3 of 3")
    check(page, "permit-staff-list")
    row.get_by_role("link", name=student.full_name).click()
    with browser_app.app_context():
        today = local_today()
    page.get_by_label("Issued on").fill(today.isoformat())
    page.get_by_label("Expires on").fill((today + timedelta(days=250)).isoformat())
    page.get_by_label("Permit number (optional)").fill("SRCS-2026-0417")
    check(page, "permit-staff-decide")
    page.get_by_role("button", name="Issue the permit").click()
    expect(page.get_by_text("The permit is issued")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Issued")
    expect(page.get_by_text("Permit number: SRCS-2026-0417.")).to_be_visible()
    check(page, "permit-staff-issued")
    page.goto("/permits")
    expect(page.get_by_text("No work permit is waiting.")).to_be_visible()
