"""Closing, reopening and cancelling an externship: who may, what a second click does, and
what cancelling does to placed teachers, applicants, seats and the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import csrf_from
from tests.support.builders import make_employer
from tests.support.externship_data import (
    make_application,
    make_externship,
    make_hour,
    make_ongoing_externship,
    make_placed_team,
    make_staff,
    make_teacher,
)
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.externships import selection, services, teacher_hours
from wbl.externships.models import (
    Externship,
    ExternshipHourStatus,
    ExternshipStatus,
    TeacherApplicationStatus,
)
from wbl.notifications.models import OutboxMessage

OPEN, CLOSED, CANCELLED = (
    ExternshipStatus.OPEN,
    ExternshipStatus.CLOSED,
    ExternshipStatus.CANCELLED,
)


def _outbox(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


# --- services --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "contact"])
def test_close_and_reopen(who: str) -> None:
    externship = make_externship()
    actor = make_staff() if who == "staff" else make_employer(partner=externship.partner)
    assert services.close_externship(actor, externship.id).status is CLOSED
    assert selection.open_problem(externship, local_today()) is not None
    assert services.reopen_externship(actor, externship.id).status is OPEN


def test_a_second_click_changes_nothing() -> None:
    externship = make_externship()
    staff = make_staff()
    services.close_externship(staff, externship.id)
    with pytest.raises(DomainError, match="already closed"):
        services.close_externship(staff, externship.id)
    services.reopen_externship(staff, externship.id)
    with pytest.raises(DomainError, match="already open"):
        services.reopen_externship(staff, externship.id)
    services.cancel_externship(staff, externship.id, "The lab is closed for repairs.")
    with pytest.raises(DomainError, match="already cancelled"):
        services.cancel_externship(staff, externship.id, "Again.")
    assert externship.cancel_reason == "The lab is closed for repairs."


def test_a_cancelled_externship_is_neither_reopened_nor_closed() -> None:
    externship = make_externship()
    staff = make_staff()
    services.cancel_externship(staff, externship.id, "No funding this year.")
    for move in (services.reopen_externship, services.close_externship):
        with pytest.raises(DomainError, match="is cancelled"):
            move(staff, externship.id)
    assert externship.status is CANCELLED


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancel_needs_a_reason(reason: str) -> None:
    externship = make_externship()
    with pytest.raises(DomainError, match="Say why") as error:
        services.cancel_externship(make_staff(), externship.id, reason)
    assert error.value.field == "reason"
    assert externship.status is OPEN


def test_too_long_a_reason_is_refused() -> None:
    externship = make_externship()
    with pytest.raises(DomainError, match="Keep the reason"):
        services.cancel_externship(make_staff(), externship.id, "x" * 2001)
    assert externship.status is OPEN


def test_a_closed_externship_can_be_cancelled() -> None:
    externship = make_externship()
    staff = make_staff()
    services.close_externship(staff, externship.id)
    services.cancel_externship(staff, externship.id, "Moved to next year.")
    assert (externship.status, externship.cancelled_by_id) == (CANCELLED, staff.id)
    assert externship.cancelled_at is not None


@pytest.mark.parametrize("move", ["close", "reopen", "cancel"])
def test_teachers_and_other_partners_cannot(move: str) -> None:
    externship = make_externship()
    if move == "reopen":
        externship.status = CLOSED
        db.session.flush()
    calls = {
        "close": lambda actor: services.close_externship(actor, externship.id),
        "reopen": lambda actor: services.reopen_externship(actor, externship.id),
        "cancel": lambda actor: services.cancel_externship(actor, externship.id, "Because."),
    }
    applicant = make_application(externship=externship).teacher
    with pytest.raises(NotFound):
        calls[move](make_employer())
    with pytest.raises(Forbidden):
        calls[move](applicant)


def test_cancelling_takes_placed_teachers_off_and_tells_everyone() -> None:
    """Placed teachers: withdrawn with the reason, seats back, e-mailed; waiting applicants:
    declined, e-mailed; a completed teacher keeps it; pending hours stay for the partner."""
    externship = make_ongoing_externship(seats=6)
    contact = make_employer(partner=externship.partner)
    first, second = make_placed_team(externship=externship)
    done, teammate = make_placed_team(externship=externship)
    done.status = TeacherApplicationStatus.COMPLETED
    waiting = make_application(externship=externship)
    gone = make_application(externship=externship, status=TeacherApplicationStatus.WITHDRAWN)
    hour = make_hour(application=first)
    db.session.flush()
    assert externship.seats_taken == 4

    services.cancel_externship(make_staff(), externship.id, "The clinic is moving.")

    note = "The externship was cancelled: The clinic is moving."
    for member in (first, second):
        assert (member.status, member.decision_note) == (TeacherApplicationStatus.WITHDRAWN, note)
        assert member.team_id is not None  # the team is history, kept
    assert (waiting.status, waiting.decision_note) == (TeacherApplicationStatus.DECLINED, note)
    assert done.status is TeacherApplicationStatus.COMPLETED
    assert gone.status is TeacherApplicationStatus.WITHDRAWN
    assert gone.decision_note == ""
    assert teammate.status is TeacherApplicationStatus.WITHDRAWN
    assert externship.seats_taken == 1  # only the completed teacher still holds a seat
    assert hour.status is ExternshipHourStatus.PENDING
    sent = _outbox("externship_cancelled")
    to = {m.to_email for m in sent}
    assert {first.teacher.email, second.teacher.email, waiting.teacher.email} <= to
    assert contact.email in to
    assert done.teacher.email not in to
    assert gone.teacher.email not in to
    placed_mail = next(m for m in sent if m.to_email == first.teacher.email)
    assert "no longer placed" in placed_mail.body_text
    assert "The clinic is moving." in placed_mail.body_text
    # Nobody logs hours or is placed on it any more; the partner still decides pending hours.
    with pytest.raises(DomainError, match="only while you are placed"):
        teacher_hours.log_hours(first.teacher, first.id, local_today() - timedelta(days=1), 60, "x")
    with pytest.raises(DomainError, match="cancelled"):
        selection.place_team(make_staff(), externship.id, [waiting.id])
    teacher_hours.confirm_hours(contact, hour.id)
    assert hour.status is ExternshipHourStatus.CONFIRMED


def test_a_contact_who_cancels_is_not_mailed_themself() -> None:
    externship = make_externship()
    contact = make_employer(partner=externship.partner)
    other = make_employer(partner=externship.partner)
    services.cancel_externship(contact, externship.id, "We cannot host this summer.")
    to = {m.to_email for m in _outbox("externship_cancelled")}
    assert other.email in to
    assert contact.email not in to


# --- views -----------------------------------------------------------------------------------


def _post(client, url: str, page: str, **data: object):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=True)


def test_staff_close_reopen_and_cancel_from_the_page(client, login_as) -> None:
    externship = make_externship(title="Summer at the port")
    login_as(make_staff())
    page = f"/externships/{externship.id}"
    body = client.get(page).get_data(as_text=True)
    assert "Close to applications" in body
    assert "Cancel the externship" in body
    body = _post(client, f"{page}/close", page).get_data(as_text=True)
    assert "is closed to new applications" in body
    assert "Reopen to applications" in body
    body = _post(client, f"{page}/reopen", page).get_data(as_text=True)
    assert "takes applications again" in body
    body = _post(client, f"{page}/cancel", page, reason="").get_data(as_text=True)
    assert "Say why the externship is cancelled" in body
    assert db.session.get(Externship, externship.id).status is OPEN  # type: ignore[union-attr]
    body = _post(client, f"{page}/cancel", page, reason="Port works.").get_data(as_text=True)
    assert "is cancelled; the teachers are told" in body
    assert "Port works." in body
    assert "Cancel the externship" not in body
    assert "Reopen" not in body
    body = _post(client, f"{page}/reopen", "/home").get_data(as_text=True)
    assert "is cancelled; it cannot be closed or reopened" in body


def test_a_contact_closes_their_own_externship(client, login_as) -> None:
    externship = make_externship()
    login_as(make_employer(partner=externship.partner))
    page = f"/externships/{externship.id}"
    _post(client, f"{page}/close", page)
    assert externship.status is CLOSED


@pytest.mark.parametrize("action", ["close", "reopen", "cancel"])
def test_another_partners_contact_gets_404_and_a_teacher_403(client, login_as, action) -> None:
    externship = make_externship()
    login_as(make_employer())
    token = csrf_from(client.get("/home").get_data(as_text=True))
    url = f"/externships/{externship.id}/{action}"
    assert client.post(url, data={"csrf_token": token, "reason": "x"}).status_code == 404
    assert client.post(url, data={"csrf_token": token}).status_code == 404
    login_as(make_teacher())
    token = csrf_from(client.get("/home").get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token, "reason": "x"}).status_code == 403
    assert externship.status is OPEN


def test_a_teacher_sees_why_it_was_cancelled(client, login_as) -> None:
    externship = make_ongoing_externship()
    member, _ = make_placed_team(externship=externship)
    services.cancel_externship(make_staff(), externship.id, "The clinic is moving.")
    login_as(member.teacher)
    body = client.get(f"/externships/{externship.id}").get_data(as_text=True)
    assert "Cancelled" in body
    assert "The clinic is moving." in body
    assert "Cancel the externship" not in body
