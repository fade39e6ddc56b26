"""Work permits for minors' paid placements: who needs one, the three parts from their links
(valid, tampered, expired, used, another purpose's, re-sent), the school's decision (issue,
refuse, the e-mails in each reader's language), the hours gate and who sees what."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from flask import current_app
from itsdangerous.timed import TimestampSigner

from tests.support.builders import make_district, make_school, make_student, make_user
from tests.support.hour_data import ADULT
from tests.support.hour_data import place as place_adult
from tests.support.permit_data import (
    ANSWERS,
    give_all,
    link_path,
    mails,
    paid_cast,
    part_of,
    permit_of,
    place_paid,
)
from tests.support.placement_data import make_cast
from tests.support.smtp import smtp_server
from wbl.access import Role
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db, utcnow
from wbl.hours import services as hours
from wbl.notifications.delivery import deliver_pending
from wbl.notifications.models import OutboxStatus
from wbl.placements import lifecycle, permits
from wbl.placements.models import PermitParty, PermitStatus, WorkPermit
from wbl.roster.models import Guardian
from wbl.tokens import make_token

TODAY = local_today


def sign_out(client) -> None:
    with client.session_transaction() as session:
        session.clear()


def issue(staff, placement, *, days: int = 200, number: str = "B1-4 0042") -> WorkPermit:
    today = TODAY()
    with current_app.test_request_context():
        return permits.issue(
            staff,
            placement.id,
            permits.Issue(today - timedelta(days=12), today + timedelta(days=days), number),
        )


def part_form(party: PermitParty, **override: object) -> dict[str, object]:
    answer = ANSWERS[party]
    data: dict[str, object] = {"typed_name": answer.typed_name, "submit": "Sign"}
    if party is PermitParty.STUDENT:
        data |= {"school_name": answer.school_name, "grade": answer.grade}
    elif party is PermitParty.GUARDIAN:
        data |= {"consents": "y"}
    else:
        data |= {
            "job_title": answer.job_title,
            "duties": answer.duties,
            "hours_per_day": str(answer.hours_per_day),
            "hours_per_week": str(answer.hours_per_week),
            "pay_rate": answer.pay_rate,
        }
    return data | override


# --- who needs one -------------------------------------------------------------------------


def test_a_minor_on_a_paid_placement_gets_a_request_with_three_parts(app) -> None:
    cast = paid_cast()
    permit = permit_of(place_paid(cast))
    assert permit.status is PermitStatus.REQUESTED
    assert [p.party for p in permit.parts] == list(PermitParty)
    assert part_of(permit, PermitParty.EMPLOYER).email == cast.employer.email
    sent = {m.to_email for m in mails("work_permit_part")}
    assert sent == {cast.student.user.email, cast.student.guardian_email, cast.employer.email}
    # Each e-mail carries its own link, and the placement's hours wait.
    assert link_path(cast.employer.email) != link_path(cast.student.guardian_email)
    assert "Waiting for the work permit" in (permits.hours_blocked(permit.placement, TODAY()) or "")


def test_no_request_for_an_unpaid_placement_or_an_adult(app) -> None:
    unpaid = make_cast()
    assert permits.permit_of(place_paid(unpaid).id) is None
    adult = paid_cast(born=ADULT)
    placement = place_adult(adult)
    assert permits.permit_of(placement.id) is None
    assert permits.hours_blocked(placement, TODAY()) is None


def test_a_student_turning_18_before_the_start_needs_none(app) -> None:
    today = TODAY()
    cast = paid_cast(born=date(today.year - 18, today.month, 1) + timedelta(days=40))
    placement = place_paid(cast, days_before=-60, days_after=90)  # starts after the birthday
    assert permits.permit_of(placement.id) is None


# --- the parts -----------------------------------------------------------------------------


def test_the_chain_end_to_end_through_the_links(app, client, post_form, login_as) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    for party, to in (
        (PermitParty.STUDENT, cast.student.user.email),
        (PermitParty.GUARDIAN, cast.student.guardian_email),
        (PermitParty.EMPLOYER, cast.employer.email),
    ):
        path = link_path(to)
        page = client.get(path)
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "private, no-store"
        done = post_form(path, part_form(party))
        assert done.status_code == 200, done.get_data(as_text=True)
        assert "is recorded" in done.get_data(as_text=True)
    permit = permit_of(placement)
    assert permit.status is PermitStatus.COMPLETE
    employer = part_of(permit, PermitParty.EMPLOYER)
    assert (employer.job_title, employer.hours_per_day, employer.hours_per_week) == (
        "Kennel assistant",
        4,
        12,
    )
    assert employer.typed_name == "Erin Employer"
    assert employer.signed_at is not None
    assert employer.ip_address
    assert employer.nonce is None
    assert part_of(permit, PermitParty.GUARDIAN).consents
    assert part_of(permit, PermitParty.STUDENT).grade == "11"
    # The school issues it from the permit's page.
    login_as(cast.staff)
    today = TODAY()
    response = post_form(
        f"/placements/{placement.id}/permit/issue",
        {
            "issued_on": (today - timedelta(days=12)).isoformat(),
            "expires_on": (today + timedelta(days=200)).isoformat(),
            "permit_number": "B1-4 0042",
        },
        page=f"/placements/{placement.id}/permit",
    )
    assert response.status_code == 302
    permit = permit_of(placement)
    assert permit.status is PermitStatus.ISSUED
    assert permit.permit_number == "B1-4 0042"
    assert permit.decided_by_id == cast.staff.id
    told = {m.to_email for m in mails("work_permit_issued")}
    assert told == {cast.student.user.email, cast.student.guardian_email, cast.employer.email}
    assert permits.hours_blocked(placement, today) is None


def test_a_used_link_is_refused_and_changes_nothing(app, client, post_form) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    path = link_path(cast.employer.email)
    assert post_form(path, part_form(PermitParty.EMPLOYER)).status_code == 200
    again = client.get(path)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    signed = part_of(permit_of(placement), PermitParty.EMPLOYER).signed_at
    with pytest.raises(permits.PartAlreadyGiven):
        permits.read_part_link(path.rsplit("/", 1)[1])
    assert part_of(permit_of(placement), PermitParty.EMPLOYER).signed_at == signed


def test_a_tampered_link_is_refused(app, client) -> None:
    cast = paid_cast()
    place_paid(cast)
    path = link_path(cast.student.guardian_email)
    response = client.get(path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"))
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_a_link_for_another_part_or_purpose_is_refused(app, client) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    permit = permit_of(placement)
    guardian = part_of(permit, PermitParty.GUARDIAN)
    employer = part_of(permit, PermitParty.EMPLOYER)
    with app.test_request_context():
        # The guardian's id with the employer's nonce: not the guardian's link.
        wrong_party = make_token(permits.PURPOSE, {"p": guardian.id, "n": employer.nonce})
        # A training agreement's token for the same ids: another purpose's salt.
        other_purpose = make_token("training-agreement", {"p": guardian.id, "n": guardian.nonce})
    assert client.get(f"/permits/{wrong_party}").status_code == 410
    assert client.get(f"/permits/{other_purpose}").status_code == 400


def test_an_expired_link_is_refused(app, client, monkeypatch) -> None:
    cast = paid_cast()
    place_paid(cast)
    path = link_path(cast.student.user.email)
    later = time.time() + (permits.LINK_DAYS + 1) * 86400
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(later))
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)


def test_a_resent_link_retires_the_old_one(app, client, login_as, post_form) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    old = link_path(cast.employer.email)
    login_as(cast.staff)
    response = post_form(
        f"/placements/{placement.id}/permit/employer/resend",
        {},
        page=f"/placements/{placement.id}/permit",
    )
    assert response.status_code == 302
    new = link_path(cast.employer.email)
    assert new != old
    sign_out(client)
    assert client.get(old).status_code == 410
    assert client.get(new).status_code == 200


@pytest.mark.parametrize(
    ("party", "override", "field", "message"),
    [
        (PermitParty.STUDENT, {"typed_name": "S"}, "typed_name", "Type your full name"),
        (PermitParty.STUDENT, {"school_name": ""}, "school_name", "name of your school"),
        (PermitParty.STUDENT, {"grade": ""}, "grade", "Choose your grade"),
        (PermitParty.GUARDIAN, {"consents": ""}, "consents", "give your consent"),
        (PermitParty.EMPLOYER, {"job_title": ""}, "job_title", "job title"),
        (PermitParty.EMPLOYER, {"duties": "dogs"}, "duties", "Describe the duties"),
        (PermitParty.EMPLOYER, {"hours_per_day": "9"}, "hours_per_day", "1 to 8"),
        (PermitParty.EMPLOYER, {"hours_per_week": "49"}, "hours_per_week", "1 to 48"),
        (PermitParty.EMPLOYER, {"hours_per_week": "2"}, "hours_per_week", "fewer than"),
    ],
)
def test_each_field_of_a_part_is_checked(
    app, client, post_form, party, override, field, message
) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    to = {
        PermitParty.STUDENT: cast.student.user.email,
        PermitParty.GUARDIAN: cast.student.guardian_email,
        PermitParty.EMPLOYER: cast.employer.email,
    }[party]
    path = link_path(to)
    response = post_form(path, part_form(party, **override))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert f'id="{field}-error"' in body
    part = part_of(permit_of(placement), party)
    assert part.signed_at is None
    assert part.nonce is not None


def test_the_student_gives_their_part_signed_in(app, client, login_as, post_form) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    login_as(cast.student.user)
    page = client.get(f"/placements/{placement.id}/permit")
    assert "Fill in my part" in page.get_data(as_text=True)
    url = f"/placements/{placement.id}/permit/my-part"
    assert post_form(url, part_form(PermitParty.STUDENT)).status_code == 302
    part = part_of(permit_of(placement), PermitParty.STUDENT)
    assert part.signed_at is not None
    assert part.school_name == "Elsie Allen High"
    sign_out(client)
    assert client.get(link_path(cast.student.user.email)).status_code == 410  # link retired


def test_another_student_cannot_give_the_part(app, client, login_as) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    login_as(make_student().user)
    assert client.get(f"/placements/{placement.id}/permit/my-part").status_code == 404
    assert client.get(f"/placements/{placement.id}/permit").status_code == 404


def test_the_guardian_page_opens_in_the_guardians_language(app, client) -> None:
    cast = paid_cast()
    db.session.add(
        Guardian(
            student_id=cast.student.id,
            sourced_id="guardian-es-1",
            relationship_kind="parent",
            full_name="Pat Guardian",
            email=cast.student.guardian_email,
            language="es",
        )
    )
    db.session.flush()
    placement = place_paid(cast)
    mail = mails("work_permit_part", cast.student.guardian_email)[-1]
    assert "Solicitud de permiso de trabajo" in mail.subject
    body = client.get(link_path(cast.student.guardian_email)).get_data(as_text=True)
    assert '<html lang="es">' in body
    assert "Soy el padre, la madre o el tutor" in body
    # The refusal reaches the guardian in Spanish too, the student in English.
    with current_app.test_request_context():
        permits.refuse(cast.staff, placement.id, "The job needs a driving licence.")
    refused = {m.to_email: m for m in mails("work_permit_refused")}
    assert refused[cast.student.guardian_email].subject.startswith("Permiso de trabajo rechazado")
    assert refused[cast.student.user.email].subject.startswith("Work permit refused")


# --- the school's decision -----------------------------------------------------------------


def test_the_permit_is_not_issued_before_every_part(app) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    with pytest.raises(DomainError, match="Every party"):
        issue(cast.staff, placement)
    assert permit_of(placement).status is PermitStatus.REQUESTED


@pytest.mark.parametrize(
    ("issued", "expires", "field"),
    [(1, 100, "issued_on"), (-5, -5, "expires_on"), (-30, -1, "expires_on")],
)
def test_the_permit_dates_are_checked(app, issued, expires, field) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    give_all(placement)
    today = TODAY()
    with pytest.raises(DomainError) as refused, current_app.test_request_context():
        permits.issue(
            cast.staff,
            placement.id,
            permits.Issue(today + timedelta(days=issued), today + timedelta(days=expires)),
        )
    assert refused.value.field == field
    assert permit_of(placement).status is PermitStatus.COMPLETE


def test_refusal_tells_the_student_and_the_guardian_the_reason(app, client, login_as, post_form):
    cast = paid_cast()
    placement = place_paid(cast)
    give_all(placement)
    login_as(cast.staff)
    url = f"/placements/{placement.id}/permit/refuse"
    page = f"/placements/{placement.id}/permit"
    short = post_form(url, {"reason": "No."}, page=page)
    assert short.status_code == 422
    assert permit_of(placement).status is PermitStatus.COMPLETE
    reason = "The job includes operating a power washer, which minors may not do."
    assert post_form(url, {"reason": reason}, page=page).status_code == 302
    permit = permit_of(placement)
    assert permit.status is PermitStatus.REFUSED
    assert permit.refusal_reason == reason
    told = {m.to_email: m for m in mails("work_permit_refused")}
    assert set(told) == {cast.student.user.email, cast.student.guardian_email}
    assert reason in told[cast.student.guardian_email].body_text
    assert "refused" in (permits.hours_blocked(placement, TODAY()) or "")
    with pytest.raises(permits.AlreadyDecided):
        issue(cast.staff, placement)


def test_refusal_retires_the_links_still_open(app, client) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    path = link_path(cast.employer.email)
    with current_app.test_request_context():
        permits.refuse(cast.staff, placement.id, "The employer is not registered in the state.")
    assert client.get(path).status_code == 410


def test_a_cancelled_placement_retires_the_links(app, client) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    path = link_path(cast.employer.email)
    with current_app.test_request_context():
        lifecycle.cancel(cast.staff, placement.application_id, "The student moved away.")
    assert client.get(path).status_code == 410


# --- the gate on hours ---------------------------------------------------------------------


def test_no_hours_before_the_permit_is_issued(app, client, login_as, post_form) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    student = cast.student.user
    with pytest.raises(DomainError, match="Waiting for the work permit"):
        hours.log_hours(student, placement.id, TODAY() - timedelta(days=1), 120, "Walked dogs.")
    login_as(student)
    body = client.get(f"/hours/placements/{placement.id}").get_data(as_text=True)
    assert "Waiting for the work permit" in body
    assert 'name="hours"' not in body  # no log form
    sign_out(client)
    login_as(cast.employer)
    assert "Waiting for the work permit" in client.get(
        f"/hours/placements/{placement.id}"
    ).get_data(as_text=True)
    give_all(placement)
    issue(cast.staff, placement)
    entry = hours.log_hours(student, placement.id, TODAY() - timedelta(days=1), 120, "Walked dogs.")
    assert entry.minutes == 120


def test_no_hours_outside_the_permits_dates(app) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    give_all(placement)
    issue(cast.staff, placement)  # from 12 days ago; the placement started 10 days ago
    permit = permit_of(placement)
    permit.issued_on = TODAY() - timedelta(days=3)
    db.session.flush()
    with pytest.raises(DomainError, match="covers"):
        hours.log_hours(
            cast.student.user, placement.id, TODAY() - timedelta(days=5), 60, "Walked dogs."
        )


def test_an_expired_permit_stops_the_hours(app) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    give_all(placement)
    issue(cast.staff, placement)
    permit = permit_of(placement)
    permit.expires_on = TODAY() - timedelta(days=2)
    db.session.flush()
    assert "covers" in (permits.hours_blocked(placement, TODAY()) or "")
    with pytest.raises(DomainError, match="covers"):
        hours.log_hours(
            cast.student.user, placement.id, TODAY() - timedelta(days=1), 60, "Walked dogs."
        )


# --- who sees what -------------------------------------------------------------------------


def test_the_placements_people_see_the_permit_and_others_get_404(app, client, login_as) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    url = f"/placements/{placement.id}/permit"
    for user in (cast.student.user, cast.teacher, cast.employer, cast.staff):
        login_as(user)
        assert client.get(url).status_code == 200, user.email
        sign_out(client)
    for user in (
        make_student().user,
        make_user(roles={Role.TEACHER}, school=make_school()),
        make_user(roles={Role.STAFF}, district=make_district()),
    ):
        login_as(user)
        assert client.get(url).status_code == 404, user.email
        sign_out(client)


def test_only_staff_decide(app, client, login_as, post_form) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    give_all(placement)
    page = f"/placements/{placement.id}/permit"
    for user in (cast.teacher, cast.employer, cast.student.user):
        login_as(user)
        response = post_form(
            f"{page}/refuse", {"reason": "Not allowed to decide this one."}, page=page
        )
        assert response.status_code == 403
        sign_out(client)
    with pytest.raises(Forbidden):
        permits.refuse(cast.teacher, placement.id, "Not allowed to decide this one.")
    assert permit_of(placement).status is PermitStatus.COMPLETE


def test_the_pending_list_and_its_menu_entry(app, client, login_as) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    login_as(cast.staff)
    home = client.get("/placements").get_data(as_text=True)
    assert 'href="/permits"' in home
    body = client.get("/permits").get_data(as_text=True)
    assert cast.student.user.full_name in body
    assert "Waiting for parts" in body
    give_all(placement)
    assert "Ready to decide" in client.get("/permits").get_data(as_text=True)
    issue(cast.staff, placement)
    assert cast.student.user.full_name not in client.get("/permits").get_data(as_text=True)
    sign_out(client)
    login_as(cast.teacher)
    assert client.get("/permits").status_code == 403


def test_the_application_page_shows_the_permit(app, client, login_as) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    login_as(cast.student.user)
    body = client.get(f"/applications/{placement.application_id}").get_data(as_text=True)
    assert "Work permit" in body
    assert "Waiting for the work permit" in body  # the hours card, instead of "Log my hours"
    assert "Log my hours" not in body
    assert f"/placements/{placement.id}/permit" in body


def test_staff_open_a_request_only_where_one_is_needed(app) -> None:
    adult = paid_cast(born=ADULT)
    placement = place_adult(adult)
    with pytest.raises(DomainError, match="under 18"), current_app.test_request_context():
        permits.request_permit(adult.staff, placement.id)
    cast = paid_cast()
    minor = place_paid(cast)
    with pytest.raises(DomainError, match="already"), current_app.test_request_context():
        permits.request_permit(cast.staff, minor.id)
    with pytest.raises(NotFound), current_app.test_request_context():
        permits.request_permit(make_user(roles={Role.STUDENT}), minor.id)


def test_staff_open_a_missing_request_from_the_application_page(
    app, client, login_as, post_form
) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    db.session.delete(permit_of(placement))  # as if made before permits were kept
    db.session.flush()
    login_as(cast.staff)
    page = f"/applications/{placement.application_id}"
    assert "Open a work permit request" in client.get(page).get_data(as_text=True)
    response = post_form(f"/placements/{placement.id}/permit/request", {}, page=page)
    assert response.status_code == 302
    assert permit_of(placement).status is PermitStatus.REQUESTED
    assert "Open a work permit request" not in client.get(page).get_data(as_text=True)


def test_the_permit_e_mails_reach_the_smtp_server_through_the_outbox(app) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    give_all(placement)
    with current_app.test_request_context():
        permits.refuse(cast.staff, placement.id, "The job includes driving the clinic's van.")
    with smtp_server() as (smtp, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        try:
            deliver_pending(utcnow())
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    sent = mails("work_permit_part") + mails("work_permit_refused")
    assert {m.status for m in sent} == {OutboxStatus.SENT}
    subjects = {(r.recipients[0], r.email["Subject"]) for r in smtp.messages}
    assert (
        cast.employer.email,
        f"Work permit request: your part for {cast.student.user.full_name} at {cast.partner.name}",
    ) in subjects
    refused = [r for r in smtp.messages if "refused" in r.email["Subject"]]
    assert {r.recipients[0] for r in refused} == {
        cast.student.user.email,
        cast.student.guardian_email,
    }
    for message in refused:
        assert message.email.is_multipart()
        assert "driving the clinic's van" in message.email.get_body(("plain",)).get_content()


def test_the_students_home_says_the_placement_waits_for_the_permit(app, client, login_as) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    login_as(cast.student.user)
    body = client.get("/home").get_data(as_text=True)
    assert "Waiting for the work permit: no hours until the school issues it." in body
    assert f"/placements/{placement.id}/permit" in body
    give_all(placement)
    issue(cast.staff, placement)
    body = client.get("/home").get_data(as_text=True)
    assert "Waiting for the work permit" not in body
    assert f"/hours/placements/{placement.id}" in body
