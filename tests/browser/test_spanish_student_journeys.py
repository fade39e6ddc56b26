"""Issue 20: a student whose browser speaks Spanish (Chromium with the es-ES locale, so every
request says ``Accept-Language: es-ES``) uses their home page, finds an opportunity, reads
it and applies, all in Spanish, with ``<html lang="es">``; every page passes axe and leaves
a screenshot in tests/artifacts (long Spanish words must not break the layout)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import ACCOUNTS, Account, enrol, forget_student, seeded_school
from tests.browser.steps import check
from tests.browser.test_login_journeys import PASSWORD
from tests.support.builders import make_offering, pathway
from tests.support.credential_data import make_credential, make_earned, make_workkeys
from tests.support.pathway_data import add_default_rules
from tests.support.placement_data import delete_offerings_with_their_applications
from wbl.catalog.models import Partner
from wbl.clock import local_today
from wbl.credentials.models import Credential, StudentCredential, WorkKeysScore, WorkKeysTest
from wbl.extensions import db
from wbl.pathways.models import PathwayRule
from wbl.reference.models import ExperienceKind, IndustrySector

CLINIC = "Sunrise Veterinary Clinic"
TITLE = "Veterinary front desk job shadow"
STATEMENT = (
    "Ayudo en la guardería de perros de mi tía los fines de semana y quiero aprender cómo "
    "una clínica recibe a sus clientes."
)


@pytest.fixture(scope="module")
def front_desk(browser_app: Flask) -> Iterator[int]:
    """The clinic's offering for this module, removed afterwards with its applications."""
    with browser_app.app_context():
        clinic = db.session.scalar(select(Partner).where(Partner.name == CLINIC))
        assert clinic is not None
        offering = make_offering(
            partner=clinic,
            kind=ExperienceKind.JOB_SHADOW,
            capacity=2,
            title=TITLE,
            start_date=local_today() + timedelta(days=30),
            pathways=[pathway("agriculture.animal_science")],
        )
        offering.schedule, offering.expected_hours = "Saturday, 8 am to noon", 8
        db.session.commit()
        offering_id = offering.id
        db.session.remove()
    yield offering_id
    with browser_app.app_context():
        delete_offerings_with_their_applications([offering_id])
        db.session.commit()
        db.session.remove()


@pytest.fixture
def spanish_page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    context = browser.new_context(**browser_context_args, locale="es-ES")
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Page, email: str) -> None:
    """The sign-in form by its fields' names: it speaks the browser's language too."""
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    # the sign-in form's own button (the footer's language switcher is a form too)
    page.locator("input[name=password]").press("Enter")


def test_a_spanish_speaking_student_finds_an_opportunity_and_applies(
    spanish_page: Page, front_desk: int
) -> None:
    page = spanish_page
    student = ACCOUNTS["student"]
    sign_in(page, student.email)

    # Home: their recommendations and record, in Spanish.
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Hola, {student.first_name}: esto es lo que sigue para ti"
    )
    expect(page.get_by_role("heading", name="Recomendado para ti")).to_be_visible()
    expect(page.get_by_role("heading", name="Portafolio Work Ready")).to_be_visible()
    check(page, "spanish-student-home")

    # The catalog: search for the clinic's job shadow.
    page.goto("/offerings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Busca una oportunidad")
    page.get_by_label("Buscar").fill("front desk")
    page.get_by_role("button", name="Ver resultados").click()
    results = page.get_by_role("heading", name="1 oportunidad", exact=True)
    expect(results).to_be_visible()
    check(page, "spanish-student-catalog")

    # The offering: read it, then apply.
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name="Sobre esta oportunidad")).to_be_visible()
    expect(page.get_by_text("Unas 8 horas")).to_be_visible()
    check(page, "spanish-student-offering")
    page.get_by_role("link", name="Solicitar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Solicitar: {TITLE}")
    page.get_by_role("button", name="Enviar mi solicitud").click()
    expect(page.get_by_text("Escribe una carta corta.")).to_be_visible()
    check(page, "spanish-student-apply-error")
    page.get_by_label("Tu carta").fill(STATEMENT)
    page.get_by_label("Compartir mi currículum con el empleador cuando tenga uno").check()
    page.get_by_role("button", name="Enviar mi solicitud").click()
    expect(page.get_by_text("Tu solicitud se envió. Primero la revisa tu maestro.")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    check(page, "spanish-student-application")

    # Their applications list says where it stands.
    page.goto("/applications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mis solicitudes")
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Esperando a tu maestro")
    check(page, "spanish-student-applications")


# --- The pathway page: the engine's sentences in Spanish --------------------------------------

LUCIA = Account(
    "student", "lucia.ramirez@students.srcs.example.org", "Lucía Ramírez", "Student", "Hola"
)
ISSUER = "Spanish Journey Testing Board"


@pytest.fixture(scope="module")
def lucia(browser_app: Flask) -> Iterator[str]:
    """A student who chose Spanish on her account, with 6 points in Health and WorkKeys 4 in
    Applied Math, under the district's default rules; all removed afterwards (rules the
    district had before are left alone). The career field's name, as she reads it."""
    with browser_app.app_context():
        school = seeded_school()
        had_rules = db.session.scalar(
            select(PathwayRule.id).where(PathwayRule.district_id == school.district_id).limit(1)
        )
        student = enrol(LUCIA, school)
        student.user.language = "es"
        make_earned(
            student, make_credential(name="Nursing Assistant (es)", issuer=ISSUER, points=6)
        )
        make_workkeys(student, test=WorkKeysTest.APPLIED_MATH, level=4)
        sector = db.session.scalar(
            select(IndustrySector.name).where(IndustrySector.code == "health")
        )
        assert sector == "Health Science and Medical Technology"  # as shipped: translated
        ids, district_id = (student.id, student.user_id), school.district_id
        add_default_rules(school.district)  # commits
        db.session.remove()
    yield "Ciencias de la salud y tecnología médica"
    with browser_app.app_context():
        db.session.execute(delete(StudentCredential).where(StudentCredential.student_id == ids[0]))
        db.session.execute(delete(WorkKeysScore).where(WorkKeysScore.student_id == ids[0]))
        db.session.execute(delete(Credential).where(Credential.issuer == ISSUER))
        if had_rules is None:
            db.session.execute(delete(PathwayRule).where(PathwayRule.district_id == district_id))
        forget_student(*ids)
        db.session.commit()
        db.session.remove()


def test_a_student_who_chose_spanish_reads_her_pathway_progress(
    spanish_page: Page, lucia: str
) -> None:
    page = spanish_page
    sign_in(page, LUCIA.email)
    page.wait_for_load_state("load")  # the dropdown opens through Bootstrap's script
    nav = page.get_by_role("navigation", name="Principal")
    nav.get_by_role("button", name="Mi historial").click()
    nav.get_by_role("link", name="Mi progreso en las trayectorias").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mi progreso en las trayectorias")
    card = page.get_by_role("region", name="Credenciales de la industria y WorkKeys", exact=True)
    expect(card.get_by_test_id("summary")).to_have_text(
        f"6 de 12 puntos en {lucia}; WorkKeys: 4 de 14 (Applied Math 4, "
        "Graphic Literacy sin presentar, Workplace Documents sin presentar)"
    )
    missing = card.get_by_test_id("missing")
    expect(missing).to_contain_text(f"Te faltan 6 puntos en {lucia}")
    expect(missing).to_contain_text("Presenta la prueba WorkKeys Graphic Literacy.")
    expect(page.locator("main")).to_contain_text(
        "0 de 250 horas de aprendizaje en el trabajo con evaluaciones positivas"
    )
    check(page, "spanish-student-pathways")
