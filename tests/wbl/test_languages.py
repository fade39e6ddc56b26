"""Choosing a language (issue 20): the footer switcher, a person's preference on their account
page, the browser's Accept-Language, a guardian's language from the roster or the consent
page, and e-mails written in their recipient's language."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import csrf_from
from tests.support.builders import make_user
from tests.support.placement_data import accepted, consent_link_from_outbox, make_cast
from tests.support.smtp import Recorder, smtp_server
from wbl.access import Role
from wbl.auth.forms import LanguageForm
from wbl.extensions import db, utcnow
from wbl.notifications.delivery import deliver_pending
from wbl.notifications.models import OutboxMessage
from wbl.placements import consent_answers, training
from wbl.placements.models import GuardianConsent, TrainingAgreement
from wbl.roster.models import Guardian

SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}


def _lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match
    return match.group(1)


def _switch(client: FlaskClient, language: str, next_: str, page: str = "/login") -> object:
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post("/language", data={"language": language, "next": next_, "csrf_token": token})


# --- which language a page is in ------------------------------------------------------------


def test_a_page_follows_the_browser_then_english(client: FlaskClient) -> None:
    assert _lang(client.get("/login").get_data(as_text=True)) == "en"
    assert _lang(client.get("/login", headers=SPANISH).get_data(as_text=True)) == "es"
    french = {"Accept-Language": "fr-FR"}
    assert _lang(client.get("/login", headers=french).get_data(as_text=True)) == "en"


def test_the_switcher_beats_the_browser_and_the_page_is_spanish(client: FlaskClient) -> None:
    response = _switch(client, "es", "/login?next=%2Faccount")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["Location"] == "/login?next=%2Faccount"  # type: ignore[attr-defined]
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _lang(page) == "es"
    assert "Saltar al contenido principal" in page
    assert "Skip to main content" not in page
    _switch(client, "en", "/login")
    assert _lang(client.get("/login", headers=SPANISH).get_data(as_text=True)) == "en"


def test_a_signed_in_persons_preference_beats_the_browser(
    client: FlaskClient, login_as: object
) -> None:
    user = make_user(roles={Role.TEACHER})
    user.language = "es"
    login_as(user)  # type: ignore[operator]
    page = client.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _lang(page) == "es"
    assert "Cerrar sesión" in page


def test_the_switcher_saves_a_signed_in_persons_preference(
    client: FlaskClient, login_as: object
) -> None:
    user = make_user(roles={Role.TEACHER})
    login_as(user)  # type: ignore[operator]
    response = _switch(client, "es", "/account", page="/account")
    assert response.headers["Location"] == "/account"  # type: ignore[attr-defined]
    db.session.refresh(user)
    assert user.language == "es"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
        "evil.example",
        "",
    ],
)
@pytest.mark.parametrize("signed_in", [False, True])
def test_the_switcher_goes_back_only_to_this_site(
    client: FlaskClient, login_as: object, target: str, signed_in: bool
) -> None:
    if signed_in:
        login_as(make_user(roles={Role.STUDENT}))  # type: ignore[operator]
    response = _switch(client, "es", target, page="/account" if signed_in else "/login")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["Location"] == "/"  # type: ignore[attr-defined]


def test_the_switcher_refuses_a_language_it_does_not_offer(
    client: FlaskClient, login_as: object
) -> None:
    user = login_as(make_user(roles={Role.STUDENT}))  # type: ignore[operator]
    response = _switch(client, "xx", "/account", page="/account")
    assert response.headers["Location"] == "/account"  # type: ignore[attr-defined]
    db.session.refresh(user)
    assert user.language == ""
    assert _lang(client.get("/account").get_data(as_text=True)) == "en"


def test_the_switcher_needs_its_csrf_token(client: FlaskClient) -> None:
    response = client.post("/language", data={"language": "es", "next": "/login"})
    assert response.status_code == 400


# --- the account page's preference ----------------------------------------------------------


def test_the_account_page_saves_a_preference_and_refuses_bad_input(
    client: FlaskClient, login_as: object
) -> None:
    user = login_as(make_user(roles={Role.TEACHER}))  # type: ignore[operator]
    page = client.get("/account").get_data(as_text=True)
    assert 'name="language"' in page
    token = csrf_from(page)
    refused = client.post("/account", data={"language": "klingon", "csrf_token": token})
    assert refused.status_code == 422
    assert "Not a valid choice" in refused.get_data(as_text=True)
    db.session.refresh(user)
    assert user.language == ""
    saved = client.post("/account", data={"language": "es", "csrf_token": token})
    assert saved.status_code == 303
    db.session.refresh(user)
    assert user.language == "es"
    assert "Se guardó su idioma." in client.get("/account").get_data(as_text=True)
    client.post("/account", data={"language": "", "csrf_token": token})
    db.session.refresh(user)
    assert user.language == ""  # back to the browser's


def test_wtforms_own_messages_are_spanish_on_a_spanish_page(app: Flask) -> None:
    with app.test_request_context("/", method="POST", data={}, headers=SPANISH):
        form = LanguageForm(meta={"csrf": False})
        assert not form.validate()
        assert form.language.errors == ["Este campo es obligatorio."]


# --- e-mails in the recipient's language ----------------------------------------------------


@pytest.fixture
def smtp(app: Flask) -> Iterator[Recorder]:
    with smtp_server() as (recorder, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        try:
            yield recorder
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)


def _roster_guardian(student_id: int, email: str, language: str) -> None:
    db.session.add(
        Guardian(
            student_id=student_id,
            sourced_id=f"g-{student_id}",
            relationship_kind="parent",
            full_name="María Guardian",
            email=email.upper(),  # the roster's spelling; matched without case
            language=language,
        )
    )
    db.session.flush()


def test_a_guardian_whose_roster_language_is_spanish_gets_the_consent_email_in_spanish(
    app: Flask, smtp: Recorder
) -> None:
    cast = make_cast()
    _roster_guardian(cast.student.id, cast.student.guardian_email, "es")
    with app.test_request_context(headers={"Accept-Language": "en"}):  # the employer's page
        accepted(cast)
    assert deliver_pending(utcnow()).sent >= 1
    [received] = [m for m in smtp.messages if cast.student.guardian_email in m.recipients]
    email = received.email
    assert email["Subject"] == (
        f"Necesitamos su permiso: {cast.student.user.full_name} en {cast.partner.name}"
    )
    text = email.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Hola, Pat Guardian:" in text
    assert "Como es menor de 18 años, necesitamos su permiso." in text
    assert "el enlace se puede usar una sola vez y vence en" in text
    assert "/consent/" in text
    assert "Hello" not in text
    html = email.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert '<html lang="es">' in html


def test_the_same_e_mail_is_english_without_a_language_on_file(app: Flask) -> None:
    cast = make_cast()
    with app.test_request_context(headers=SPANISH):  # whoever caused it reads Spanish
        accepted(cast)
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_email == cast.student.guardian_email)
    )
    assert message is not None
    assert message.subject.startswith("Your consent is needed:")


def test_a_users_preference_decides_their_e_mails(app: Flask) -> None:
    cast = make_cast()
    cast.teacher.language = "es"
    db.session.flush()
    with app.test_request_context():
        accepted(cast)
    subjects = db.session.scalars(
        select(OutboxMessage.subject).where(OutboxMessage.to_email == cast.teacher.email)
    ).all()
    assert subjects
    assert all(not subject.startswith("To approve") for subject in subjects)
    assert any(subject.startswith("Por aprobar:") for subject in subjects)


# --- the guardian's page --------------------------------------------------------------------


def _path(link: str) -> str:
    return urlsplit(link).path


def test_the_guardian_chooses_spanish_on_the_consent_page_and_it_is_remembered(
    app: Flask, client: FlaskClient
) -> None:
    cast = make_cast()
    cast.offering.paid = False
    with app.test_request_context():
        accepted(cast)
    path = _path(consent_link_from_outbox(cast.student.guardian_email))
    page = client.get(path).get_data(as_text=True)
    assert _lang(page) == "en"
    assert "Read this page and our e-mails in:" in page
    chosen = client.post(path + "/language", data={"language": "es", "csrf_token": csrf_from(page)})
    assert chosen.status_code == 303
    consent = db.session.scalar(select(GuardianConsent))
    assert consent is not None
    db.session.refresh(consent)
    assert consent.language == "es"
    page = client.get(path).get_data(as_text=True)
    assert _lang(page) == "es"
    assert "Su permiso para" in page
    assert "Dar mi permiso" in page
    refused = client.post(
        path, data={"give": "Dar mi permiso", "typed_name": "", "csrf_token": csrf_from(page)}
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Escriba su nombre completo para firmar." in body
    assert "Marque esta casilla para dar su permiso" in body
    given = client.post(
        path,
        data={
            "give": "Dar mi permiso",
            "typed_name": "María Guardian",
            "agree": "y",
            "csrf_token": csrf_from(page),
        },
    )
    assert given.status_code == 200
    assert "Quedó registrado su permiso." in given.get_data(as_text=True)
    # The training agreement (an unpaid placement of a minor) goes to her in Spanish.
    subject = db.session.scalar(
        select(OutboxMessage.subject).where(
            OutboxMessage.kind == "training_agreement",
            OutboxMessage.to_email == cast.student.guardian_email,
        )
    )
    assert subject == (
        f"Acuerdo de capacitación para aceptar: {cast.student.user.full_name} "
        f"en {cast.partner.name}"
    )


def test_a_bad_language_on_the_consent_page_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    cast = make_cast()
    with app.test_request_context():
        accepted(cast)
    path = _path(consent_link_from_outbox(cast.student.guardian_email))
    token = csrf_from(client.get(path).get_data(as_text=True))
    response = client.post(path + "/language", data={"language": "xx", "csrf_token": token})
    assert response.status_code == 400
    consent = db.session.scalar(select(GuardianConsent))
    assert consent is not None
    assert consent.language == ""


def test_the_training_agreement_pdf_is_spanish_for_a_spanish_reader(app: Flask) -> None:
    cast = make_cast()
    cast.offering.paid = False
    with app.test_request_context():
        accepted(cast)
        consent = db.session.scalars(select(GuardianConsent)).one()
        consent_answers.answer_consent(
            consent.id, consent.nonce or "", give=True, typed_name="Pat Guardian", ip_address=""
        )
    agreement = db.session.scalar(select(TrainingAgreement))
    assert agreement is not None
    with app.test_request_context(headers=SPANISH):
        data = training.agreement_pdf(agreement)
    pages = PdfReader(io.BytesIO(data)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())  # lines wrap
    assert "Acuerdo de capacitación para el aprendizaje basado en el trabajo" in text
    assert "Metas de aprendizaje" in text
    assert "Aproximadamente 12 horas" in text
    assert "Padre, madre o tutor" in text
    assert "Learning goals" not in text


def test_an_e_mails_dates_and_numbers_are_written_in_its_recipients_language(
    app: Flask,
) -> None:
    """Values a service formats (``later``) are made when the e-mail is rendered, so in its
    recipient's language, whatever the language of the page that caused it."""
    from datetime import date
    from types import SimpleNamespace

    from wbl.hours.jobs import _day, _hours
    from wbl.i18n import later
    from wbl.notifications.services import render_email

    row = {"day": later(_day, date(2026, 12, 5)), "hours": later(_hours, 90)}
    context = {
        "count": 1,
        "user": SimpleNamespace(full_name="Dana Whitfield"),
        "groups": [
            {
                "student": "Ana",
                "title": "Kennel care",
                "partner": "Clinic",
                "rows": [{**row, "correction": False, "text": "Walked the dogs"}],
            }
        ],
        "link": "https://wbl.example/l",
        "until": later(_day, date(2026, 12, 12)),
        "inbox": "https://wbl.example/i",
    }
    with app.test_request_context(headers={"Accept-Language": "en"}):
        spanish = render_email("hours/supervisor", language="es", **context)
    with app.test_request_context(headers=SPANISH):
        english = render_email("hours/supervisor", language="en", **context)
    assert "  - sáb, 5 dic 2026: 1,5 horas: Walked the dogs" in spanish.text
    assert "Funciona hasta el sáb, 12 dic 2026" in spanish.text
    assert spanish.subject == "1 registro de horas espera su confirmación"
    assert "  - Sat, Dec 5, 2026: 1.5 hours: Walked the dogs" in english.text
    assert english.subject == "1 hour entry waits for your confirmation"
