"""Issue 20: what a student reads that is not a template's text, in Spanish: the pathway
engine's sentences, the interest check's statements and words (kept in a TOML file and
extracted by our pybabel extractor), the portfolio PDF, the experience log's CSV and the
upload checks' messages. Without Spanish asked for, all of it stays as it was in English."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from pypdf import PdfReader

from tests.support.builders import make_student, pathway
from tests.support.credential_data import make_credential, make_earned, make_workkeys
from tests.support.pathway_data import add_default_rules, make_experience
from tests.support.placement_data import make_cast
from wbl.babel_extract import WORD_CONTEXT, extract_interest_check
from wbl.credentials.models import WorkKeysTest
from wbl.errors import DomainError
from wbl.extensions import db
from wbl.portfolio.files import clean_upload
from wbl.students.interest_check import STATEMENTS_FILE, statements

SPANISH = {"Accept-Language": "es-MX,es;q=0.9"}
CATALOG = Path(__file__).resolve().parents[2] / "wbl/translations/es/LC_MESSAGES/messages.po"


def _body(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


# --- the pathway page ------------------------------------------------------------------------


def _student_on_the_way():  # type: ignore[no-untyped-def]
    """9 of 12 points in one field, WorkKeys 4 + 4 + not taken, and 100 good hours."""
    student = make_student()
    make_earned(student, make_credential(name=f"Nursing Assistant {student.id}", points=6))
    make_earned(student, make_credential(name=f"CPR {student.id}", points=3))
    make_workkeys(student, test=WorkKeysTest.APPLIED_MATH, level=4)
    make_workkeys(student, test=WorkKeysTest.GRAPHIC_LITERACY, level=4)
    make_experience(student, 100)
    add_default_rules(student.school.district)
    return student


def test_a_students_pathway_page_in_spanish(client, login_as) -> None:  # type: ignore[no-untyped-def]
    student = _student_on_the_way()
    login_as(student.user)
    body = _body(client.get("/pathways/mine", headers=SPANISH))
    main = body.split("<main", 1)[1].split("</main>", 1)[0]
    field = "Ciencias de la salud y tecnología médica"  # the shipped career field's name
    assert f"9 de 12 puntos en {field}; WorkKeys: 8 de 14" in main
    assert "Workplace Documents sin presentar" in main  # ACT's test names stay as they are
    assert f"Te faltan 3 puntos en {field}" in main
    assert "Te faltan 6 niveles de WorkKeys para sumar 14" in main
    assert "Presenta la prueba WorkKeys Workplace Documents." in main
    assert "100 de 250 horas de aprendizaje en el trabajo con evaluaciones positivas" in main
    assert "Te faltan 150 horas confirmadas" in main
    assert "Todavía no tienes un certificado aceptado por tu distrito para inglés" in main
    assert "Puntos de credenciales en" in main
    for english in ("more points", "of 250 hours", "not taken", "Take the WorkKeys", "yet"):
        assert english not in main, english
    assert "Credenciales de la industria y WorkKeys</h2>" in main  # a shipped rule's name
    assert "Trayectoria de graduación de Ohio: 250 horas confirmadas" in main
    body = _body(client.get("/pathways/mine"))
    field = "Health Science and Medical Technology"
    assert f"9 of 12 points in {field}; WorkKeys 8 of 14" in body
    assert "Workplace Documents not taken" in body


def test_hours_and_days_in_the_engines_sentences_are_written_as_spanish_writes_them(
    app: Flask,
) -> None:
    from flask_babel import refresh

    from wbl.pathways import rules
    from wbl.pathways.models import RuleKind

    record = rules.StudentRecord(
        student_id=1,
        district_id=1,
        graduation_year=2030,
        experiences=(rules.Experience(1, "Clinic", True, 90, (3,)),),
    )
    rule = rules.Rule(1, RuleKind.WBL_HOURS, "Hours", rules.HoursParams())
    with app.test_request_context(headers=SPANISH):
        refresh()
        progress = rules.evaluate(rule, record, date(2026, 12, 1))
        assert progress.summary.startswith("1,5 de 250 horas")
        assert rules._day(date(2026, 11, 23)) == "23 de noviembre de 2026"
    with app.test_request_context():
        refresh()
        assert rules.evaluate(rule, record, date(2026, 12, 1)).summary.startswith("1.5 of 250")
    # outside a request (a job, a property test): English, as before
    assert rules.evaluate(rule, record, date(2026, 12, 1)).summary.startswith("1.5 of 250")


# --- the interest check ----------------------------------------------------------------------


def test_the_interest_check_in_spanish_adds_spanish_words(client, login_as, post_form) -> None:  # type: ignore[no-untyped-def]
    student = make_student(pathways=[pathway("agriculture.animal_science")])
    login_as(student.user)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    body = _body(client.get("/profile/interest-check"))
    assert "Me gustaría cuidar a personas enfermas o heridas." in body
    assert "I would enjoy" not in body
    body = _body(post_form("/profile/interest-check", {"statements": ["care_for_people"]}))
    assert "cuidar a personas enfermas o heridas." in body  # "You said you would enjoy"
    assert re.search(r'name="words"[^>]*value="primeros auxilios"', body)
    assert "first aid" not in body
    response = post_form(
        "/profile/interest-check/confirm",
        {
            "statements": "care_for_people",
            "pathway_ids": [],
            "words": ["primeros auxilios", "salud"],
        },
        page="/profile/interest-check",
        follow_redirects=True,
    )
    assert response.status_code == 200
    db.session.expire(student)
    assert student.interests.endswith("\nsalud, primeros auxilios")


def test_every_statement_and_word_is_extracted_and_translated() -> None:
    with STATEMENTS_FILE.open("rb") as file:
        extracted = list(extract_interest_check(file, {}, [], {}))
    texts = {message for _line, function, message, _c in extracted if function == "gettext"}
    words = {message for _line, function, message, _c in extracted if function == "pgettext"}
    assert texts == {s.text for s in statements()}
    assert words == {(WORD_CONTEXT, w) for s in statements() for w in s.words}
    lines = STATEMENTS_FILE.read_text(encoding="utf-8").splitlines()
    for line, _function, message, _c in extracted:  # the catalog points at the right line
        shown = message[1] if isinstance(message, tuple) else message
        assert f'"{shown}"' in lines[line - 1]
    with CATALOG.open("rb") as file:
        catalog = read_po(file)
    for statement in statements():
        spanish = catalog.get(statement.text).string
        assert spanish.startswith("Me gustaría "), statement.id  # what shown_rest takes off
    for _context, word in words:
        assert catalog.get(word, context=WORD_CONTEXT).string, word


# --- the portfolio PDF, the log's CSV, an upload's refusal ----------------------------------


def test_the_portfolio_pdf_in_spanish(client, login_as) -> None:  # type: ignore[no-untyped-def]
    cast = make_cast(born=date(2000, 3, 1))
    login_as(cast.student.user)
    response = client.get("/portfolio/export.pdf", headers=SPANISH)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    name = cast.student.user.full_name
    assert f"Portafolio de {name}" in text
    assert "Certificado Work Ready" in text
    assert "Documentos necesarios" in text
    assert "Todavía no se ha subido." in text
    assert f"Portafolio de {name} · página 2" in text
    assert re.search(r"\d{1,2} de [a-z]+ de \d{4}", text)  # the cover's date
    for english in ("Portfolio of", "Required documents", "Not uploaded yet", " page "):
        assert english not in text, english
    assert reader.metadata.title == f"Portafolio de {name}"


def test_the_experience_log_csv_in_spanish(client, login_as) -> None:  # type: ignore[no-untyped-def]
    from tests.support.evaluation_data import ended_placement

    cast = make_cast(born=date(2000, 3, 1))
    ended_placement(cast)
    login_as(cast.student.user)
    url = f"/logs/students/{cast.student.id}?format=csv"
    response = client.get(url, headers=SPANISH)
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == [
        "Experiencia",
        "Tipo",
        "Socio",
        "Estado",
        "Inicio",
        "Fin",
        "Horas confirmadas",
        "Horas pendientes",
        "Horas de eventos",
        "Última actividad",
        "Evaluación del supervisor",
    ]
    assert rows[1][3] == "Terminado"  # the placement's status, as the page says it
    rows = list(csv.reader(io.StringIO(client.get(url).get_data().decode("utf-8-sig"))))
    assert rows[0][:4] == ["Experience", "Type", "Partner", "Status"]


@pytest.mark.parametrize(
    ("data", "spanish"),
    [
        (b"", "El archivo está vacío."),
        (b"plain text", "Ese archivo no es un PDF"),
        (b"%PDF-1.4 broken", "El PDF está dañado y no se puede abrir."),
    ],
)
def test_an_upload_is_refused_in_spanish(app: Flask, data: bytes, spanish: str) -> None:
    from flask_babel import refresh

    with app.test_request_context(headers=SPANISH):
        refresh()
        with pytest.raises(DomainError) as refused:
            clean_upload(data, "x.pdf")
    assert spanish in str(refused.value.message)


# --- the shipped reference names -------------------------------------------------------------


def test_shipped_reference_names_are_extracted_and_translated() -> None:
    from wbl.babel_extract import extract_reference_defaults
    from wbl.reference import defaults

    path = Path(defaults.__file__)
    with path.open("rb") as file:
        extracted = {
            message for _line, _f, message, _c in extract_reference_defaults(file, {}, [], {})
        }
    shipped = {name for _code, sector, names in defaults.SECTORS for name in [sector, *names]}
    shipped |= {text for _code, *texts in defaults.POG_OUTCOMES for text in texts}
    shipped |= {row[1] for row in defaults.EXPERIENCE_TYPES} | {
        row[4] for row in defaults.EXPERIENCE_TYPES
    }
    assert shipped <= extracted
    codes = {code for code, _name, _pathways in defaults.SECTORS}
    assert not codes & extracted  # a row's code is never shown
    with CATALOG.open("rb") as file:
        catalog = read_po(file)
    assert all(catalog.get(text) and catalog.get(text).string for text in extracted)


def test_a_name_the_county_wrote_is_shown_as_written(app: Flask) -> None:
    from flask_babel import refresh

    from wbl.i18n import data_name

    with app.test_request_context(headers=SPANISH):
        refresh()
        assert data_name("Patient Care") == "Atención al paciente"
        assert data_name("Nursing at Sonoma Valley Hospital") == "Nursing at Sonoma Valley Hospital"
        assert data_name("") == ""
        assert data_name(None) == ""
    with app.test_request_context():
        refresh()
        assert data_name("Patient Care") == "Patient Care"


def test_the_profile_and_the_catalog_list_shipped_names_in_spanish(client, login_as) -> None:  # type: ignore[no-untyped-def]
    login_as(make_student().user)
    body = _body(client.get("/profile", headers=SPANISH))
    assert "Atención al paciente" in body
    assert 'label="Ciencias de la salud y tecnología médica"' in body  # the optgroup
    assert "Patient Care" not in body


def test_recording_a_credential_is_refused_in_spanish(app: Flask) -> None:
    from flask_babel import refresh

    from wbl.credentials.services import EarnedInput, record_earned

    student = make_student()
    with app.test_request_context(headers=SPANISH):
        refresh()
        with pytest.raises(DomainError) as refused:
            record_earned(student.user, student.id, EarnedInput(None, None, None))
    assert refused.value.message == "Elige una credencial del catálogo."


# --- tú to students, usted to guardians ------------------------------------------------------

#: The e-mails only a student receives: they speak to them as their pages do (tú).
STUDENT_EMAILS = {
    f"templates/email/{name}.txt"
    for name in (
        "certificates/issued",
        "certificates/revoked",
        "certificates/interview_invitation",
        "certificates/interview_decided",
        "credentials/decision",
        "reviews/result",
        "portfolio/comment",
        "portfolio/letter_received",
        "placements/application_returned",
        "placements/consent_refused",
        "placements/application_declined",
        "placements/application_waitlisted",
        "evaluations/reflection_requested",
        "rounds/round_unmatched",
    )
}
#: What a guardian reads: the consent and training-agreement pages and e-mails.
GUARDIAN_TEXTS = (
    "templates/placements/consent",
    "templates/agreements/",
    "templates/email/placements/guardian_consent.txt",
    "templates/email/placements/training_agreement.txt",
    "templates/email/incidents/incident_guardian.txt",
)
# Words that are only the one or the other ("puede", "escribe" may be either).
USTED = re.compile(r"\b(usted|escriba|lea|vea|siga|hable|descargue|venga|recibirá)\b", re.I)
TU = re.compile(r"\b(tú|tu|tus|ti|contigo|puedes|tienes|quieres|debes|estás|eres)\b", re.I)


def _messages(paths) -> list[tuple[set[str], str]]:  # type: ignore[no-untyped-def]
    with CATALOG.open("rb") as file:
        catalog = read_po(file)
    found = []
    for message in catalog:
        where = {path for path, _line in message.locations}
        if message.id and where and all(path.startswith(tuple(paths)) for path in where):
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            found.append((where, " ".join(strings)))
    return found


def test_a_students_e_mails_say_tu() -> None:
    found = _messages(STUDENT_EMAILS)
    assert len(found) > 30
    assert [text for _where, text in found if USTED.search(text)] == []


def test_what_a_guardian_reads_says_usted() -> None:
    found = _messages(GUARDIAN_TEXTS)
    assert len(found) > 30
    assert [text for _where, text in found if TU.search(text)] == []
