"""Issue 20: a student whose browser asks for Spanish (or who chose it) gets every student
page in Spanish; without either, the pages stay English."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask
from flask_babel import refresh

from matching.recommend import _AVAILABILITY_REASONS, _CONTINUUM_REASONS
from tests.support.builders import make_offering, make_student
from wbl.catalog import reasons
from wbl.extensions import db
from wbl.placements.models import Application

SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}


@pytest.fixture
def student(login_as):  # type: ignore[no-untyped-def]
    profile = make_student()
    login_as(profile.user)
    return profile


def _page(client, url: str, headers: dict[str, str] | None = None) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "spanish", "english"),
    [
        ("/home", "Recomendado para ti", "Recommended for you"),
        ("/offerings", "Busca una oportunidad", "Find an opportunity"),
        ("/offerings?within=10&sort=distance", "A menos de 10 millas", "Within 10 miles"),
        ("/applications", "Todavía no has solicitado nada", "You have not applied for anything"),
        ("/profile", "¿Cómo te trasladas?", "How do you get around?"),
        ("/profile", "Maneja su propio carro", "Drives own car"),
    ],
)
def test_a_student_page_in_spanish_and_in_english(
    client, student, url: str, spanish: str, english: str
) -> None:  # type: ignore[no-untyped-def]
    make_offering(title="Shadow a registered nurse")
    body = _page(client, url, SPANISH)
    assert '<html lang="es">' in body
    assert spanish in body
    assert english not in body
    body = _page(client, url)
    assert '<html lang="en">' in body
    assert english in body
    assert spanish not in body


def test_the_offering_and_apply_pages_in_spanish(client, student) -> None:  # type: ignore[no-untyped-def]
    offering = make_offering(title="Shadow a registered nurse", start_date=date(2031, 12, 1))
    body = _page(client, f"/offerings/{offering.id}", SPANISH)
    assert "Sobre esta oportunidad" in body
    assert "</i> Solicitar</a>" in body
    assert re.search(r"\b1(–\d+)? dic 2031", body)  # dates in Spanish ("1–5 dic 2031")
    assert "Shadow a registered nurse" in body  # catalog data stays as written
    body = _page(client, f"/offerings/{offering.id}", {})
    assert "Dec 1–2, 2031" in body  # English dates as before
    body = _page(client, f"/offerings/{offering.id}/apply", SPANISH)
    assert "Enviar mi solicitud" in body
    assert "Tu carta" in body


def test_a_student_applies_in_spanish(client, student, post_form) -> None:  # type: ignore[no-untyped-def]
    offering = make_offering()
    url = f"/offerings/{offering.id}/apply"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    response = post_form(url, {"statement": "Hola"})
    body = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Cuéntale un poco más al empleador: al menos 20 caracteres." in body
    response = post_form(
        url, {"statement": "Quiero aprender cómo se cuida a los pacientes."}, follow_redirects=True
    )
    body = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Tu solicitud se envió. Primero la revisa tu maestro." in body
    assert "Esperando a tu maestro" in body
    assert db.session.query(Application).filter_by(offering_id=offering.id).count() == 1


def test_the_language_chosen_in_the_session_wins(client, student) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["language"] = "es"
    body = _page(client, "/profile", {"Accept-Language": "en"})
    assert "Guardar mi perfil" in body


def test_the_reasons_are_said_in_spanish(client, student) -> None:  # type: ignore[no-untyped-def]
    student.pathways = []
    student.interests = "when people are hurt I want to be the one who helps them"
    make_offering(title="Shadow a registered nurse")
    db.session.flush()
    body = _page(client, "/home", SPANISH)
    assert "Escribiste “hurt” → Atención al paciente" in body  # a shipped pathway name
    body = _page(client, "/home")
    assert "You wrote “hurt” → Patient Care" in body


def _student_reasons() -> list[str]:
    """Every fixed sentence matching writes for a student, and a sample of each frame."""
    fixed = {r for r in _CONTINUUM_REASONS[False] + _AVAILABILITY_REASONS[False] if r}
    return [
        *sorted(fixed),
        "Part of your Patient Care pathway",
        "In your pathway",
        "Matches your interest in Health Science and Medical Technology",
        "Matches your interest in this industry",
        "Related to your interests: biology, nursing",
        "You wrote “fire department” → Emergency Response",
        "Virtual — no travel needed",
        "2.5 miles from home",
        "Apply by Dec 4 (3 days left)",
        "Apply by Dec 1 (1 day left)",
        "Apply by Dec 1 (today)",
        "Open to you: you meet every requirement",
    ]


@pytest.mark.parametrize("reason", _student_reasons())
def test_every_reason_a_student_reads_has_a_spanish_frame(app: Flask, reason: str) -> None:
    with app.test_request_context(headers=SPANISH):
        spanish = reasons.in_language(reason)
    assert spanish != reason
    assert not any(word in spanish.split() for word in ("your", "you", "the", "miles", "days"))
    with app.test_request_context():
        refresh()  # the test's app context (and its g) outlives the request contexts
        assert reasons.in_language(reason) == reason


def test_a_spanish_reason_keeps_the_data_and_the_numbers_in_spanish(app: Flask) -> None:
    with app.test_request_context(headers=SPANISH):
        assert reasons.in_language("2.5 miles from home") == "A 2,5 millas de tu casa"
        assert reasons.in_language("Apply by Dec 4 (3 days left)") == (
            "Solicita antes del 4 dic (quedan 3 días)"
        )
        assert reasons.in_language("Fits your after-school availability") == (
            "Encaja con tu horario: después de clases"
        )


def test_english_dates_are_unchanged(app: Flask) -> None:
    day = app.jinja_env.filters["day"]
    with app.test_request_context():
        assert day(date(2026, 12, 1)) == "Dec 1, 2026"
    with app.test_request_context(headers=SPANISH):
        refresh()
        assert day(date(2026, 12, 1)) == "1 dic 2026"


# --- The rest of the student side: a student whose placement has ended -----------------------

#: endpoint (with ``placement`` / ``application`` arguments where it needs them) → a Spanish
#: phrase and the English phrase it replaces.
RECORD_PAGES = [
    ("placements.application", "Carta", "Statement"),
    ("hours.placement", "Mis horas", "My hours"),
    ("evaluations.reflection", "Escribe tu reflexión", "Write your reflection"),
    ("evaluations.evaluation", "La evaluación de tu supervisor", "Your supervisor's evaluation"),
    ("logs.me", "Mi registro de experiencias", "My experience log"),
    ("credentials.mine", "Mis credenciales", "My credentials"),
    ("pathways.mine", "Mi progreso en las trayectorias", "My pathway progress"),
    ("portfolio.index", "Mi portafolio", "My portfolio"),
    ("portfolio.progress", "El progreso de mi portafolio", "My portfolio progress"),
    ("portfolio.documents", "Documentos necesarios", "Required documents"),
    ("portfolio.new_artifact", "Nuevo trabajo", "New artifact"),
    ("letters.index", "Cartas de recomendación", "Letters of recommendation"),
    ("reviews.feedback", "Todavía no has enviado tu portafolio.", "You have not submitted"),
    ("certificates.my_certificate", "Mi certificado Work Ready", "My Work Ready Certificate"),
    ("rounds.mine", "Rondas de asignación", "Allocation rounds"),
    ("students.interest_check", "¿No sabes qué escribir en tu perfil?", "Not sure what to write"),
    ("home.account", "Tu cuenta", "Your account"),
    ("records.mine", "Qué incluir", "What goes in"),
]


@pytest.mark.parametrize(("endpoint", "spanish", "english"), RECORD_PAGES)
def test_every_page_of_a_students_record_in_spanish(
    app: Flask, client, login_as, endpoint: str, spanish: str, english: str
) -> None:  # type: ignore[no-untyped-def]
    from flask import url_for

    from tests.support.evaluation_data import ended_placement
    from tests.support.placement_data import make_cast

    cast = make_cast(born=date(2000, 3, 1))  # an adult: placed without a guardian's consent
    placement = ended_placement(cast)
    login_as(cast.student.user)
    arguments = {
        "placements.application": {"application_id": placement.application_id},
        "hours.placement": {"placement_id": placement.id},
        "evaluations.reflection": {"placement_id": placement.id},
        "evaluations.evaluation": {"placement_id": placement.id},
    }.get(endpoint, {})
    with app.test_request_context():
        url = url_for(endpoint, **arguments)
    body = _main(client, url, SPANISH)
    assert spanish in body
    assert english not in body
    body = _main(client, url, {})
    assert english in body
    assert spanish not in body


def _main(client, url: str, headers: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """The page's main content (the navigation and footer are the layout's), followed
    through a redirect (``/logs/me`` goes to the student's own log)."""
    response = client.get(url, headers=headers, follow_redirects=True)
    assert response.status_code == 200, url
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert f'<html lang="{"es" if headers else "en"}">' in page
    return page.split("<main", 1)[1].split("</main>", 1)[0]
