"""A Spanish-speaking guardian in the browser (issue 20): the roster says Spanish, so the
consent e-mail is Spanish; the guardian's browser asks for Spanish (es-MX), so the consent
page is Spanish (``lang="es"``) and they consent on it; the training agreement that follows
is e-mailed, shown and printed in Spanish. And the footer switcher, by keyboard. Every page
is axe-checked and photographed (tests/artifacts/)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pypdf import PdfReader
from sqlalchemy import delete, select

from tests.browser.conftest import ACCOUNTS, VIEWPORT, artifact_path
from tests.browser.steps import check, emailed_link
from tests.support.builders import make_offering, pathway
from tests.support.placement_data import delete_offerings_with_their_applications
from wbl.auth.models import User
from wbl.catalog.models import Partner
from wbl.clock import local_today
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.placements import applications, lifecycle
from wbl.reference.models import ExperienceKind
from wbl.roster.models import Guardian
from wbl.students.models import StudentProfile

CLINIC = "Sunrise Veterinary Clinic"
TITLE = "Kennel care job shadow"


def _user(role: str) -> User:
    found = db.session.scalar(select(User).where(User.email == ACCOUNTS[role].email))
    assert found is not None
    return found


@pytest.fixture(scope="module")
def guardian_email(browser_app: Flask) -> Iterator[str]:
    """Maria accepted for an unpaid job shadow; the roster lists her guardian as speaking
    Spanish, so the consent e-mail went out in Spanish. Removed afterwards."""
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
            sourced_id="guardian-language-journey",
            relationship_kind="parent",
            full_name="Rosa Lopez",
            email=email,
            language="es",
        )
        db.session.add(guardian)
        offering = make_offering(
            partner=clinic,
            kind=ExperienceKind.JOB_SHADOW,
            capacity=2,
            title=TITLE,
            start_date=local_today() + timedelta(days=21),
            pathways=[pathway("agriculture.animal_science")],
        )
        offering.schedule, offering.expected_hours = "Sábado, de 8 a 12", 8
        offering.skills = "Cuidar a los perros con calma"
        db.session.commit()
        offering_id, guardian_id = offering.id, guardian.id
        application = applications.apply(
            _user("student"),
            offering_id,
            "Cuido a nuestros perros cada semana.",
            share_resume=False,
        )
        applications.teacher_decide(_user("teacher"), application.id, approve=True, comment="")
        lifecycle.employer_decide(_user("employer"), application.id, accept=True, message="")
        db.session.remove()
    yield email
    with browser_app.app_context():
        delete_offerings_with_their_applications([offering_id])
        db.session.execute(delete(Guardian).where(Guardian.id == guardian_id))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def spanish_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A browser whose language is Mexican Spanish (its Accept-Language says so)."""
    context: BrowserContext = browser.new_context(
        base_url=base_url, locale="es-MX", viewport=VIEWPORT, accept_downloads=True
    )
    page = context.new_page()
    yield page
    context.close()


def _latest(browser_app: Flask, kind: str, to: str) -> OutboxMessage:
    with browser_app.app_context():
        message = db.session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.kind == kind, OutboxMessage.to_email == to)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        assert message is not None, f"no {kind} e-mail to {to}"
        db.session.expunge(message)
        db.session.remove()
    return message


def test_a_spanish_speaking_guardian_consents_in_spanish(
    spanish_page: Page, browser_app: Flask, guardian_email: str
) -> None:
    page = spanish_page
    student = ACCOUNTS["student"]

    # 1. The consent e-mail is Spanish (the roster's language), its HTML part too.
    email = _latest(browser_app, "guardian_consent", guardian_email)
    assert email.subject == f"Necesitamos su permiso: {student.full_name} en {CLINIC}"
    assert "Como es menor de 18 años, necesitamos su permiso." in email.body_text
    assert email.body_html is not None
    page.set_content(email.body_html)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.screenshot(path=str(artifact_path("language-consent-email-es.png")), full_page=True)

    # 2. The guardian opens the link: the page answers in the browser's Spanish.
    path = urlsplit(emailed_link(browser_app, "guardian_consent", guardian_email, "/consent/"))
    page.goto(path.path)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Su permiso para {student.full_name}"
    )
    placement = page.get_by_role("region", name="La práctica")
    for shown in (TITLE, CLINIC, "Aproximadamente 8 horas", "No pagada"):
        expect(placement).to_contain_text(shown)
    expect(page.get_by_text("Skip to main content")).to_have_count(0)
    check(page, "language-consent-page-es")

    # 3. Both problems at once, in Spanish; then consent.
    page.get_by_role("button", name="Dar mi permiso").click()
    expect(page.get_by_text("Escriba su nombre completo para firmar.")).to_be_visible()
    expect(page.get_by_text("Marque esta casilla para dar su permiso")).to_be_visible()
    check(page, "language-consent-page-es-errors")
    page.get_by_label("Su nombre completo").fill("Rosa Lopez")
    page.get_by_label("Doy mi permiso para que mi hijo o hija participe en esta práctica").check()
    page.get_by_role("button", name="Dar mi permiso").click()
    expect(page.get_by_role("heading", name="Gracias")).to_be_visible()
    expect(page.get_by_text("Quedó registrado su permiso.")).to_be_visible()
    check(page, "language-consent-done-es")

    # 4. The training agreement follows in Spanish: e-mail, page and PDF.
    agreement_email = _latest(browser_app, "training_agreement", guardian_email)
    assert agreement_email.subject.startswith("Acuerdo de capacitación para aceptar:")
    link = emailed_link(browser_app, "training_agreement", guardian_email, "/agreements/")
    page.goto(urlsplit(link).path)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Acuerdo de capacitación para el aprendizaje basado en el trabajo"
    )
    agreement = page.get_by_role("region", name="El acuerdo")
    expect(agreement).to_contain_text("Metas de aprendizaje")
    expect(agreement).to_contain_text("El principal beneficiado de esta experiencia")
    check(page, "language-agreement-page-es")
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar el PDF").click()
    reader = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Acuerdo de capacitación para el aprendizaje basado en el trabajo" in text
    assert "Padre, madre o tutor:" in text
    assert "Todavía no aceptado" in text
    assert "Pago: no pagada" in text
    assert "Learning goals" not in text


def test_the_footer_switcher_works_by_keyboard(page: Page) -> None:
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switcher = page.get_by_label("Language")
    switcher.focus()
    switcher.select_option("es")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Change")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page).to_have_url(f"{urlsplit(page.url).scheme}://{urlsplit(page.url).netloc}/login")
    expect(page.get_by_label("Idioma")).to_have_value("es")
    check(page, "language-login-es")
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
