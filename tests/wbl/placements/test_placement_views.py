"""The placement pages: who sees what, every action through its form, and the guardian's
consent link (valid, used, tampered, expired)."""

from __future__ import annotations

import io
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from tests.support.builders import (
    make_district,
    make_employer,
    make_offering,
    make_school,
    make_student,
    make_user,
)
from tests.support.logo_files import png_bytes
from tests.support.placement_data import (
    STATEMENT,
    Cast,
    accepted,
    applied,
    approved,
    consent_link_from_outbox,
    make_cast,
)
from wbl.access import Role
from wbl.extensions import db
from wbl.placements.consent import PURPOSE
from wbl.placements.models import (
    Application,
    ApplicationStatus,
    ConsentMethod,
    ConsentStatus,
    GuardianConsent,
    Placement,
    PlacementStatus,
)
from wbl.storage import storage
from wbl.tokens import make_token


@pytest.fixture
def cast(app) -> Cast:
    return make_cast()


def count_applications() -> int:
    return db.session.scalar(select(func.count(Application.id))) or 0


def status_of(application: Application) -> ApplicationStatus:
    db.session.expire_all()
    found = db.session.get(Application, application.id)
    assert found is not None
    return found.status


def page_of(application: Application) -> str:
    return f"/applications/{application.id}"


def path_of(link: str) -> str:
    return urlsplit(link).path


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/applications", "/applications/1", "/offerings/1/apply", "/applications/1/consent-scan"],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.TEACHER, Role.EMPLOYER, Role.STAFF])
def test_only_students_apply(client, login_as, cast: Cast, role: Role) -> None:
    user = {Role.TEACHER: cast.teacher, Role.EMPLOYER: cast.employer, Role.STAFF: cast.staff}
    login_as(user[role])
    assert client.get(f"/offerings/{cast.offering.id}/apply").status_code == 403


def test_each_role_opens_the_application(client, login_as, cast: Cast) -> None:
    application = approved(cast)
    for user in (cast.student.user, cast.teacher, cast.employer, cast.staff):
        login_as(user)
        response = client.get(page_of(application))
        assert response.status_code == 200, user.email
        assert cast.offering.title in response.get_data(as_text=True)


def test_another_student_cannot_see_an_application(client, login_as, cast: Cast) -> None:
    application = applied(cast)
    login_as(make_student(school=cast.school).user)
    assert client.get(page_of(application)).status_code == 404


def test_the_employer_does_not_see_a_submitted_application(client, login_as, cast: Cast) -> None:
    application = applied(cast)
    login_as(cast.employer)
    assert client.get(page_of(application)).status_code == 404
    listing = client.get("/applications").get_data(as_text=True)
    assert cast.student.user.full_name not in listing


def test_another_partners_employer_cannot_see_it(client, login_as, cast: Cast) -> None:
    application = approved(cast)
    login_as(make_employer())
    assert client.get(page_of(application)).status_code == 404
    assert cast.student.user.full_name not in client.get("/applications").get_data(as_text=True)


def test_a_teacher_of_another_school_cannot_see_it(client, login_as, cast: Cast) -> None:
    application = applied(cast)
    login_as(make_user(roles={Role.TEACHER}, school=make_school()))
    assert client.get(page_of(application)).status_code == 404
    assert cast.student.user.full_name not in client.get("/applications").get_data(as_text=True)


def test_district_staff_see_only_their_district(client, login_as, cast: Cast) -> None:
    application = applied(cast)
    login_as(make_user(roles={Role.STAFF}, district=make_district()))
    assert client.get(page_of(application)).status_code == 404
    assert cast.student.user.full_name not in client.get("/applications").get_data(as_text=True)
    login_as(make_user(roles={Role.STAFF}, district=cast.school.district))
    assert client.get(page_of(application)).status_code == 200
    assert cast.student.user.full_name in client.get("/applications").get_data(as_text=True)


def test_employers_never_see_birth_date_address_or_guardian(client, login_as, cast: Cast) -> None:
    application = accepted(cast)
    login_as(cast.employer)
    for url in (page_of(application), "/applications"):
        html = client.get(url).get_data(as_text=True)
        assert cast.student.user.full_name in html
        for private in ("2010-03-01", "Mar 1, 2010", cast.student.guardian_email, "Guardian"):
            assert private not in html, (url, private)
        assert cast.student.home_zip not in html


def test_students_cannot_take_teacher_or_employer_actions(
    client, login_as, post_form, cast: Cast
) -> None:
    application = approved(cast)
    login_as(cast.student.user)
    url = f"{page_of(application)}/employer-decision"
    assert post_form(url, {"accept": "Accept"}, page=page_of(application)).status_code == 403
    assert status_of(application) is ApplicationStatus.APPROVED


def test_a_teacher_of_another_school_cannot_decide(client, login_as, cast: Cast) -> None:
    application = applied(cast)
    other = make_user(roles={Role.TEACHER}, school=make_school())
    login_as(other)
    token_page = client.get("/applications").get_data(as_text=True)
    from tests.conftest import csrf_from

    response = client.post(
        f"{page_of(application)}/teacher-decision",
        data={"approve": "Approve", "comment": "", "csrf_token": csrf_from(token_page)},
    )
    assert response.status_code == 404
    assert status_of(application) is ApplicationStatus.SUBMITTED


# --- applying -------------------------------------------------------------------------------


def test_a_student_applies_through_the_form(client, login_as, post_form, cast: Cast) -> None:
    login_as(cast.student.user)
    url = f"/offerings/{cast.offering.id}/apply"
    page = client.get(url).get_data(as_text=True)
    assert "Your statement" in page
    assert "Share my resume" in page
    response = post_form(url, {"statement": STATEMENT, "share_resume": "y"})
    assert response.status_code == 302
    application = db.session.scalar(select(Application))
    assert application is not None
    assert response.headers["Location"].endswith(page_of(application))
    assert (application.statement, application.share_resume) == (STATEMENT, True)
    html = client.get(page_of(application)).get_data(as_text=True)
    assert "Waiting for your teacher" in html


def test_a_double_submit_creates_one_application(client, login_as, cast: Cast) -> None:
    from tests.conftest import csrf_from

    login_as(cast.student.user)
    url = f"/offerings/{cast.offering.id}/apply"
    token = csrf_from(client.get(url).get_data(as_text=True))
    data = {"statement": STATEMENT, "csrf_token": token}
    first = client.post(url, data=data)
    second = client.post(url, data=data)  # the back button, or a second click
    assert count_applications() == 1
    assert first.headers["Location"] == second.headers["Location"]
    followed = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "already applied" in followed


def test_a_short_statement_is_refused_next_to_the_field(
    client, login_as, post_form, cast: Cast
) -> None:
    login_as(cast.student.user)
    response = post_form(f"/offerings/{cast.offering.id}/apply", {"statement": "Hi"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "at least 20 characters" in html
    assert 'aria-invalid="true"' in html
    assert count_applications() == 0


def test_a_student_who_cannot_apply_sees_why_and_no_form(client, login_as, cast: Cast) -> None:
    cast.offering.min_grade = 12
    login_as(cast.student.user)
    html = client.get(f"/offerings/{cast.offering.id}/apply").get_data(as_text=True)
    assert "You cannot apply yet" in html
    assert "grade 12 and up" in html
    assert "Your statement" not in html


def test_the_offering_page_offers_apply_then_shows_the_status(client, login_as, cast: Cast) -> None:
    login_as(cast.student.user)
    html = client.get(f"/offerings/{cast.offering.id}").get_data(as_text=True)
    assert f"/offerings/{cast.offering.id}/apply" in html
    application = applied(cast)
    html = client.get(f"/offerings/{cast.offering.id}").get_data(as_text=True)
    assert "Waiting for your teacher" in html
    assert page_of(application) in html


def test_the_offering_page_asks_one_more_query_for_students_only(
    client, login_as, cast: Cast, count_queries
) -> None:
    login_as(cast.teacher)
    client.get(f"/offerings/{cast.offering.id}")
    with count_queries() as teacher_view:
        client.get(f"/offerings/{cast.offering.id}")
    assert not any("FROM application" in s for s in teacher_view.statements)


# --- the lists ------------------------------------------------------------------------------


def test_each_role_sees_its_list(client, login_as, cast: Cast) -> None:
    submitted = applied(cast)
    other = make_student(school=cast.school)
    login_as(cast.teacher)
    html = client.get("/applications").get_data(as_text=True)
    assert "To approve" in html
    assert page_of(submitted) in html
    login_as(cast.student.user)
    html = client.get("/applications").get_data(as_text=True)
    assert "My applications" in html
    assert "Waiting for your teacher" in html
    login_as(other.user)
    assert page_of(submitted) not in client.get("/applications").get_data(as_text=True)
    login_as(cast.staff)
    html = client.get("/applications?status=submitted").get_data(as_text=True)
    assert "Applications and placements" in html
    assert page_of(submitted) in html
    assert page_of(submitted) not in client.get("/applications?status=placed").get_data(
        as_text=True
    )


def test_the_employer_sees_approved_applicants_to_decide(client, login_as, cast: Cast) -> None:
    application = approved(cast)
    login_as(cast.employer)
    html = client.get("/applications").get_data(as_text=True)
    assert "To decide" in html
    assert page_of(application) in html
    assert cast.student.school.name in html


def test_staff_see_the_consents_they_wait_for(client, login_as, cast: Cast) -> None:
    application = accepted(cast)
    login_as(cast.staff)
    html = client.get("/applications").get_data(as_text=True)
    waiting = html.split("Waiting for guardian consent", 1)[1].split("All applications", 1)[0]
    assert page_of(application) in waiting


@pytest.mark.parametrize("role", ["teacher", "staff", "employer", "student"])
def test_lists_run_a_constant_number_of_queries(client, login_as, count_queries, role: str) -> None:
    cast = make_cast(capacity=10)

    def run() -> int:
        user = {
            "teacher": cast.teacher,
            "staff": cast.staff,
            "employer": cast.employer,
            "student": cast.student.user,
        }[role]
        login_as(user)
        with count_queries() as counter:
            assert client.get("/applications").status_code == 200
        return counter.count

    first = make_student(school=cast.school)
    with_one = _advance(cast, first, role)
    one = run()
    for _ in range(3):
        _advance(cast, make_student(school=cast.school), role)
    assert with_one is not None
    assert run() == one


def _advance(cast: Cast, student, role: str) -> Application:
    from flask import current_app

    from wbl.placements import applications

    if role == "student":
        student = cast.student
        offering = make_offering(partner=cast.partner)
        with current_app.test_request_context():
            return applications.apply(student.user, offering.id, STATEMENT, share_resume=False)
    application = applied(cast, student)
    if role == "employer":
        with current_app.test_request_context():
            applications.teacher_decide(cast.teacher, application.id, approve=True, comment="")
    return application


# --- teacher, employer, student and staff actions -------------------------------------------


def test_the_teacher_approves(client, login_as, post_form, cast: Cast) -> None:
    application = applied(cast)
    login_as(cast.teacher)
    response = post_form(
        f"{page_of(application)}/teacher-decision",
        {"approve": "Approve", "comment": "A good fit."},
        page=page_of(application),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page_of(application))
    assert status_of(application) is ApplicationStatus.APPROVED
    html = client.get(page_of(application)).get_data(as_text=True)
    assert "Approved: the employer can now see it." in html
    assert "A good fit." in html


def test_returning_needs_a_comment_then_the_student_resubmits(
    client, login_as, post_form, cast: Cast
) -> None:
    application = applied(cast)
    login_as(cast.teacher)
    url = f"{page_of(application)}/teacher-decision"
    response = post_form(url, {"give_back": "Return", "comment": ""}, page=page_of(application))
    assert response.status_code == 422
    assert "Tell the student what to change." in response.get_data(as_text=True)
    assert status_of(application) is ApplicationStatus.SUBMITTED
    post_form(
        url, {"give_back": "Return", "comment": "Say why animals."}, page=page_of(application)
    )
    assert status_of(application) is ApplicationStatus.RETURNED

    login_as(cast.student.user)
    html = client.get(page_of(application)).get_data(as_text=True)
    assert "Revise and send again" in html
    assert "Say why animals." in html
    revised = STATEMENT + " I have volunteered at the shelter for a year."
    response = post_form(
        f"{page_of(application)}/resubmit", {"statement": revised}, page=page_of(application)
    )
    assert response.status_code == 302
    assert status_of(application) is ApplicationStatus.SUBMITTED
    assert db.session.get(Application, application.id).statement == revised


def test_the_employer_accepts_and_the_guardian_is_asked(
    client, login_as, post_form, cast: Cast
) -> None:
    application = approved(cast)
    login_as(cast.employer)
    html = client.get(page_of(application)).get_data(as_text=True)
    assert "Your decision" in html
    response = post_form(
        f"{page_of(application)}/employer-decision",
        {"accept": "Accept", "message": "See you Tuesday."},
        page=page_of(application),
    )
    assert response.status_code == 302
    assert status_of(application) is ApplicationStatus.ACCEPTED
    assert "/consent/" in consent_link_from_outbox(cast.student.guardian_email)
    html = client.get(page_of(application)).get_data(as_text=True)
    assert "their guardian has been asked for consent" in html


def test_no_seat_left_puts_the_applicant_on_the_waitlist(
    client, login_as, post_form, cast: Cast
) -> None:
    cast.offering.capacity = 1
    accepted(cast)
    second = applied(cast, make_student(school=cast.school))
    from flask import current_app

    from wbl.placements import applications, lifecycle

    with current_app.test_request_context():
        applications.teacher_decide(cast.teacher, second.id, approve=True, comment="")
    login_as(cast.employer)
    post_form(f"{page_of(second)}/employer-decision", {"accept": "Accept"}, page=page_of(second))
    assert status_of(second) is ApplicationStatus.WAITLISTED
    assert lifecycle.NoSeatsLeft.message in client.get(page_of(second)).get_data(as_text=True)


def test_the_employer_declines(client, login_as, post_form, cast: Cast) -> None:
    application = approved(cast)
    login_as(cast.employer)
    post_form(
        f"{page_of(application)}/employer-decision",
        {"decline": "Decline", "message": "We are full this term."},
        page=page_of(application),
    )
    assert status_of(application) is ApplicationStatus.DECLINED


def test_a_decision_sent_twice_changes_it_once(client, login_as, cast: Cast) -> None:
    from tests.conftest import csrf_from

    application = approved(cast)
    login_as(cast.employer)
    token = csrf_from(client.get(page_of(application)).get_data(as_text=True))
    url = f"{page_of(application)}/employer-decision"
    client.post(url, data={"accept": "Accept", "csrf_token": token})
    again = client.post(url, data={"decline": "Decline", "csrf_token": token})
    assert again.status_code == 302
    assert status_of(application) is ApplicationStatus.ACCEPTED
    html = client.get(page_of(application)).get_data(as_text=True)
    assert "already moved on" in html


def test_an_action_without_csrf_is_refused(client, login_as, cast: Cast) -> None:
    application = approved(cast)
    login_as(cast.employer)
    response = client.post(f"{page_of(application)}/employer-decision", data={"accept": "Accept"})
    assert response.status_code == 400
    assert status_of(application) is ApplicationStatus.APPROVED


def test_the_student_withdraws(client, login_as, post_form, cast: Cast) -> None:
    application = applied(cast)
    login_as(cast.student.user)
    post_form(f"{page_of(application)}/withdraw", {}, page=page_of(application))
    assert status_of(application) is ApplicationStatus.WITHDRAWN


def test_staff_cancel_with_a_reason(client, login_as, post_form, cast: Cast) -> None:
    application = accepted(cast)
    login_as(cast.staff)
    url = f"{page_of(application)}/cancel"
    response = post_form(url, {"reason": ""}, page=page_of(application))
    assert response.status_code == 422
    assert "Give a reason" in response.get_data(as_text=True)
    assert status_of(application) is ApplicationStatus.ACCEPTED
    post_form(url, {"reason": "The placement fell through."}, page=page_of(application))
    assert status_of(application) is ApplicationStatus.CANCELLED
    db.session.expire_all()
    assert db.session.get(type(cast.offering), cast.offering.id).seats_taken == 0


def test_the_history_shows_who_did_what(client, login_as, cast: Cast) -> None:
    application = approved(cast)
    login_as(cast.student.user)
    html = client.get(page_of(application)).get_data(as_text=True)
    assert "History" in html
    assert cast.student.user.full_name in html
    assert cast.teacher.full_name in html
    assert "submitted → approved" in html


# --- guardian consent from the link ---------------------------------------------------------


def test_the_consent_page_shows_the_placement(client, cast: Cast) -> None:
    accepted(cast)
    link = consent_link_from_outbox(cast.student.guardian_email)
    response = client.get(path_of(link))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for shown in (
        cast.student.user.full_name,
        cast.offering.title,
        cast.partner.name,
        "2150 Mendocino Ave",
        "Tue and Thu, 3-6 pm",
        cast.employer.full_name,
        "About 12 hours",
        "Closed-toe shoes.",
    ):
        assert shown in html, shown
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_guardian_consents_once(client, post_form, cast: Cast) -> None:
    application = accepted(cast)
    path = path_of(consent_link_from_outbox(cast.student.guardian_email))
    missing_tick = post_form(path, {"typed_name": "Pat Guardian", "give": "Give consent"})
    assert missing_tick.status_code == 422
    assert "Tick this box" in missing_tick.get_data(as_text=True)
    assert status_of(application) is ApplicationStatus.ACCEPTED

    response = post_form(path, {"typed_name": "Pat Guardian", "agree": "y", "give": "Give"})
    assert response.status_code == 200
    assert "Your consent is recorded" in response.get_data(as_text=True)
    assert status_of(application) is ApplicationStatus.PLACED
    consent = db.session.scalar(select(GuardianConsent))
    assert consent is not None
    assert (consent.status, consent.typed_name, consent.method) == (
        ConsentStatus.GIVEN,
        "Pat Guardian",
        ConsentMethod.LINK,
    )
    assert consent.ip_address == "127.0.0.1"
    assert consent.answered_at is not None
    assert db.session.scalar(select(func.count(Placement.id))) == 1

    again = client.get(path)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Placement.id))) == 1


def test_the_consent_form_reports_every_problem_at_once(client, post_form, cast: Cast) -> None:
    """Issue 14 §6.7: the missing name was reported only after the tick was fixed. Both
    fields are marked required, and one submit reports both, each tied to its field."""
    import re

    application = accepted(cast)
    path = path_of(consent_link_from_outbox(cast.student.guardian_email))
    page = client.get(path).get_data(as_text=True)
    for name in ("typed_name", "agree"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
        assert tag is not None, name
        assert " required" in tag.group(0), name

    response = post_form(path, {"typed_name": " ", "give": "Give consent"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please correct the problems below." in html
    for name, described_by, message in (
        ("typed_name", "typed_name-help typed_name-error", "Type your full name to sign."),
        ("agree", "agree-error", "Tick this box to give consent"),
    ):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
        assert tag is not None, name
        assert 'aria-invalid="true"' in tag.group(0), name
        assert f'aria-describedby="{described_by}"' in tag.group(0), name
        assert re.search(rf'id="{name}-error"[^>]*>{re.escape(message)}', html), name
    assert status_of(application) is ApplicationStatus.ACCEPTED


def test_a_second_post_from_an_open_tab_changes_nothing(client, cast: Cast) -> None:
    from tests.conftest import csrf_from

    application = accepted(cast)
    path = path_of(consent_link_from_outbox(cast.student.guardian_email))
    token = csrf_from(client.get(path).get_data(as_text=True))
    client.post(
        path,
        data={"typed_name": "Pat Guardian", "agree": "y", "give": "Give"} | {"csrf_token": token},
    )
    refused = client.post(path, data={"refuse": "No", "csrf_token": token})
    assert refused.status_code == 410
    assert status_of(application) is ApplicationStatus.PLACED


def test_a_guardian_refuses_and_the_seat_is_released(client, post_form, cast: Cast) -> None:
    application = accepted(cast)
    path = path_of(consent_link_from_outbox(cast.student.guardian_email))
    response = post_form(path, {"typed_name": "", "refuse": "I do not consent"})
    assert response.status_code == 200
    assert "will not take this placement" in response.get_data(as_text=True)
    assert status_of(application) is ApplicationStatus.CONSENT_REFUSED
    db.session.expire_all()
    assert db.session.get(type(cast.offering), cast.offering.id).seats_taken == 0


def test_a_tampered_link_is_refused(client, cast: Cast) -> None:
    application = accepted(cast)
    path = path_of(consent_link_from_outbox(cast.student.guardian_email))
    token = path.rsplit("/", 1)[1]
    middle = len(token) // 2
    swapped = "A" if token[middle] != "A" else "B"
    response = client.get(f"/consent/{token[:middle]}{swapped}{token[middle + 1 :]}")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert client.get("/consent/not-a-token").status_code == 400
    assert status_of(application) is ApplicationStatus.ACCEPTED


def test_an_expired_link_is_refused(app, client, monkeypatch, cast: Cast) -> None:
    application = accepted(cast)
    consent = db.session.scalar(select(GuardianConsent))
    assert consent is not None
    long_ago = int(time.time()) - (app.config["CONSENT_DAYS"] + 1) * 86400
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: long_ago)
        token = make_token(PURPOSE, {"c": consent.id, "n": consent.nonce})
    response = client.get(f"/consent/{token}")
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert status_of(application) is ApplicationStatus.ACCEPTED


# --- paper consent --------------------------------------------------------------------------


def test_staff_record_paper_consent_with_a_scan(client, login_as, post_form, cast: Cast) -> None:
    application = accepted(cast)
    login_as(cast.staff)
    html = client.get(page_of(application)).get_data(as_text=True)
    assert "Record a signed paper consent form" in html
    scan = png_bytes()
    response = post_form(
        f"{page_of(application)}/paper-consent",
        {"guardian_name": "Pat Guardian", "answer": "give", "scan": (io.BytesIO(scan), "f.png")},
        page=page_of(application),
    )
    assert response.status_code == 302
    assert status_of(application) is ApplicationStatus.PLACED
    consent = db.session.scalar(select(GuardianConsent))
    assert consent is not None
    assert consent.method is ConsentMethod.PAPER
    assert consent.scan_key is not None
    assert storage().read(consent.scan_key) == scan

    download = client.get(f"{page_of(application)}/consent-scan")
    assert download.status_code == 200
    assert download.mimetype == "image/png"
    assert download.data == scan
    assert download.headers["Content-Disposition"].startswith("attachment")
    login_as(cast.teacher)
    assert client.get(f"{page_of(application)}/consent-scan").status_code == 403


def test_a_renamed_executable_is_refused_as_a_scan(client, login_as, post_form, cast: Cast) -> None:
    application = accepted(cast)
    login_as(cast.staff)
    program = b"MZ\x90\x00" + b"\x00" * 200
    response = post_form(
        f"{page_of(application)}/paper-consent",
        {
            "guardian_name": "Pat Guardian",
            "answer": "give",
            "scan": (io.BytesIO(program), "consent.pdf"),
        },
        page=page_of(application),
    )
    assert response.status_code == 422
    assert "must be a PDF, PNG or JPEG" in response.get_data(as_text=True)
    assert status_of(application) is ApplicationStatus.ACCEPTED
    consent = db.session.scalar(select(GuardianConsent))
    assert consent is not None
    assert consent.status is ConsentStatus.PENDING


def test_paper_consent_needs_a_file(client, login_as, post_form, cast: Cast) -> None:
    application = accepted(cast)
    login_as(cast.staff)
    response = post_form(
        f"{page_of(application)}/paper-consent",
        {"guardian_name": "Pat Guardian", "answer": "give"},
        page=page_of(application),
    )
    assert response.status_code == 422
    assert "Choose the scan" in response.get_data(as_text=True)
    assert status_of(application) is ApplicationStatus.ACCEPTED


def test_an_adult_is_placed_when_accepted(client, login_as, post_form) -> None:
    from datetime import date

    cast = make_cast(born=date(2000, 1, 1))
    application = approved(cast)
    login_as(cast.employer)
    post_form(
        f"{page_of(application)}/employer-decision", {"accept": "Accept"}, page=page_of(application)
    )
    assert status_of(application) is ApplicationStatus.PLACED
    login_as(cast.student.user)
    html = client.get("/applications").get_data(as_text=True)
    assert "Placed" in html


def test_a_consent_post_without_its_csrf_token_changes_nothing(client, cast: Cast) -> None:
    application = accepted(cast)
    path = path_of(consent_link_from_outbox(cast.student.guardian_email))
    response = client.post(path, data={"typed_name": "Pat Guardian", "agree": "y", "give": "G"})
    assert response.status_code == 400
    assert status_of(application) is ApplicationStatus.ACCEPTED
    assert client.get(path).status_code == 200  # the link still works


def test_employers_do_not_see_the_teachers_notes(client, login_as, cast: Cast) -> None:
    from flask import current_app

    from wbl.placements import applications

    application = applied(cast)
    with current_app.test_request_context():
        applications.teacher_decide(
            cast.teacher, application.id, approve=True, comment="Needs reminders about deadlines"
        )
    login_as(cast.employer)
    html = client.get(page_of(application)).get_data(as_text=True)
    assert "Needs reminders about deadlines" not in html
    login_as(cast.student.user)
    assert "Needs reminders about deadlines" in client.get(page_of(application)).get_data(
        as_text=True
    )


def test_the_supervisor_ends_a_placement_from_their_applicants_list(
    client, login_as, post_form, count_queries
) -> None:
    """Issue 14 §6.9: "End placement" was only on a placement's hours page. The supervisor's
    list offers it on each placement under way (not on one still to start, not to another
    partner's employer), and it leads to the confirmation that ends it."""
    from datetime import date

    from tests.support.hour_data import place

    cast = make_cast(born=date(2007, 1, 1))
    running = place(cast)
    later_cast = make_cast(born=date(2007, 1, 1))
    later_cast.employer, later_cast.offering.partner = cast.employer, cast.partner
    db.session.flush()
    later = place(later_cast, days_before=-90, days_after=120)

    login_as(cast.employer)
    with count_queries() as one:
        html = client.get("/applications").get_data(as_text=True)
    end = f'href="/evaluations/placements/{running.id}/complete">End placement'
    assert end in html
    assert f"/evaluations/placements/{later.id}/complete" not in html
    login_as(make_employer())
    assert "End placement" not in client.get("/applications").get_data(as_text=True)

    login_as(cast.employer)
    confirm = f"/evaluations/placements/{running.id}/complete"
    assert "End the placement now?" in client.get(confirm).get_data(as_text=True)
    response = post_form(confirm, {})
    assert response.status_code == 302
    db.session.refresh(running)
    assert running.status is PlacementStatus.COMPLETED
    with count_queries() as two:
        html = client.get("/applications").get_data(as_text=True)
    assert end not in html
    assert two.count <= one.count
