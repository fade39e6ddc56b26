"""Sign-up services: submitting (the catalog's rules; nothing but the request is stored),
confirming by signed link, approving (partner, contact, account, pool in one transaction)
and declining, with every refusal leaving nothing behind."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from tests.support.builders import make_employer, make_partner, make_school, make_user, sector
from tests.support.signup_data import (
    mail,
    partner_request,
    submitted_partner,
    submitted_volunteer,
    token_of,
    volunteer_request,
)
from wbl.access import Role
from wbl.auth.models import User
from wbl.auth.services import find_user_by_email
from wbl.catalog import rules
from wbl.catalog.models import Partner, PartnerContact
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db, utcnow
from wbl.notifications.models import OutboxMessage
from wbl.reference.models import ExperienceKind
from wbl.reviews.volunteers import volunteer_of
from wbl.scopes import partner_id_set as partner_ids_of
from wbl.signup import services
from wbl.signup.jobs import prune_unconfirmed_signups
from wbl.signup.models import Background, SignupKind, SignupRequest, SignupStatus
from wbl.signup.services import PartnerApproval, VolunteerApproval
from wbl.tokens import ExpiredLink, InvalidLink, make_token


@pytest.fixture(autouse=True)
def _request(app):
    """Services put links in e-mails: they run inside a request, as in the app."""
    with app.test_request_context():
        yield


@pytest.fixture
def staff(app) -> User:
    return make_user(roles={Role.STAFF}, full_name="Dana Staff")


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def new_partner() -> PartnerApproval:
    return PartnerApproval(partner_id=None, endorses_certificate=True)


# --- submitting ------------------------------------------------------------------------------


def test_a_business_request_is_stored_and_confirmed_by_mail_nothing_else(app) -> None:
    partners, users = count(Partner), count(User)
    typed = partner_request(email=" Rosa@LagunaBread.example.com")
    request = services.submit_partner_request(typed)
    assert request.kind is SignupKind.PARTNER
    assert request.status is SignupStatus.SUBMITTED
    assert request.email == "rosa@lagunabread.example.com"
    assert request.organisation == "Laguna Bread Company"
    assert request.experience_kinds == ["workplace_visit", "job_shadow"]  # the continuum's order
    assert (count(Partner), count(User)) == (partners, users)
    [sent] = mail("signup_confirm")
    assert sent.to_email == "rosa@lagunabread.example.com"
    assert "/join/confirm/" in sent.body_text
    assert "within 3 days" in sent.body_text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", rules.NAME_NEEDED),
        ({"name": "x" * 161}, "name", rules.too_long(160)),
        ({"website": "javascript:alert(1)"}, "website", rules.WEBSITE),
        ({"website": "lagunabread"}, "website", rules.WEBSITE),
        ({"description": "x" * 4001}, "description", rules.too_long(4000)),
        ({"phone": "7" * 41}, "phone", rules.too_long(40)),
        ({"zip": "00000"}, "zip", "That is not a ZIP code we know. Check the five digits."),
        ({"zip": "9540"}, "zip", "Enter a five-digit ZIP code."),
        ({"sector_id": None}, "sector_id", services.SECTOR),
        ({"sector_id": 999_999}, "sector_id", services.SECTOR),
        ({"kinds": frozenset()}, "kinds", services.KINDS_NEEDED),
        ({"full_name": ""}, "full_name", services.NAME_NEEDED),
        ({"full_name": "x" * 121}, "full_name", rules.too_long(120)),
        ({"email": ""}, "email", rules.EMAIL),
        ({"email": "rosa@"}, "email", rules.EMAIL),
        ({"email": "a" * 250 + "@x.org"}, "email", rules.too_long(254)),
        ({"contact_phone": "7" * 41}, "contact_phone", rules.too_long(40)),
        ({"job_title": "x" * 121}, "job_title", rules.too_long(120)),
    ],
)
def test_a_bad_business_request_is_refused_on_its_field_and_nothing_is_kept(
    app, overrides, field, message
) -> None:
    with pytest.raises(DomainError) as refused:
        services.submit_partner_request(partner_request(**overrides))
    assert (refused.value.field, refused.value.message) == (field, message)
    assert count(SignupRequest) == 0
    assert mail("signup_confirm") == []


def test_an_inactive_sector_is_refused(app) -> None:
    retired = sector("hospitality")
    retired.active = False
    with pytest.raises(DomainError) as refused:
        services.submit_partner_request(partner_request(sector_id=retired.id))
    assert refused.value.field == "sector_id"
    assert count(SignupRequest) == 0


def test_a_taken_name_is_not_a_problem_for_the_business_staff_link_it(app) -> None:
    make_partner(name="Laguna Bread Company")
    assert services.submit_partner_request(partner_request()).id


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reviews": False, "interviews": False}, "activities", services.ACTIVITY_NEEDED),
        ({"background": None}, "background", services.BACKGROUND),
        ({"organisation": " "}, "organisation", services.ORGANISATION_NEEDED),
        ({"organisation": "x" * 161}, "organisation", rules.too_long(160)),
        ({"note": "x" * 2001}, "note", rules.too_long(2000)),
        ({"email": "ken at example.net"}, "email", rules.EMAIL),
        ({"full_name": ""}, "full_name", services.NAME_NEEDED),
    ],
)
def test_a_bad_volunteer_request_is_refused(app, overrides, field, message) -> None:
    with pytest.raises(DomainError) as refused:
        services.submit_volunteer_request(volunteer_request(**overrides))
    assert (refused.value.field, refused.value.message) == (field, message)
    assert count(SignupRequest) == 0


def test_sending_again_replaces_the_unconfirmed_request_and_its_link(app) -> None:
    first = services.submit_partner_request(partner_request())
    old_token = token_of(first)
    second = services.submit_partner_request(partner_request(name="Laguna Bread Co."))
    kept = db.session.scalars(select(SignupRequest.organisation)).all()
    assert kept == ["Laguna Bread Co."]
    # Even where the database gives the new request the old one's id (SQLite), the old
    # link is bound to the old request's time of sending.
    with pytest.raises(InvalidLink):
        services.read_confirmation_link(old_token)
    assert services.read_confirmation_link(token_of(second)).id == second.id
    # A volunteer offer from the same address is another request, and stays.
    services.submit_volunteer_request(volunteer_request(email="rosa@lagunabread.example.com"))
    assert count(SignupRequest) == 2


def test_a_confirmed_request_is_not_replaced(app) -> None:
    confirmed = submitted_partner()
    services.submit_partner_request(partner_request())
    assert db.session.get(SignupRequest, confirmed.id) is not None
    assert count(SignupRequest) == 2


# --- confirming ------------------------------------------------------------------------------


def test_confirming_moves_the_request_once_and_tells_the_program(app) -> None:
    app.config["PROGRAM_EMAIL"] = "wbl@county.example.org"
    try:
        request = services.submit_partner_request(partner_request())
        token = token_of(request)
        confirmed = services.confirm_email(token)
        assert confirmed.status is SignupStatus.CONFIRMED
        assert confirmed.confirmed_at is not None
        [told] = mail("signup_waiting")
        assert told.to_email == "wbl@county.example.org"
        assert "Laguna Bread Company" in told.subject
        assert f"/signups/{request.id}" in told.body_text
        with pytest.raises(services.AlreadyConfirmed):
            services.confirm_email(token)
        assert len(mail("signup_waiting")) == 1
    finally:
        app.config["PROGRAM_EMAIL"] = ""


def test_without_a_program_inbox_nobody_is_mailed(app) -> None:
    submitted_partner()
    assert mail("signup_waiting") == []


def test_a_tampered_foreign_or_expired_link_confirms_nothing(app, monkeypatch) -> None:
    request = services.submit_partner_request(partner_request())
    token = token_of(request)
    with pytest.raises(InvalidLink):
        services.confirm_email(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(InvalidLink):  # signed for another purpose (an invitation's)
        services.confirm_email(make_token("invite", {"s": request.id, "e": "x"}))
    with pytest.raises(InvalidLink):  # the right purpose, another address's digest
        services.confirm_email(make_token(services.PURPOSE, {"s": request.id, "e": "0" * 16}))
    long_ago = int(time.time()) - app.config["SIGNUP_CONFIRM_MAX_AGE"] - 60
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: long_ago)
        old = services.confirmation_link(request).rsplit("/", 1)[1]
    with pytest.raises(ExpiredLink):
        services.confirm_email(old)
    assert db.session.get(SignupRequest, request.id).status is SignupStatus.SUBMITTED


# --- approving a business --------------------------------------------------------------------


def test_approving_a_new_business_creates_the_partner_and_invites_the_contact(app, staff) -> None:
    request = submitted_partner()
    approved = services.approve_partner(staff, request.id, new_partner())
    assert approved.status is SignupStatus.APPROVED
    assert (approved.decided_by_id, approved.decided_at is not None) == (staff.id, True)
    partner = approved.partner
    assert partner is not None
    assert (partner.name, partner.city) == ("Laguna Bread Company", "Santa Rosa")
    assert partner.zip == "95401"
    assert partner.website == "https://www.lagunabread.example.com"
    assert partner.latitude is not None  # placed by its ZIP, as the catalog places partners
    assert partner.endorses_certificate
    user = find_user_by_email("rosa@lagunabread.example.com")
    assert user is not None
    assert user.role_set == {Role.EMPLOYER}
    assert user.password_hash is None  # set from the invitation
    assert approved.user_id == user.id
    [contact] = partner.contacts
    assert (contact.user_id, contact.job_title, contact.phone) == (user.id, "Owner", "707-555-0141")
    assert contact.is_primary
    [invitation] = mail("invitation", to=user.email)
    assert "/invitation/" in invitation.body_text
    assert "you speak for Laguna Bread Company" in invitation.body_text
    assert "Workplace visit" in invitation.body_text
    assert mail("signup_approved") == []  # the invitation is the approval


def test_staff_may_leave_the_new_partner_off_the_endorsers(app, staff) -> None:
    request = submitted_partner()
    services.approve_partner(staff, request.id, PartnerApproval(None, endorses_certificate=False))
    assert request.partner is not None
    assert not request.partner.endorses_certificate


def test_approving_into_an_existing_partner_links_the_contact_without_a_second_partner(
    app, staff
) -> None:
    existing = make_partner(name="Laguna Bread")
    request = submitted_partner()
    partners = count(Partner)
    services.approve_partner(staff, request.id, PartnerApproval(existing.id, True))
    assert count(Partner) == partners
    assert request.partner_id == existing.id
    assert existing.endorses_certificate
    user = find_user_by_email(request.email)
    assert user is not None
    assert partner_ids_of(user) == {existing.id}


def test_an_existing_employer_account_gets_the_contact_and_an_approval_mail(app, staff) -> None:
    other = make_partner(name="Other Bakery")
    employer = make_employer(partner=other)
    request = submitted_partner(email=employer.email)
    users = count(User)
    services.approve_partner(staff, request.id, new_partner())
    assert count(User) == users
    assert partner_ids_of(employer) == {other.id, request.partner_id}
    [told] = mail("signup_approved", to=employer.email)
    assert "/login" in told.body_text
    assert mail("invitation") == []


def test_an_account_already_speaking_for_the_partner_is_not_linked_twice(app, staff) -> None:
    partner = make_partner(name="Laguna Bread Company")
    employer = make_employer(partner=partner)
    request = submitted_partner(email=employer.email)
    services.approve_partner(staff, request.id, PartnerApproval(partner.id, False))
    contacts = db.session.scalar(select(func.count()).where(PartnerContact.user_id == employer.id))
    assert contacts == 1
    assert len(mail("signup_approved", to=employer.email)) == 1


def refused_and_untouched(call, request: SignupRequest, *, message: str) -> None:
    partners, users, contacts, outbox = (
        count(Partner),
        count(User),
        count(PartnerContact),
        count(OutboxMessage),
    )
    with pytest.raises(DomainError) as refused:
        call()
    assert message in refused.value.message
    assert db.session.get(SignupRequest, request.id).status is SignupStatus.CONFIRMED
    assert (count(Partner), count(User), count(PartnerContact), count(OutboxMessage)) == (
        partners,
        users,
        contacts,
        outbox,
    )


@pytest.mark.parametrize(
    ("roles", "active", "message"),
    [
        ({Role.TEACHER}, True, "not an employer's"),
        ({Role.STUDENT}, True, "a student's account"),
        ({Role.EMPLOYER}, False, "deactivated account"),
    ],
)
def test_an_account_that_may_not_speak_for_a_business_is_refused(
    app, staff, roles, active, message
) -> None:
    person = make_user(roles=roles, active=active)
    request = submitted_partner(email=person.email)
    refused_and_untouched(
        lambda: services.approve_partner(staff, request.id, new_partner()), request, message=message
    )


def test_a_new_partner_under_a_taken_name_is_refused_for_staff_to_link_it(app, staff) -> None:
    make_partner(name="LAGUNA BREAD COMPANY")
    request = submitted_partner()
    refused_and_untouched(
        lambda: services.approve_partner(staff, request.id, new_partner()),
        request,
        message=rules.NAME_TAKEN,
    )


def test_an_unknown_partner_choice_is_refused(app, staff) -> None:
    request = submitted_partner()
    refused_and_untouched(
        lambda: services.approve_partner(staff, request.id, PartnerApproval(999_999, False)),
        request,
        message="Choose a partner from the list.",
    )


def test_only_confirmed_requests_are_decided_and_only_once(app, staff) -> None:
    unconfirmed = submitted_partner(SignupStatus.SUBMITTED)
    with pytest.raises(DomainError, match="not confirmed"):
        services.approve_partner(staff, unconfirmed.id, new_partner())
    with pytest.raises(DomainError, match="not confirmed"):
        services.decline(staff, unconfirmed.id, "No.")
    request = submitted_partner(email="other@example.org", name="Other Co")
    services.approve_partner(staff, request.id, new_partner())
    with pytest.raises(services.AlreadyDecided):
        services.approve_partner(staff, request.id, new_partner())
    with pytest.raises(services.AlreadyDecided):
        services.decline(staff, request.id, "Changed my mind.")
    assert db.session.scalar(select(func.count()).where(Partner.name == "Other Co")) == 1


@pytest.mark.parametrize("role", [Role.TEACHER, Role.EMPLOYER, Role.STUDENT])
def test_only_staff_decide(app, role) -> None:
    request = submitted_partner()
    with pytest.raises(Forbidden):
        services.approve_partner(make_user(roles={role}), request.id, new_partner())
    with pytest.raises(Forbidden):
        services.decline(make_user(roles={role}), request.id, "No.")


def test_an_unknown_request_or_the_wrong_kind_is_not_found(app, staff) -> None:
    volunteer = submitted_volunteer()
    with pytest.raises(NotFound):
        services.approve_partner(staff, volunteer.id, new_partner())
    with pytest.raises(NotFound):
        services.decline(staff, 999_999, "No.")


def test_administrators_decide_too(app) -> None:
    request = submitted_partner()
    admin = make_user(roles={Role.ADMIN})
    assert services.approve_partner(admin, request.id, new_partner()).partner_id


# --- approving a volunteer -------------------------------------------------------------------


def endorsing_partner(name: str = "Ito Engineering") -> Partner:
    partner = make_partner(name=name)
    partner.endorses_certificate = True
    return partner


def test_a_volunteer_from_an_endorsing_partner_joins_the_pool_with_a_new_account(
    app, staff
) -> None:
    partner = endorsing_partner()
    request = submitted_volunteer()
    services.approve_volunteer(staff, request.id, VolunteerApproval(partner.id, reviews=True))
    user = find_user_by_email("ken.ito@example.net")
    assert user is not None
    assert user.role_set == {Role.EMPLOYER}
    assert partner_ids_of(user) == {partner.id}
    pool = volunteer_of(user.id)
    assert pool is not None
    assert pool.active
    assert (request.user_id, request.partner_id) == (user.id, partner.id)
    [invitation] = mail("invitation", to=user.email)
    assert "review Work Ready portfolios and sit on work ready interview panels" in (
        invitation.body_text
    )
    assert "a contact of Ito Engineering" in invitation.body_text


def test_a_teacher_volunteer_joins_the_pool_with_their_own_account(app, staff) -> None:
    teacher = make_user(roles={Role.TEACHER}, school=make_school())
    request = submitted_volunteer(email=teacher.email, background=Background.EDUCATOR)
    users = count(User)
    services.approve_volunteer(staff, request.id, VolunteerApproval(None, reviews=True))
    assert count(User) == users
    assert volunteer_of(teacher.id) is not None
    assert teacher.role_set == {Role.TEACHER}  # nothing added
    [told] = mail("signup_approved", to=teacher.email)
    assert "Thank you for volunteering" in told.body_text
    assert mail("invitation") == []


def test_an_interviewer_only_volunteer_gets_an_employer_account_and_stays_out_of_the_pool(
    app, staff
) -> None:
    request = submitted_volunteer(reviews=False)
    services.approve_volunteer(staff, request.id, VolunteerApproval(None, reviews=False))
    user = find_user_by_email(request.email)
    assert user is not None
    assert user.role_set == {Role.EMPLOYER}
    assert partner_ids_of(user) == set()
    assert volunteer_of(user.id) is None
    [invitation] = mail("invitation", to=user.email)
    assert "sit on work ready interview panels" in invitation.body_text


def test_a_reviewer_without_an_endorsing_partner_is_refused_and_no_account_is_left(
    app, staff
) -> None:
    plain = make_partner(name="Ito Engineering")  # does not endorse
    request = submitted_volunteer()
    refused_and_untouched(
        lambda: services.approve_volunteer(staff, request.id, VolunteerApproval(plain.id, True)),
        request,
        message="Ken Ito cannot join the reviewer pool: Portfolio reviewers come from partners",
    )
    refused_and_untouched(
        lambda: services.approve_volunteer(staff, request.id, VolunteerApproval(None, True)),
        request,
        message="cannot join the reviewer pool",
    )


def test_an_educator_without_an_account_is_refused(app, staff) -> None:
    request = submitted_volunteer(background=Background.EDUCATOR)
    refused_and_untouched(
        lambda: services.approve_volunteer(staff, request.id, VolunteerApproval(None, True)),
        request,
        message="Educators volunteer with the account their school gave them",
    )


def test_a_students_address_gets_nothing(app, staff) -> None:
    student = make_user(roles={Role.STUDENT})
    request = submitted_volunteer(email=student.email)
    refused_and_untouched(
        lambda: services.approve_volunteer(staff, request.id, VolunteerApproval(None, False)),
        request,
        message="a student's account",
    )


def test_a_teacher_is_never_made_a_partners_contact(app, staff) -> None:
    teacher = make_user(roles={Role.TEACHER}, school=make_school())
    partner = endorsing_partner()
    request = submitted_volunteer(email=teacher.email)
    refused_and_untouched(
        lambda: services.approve_volunteer(staff, request.id, VolunteerApproval(partner.id, True)),
        request,
        message="not an employer's",
    )


# --- declining -------------------------------------------------------------------------------


def test_declining_needs_a_reason_and_mails_it(app, staff) -> None:
    request = submitted_volunteer()
    for reason in ("", "   "):
        with pytest.raises(DomainError) as refused:
            services.decline(staff, request.id, reason)
        assert refused.value.field == "reason"
    with pytest.raises(DomainError, match="2,000 characters"):
        services.decline(staff, request.id, "x" * 2001)
    assert db.session.get(SignupRequest, request.id).status is SignupStatus.CONFIRMED
    services.decline(staff, request.id, "  We need reviewers in the spring; write to us then. ")
    assert request.status is SignupStatus.DECLINED
    assert request.reason == "We need reviewers in the spring; write to us then."
    assert (request.decided_by_id, request.user_id) == (staff.id, None)
    [told] = mail("signup_declined", to=request.email)
    assert "We need reviewers in the spring" in told.body_text
    assert find_user_by_email(request.email) is None


# --- the scheduler's job ---------------------------------------------------------------------


def test_unconfirmed_requests_are_forgotten_when_their_link_expires(app) -> None:
    fresh = submitted_partner(SignupStatus.SUBMITTED)
    stale = submitted_volunteer(SignupStatus.SUBMITTED)
    old_but_confirmed = submitted_partner(email="kept@example.org")
    age = timedelta(seconds=app.config["SIGNUP_CONFIRM_MAX_AGE"] + 60)
    stale.created_at = old_but_confirmed.created_at = utcnow() - age
    db.session.flush()
    assert prune_unconfirmed_signups(utcnow()) == "1 unconfirmed sign-up(s) forgotten"
    remaining = set(db.session.scalars(select(SignupRequest.id)))
    assert remaining == {fresh.id, old_but_confirmed.id}
    assert prune_unconfirmed_signups(utcnow()) == "0 unconfirmed sign-up(s) forgotten"


def test_experience_kinds_keep_the_continuums_order(app) -> None:
    kinds = frozenset({ExperienceKind.INTERNSHIP, ExperienceKind.GUEST_SPEAKER})
    request = services.submit_partner_request(partner_request(kinds=kinds))
    assert request.experience_kinds == ["guest_speaker", "internship"]
