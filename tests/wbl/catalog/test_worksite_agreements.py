"""Worksite agreements signed in the app: the county's template, sending (dates, signatory),
the e-mailed link (tampered, expired, used, withdrawn), signing (the name rule, the partner's
compliance dates, the signed PDF), renewal from the compliance list, and who may do what."""

from __future__ import annotations

import shutil
import subprocess
import time
from datetime import timedelta

import pytest
from flask import Flask
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from tests.support.builders import make_employer, make_partner, make_user
from tests.support.smtp import smtp_server
from tests.support.worksite_data import contact_of, link_path, mails, send, sign
from wbl.access import Role
from wbl.catalog import worksite_agreements as agreements
from wbl.catalog.worksite_models import (
    WorksiteAgreement,
    WorksiteAgreementStatus,
    WorksiteAgreementTemplate,
)
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden
from wbl.extensions import db, utcnow
from wbl.notifications.delivery import deliver_pending
from wbl.notifications.models import OutboxMessage, OutboxStatus
from wbl.storage import storage
from wbl.tokens import make_token

PDFTOTEXT = shutil.which("pdftotext")


@pytest.fixture
def staff(app):
    return make_user(roles={Role.STAFF})


@pytest.fixture
def partner(app):
    """A partner with no worksite agreement on file (so it cannot host placements)."""
    return make_partner(worksite_agreement_date=None)


@pytest.fixture
def employer(partner):
    return make_employer(partner=partner)


def today():
    return local_today()


def pdf_text(data: bytes) -> str:
    if PDFTOTEXT is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run(  # noqa: S603 - a fixed tool on bytes we made
        [PDFTOTEXT, "-", "-"], input=data, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode().split())


# --- the template --------------------------------------------------------------------------


def test_before_any_save_the_built_in_text_is_used(app) -> None:
    current = agreements.current_template()
    assert current.version is None
    assert "{partner_name}" in current.body
    assert agreements.placeholder_problem(current.body) is None


def test_saving_adds_a_version_and_sending_keeps_the_text_of_that_moment(staff, partner) -> None:
    agreements.save_template(
        staff,
        title="Agreement with {partner_name}",
        body="{county_name} and {partner_name} agree, from {start_date} to {end_date}.",
        based_on=None,
    )
    first = send(staff, partner)
    assert first.template_version == 1
    assert first.title == f"Agreement with {partner.name}"
    assert partner.name in first.body
    assert "{" not in first.body
    agreements.withdraw(staff, first.id)
    agreements.save_template(
        staff, title="New title", body="A wholly new body for {partner_name}.", based_on=1
    )
    second = send(staff, partner)
    assert (second.template_version, second.title) == (2, "New title")
    db.session.expire_all()
    assert first.title == f"Agreement with {partner.name}"  # what was sent stays as sent
    assert db.session.scalar(select(func.count(WorksiteAgreementTemplate.id))) == 2


@pytest.mark.parametrize(
    ("title", "body", "field", "words"),
    [
        ("", "A body that is long enough for {partner_name}.", "title", "title"),
        ("Agreement", "Too short", "body", "at least"),
        ("Agreement", "Signed by {partner} on the day it starts.", "body", "Unknown placeholder"),
        ("Agreement", "Signed by {partner_name.__class__} today.", "body", "Unknown placeholder"),
        ("Agreement", "A brace { that is never closed, at all.", "body", "no partner"),
        ("Agreement {start_date!r}", "A body that is long enough.", "title", "Unknown"),
    ],
)
def test_a_bad_template_is_refused_beside_its_field(staff, title, body, field, words) -> None:
    with pytest.raises(DomainError) as refused:
        agreements.save_template(staff, title=title, body=body, based_on=None)
    assert refused.value.field == field
    assert words in refused.value.message
    assert db.session.scalar(select(func.count(WorksiteAgreementTemplate.id))) == 0


def test_a_template_saved_since_the_editor_opened_is_not_overwritten(staff) -> None:
    body = "A body that is long enough for {partner_name}."
    agreements.save_template(staff, title="One", body=body, based_on=None)
    with pytest.raises(DomainError, match="after you opened it"):
        agreements.save_template(staff, title="Two", body=body, based_on=None)
    assert agreements.current_template().title == "One"


def test_only_county_wide_staff_edit_the_template(client, login_as, post_form, app) -> None:
    from tests.support.builders import make_district

    district_staff = make_user(roles={Role.STAFF}, district=make_district())
    with pytest.raises(Forbidden):
        agreements.save_template(
            district_staff, title="Title", body="A body long enough here.", based_on=None
        )
    login_as(district_staff)
    url = "/catalog/worksite-agreements/template"
    page = client.get(url)
    assert page.status_code == 200  # they read it
    assert "Save a new version" not in page.get_data(as_text=True)
    form = {"title": "Title", "body": "A body long enough here.", "based_on": ""}
    assert post_form(url, form).status_code == 403
    assert client.get("/catalog/worksite-agreements").status_code == 200
    login_as(make_employer())
    assert client.get("/catalog/worksite-agreements/template").status_code == 403
    login_as(make_user(roles={Role.ADMIN}))
    assert client.get("/catalog/worksite-agreements/template").status_code == 200


def test_the_editor_shows_every_problem_and_saves(client, login_as, post_form, staff) -> None:
    login_as(staff)
    url = "/catalog/worksite-agreements/template"
    bad = post_form(url, {"title": "", "body": "{nope}", "based_on": ""})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "Give the agreement a title." in page
    assert "at least 20 characters" in page
    good = post_form(
        url,
        {
            "title": "Our agreement",
            "body": "Between {county_name} and {partner_name}.",
            "based_on": "",
        },
    )
    assert good.status_code == 302
    assert agreements.current_template().version == 1


def test_the_editor_is_reached_from_the_county_settings_and_the_menu(
    client, login_as, staff
) -> None:
    login_as(make_user(roles={Role.ADMIN}))
    assert "/catalog/worksite-agreements/template" in client.get("/admin/county").get_data(
        as_text=True
    )
    login_as(staff)
    assert 'href="/catalog/worksite-agreements"' in client.get("/catalog/partners").get_data(
        as_text=True
    )
    assert "/catalog/worksite-agreements/template" in client.get(
        "/catalog/worksite-agreements"
    ).get_data(as_text=True)


# --- sending -------------------------------------------------------------------------------


def test_staff_send_to_a_contact_who_is_e_mailed_a_link(
    client, login_as, post_form, staff, partner, employer
) -> None:
    login_as(staff)
    assert "Send an agreement to sign" in client.get(f"/catalog/partners/{partner.id}").get_data(
        as_text=True
    )
    url = f"/catalog/partners/{partner.id}/worksite-agreements/new"
    contact = contact_of(partner, employer)
    start, end = today(), today() + timedelta(days=365)
    response = post_form(
        url,
        {
            "signatory": str(contact.id),
            "start_date": start,
            "end_date": end,
            "name": "",
            "email": "",
        },
    )
    assert response.status_code == 302
    agreement = db.session.scalar(select(WorksiteAgreement))
    assert agreement is not None
    assert (agreement.signatory_name, agreement.signatory_email) == (
        employer.full_name,
        employer.email,
    )
    assert agreement.signatory_contact_id == contact.id
    assert agreement.status is WorksiteAgreementStatus.SENT
    assert "/worksite-agreements/" in link_path(employer.email)
    assert partner.worksite_agreement_date is None  # nothing changes until it is signed


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"start_date": -2}, "more than a day in the past"),
        ({"end_date": 0}, "must end after it starts"),
        ({"end_date": -5}, "must end after it starts"),
        ({"end_date": 3 * 366 + 1}, "at most 3 years"),
        ({"start_date": None}, "Give the day the agreement starts"),
        ({"email": "not-an-address"}, "e-mail"),
        ({"email": ""}, "Give the e-mail address"),
        ({"name": " "}, "Give the name"),
    ],
)
def test_a_bad_sending_is_refused_beside_its_field(
    client, login_as, post_form, staff, partner, changes, field_message
) -> None:
    login_as(staff)
    form: dict[str, object] = {
        "signatory": "other",
        "name": "Dana Signer",
        "email": "dana@example.org",
        "start_date": today(),
        "end_date": today() + timedelta(days=365),
    }
    for key, value in changes.items():
        if key in ("start_date", "end_date"):
            form[key] = "" if value is None else today() + timedelta(days=value)
        else:
            form[key] = value
    response = post_form(f"/catalog/partners/{partner.id}/worksite-agreements/new", form)
    assert response.status_code == 422
    assert field_message.lower() in response.get_data(as_text=True).lower()
    assert db.session.scalar(select(func.count(WorksiteAgreement.id))) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_a_start_yesterday_is_allowed_and_a_contact_must_be_the_partners(staff, partner) -> None:
    assert send(staff, partner, start=today() - timedelta(days=1)).id
    other = make_partner()
    stranger = contact_of(other, make_employer(partner=other))
    data = agreements.SendInput(
        start_date=today(), end_date=today() + timedelta(days=30), contact_id=stranger.id
    )
    agreements.withdraw(staff, db.session.scalar(select(WorksiteAgreement.id)))
    with pytest.raises(DomainError) as refused:
        agreements.send_agreement(staff, partner.id, data)
    assert refused.value.field == "contact_id"


def test_one_agreement_waits_at_a_time(staff, partner) -> None:
    send(staff, partner)
    with pytest.raises(DomainError, match="withdraw it first"):
        send(staff, partner)


def test_employers_and_others_cannot_send_or_withdraw(
    client, login_as, post_form, staff, partner, employer
) -> None:
    agreement = send(staff, partner)
    for who in (employer, make_user(roles={Role.STUDENT}), make_user(roles={Role.TEACHER})):
        login_as(who)
        assert (
            client.get(f"/catalog/partners/{partner.id}/worksite-agreements/new").status_code == 403
        )
        assert (
            post_form(
                f"/catalog/worksite-agreements/{agreement.id}/withdraw", {}, page="/endorsers"
            ).status_code
            == 403
        )
        assert (
            post_form(
                f"/catalog/partners/{partner.id}/worksite-agreements/renew", {}, page="/endorsers"
            ).status_code
            == 403
        )
    with pytest.raises(Forbidden):
        agreements.send_agreement(
            employer, partner.id, agreements.SendInput(today(), today() + timedelta(days=9))
        )
    login_as(staff)
    assert client.get("/catalog/partners/999999/worksite-agreements/new").status_code == 404


def test_the_e_mail_reaches_smtp_in_the_signatorys_language(app: Flask, staff, partner) -> None:
    spanish = make_employer(partner=partner)
    spanish.language = "es"
    send(staff, partner, contact=contact_of(partner, spanish))
    [mail] = mails(spanish.email)
    assert "Acuerdo" in mail.subject or "acuerdo" in mail.subject
    with smtp_server() as (smtp, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        try:
            deliver_pending(utcnow())
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    assert db.session.get(OutboxMessage, mail.id).status is OutboxStatus.SENT
    [received] = [r for r in smtp.messages if r.recipients[0] == spanish.email]
    assert "/worksite-agreements/" in received.email.get_body(("plain",)).get_content()


# --- the link ------------------------------------------------------------------------------


def test_the_signatory_reads_signs_and_the_partner_becomes_compliant(
    client, staff, partner
) -> None:
    assert "no worksite agreement on file" in partner.compliance_problems(today())
    start, end = today(), today() + timedelta(days=730)
    agreement = send(staff, partner, start=start, end=end)
    path = link_path("dana.signer@example.org")
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert partner.name in page.get_data(as_text=True)
    assert client.get(f"{path}/pdf").data.startswith(b"%PDF-")
    html = page.get_data(as_text=True)
    from tests.conftest import csrf_from

    response = client.post(
        path,
        data={"csrf_token": csrf_from(html), "typed_name": "  dana   SIGNER ", "agree": "y"},
    )
    assert response.status_code == 200
    assert "Thank you" in response.get_data(as_text=True)
    db.session.expire_all()
    assert agreement.status is WorksiteAgreementStatus.SIGNED
    assert (agreement.typed_name, agreement.name_differs) == ("dana SIGNER", False)
    assert agreement.ip_address
    assert agreement.signed_at is not None
    assert agreement.nonce is None
    assert (partner.worksite_agreement_date, partner.worksite_agreement_expiry) == (start, end)
    assert partner.compliance_problems(today()) == []
    assert agreement.pdf_key is not None
    text = pdf_text(storage().read(agreement.pdf_key))
    assert "Signed by dana SIGNER" in text
    assert partner.name in text
    # the link works once
    again = client.get(path)
    assert again.status_code == 410
    assert "already" in again.get_data(as_text=True)


def test_a_different_name_needs_the_signatorys_confirmation(client, post_form, staff, partner):
    agreement = send(staff, partner)
    path = link_path("dana.signer@example.org")
    refused = post_form(path, {"typed_name": "Robin Owner", "agree": "y"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "This agreement was sent to Dana Signer" in page
    assert 'name="different_name"' in page
    db.session.expire_all()
    assert agreement.status is WorksiteAgreementStatus.SENT
    done = post_form(path, {"typed_name": "Robin Owner", "agree": "y", "different_name": "y"})
    assert done.status_code == 200
    db.session.expire_all()
    assert (agreement.typed_name, agreement.name_differs) == ("Robin Owner", True)


def test_signing_needs_a_name_and_the_box(client, post_form, staff, partner) -> None:
    send(staff, partner)
    path = link_path("dana.signer@example.org")
    no_box = post_form(path, {"typed_name": "Dana Signer"})
    assert no_box.status_code == 422
    assert "Tick this box" in no_box.get_data(as_text=True)
    no_name = post_form(path, {"typed_name": "", "agree": "y"})
    assert no_name.status_code == 422
    assert "Type your full name" in no_name.get_data(as_text=True)
    assert partner.worksite_agreement_date is None


def test_a_tampered_or_foreign_link_is_refused(client, staff, partner) -> None:
    agreement = send(staff, partner)
    token = link_path("dana.signer@example.org").rsplit("/", 1)[1]
    middle = len(token) // 2
    swapped = "A" if token[middle] != "A" else "B"
    response = client.get(f"/worksite-agreements/{token[:middle]}{swapped}{token[middle + 1 :]}")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)
    assert client.get("/worksite-agreements/nonsense/pdf").status_code == 400
    other_purpose = make_token("training-agreement", {"w": agreement.id, "n": agreement.nonce})
    assert client.get(f"/worksite-agreements/{other_purpose}").status_code == 400
    wrong_nonce = make_token(agreements.PURPOSE, {"w": agreement.id, "n": "0" * 32})
    assert client.get(f"/worksite-agreements/{wrong_nonce}").status_code == 410


def test_an_expired_link_is_refused(client, monkeypatch, staff, partner) -> None:
    agreement = send(staff, partner)
    tokens = {}
    for days in (29, 31):
        with monkeypatch.context() as patch:
            then = int(time.time()) - days * 86400
            patch.setattr(TimestampSigner, "get_timestamp", lambda self, then=then: then)
            tokens[days] = make_token(agreements.PURPOSE, {"w": agreement.id, "n": agreement.nonce})
    assert client.get(f"/worksite-agreements/{tokens[29]}").status_code == 200
    expired = client.get(f"/worksite-agreements/{tokens[31]}")
    assert expired.status_code == 410
    assert "expired" in expired.get_data(as_text=True)


def test_a_reused_link_signs_nothing_twice(staff, partner) -> None:
    agreement = send(staff, partner)
    nonce = agreement.nonce
    sign(agreement)
    assert nonce is not None
    with pytest.raises(agreements.AlreadySigned):
        agreements.sign(
            agreement.id,
            nonce,
            typed_name="Dana Signer",
            agreed=True,
            different_name=False,
            ip_address="",
        )


def test_a_withdrawn_agreement_cannot_be_signed_and_its_link_says_so(
    client, login_as, post_form, staff, partner
) -> None:
    agreement = send(staff, partner)
    path = link_path("dana.signer@example.org")
    login_as(staff)
    page = f"/catalog/partners/{partner.id}"
    assert (
        post_form(
            f"/catalog/worksite-agreements/{agreement.id}/withdraw", {}, page=page
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert agreement.status is WorksiteAgreementStatus.WITHDRAWN
    assert agreement.withdrawn_by_id == staff.id
    response = client.get(path)
    assert response.status_code == 410
    assert "withdrew this agreement" in response.get_data(as_text=True)
    # and a signed one cannot be withdrawn
    signed = sign(send(staff, partner))
    with pytest.raises(DomainError, match="waiting to be signed"):
        agreements.withdraw(staff, signed.id)


def test_the_signing_page_is_in_spanish(client, staff, partner) -> None:
    send(staff, partner)
    path = link_path("dana.signer@example.org")
    page = client.get(path, headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Firmar el acuerdo" in page


# --- downloads and scoping -----------------------------------------------------------------


def test_contacts_download_their_own_signed_agreement_only(
    client, login_as, staff, partner, employer
) -> None:
    waiting = send(staff, partner)
    url = f"/catalog/worksite-agreements/{waiting.id}.pdf"
    login_as(employer)
    assert client.get(url).status_code == 404  # not signed yet: nothing to keep
    signed = sign(waiting)
    response = client.get(url)
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF-")
    assert str(signed.start_date.year) in client.get("/catalog/our-worksite-agreements").get_data(
        as_text=True
    )
    assert "/catalog/our-worksite-agreements" in client.get("/catalog/mine").get_data(as_text=True)
    other_partner = make_partner()
    login_as(make_employer(partner=other_partner))
    assert client.get(url).status_code == 404
    assert partner.name not in client.get("/catalog/our-worksite-agreements").get_data(as_text=True)
    login_as(make_user(roles={Role.STUDENT}))
    assert client.get(url).status_code == 403
    login_as(staff)
    assert client.get(url).status_code == 200


# --- renewal -------------------------------------------------------------------------------


def test_an_agreement_ending_within_60_days_is_renewed_in_one_click(
    client, login_as, post_form, staff, partner, employer
) -> None:
    old = sign(
        send(
            staff,
            partner,
            contact=contact_of(partner, employer),
            start=today() - timedelta(days=1),
            end=today() + timedelta(days=45),
        )
    )
    login_as(staff)
    page = client.get("/catalog/compliance").get_data(as_text=True)
    assert partner.name in page
    assert "Send renewal" in page
    response = post_form(
        f"/catalog/partners/{partner.id}/worksite-agreements/renew", {}, page="/catalog/compliance"
    )
    assert response.status_code == 302
    renewal = db.session.scalar(
        select(WorksiteAgreement).where(WorksiteAgreement.status == WorksiteAgreementStatus.SENT)
    )
    assert renewal is not None
    assert renewal.start_date == old.end_date + timedelta(days=1)
    assert renewal.end_date - renewal.start_date == old.end_date - old.start_date
    assert renewal.signatory_email == employer.email
    assert len(mails(employer.email)) == 2
    page = client.get("/catalog/compliance").get_data(as_text=True)
    assert "Send renewal" not in page
    assert "Waiting for signature" in page
    assert agreements.renewable([partner.id], today()) == set()


def test_a_partner_without_a_signed_agreement_is_not_offered_a_renewal(staff, partner) -> None:
    with pytest.raises(DomainError, match="no signed agreement"):
        agreements.send_renewal(staff, partner.id)
    far = sign(send(staff, partner, end=today() + timedelta(days=200)))
    assert far.id
    assert agreements.renewable([partner.id], today()) == set()


def test_a_signed_renewal_continues_the_agreement_in_force(staff, partner, employer) -> None:
    old = sign(
        send(
            staff,
            partner,
            contact=contact_of(partner, employer),
            start=today() - timedelta(days=1),
            end=today() + timedelta(days=30),
        )
    )
    renewal = sign(agreements.send_renewal(staff, partner.id))
    assert renewal.start_date == old.end_date + timedelta(days=1)
    # unbroken: the start on file stays, the end moves on, and the partner stays compliant
    assert partner.worksite_agreement_date == old.start_date
    assert partner.worksite_agreement_expiry == renewal.end_date
    assert partner.compliance_problems(today()) == []


def test_an_agreement_signed_ahead_of_its_start_counts_from_the_start(
    client, login_as, staff, partner
) -> None:
    start = today() + timedelta(days=10)
    sign(send(staff, partner, start=start, end=start + timedelta(days=365)))
    assert partner.worksite_agreement_date == start
    assert partner.compliance_problems(today()) == [f"the worksite agreement starts on {start}"]
    assert partner.compliance_problems(start) == []
    login_as(staff)
    page = client.get("/catalog/compliance").get_data(as_text=True)
    assert "Agreement starts" in page
