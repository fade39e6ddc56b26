"""Certificate and interview pages: who may open what, the public verification page, the PDF
(rendered to PNG), the badge downloads and the public key."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import ARTIFACTS
from tests.support.builders import make_employer, make_school, make_user
from tests.support.certificate_data import (
    Setting,
    ensure_levels,
    held,
    issue,
    make_interview,
    make_panel,
    make_setting,
    passed_student,
    slot_time,
)
from wbl.access import Role
from wbl.certificates import interviews, services
from wbl.certificates.models import Certificate, Interview, InterviewStatus
from wbl.clock import local_today
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.reference.services import active_outcomes


@pytest.fixture
def setting() -> Setting:
    return make_setting()


@pytest.fixture
def certificate(app, setting) -> Certificate:
    return issue(setting)


def _teacher_of(setting: Setting):
    return make_user(roles={Role.TEACHER}, school=setting.school)


# --- the public verification page ----------------------------------------------------------


def test_verify_a_valid_certificate(client, certificate, setting, app) -> None:
    response = client.get(f"/verify/{certificate.code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    county = app.config["COUNTY_NAME"]
    issued = services.issue_date(certificate)
    assert (
        f"Valid: Work Ready Certificate issued to {setting.student.user.full_name} "
        f"on {issued} by {county}"
    ) in html
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # Nothing else about the student.
    student = setting.student
    for private in (
        setting.school.name,
        student.user.email,
        student.guardian_name,
        student.guardian_email,
        f"Grade {student.grade}",
        str(student.graduation_year),
        student.home_zip,
    ):
        assert private not in html, private


def test_verify_a_revoked_certificate(client, app, certificate, setting) -> None:
    with app.test_request_context():
        services.revoke_certificate(setting.staff, certificate.id, "Secret reason XYZ")
    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert f"Revoked on {services.revoke_date(certificate)}" in html
    assert "Secret reason XYZ" not in html
    assert "Valid:" not in html


def test_verify_an_unknown_code(client, certificate) -> None:
    response = client.get("/verify/not-a-real-code-0000")
    assert response.status_code == 404
    assert "No certificate with this code" in response.get_data(as_text=True)
    assert "noindex" in response.headers["X-Robots-Tag"]


# --- the PDF -------------------------------------------------------------------------------


def test_the_pdf_is_one_landscape_page_with_the_certificate(client, login_as, setting, app):
    """Also a picture to look at: tests/artifacts/work-ready-certificate.png."""
    setting.student.user.full_name = "Zoë Nguyễn-Ortíz"
    certificate = issue(setting)
    login_as(certificate.student.user)
    response = client.get(f"/certificates/{certificate.id}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / "work-ready-certificate.pdf"
    pdf_path.write_bytes(response.data)
    reader = PdfReader(pdf_path)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape
    text = " ".join(page.extract_text().split())
    for expected in (
        app.config["COUNTY_NAME"],
        "Work Ready Certificate",
        certificate.student_name,
        f"Issued {services.issue_date(certificate)}",
        certificate.code,
        certificate.outcomes[0],
    ):
        assert expected in text, expected
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:  # as for Chromium: CI installs it and requires it
        if os.environ.get("WBL_REQUIRE_TOOLS") == "1":
            pytest.fail(
                "WBL_REQUIRE_TOOLS=1 but pdftoppm is missing: apt-get install poppler-utils"
            )
        pytest.skip("poppler-utils not installed (apt-get install poppler-utils)")
    subprocess.run(  # noqa: S603 - fixed arguments, our own file
        [pdftoppm, "-png", "-r", "60", "-singlefile", str(pdf_path), str(pdf_path.with_suffix(""))],
        check=True,
    )
    png = ARTIFACTS / "work-ready-certificate.png"
    with Image.open(png) as image:
        width, height = image.size
        assert (width, height) == (660, 510)  # Letter, landscape, at 60 dpi
        assert image.convert("L").getextrema()[0] < 60  # there is dark ink on it


@pytest.mark.parametrize("who", ["student", "teacher", "staff", "county_staff"])
def test_who_downloads_the_pdf(client, login_as, certificate, setting, who) -> None:
    user = {
        "student": lambda: setting.student.user,
        "teacher": lambda: _teacher_of(setting),
        "staff": lambda: setting.staff,
        "county_staff": lambda: make_user(roles={Role.STAFF}),
    }[who]()
    login_as(user)
    assert client.get(f"/certificates/{certificate.id}/certificate.pdf").status_code == 200


@pytest.mark.parametrize("who", ["other_student", "other_teacher", "other_staff", "employer"])
def test_nobody_else_downloads_the_pdf(client, login_as, certificate, who) -> None:
    other_school = make_school()
    user = {
        "other_student": lambda: make_user(roles={Role.STUDENT}, school=other_school),
        "other_teacher": lambda: make_user(roles={Role.TEACHER}, school=other_school),
        "other_staff": lambda: make_user(roles={Role.STAFF}, district=other_school.district),
        "employer": make_employer,
    }[who]()
    login_as(user)
    assert client.get(f"/certificates/{certificate.id}/certificate.pdf").status_code == 404
    assert client.get(f"/certificates/students/{certificate.student_id}").status_code == 404


def test_a_revoked_certificate_is_gone(client, login_as, app, certificate, setting) -> None:
    with app.test_request_context():
        services.revoke_certificate(setting.staff, certificate.id, "Wrong record.")
    login_as(setting.student.user)
    assert client.get(f"/certificates/{certificate.id}/certificate.pdf").status_code == 410
    assert client.get(f"/certificates/{certificate.id}/badge.json").status_code == 410
    assert client.get(f"/certificates/{certificate.id}/badge.jwt").status_code == 410


# --- the badge -----------------------------------------------------------------------------


def test_the_student_downloads_the_signed_badge(client, login_as, certificate, app) -> None:
    login_as(certificate.student.user)
    body = client.get(f"/certificates/{certificate.id}/badge.json")
    assert body.status_code == 200
    credential = json.loads(body.data)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    token = client.get(f"/certificates/{certificate.id}/badge.jwt")
    assert token.status_code == 200
    assert token.mimetype == "application/vc+jwt"
    jwks = app.test_client().get("/.well-known/jwks.json")  # public: no one signed in
    assert jwks.status_code == 200
    decoded = jwt.decode(
        token.get_data(as_text=True), KeySet.import_key_set(jwks.json), algorithms=["RS256"]
    )
    assert decoded.claims["vc"] == credential
    assert decoded.claims["jti"] == credential["id"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("teacher", 403), ("employer", 403), ("other_student", 404)],  # no role; out of scope
)
def test_the_badge_is_the_students_own(
    client, login_as, certificate, setting, who, expected
) -> None:
    user = {
        "teacher": lambda: _teacher_of(setting),
        "employer": make_employer,
        "other_student": lambda: make_user(roles={Role.STUDENT}, school=setting.school),
    }[who]()
    login_as(user)
    assert client.get(f"/certificates/{certificate.id}/badge.json").status_code == expected
    assert client.get(f"/certificates/{certificate.id}/badge.jwt").status_code == expected


def test_staff_download_the_badge(client, login_as, certificate, setting) -> None:
    login_as(setting.staff)
    assert client.get(f"/certificates/{certificate.id}/badge.jwt").status_code == 200


def test_the_issuer_profile_is_public(client, app) -> None:
    body = client.get("/certificates/issuer").json
    assert body["type"] == ["Profile"]
    assert body["name"] == app.config["COUNTY_NAME"]


# --- the student's certificate page --------------------------------------------------------


def test_staff_issue_from_the_students_page(client, login_as, post_form, setting) -> None:
    passed_student(setting)
    login_as(setting.staff)
    page = f"/certificates/students/{setting.student.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Issue certificate" in html
    response = post_form(f"{page}/issue", {}, page=page)
    assert response.status_code == 302
    certificate = db.session.scalar(select(Certificate))
    assert certificate is not None
    html = client.get(page).get_data(as_text=True)
    assert f"/verify/{certificate.code}" in html
    assert "Issue certificate" not in html
    assert post_form(f"{page}/issue", {}, page=page).status_code == 302
    assert len(db.session.scalars(select(Certificate)).all()) == 1  # refused the second


def test_staff_revoke_with_a_reason(client, login_as, post_form, certificate, setting) -> None:
    login_as(setting.staff)
    page = f"/certificates/students/{setting.student.id}"
    refused = post_form(f"/certificates/{certificate.id}/revoke", {"reason": ""}, page=page)
    assert refused.status_code == 422
    assert certificate.revoked_at is None
    done = post_form(
        f"/certificates/{certificate.id}/revoke", {"reason": "Duplicate record"}, page=page
    )
    assert done.status_code == 302
    db.session.refresh(certificate)
    assert certificate.revoked_at is not None


def test_the_student_sees_their_page_without_staff_actions(client, login_as, certificate):
    login_as(certificate.student.user)
    response = client.get("/certificates/mine")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "My Work Ready Certificate" in html
    assert "Revoke" not in html
    assert "badge.jwt" in html


def test_a_teacher_sees_the_page_and_pdf_but_not_the_badge(client, login_as, certificate):
    login_as(make_user(roles={Role.TEACHER}, school=certificate.student.school))
    html = client.get(f"/certificates/students/{certificate.student_id}").get_data(as_text=True)
    assert "certificate.pdf" in html
    assert "badge.jwt" not in html
    assert "Revoke" not in html


def test_students_cannot_issue(client, login_as, post_form, setting) -> None:
    passed_student(setting)
    login_as(setting.student.user)
    page = f"/certificates/students/{setting.student.id}"
    assert post_form(f"{page}/issue", {}, page=page).status_code == 403
    assert db.session.scalar(select(Certificate)) is None


def test_the_certificates_list_has_a_fixed_query_count(client, login_as, count_queries, app):
    staff = make_user(roles={Role.STAFF})
    login_as(staff)

    def add(n: int) -> None:
        for _ in range(n):
            issue(make_setting())

    add(2)
    with count_queries() as few:
        assert client.get("/certificates").status_code == 200
    add(4)
    with count_queries() as more:
        assert client.get("/certificates").status_code == 200
    assert more.count == few.count


# --- panels and votes through the pages ----------------------------------------------------


def test_staff_create_a_panel_and_invite(client, login_as, post_form, setting) -> None:
    login_as(setting.staff)
    day = (local_today() + timedelta(days=12)).isoformat()
    response = post_form(
        "/interviews/new",
        {
            "day": day,
            "start": "09:00",
            "duration_minutes": "120",
            "location": "County Office, Room 2",
            "video_url": "",
            "notes": "",
            "panelist_1": setting.employer.id,
            "panelist_2": setting.teacher.id,
            "panelist_3": "0",
        },
    )
    assert response.status_code == 302
    panel_url = response.headers["Location"]
    html = client.get(panel_url).get_data(as_text=True)
    assert setting.student.user.full_name in html  # invitable
    response = post_form(
        f"{panel_url}/invite",
        {"student_id": setting.student.id, "start": "09:20", "duration_minutes": "20"},
        page=panel_url,
    )
    assert response.status_code == 302
    interview = db.session.scalar(select(Interview))
    assert interview.status is InterviewStatus.INVITED
    sent = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "interview_invitation")
    ).all()
    assert {m.to_email for m in sent} == {
        setting.student.user.email,
        setting.employer.email,
        setting.teacher.email,
    }
    assert all(m.attachment_name == "interview.ics" for m in sent)


def test_a_bad_panel_form_shows_the_problem(client, login_as, post_form, setting) -> None:
    login_as(setting.staff)
    response = post_form(
        "/interviews/new",
        {
            "day": (local_today() + timedelta(days=12)).isoformat(),
            "start": "09:00",
            "duration_minutes": "120",
            "location": "Room 2",
            "video_url": "javascript:alert(1)",
            "notes": "",
            "panelist_1": setting.employer.id,
            "panelist_2": setting.teacher.id,
            "panelist_3": "0",
        },
    )
    assert response.status_code == 422
    assert "https://" in response.get_data(as_text=True)


def test_a_conflicted_invitation_is_refused_on_the_page(client, login_as, post_form, setting):
    own_teacher = _teacher_of(setting)
    panel = make_panel(members=[setting.employer, own_teacher], creator=setting.staff)
    login_as(setting.staff)
    url = f"/interviews/{panel.id}"
    response = post_form(
        f"{url}/invite",
        {
            "student_id": setting.student.id,
            "start": slot_time(panel).strftime("%H:%M"),
            "duration_minutes": "20",
        },
        page=url,
    )
    assert response.status_code == 422
    assert "never interviews their own student" in response.get_data(as_text=True)


def test_panelists_vote_through_the_page(client, login_as, post_form, setting) -> None:
    ensure_levels()
    panel = make_panel(members=[setting.employer, setting.teacher], creator=setting.staff)
    interview = held(make_interview(panel, setting.student, submission=setting.submission))
    outcomes = active_outcomes()
    url = f"/interviews/slots/{interview.id}"
    for panelist in (setting.employer, setting.teacher):
        login_as(panelist)
        assert interview.id in [i.id for i in interviews.my_interviews(panelist)]
        assert setting.student.user.full_name in client.get("/interviews/mine").get_data(
            as_text=True
        )
        data = {f"rank_{o.id}": "3" for o in outcomes}
        data.update({f"comment_{o.id}": "" for o in outcomes})
        data.update({"passed": "yes", "comment": "Well prepared."})
        missing = {k: v for k, v in data.items() if k != f"rank_{outcomes[0].id}"}
        assert post_form(url, missing).status_code == 422
        assert post_form(url, data).status_code == 302
    db.session.refresh(interview)
    assert interview.status is InterviewStatus.PASSED
    html = client.get(url).get_data(as_text=True)
    assert "2 of 2 panelists voted pass." in html


def test_an_outsider_cannot_open_a_slot(client, login_as, setting) -> None:
    panel = make_panel(members=[setting.employer, setting.teacher])
    interview = make_interview(panel, setting.student)
    login_as(make_employer())
    assert client.get(f"/interviews/slots/{interview.id}").status_code == 404
    login_as(setting.student.user)
    assert client.get(f"/interviews/slots/{interview.id}").status_code == 403
    assert client.get("/interviews").status_code == 403


def test_staff_cancel_an_interview(client, login_as, post_form, setting) -> None:
    panel = make_panel(members=[setting.employer, setting.teacher])
    interview = make_interview(panel, setting.student)
    login_as(setting.staff)
    url = f"/interviews/slots/{interview.id}"
    assert post_form(f"{url}/cancel", {}, page=url).status_code == 302
    db.session.refresh(interview)
    assert interview.status is InterviewStatus.CANCELLED


def test_the_panel_list_has_a_fixed_query_count(client, login_as, count_queries, setting):
    login_as(setting.staff)
    make_panel(members=[setting.employer, setting.teacher])
    with count_queries() as few:
        assert client.get("/interviews").status_code == 200
    for _ in range(3):
        other = make_setting()
        panel = make_panel(members=[other.employer, other.teacher, other.staff_panelist])
        make_interview(panel, other.student)
    with count_queries() as more:
        assert client.get("/interviews").status_code == 200
    assert more.count == few.count


def test_the_slot_page_opens_the_vote_when_the_interview_starts(
    client, login_as, post_form, setting
) -> None:
    ensure_levels()
    panel = make_panel(members=[setting.employer, setting.teacher], creator=setting.staff)
    interview = make_interview(panel, setting.student, submission=setting.submission)
    login_as(setting.employer)
    url = f"/interviews/slots/{interview.id}"
    page = client.get(url).get_data(as_text=True)
    assert "once the interview has started" in page
    assert "Send my levels and decision" not in page
    held(interview)
    page = client.get(url).get_data(as_text=True)
    assert "Send my levels and decision" in page
