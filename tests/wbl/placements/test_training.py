"""Training agreements for unpaid placements: who must acknowledge, the e-mailed links (valid,
used, tampered, expired, re-sent), the PDF and what it says, and who sees the agreement."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from datetime import date
from urllib.parse import urlsplit

import pytest
from flask import current_app
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from tests.conftest import ARTIFACTS
from tests.support.builders import make_employer, make_partner, make_school, make_student, make_user
from tests.support.placement_data import Cast, accepted, agreement_lines, make_cast
from wbl.access import Role
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.placements import consent_answers, lifecycle, training
from wbl.placements.models import (
    AgreementAcknowledgement,
    AgreementParty,
    Application,
    GuardianConsent,
    Placement,
    TrainingAgreement,
)
from wbl.reference.models import PogOutcome
from wbl.storage import storage
from wbl.tokens import make_token

ADULT_BIRTHDAY = date(2000, 1, 15)
PDFTOPPM = shutil.which("pdftoppm")


@pytest.fixture
def cast(app) -> Cast:
    return make_cast()


def placed(cast: Cast) -> Placement:
    """Accepted, and (for a minor) the guardian consents through the service."""
    application = accepted(cast)
    consent = db.session.scalar(
        select(GuardianConsent).where(GuardianConsent.application_id == application.id)
    )
    if consent is not None:
        assert consent.nonce is not None
        with current_app.test_request_context():
            consent_answers.answer_consent(
                consent.id, consent.nonce, give=True, typed_name="Pat Guardian", ip_address=""
            )
    placement = db.session.scalar(
        select(Placement).where(Placement.application_id == application.id)
    )
    assert placement is not None
    return placement


def agreement_of(placement: Placement) -> TrainingAgreement:
    db.session.expire_all()
    found = db.session.scalar(
        select(TrainingAgreement).where(TrainingAgreement.placement_id == placement.id)
    )
    assert found is not None
    return found


def party(agreement: TrainingAgreement, which: AgreementParty) -> AgreementAcknowledgement:
    return next(a for a in agreement.acknowledgements if a.party is which)


def agreement_mails(to: str) -> list[str]:
    return list(
        db.session.scalars(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.kind == "training_agreement", OutboxMessage.to_email == to)
            .order_by(OutboxMessage.id)
        )
    )


def link_path(to: str) -> str:
    """The path of the latest agreement link e-mailed to ``to``."""
    bodies = agreement_mails(to)
    assert bodies, f"no agreement e-mail to {to}"
    line = next(line.strip() for line in bodies[-1].splitlines() if "/agreements/" in line)
    return urlsplit(line).path


def sign_out(client) -> None:
    with client.session_transaction() as session:
        session.clear()


def acknowledge(post_form, path: str, name: str = "Sam Student") -> object:
    return post_form(path, {"typed_name": name, "agree": "y", "submit": "Acknowledge"})


# --- who must acknowledge, and the e-mails -------------------------------------------------


def test_an_unpaid_placement_of_a_minor_has_three_parties(cast: Cast) -> None:
    agreement = agreement_of(placed(cast))
    parties = [a.party for a in agreement.acknowledgements]
    assert parties == [AgreementParty.STUDENT, AgreementParty.GUARDIAN, AgreementParty.SUPERVISOR]
    assert party(agreement, AgreementParty.SUPERVISOR).email == cast.employer.email
    assert agreement.completed_at is None
    assert agreement.pdf_key is None  # rendered on request until every party has signed
    assert training.agreement_pdf(agreement).startswith(b"%PDF-")


def test_an_adult_acknowledges_without_a_guardian(app) -> None:
    cast = make_cast(born=ADULT_BIRTHDAY)
    agreement = agreement_of(placed(cast))
    assert [a.party for a in agreement.acknowledgements] == [
        AgreementParty.STUDENT,
        AgreementParty.SUPERVISOR,
    ]
    assert agreement_mails(cast.student.guardian_email) == []


def test_a_paid_placement_has_no_agreement(cast: Cast) -> None:
    cast.offering.paid = True
    placement = placed(cast)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(TrainingAgreement.id))) == 0
    assert agreement_mails(cast.student.user.email) == []
    assert placement.id is not None


def test_each_party_is_mailed_their_own_link(cast: Cast) -> None:
    placed(cast)
    paths = {
        link_path(cast.student.user.email),
        link_path(cast.student.guardian_email),
        link_path(cast.employer.email),
    }
    assert len(paths) == 3
    body = agreement_mails(cast.student.guardian_email)[0]
    assert cast.offering.title in body
    assert "unpaid" in body


def test_a_guardian_without_an_e_mail_gets_no_mail_and_staff_see_it(
    client, login_as, cast: Cast
) -> None:
    cast.student.guardian_email = ""
    placement = placed(cast)
    guardian = party(agreement_of(placement), AgreementParty.GUARDIAN)
    assert guardian.email == ""
    assert (
        db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "training_agreement")
        )
        == 2
    )
    login_as(cast.staff)
    html = client.get(f"/placements/{placement.id}/agreement").get_data(as_text=True)
    assert "No link sent: no e-mail address" in html


def test_outside_a_request_the_mail_has_no_link(cast: Cast) -> None:
    """The demo load places students from the command line: no link, and no failure."""
    cast.offering.paid = True
    placement = placed(cast)
    cast.offering.paid = False
    before = len(agreement_mails(cast.student.user.email))
    agreement = training.start_agreement(placement)
    assert agreement is not None
    bodies = agreement_mails(cast.student.user.email)
    assert len(bodies) == before + 1
    assert "/agreements/" not in bodies[-1]
    assert "will send you the link" in bodies[-1]


# --- the link ------------------------------------------------------------------------------


def test_the_page_shows_the_agreement_and_its_pdf(client, cast: Cast) -> None:
    placed(cast)
    path = link_path(cast.student.user.email)
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Work-Based Learning Training Agreement" in html
    assert cast.partner.name in html
    assert "primary beneficiary" in html
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    download = client.get(f"{path}/pdf")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.data.startswith(b"%PDF-")


def test_a_party_acknowledges_once(client, post_form, cast: Cast) -> None:
    placement = placed(cast)
    assert agreement_of(placement).pdf_key is None
    path = link_path(cast.student.user.email)

    no_name = post_form(path, {"typed_name": " ", "agree": "y", "submit": "Acknowledge"})
    assert no_name.status_code == 422
    assert "Type your full name to sign." in no_name.get_data(as_text=True)
    both = post_form(path, {"typed_name": "", "submit": "Acknowledge"})
    assert "Tick this box to acknowledge the agreement." in both.get_data(as_text=True)
    no_tick = post_form(path, {"typed_name": "Sam Student", "submit": "Acknowledge"})
    assert no_tick.status_code == 422
    assert "Tick this box" in no_tick.get_data(as_text=True)
    student = party(agreement_of(placement), AgreementParty.STUDENT)
    assert student.acknowledged_at is None
    assert student.nonce is not None

    done = acknowledge(post_form, path, "  Sam   Student ")
    assert done.status_code == 200
    assert "is recorded" in done.get_data(as_text=True)
    agreement = agreement_of(placement)
    student = party(agreement, AgreementParty.STUDENT)
    assert student.typed_name == "Sam Student"
    assert student.ip_address == "127.0.0.1"
    assert student.acknowledged_at is not None
    assert student.nonce is None
    assert agreement.completed_at is None
    assert agreement.pdf_key is None  # kept only once complete

    again = client.get(path)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert client.get(f"{path}/pdf").status_code == 410


def test_a_used_link_posted_again_changes_nothing(client, cast: Cast) -> None:
    placement = placed(cast)
    path = link_path(cast.student.user.email)
    page = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert token is not None
    form = {"typed_name": "Sam Student", "agree": "y", "csrf_token": token.group(1)}
    assert client.post(path, data=form).status_code == 200
    second = client.post(path, data={**form, "typed_name": "Someone Else"})
    assert second.status_code == 410
    assert "Nothing was changed" in second.get_data(as_text=True)
    student = party(agreement_of(placement), AgreementParty.STUDENT)
    assert student.typed_name == "Sam Student"


def test_a_post_without_its_csrf_token_is_refused(client, cast: Cast) -> None:
    placement = placed(cast)
    path = link_path(cast.student.user.email)
    response = client.post(path, data={"typed_name": "Sam Student", "agree": "y"})
    assert response.status_code == 400
    assert party(agreement_of(placement), AgreementParty.STUDENT).acknowledged_at is None


def test_a_tampered_link_is_refused(client, cast: Cast) -> None:
    placed(cast)
    path = link_path(cast.student.user.email)
    token = path.rsplit("/", 1)[1]
    middle = len(token) // 2
    swapped = "A" if token[middle] != "A" else "B"
    response = client.get(f"/agreements/{token[:middle]}{swapped}{token[middle + 1 :]}")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert client.get("/agreements/not-a-token").status_code == 400
    assert client.get("/agreements/not-a-token/pdf").status_code == 400


def test_a_consent_link_is_not_an_agreement_link(client, cast: Cast) -> None:
    placement = placed(cast)
    student = party(agreement_of(placement), AgreementParty.STUDENT)
    token = make_token("guardian-consent", {"a": student.id, "n": student.nonce})
    assert client.get(f"/agreements/{token}").status_code == 400


def test_an_expired_link_is_refused(client, monkeypatch, cast: Cast) -> None:
    placement = placed(cast)
    student = party(agreement_of(placement), AgreementParty.STUDENT)
    long_ago = int(time.time()) - 400 * 86400
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: long_ago)
        token = make_token(training.PURPOSE, {"a": student.id, "n": student.nonce})
    response = client.get(f"/agreements/{token}")
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    assert party(agreement_of(placement), AgreementParty.STUDENT).nonce == student.nonce


def test_a_link_expires_the_day_after_the_start(client, cast: Cast) -> None:
    placement = placed(cast)
    path = link_path(cast.student.user.email)
    placement.start_date = date(2020, 1, 6)
    db.session.flush()
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_without_a_start_date_a_link_lasts_30_days(client, monkeypatch, cast: Cast) -> None:
    placement = placed(cast)
    placement.start_date = placement.end_date = None
    db.session.flush()
    student = party(agreement_of(placement), AgreementParty.STUDENT)
    tokens = {}
    for days in (29, 31):
        with monkeypatch.context() as patch:
            then = int(time.time()) - days * 86400
            patch.setattr(TimestampSigner, "get_timestamp", lambda self, then=then: then)
            tokens[days] = make_token(training.PURPOSE, {"a": student.id, "n": student.nonce})
    assert client.get(f"/agreements/{tokens[29]}").status_code == 200
    assert client.get(f"/agreements/{tokens[31]}").status_code == 410


def test_the_guardian_is_asked_by_the_age_on_the_first_day(app) -> None:
    """Without a start date, the student's age today decides."""
    for born, parties in (
        (ADULT_BIRTHDAY, [AgreementParty.STUDENT, AgreementParty.SUPERVISOR]),
        (
            date(2012, 5, 1),
            [AgreementParty.STUDENT, AgreementParty.GUARDIAN, AgreementParty.SUPERVISOR],
        ),
    ):
        cast = make_cast(born=born)
        cast.offering.paid = True
        placement = placed(cast)
        cast.offering.paid = False
        placement.start_date = placement.end_date = None
        with current_app.test_request_context():
            agreement = training.start_agreement(placement)
        assert agreement is not None
        assert [a.party for a in agreement.acknowledgements] == parties


def test_the_agreement_is_complete_after_the_last_party(client, post_form, cast: Cast) -> None:
    placement = placed(cast)
    acknowledge(post_form, link_path(cast.student.user.email), "Sam Student")
    acknowledge(post_form, link_path(cast.student.guardian_email), "Pat Guardian")
    assert agreement_of(placement).completed_at is None
    acknowledge(post_form, link_path(cast.employer.email), "Erin Employer")
    agreement = agreement_of(placement)
    assert agreement.completed_at is not None
    lines = agreement_lines(agreement)
    signed = [line for line in lines if "Acknowledged by" in line]
    assert len(signed) == 3
    assert any("Acknowledged by Pat Guardian on" in line for line in signed)
    assert all("from the e-mailed link" in line for line in signed)
    assert agreement.pdf_key is not None  # the signed agreement is kept as a PDF
    assert storage().read(agreement.pdf_key).startswith(b"%PDF-")


# --- the PDF and what it says --------------------------------------------------------------


def test_the_agreement_says_who_where_when_and_never_the_birthday(cast: Cast) -> None:
    outcomes = list(db.session.scalars(select(PogOutcome).order_by(PogOutcome.id).limit(2)))
    assert outcomes, "the reference data has Portrait of a Graduate outcomes"
    cast.offering.outcomes = outcomes
    cast.offering.skills = "Take vital signs\nTalk with clients at the front desk"
    contact_user = cast.employer
    contact_user.full_name = "Erin Émile Supervisor"
    placement = placed(cast)
    placement.supervisor.job_title = "Clinic manager"  # type: ignore[union-attr]
    placement.supervisor.phone = "707-555-0100"  # type: ignore[union-attr]
    db.session.flush()
    agreement = agreement_of(placement)
    text = "\n".join(agreement_lines(agreement))
    student = cast.student
    for expected in (
        "Work-Based Learning Training Agreement",
        current_app.config["COUNTY_NAME"],
        f"Name: {student.user.full_name}",
        f"School: {cast.school.name}",
        f"Grade: {student.grade}",
        f"Partner: {cast.partner.name}",
        "2150 Mendocino Ave, Santa Rosa",
        "Name: Erin Émile Supervisor",
        "Title: Clinic manager",
        "Phone: 707-555-0100",
        f"Opportunity: {cast.offering.title}",
        "Schedule: Tue and Thu, 3-6 pm",
        "Expected hours: About 12 hours",
        "Take vital signs",
        "The student, not the business, is the primary beneficiary of this unpaid experience",
        "Not yet acknowledged",
        *(outcome.name for outcome in outcomes),
    ):
        assert expected in text
    start = placement.start_date
    assert start is not None
    assert f"Dates: {start:%b} {start.day}, {start.year}" in text
    born = student.date_of_birth
    for birthday in (born.isoformat(), f"{born:%b} {born.day}, {born.year}", f"{born:%m/%d/%Y}"):
        assert birthday not in text
    assert str(born.year) not in text


def test_the_pdf_is_one_to_three_pages(cast: Cast) -> None:
    agreement = agreement_of(placed(cast))
    data = training.render_pdf(agreement, compress=False)
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type /Page\b(?!s)", data))
    assert 1 <= pages <= 3


@pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm (poppler) not installed")
def test_the_pdf_renders(cast: Cast) -> None:
    """A picture of the PDF to look at (tests/artifacts/, not committed)."""
    cast.student.user.full_name = "Zoë Nguyễn-Ortíz"
    agreement = agreement_of(placed(cast))
    student = party(agreement, AgreementParty.STUDENT)
    assert student.nonce is not None
    training.acknowledge(
        student.id, student.nonce, typed_name="Zoë Nguyễn-Ortíz", agreed=True, ip_address=""
    )
    agreement = agreement_of(agreement.placement)
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / "training-agreement.pdf"
    pdf_path.write_bytes(training.render_pdf(agreement))
    subprocess.run(  # noqa: S603 - fixed arguments, our own file
        [str(PDFTOPPM), "-png", "-r", "60", str(pdf_path), str(ARTIFACTS / "training-agreement")],
        check=True,
    )
    assert list(ARTIFACTS.glob("training-agreement*.png"))


# --- the signed-in pages -------------------------------------------------------------------


def test_the_people_around_the_placement_see_the_agreement(client, login_as, cast: Cast) -> None:
    placement = placed(cast)
    page, pdf = f"/placements/{placement.id}/agreement", f"/placements/{placement.id}/agreement.pdf"
    for user in (cast.staff, cast.student.user, cast.teacher, cast.employer):
        login_as(user)
        response = client.get(page)
        assert response.status_code == 200, user.roles
        html = response.get_data(as_text=True)
        assert "Not yet acknowledged" in html
        assert ("Send a new link" in html) is (user is cast.staff)
        download = client.get(pdf)
        assert download.status_code == 200
        assert download.data.startswith(b"%PDF-")


def test_others_do_not_see_the_agreement(client, login_as, cast: Cast) -> None:
    placement = placed(cast)
    other_school = make_school()
    outsiders = (
        make_user(roles={Role.TEACHER}, school=other_school),
        make_employer(partner=make_partner()),
        make_student(school=cast.school).user,
    )
    for user in outsiders:
        login_as(user)
        assert client.get(f"/placements/{placement.id}/agreement").status_code == 404
        assert client.get(f"/placements/{placement.id}/agreement.pdf").status_code == 404


def test_anonymous_users_sign_in_first(client, cast: Cast) -> None:
    placement = placed(cast)
    assert client.get(f"/placements/{placement.id}/agreement").status_code == 302


def test_a_paid_placement_has_no_agreement_page(client, login_as, cast: Cast) -> None:
    cast.offering.paid = True
    placement = placed(cast)
    login_as(cast.staff)
    assert client.get(f"/placements/{placement.id}/agreement").status_code == 404


def test_the_application_page_links_to_the_agreement(client, login_as, cast: Cast) -> None:
    placement = placed(cast)
    login_as(cast.student.user)
    html = client.get(f"/applications/{placement.application_id}").get_data(as_text=True)
    assert f"/placements/{placement.id}/agreement" in html


# --- re-sending a link ---------------------------------------------------------------------


def test_staff_resend_a_link_and_the_old_one_stops_working(
    client, login_as, post_form, cast: Cast
) -> None:
    placement = placed(cast)
    old_path = link_path(cast.student.guardian_email)
    login_as(cast.staff)
    page = f"/placements/{placement.id}/agreement"
    response = post_form(f"{page}/guardian/resend", {}, page=page, follow_redirects=True)
    assert response.status_code == 200
    assert "A new link was sent" in response.get_data(as_text=True)
    assert len(agreement_mails(cast.student.guardian_email)) == 2
    new_path = link_path(cast.student.guardian_email)
    assert new_path != old_path
    sign_out(client)
    assert client.get(old_path).status_code == 410
    assert client.get(new_path).status_code == 200


def test_a_resend_after_acknowledging_is_refused(client, login_as, post_form, cast: Cast) -> None:
    placement = placed(cast)
    acknowledge(post_form, link_path(cast.student.user.email))
    login_as(cast.staff)
    page = f"/placements/{placement.id}/agreement"
    response = post_form(f"{page}/student/resend", {}, page=page, follow_redirects=True)
    assert "has already acknowledged" in response.get_data(as_text=True)
    assert len(agreement_mails(cast.student.user.email)) == 1


def test_only_staff_resend(client, login_as, post_form, cast: Cast) -> None:
    placement = placed(cast)
    login_as(cast.teacher)
    page = f"/placements/{placement.id}/agreement"
    assert post_form(f"{page}/guardian/resend", {}, page=page).status_code == 403
    assert len(agreement_mails(cast.student.guardian_email)) == 1


def test_a_resend_for_an_unknown_party_is_not_found(client, login_as, post_form, cast) -> None:
    placement = placed(cast)
    login_as(cast.staff)
    page = f"/placements/{placement.id}/agreement"
    assert post_form(f"{page}/boss/resend", {}, page=page).status_code == 404


def test_a_cancelled_placement_retires_the_links(client, login_as, post_form, cast) -> None:
    placement = placed(cast)
    path = link_path(cast.student.user.email)
    with current_app.test_request_context():
        lifecycle.cancel(cast.staff, placement.application_id, "The clinic closed for repairs.")
    db.session.expire_all()
    assert client.get(path).status_code == 410
    assert db.session.get(Application, placement.application_id) is not None
