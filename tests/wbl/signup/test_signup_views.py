"""The sign-up pages through the real forms: public forms (bad input, the honeypot, the limit
per address), the confirmation link, and the staff queues with approve and decline."""

from __future__ import annotations

import time

import pytest
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.support.builders import make_partner, make_user, sector
from tests.support.signup_data import (
    link_of,
    mail,
    submitted_partner,
    submitted_volunteer,
    token_of,
)
from wbl.access import Role
from wbl.auth.models import ThrottleCounter, User
from wbl.catalog.models import Partner
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.reviews.volunteers import volunteer_of
from wbl.signup import services
from wbl.signup.models import SignupRequest, SignupStatus


def partner_form(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": "Laguna Bread Company",
        "sector_id": str(sector("hospitality").id),
        "street_address": "120 Fourth St",
        "city": "Santa Rosa",
        "zip": "95401",
        "website": "https://www.lagunabread.example.com",
        "phone": "707-555-0140",
        "description": "A bakery and café.",
        "kinds": ["workplace_visit", "job_shadow"],
        "endorses_certificate": "y",
        "full_name": "Rosa Delgado",
        "email": "rosa@lagunabread.example.com",
        "contact_phone": "707-555-0141",
        "job_title": "Owner",
        "fax": "",
    }
    values.update(overrides)
    return values


def volunteer_form(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "full_name": "Ken Ito",
        "email": "ken.ito@example.net",
        "phone": "",
        "background": "employer",
        "organisation": "Ito Engineering",
        "job_title": "Engineer",
        "activities": ["reviews", "interviews"],
        "note": "",
        "fax": "",
    }
    values.update(overrides)
    return values


def requests() -> int:
    return db.session.scalar(select(func.count(SignupRequest.id))) or 0


# --- the public pages ------------------------------------------------------------------------


def test_the_sign_in_page_and_every_footer_lead_to_both_forms(client: FlaskClient) -> None:
    for path in ("/login", "/verify/NO-SUCH-CODE"):
        page = client.get(path).get_data(as_text=True)
        assert 'href="/join/partner"' in page
        assert 'href="/join/volunteer"' in page


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/join/partner", "Become a partner"), ("/join/volunteer", "Volunteer as a reviewer")],
)
def test_the_forms_are_public_with_a_hidden_honeypot(
    client: FlaskClient, login_as, path: str, heading: str
) -> None:
    page = client.get(path).get_data(as_text=True)
    assert heading in page
    assert '<div class="visually-hidden" aria-hidden="true">' in page
    assert 'name="fax"' in page
    assert 'tabindex="-1"' in page
    login_as(make_user(roles={Role.STUDENT}))  # anyone, signed in or not
    assert client.get(path).status_code == 200


def test_a_business_signs_up_and_is_sent_to_check_its_mail(client, post_form) -> None:
    response = post_form("/join/partner", partner_form())
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/join/sent")
    assert "Check your e-mail" in client.get("/join/sent").get_data(as_text=True)
    stored = db.session.scalars(select(SignupRequest)).one()
    assert (stored.organisation, stored.status) == ("Laguna Bread Company", SignupStatus.SUBMITTED)
    assert stored.endorses_certificate
    assert len(mail("signup_confirm", to="rosa@lagunabread.example.com")) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Enter the partner&#39;s name."),
        ({"website": "javascript:alert(1)"}, "Enter a full web address"),
        ({"zip": "00000"}, "That is not a ZIP code we know."),
        ({"kinds": []}, "Choose at least one kind of experience"),
        ({"kinds": ["juggling"]}, "is not a valid choice"),
        ({"sector_id": "0"}, "Choose a sector from the list."),
        ({"sector_id": "abc"}, "Invalid Choice"),
        ({"sector_id": str(2**40)}, "Invalid Choice"),
        ({"email": "rosa@"}, "Enter an e-mail address"),
        ({"full_name": "x" * 121}, "Keep it to 120 characters or fewer."),
    ],
)
def test_bad_business_input_is_shown_on_the_form_and_nothing_is_kept(
    post_form, overrides, message
) -> None:
    response = post_form("/join/partner", partner_form(**overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "Please correct the" in page
    assert "Santa Rosa" in page  # what was typed stays
    assert requests() == 0
    assert mail("signup_confirm") == []


def test_every_problem_shows_at_once(post_form) -> None:
    response = post_form("/join/partner", partner_form(name="", zip="1", email="x", kinds=[]))
    page = response.get_data(as_text=True)
    for message in ("name", "five-digit ZIP", "e-mail address", "kind of experience"):
        assert message in page


def test_a_volunteer_offers_to_review(client, post_form) -> None:
    response = post_form("/join/volunteer", volunteer_form(activities=["reviews"]))
    assert response.status_code == 303
    stored = db.session.scalars(select(SignupRequest)).one()
    assert (stored.reviews, stored.interviews) == (True, False)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"activities": []}, "Choose reviewing portfolios, interview panels or both."),
        ({"background": ""}, "Choose whether you work at a business"),
        ({"background": "astronaut"}, "Not a valid choice"),
        ({"organisation": ""}, "Enter where you work."),
    ],
)
def test_bad_volunteer_input_is_refused(post_form, overrides, message) -> None:
    response = post_form("/join/volunteer", volunteer_form(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert requests() == 0


@pytest.mark.parametrize(
    ("path", "form"), [("/join/partner", partner_form), ("/join/volunteer", volunteer_form)]
)
def test_a_filled_honeypot_looks_accepted_and_nothing_happens(post_form, path, form) -> None:
    outbox = db.session.scalar(select(func.count(OutboxMessage.id)))
    response = post_form(path, form(fax="+1 707 555 0100"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/join/sent")
    assert requests() == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == outbox


def test_the_forms_need_their_token(client: FlaskClient) -> None:
    assert client.post("/join/partner", data=partner_form()).status_code == 400
    assert requests() == 0


def test_five_sign_ups_an_hour_from_one_address_then_the_form_says_wait(
    client: FlaskClient, post_form
) -> None:
    """Only accepted sign-ups count (and the bots' honeypot ones); past the limit the form
    comes back with what was typed, saying how long to wait; another address is not held."""
    for _ in range(3):
        assert post_form("/join/partner", partner_form(zip="1")).status_code == 422  # mistakes
    for n in range(4):
        form = partner_form(email=f"owner{n}@example.com")
        assert post_form("/join/partner", form).status_code == 303
    assert post_form("/join/volunteer", volunteer_form(fax="bot")).status_code == 303
    refused = post_form("/join/volunteer", volunteer_form(full_name="Ken Held"))
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Please try again in 60 minutes." in page
    assert 'value="Ken Held"' in page
    assert int(refused.headers["Retry-After"]) == 3600
    assert requests() == 4
    # Counted in the shared counters (the database here; Redis when configured).
    counted = select(ThrottleCounter.count).where(ThrottleCounter.key.like("%signup%"))
    assert db.session.scalar(counted) == 5
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    other = post_form("/join/volunteer", volunteer_form())
    assert other.status_code == 303


def test_the_limit_is_the_countys_to_set(app, client, post_form, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "SIGNUP_LIMIT", "1 per day")
    assert post_form("/join/volunteer", volunteer_form()).status_code == 303
    refused = post_form("/join/partner", partner_form())
    assert refused.status_code == 429
    assert "Laguna Bread Company" in refused.get_data(as_text=True)


# --- the confirmation link -------------------------------------------------------------------


def _path(link: str) -> str:
    return link.split("localhost", 1)[1]


def test_the_link_shows_the_request_and_a_button_then_confirms_once(
    app, client: FlaskClient
) -> None:
    request = submitted_partner(SignupStatus.SUBMITTED)
    path = _path(link_of(request))
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    text = page.get_data(as_text=True)
    assert "Laguna Bread Company" in text
    assert "Workplace visit" in text
    assert request.status is SignupStatus.SUBMITTED  # opening the link confirms nothing
    done = client.post(path, data={"csrf_token": csrf_from(text)})
    assert done.status_code == 200
    assert "Your e-mail address is confirmed" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SignupRequest, request.id).status is SignupStatus.CONFIRMED
    again = client.get(path)
    assert again.status_code == 200
    assert "already confirmed" in again.get_data(as_text=True)
    assert client.post(path, data={"csrf_token": csrf_from(text)}).status_code == 200


def test_a_bad_or_expired_link_is_a_clear_page(app, client, monkeypatch) -> None:
    request = submitted_volunteer(SignupStatus.SUBMITTED)
    bad = client.get("/join/confirm/not-a-token")
    assert bad.status_code == 400
    assert "This link is not valid" in bad.get_data(as_text=True)
    long_ago = int(time.time()) - app.config["SIGNUP_CONFIRM_MAX_AGE"] - 60
    with app.test_request_context(), monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: long_ago)
        old = services.confirmation_link(request).rsplit("/", 1)[1]
    expired = client.get(f"/join/confirm/{old}")
    assert expired.status_code == 410
    page = expired.get_data(as_text=True)
    assert "This link has expired" in page
    assert 'href="/join/volunteer"' in page
    assert db.session.get(SignupRequest, request.id).status is SignupStatus.SUBMITTED
    assert token_of(request)  # the good link is still there


# --- staff -----------------------------------------------------------------------------------


@pytest.fixture
def staff(client: FlaskClient, login_as) -> User:
    return login_as(make_user(roles={Role.STAFF}, full_name="Dana Staff"))


def test_the_queue_shows_waiting_requests_apart_from_unconfirmed_ones(client, staff) -> None:
    waiting = submitted_partner()
    unconfirmed = submitted_partner(SignupStatus.SUBMITTED, email="b@x.org", name="Unsure Bakery")
    decided = submitted_partner(email="c@x.org", name="Decided Bakery")
    with client.application.test_request_context():
        services.decline(staff, decided.id, "Not in the county.")
    page = client.get("/signups/partners").get_data(as_text=True)
    assert waiting.organisation in page
    assert unconfirmed.organisation not in page
    assert decided.organisation not in page
    page = client.get("/signups/partners?show=unconfirmed").get_data(as_text=True)
    assert unconfirmed.organisation in page
    assert waiting.organisation not in page
    page = client.get("/signups/partners?show=decided").get_data(as_text=True)
    assert "Decided Bakery" in page
    assert "Declined by Dana Staff" in page
    assert client.get("/signups/partners?show=<script>&page=99").status_code == 200
    assert "Laguna" not in client.get("/signups/volunteers").get_data(as_text=True)


def test_the_review_page_shows_the_likely_match_and_proposes_it(client, staff) -> None:
    existing = make_partner(name="Laguna Bread Co., Inc.")
    request = submitted_partner()
    page = client.get(f"/signups/{request.id}").get_data(as_text=True)
    assert "Already in the catalog?" in page
    assert "Laguna Bread Co., Inc." in page
    assert "Same name" in page
    assert f'<option selected value="{existing.id}">' in page
    assert "A new partner: Laguna Bread Company" in page
    assert "No account uses rosa@lagunabread.example.com" in page


def test_staff_approve_a_business_through_the_form(client, staff, post_form) -> None:
    request = submitted_partner()
    response = post_form(
        f"/signups/{request.id}/approve",
        {"partner_id": "0", "endorses_certificate": "y"},
        page=f"/signups/{request.id}",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/signups/partners")
    partner = db.session.scalar(select(Partner).where(Partner.name == "Laguna Bread Company"))
    assert partner is not None
    assert partner.endorses_certificate
    assert len(mail("invitation", to=request.email)) == 1
    page = client.get(f"/signups/{request.id}").get_data(as_text=True)
    assert "Approved" in page
    assert "by Dana Staff" in page
    assert 'action="/signups/' not in page


def test_a_refused_approval_stays_on_the_page_with_the_reason(client, staff, post_form) -> None:
    make_partner(name="Laguna Bread Company")
    request = submitted_partner()
    response = post_form(
        f"/signups/{request.id}/approve", {"partner_id": "0"}, page=f"/signups/{request.id}"
    )
    assert response.status_code == 422
    assert "A partner with this name already exists." in response.get_data(as_text=True)
    assert db.session.get(SignupRequest, request.id).status is SignupStatus.CONFIRMED


def test_an_unlisted_partner_choice_is_not_a_valid_choice(client, staff, post_form) -> None:
    request = submitted_partner()
    response = post_form(
        f"/signups/{request.id}/approve", {"partner_id": "999999"}, page=f"/signups/{request.id}"
    )
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)


def test_staff_add_a_volunteer_to_the_pool(client, staff, post_form) -> None:
    partner = make_partner(name="Ito Engineering")
    partner.endorses_certificate = True
    request = submitted_volunteer()
    page = client.get(f"/signups/{request.id}").get_data(as_text=True)
    assert f'<option selected value="{partner.id}">' in page
    assert '<input checked class="form-check-input" id="reviews" name="reviews"' in page
    response = post_form(
        f"/signups/{request.id}/approve",
        {"partner_id": str(partner.id), "reviews": "y"},
        page=f"/signups/{request.id}",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/signups/volunteers")
    user = db.session.scalar(select(User).where(User.email == request.email))
    assert user is not None
    assert volunteer_of(user.id) is not None
    assert "Ken Ito" in client.get("/reviews/pool").get_data(as_text=True)


def test_decline_needs_a_reason(client, staff, post_form) -> None:
    request = submitted_volunteer()
    page = f"/signups/{request.id}"
    response = post_form(f"/signups/{request.id}/decline", {"reason": ""}, page=page)
    assert response.status_code == 422
    assert "Say why, for the e-mail to the person." in response.get_data(as_text=True)
    response = post_form(
        f"/signups/{request.id}/decline", {"reason": "Full for this year."}, page=page
    )
    assert response.status_code == 302
    assert db.session.get(SignupRequest, request.id).status is SignupStatus.DECLINED
    assert "Full for this year." in mail("signup_declined")[0].body_text


@pytest.mark.parametrize("role", [Role.TEACHER, Role.EMPLOYER, Role.STUDENT])
def test_other_roles_get_403_and_change_nothing(client, login_as, post_form, role) -> None:
    request = submitted_partner()
    login_as(make_user(roles={role}))
    assert client.get(f"/signups/{request.id}").status_code == 403
    token = csrf_from(client.get("/join/partner").get_data(as_text=True))
    response = client.post(
        f"/signups/{request.id}/approve", data={"partner_id": "0", "csrf_token": token}
    )
    assert response.status_code == 403
    assert db.session.get(SignupRequest, request.id).status is SignupStatus.CONFIRMED


def test_anonymous_staff_pages_go_to_sign_in(client) -> None:
    request = submitted_partner()
    response = client.get(f"/signups/{request.id}")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_an_unknown_request_is_404(client, staff) -> None:
    assert client.get("/signups/999999").status_code == 404
    assert client.get(f"/signups/{2**40}").status_code == 404


def test_the_panel_form_lists_approved_interview_volunteers_first(client, staff) -> None:
    make_user(roles={Role.TEACHER}, full_name="Aaron Early")  # first by name
    request = submitted_volunteer(reviews=False)
    with client.application.test_request_context():
        services.approve_volunteer(staff, request.id, services.VolunteerApproval(None, False))
    page = client.get("/interviews/new").get_data(as_text=True)
    volunteer = page.index("Ken Ito (Employer, volunteered to interview)")
    assert volunteer < page.index("Aaron Early (Teacher)")
