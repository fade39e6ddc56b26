"""Externship limits found in review: too few seats for a team is full, bounded seats and
team sizes, a garbled ``partner_id``, the state read again under a lock, duplicate hours, and
the e-mails about hours. (Huge numbers typed in the form: test_externship_views.)"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.support.builders import make_employer, make_partner
from tests.support.externship_data import (
    make_externship,
    make_hour,
    make_ongoing_externship,
    make_placed_team,
    make_staff,
    make_teacher,
)
from wbl.clock import local_today
from wbl.errors import DomainError
from wbl.extensions import db
from wbl.externships import queries, selection, services, teacher_hours
from wbl.externships.models import (
    Externship,
    ExternshipApplication,
    ExternshipHour,
    ExternshipStatus,
    TeacherApplicationStatus,
)
from wbl.notifications.models import OutboxMessage


def _draft(partner_id: int, **overrides: object) -> services.ExternshipDraft:
    start = local_today() + timedelta(days=40)
    draft = services.ExternshipDraft(
        partner_id=partner_id,
        title="Summer at the clinic",
        description="Shadow nurses.",
        starts_on=start,
        ends_on=start + timedelta(days=14),
        expected_hours=60,
        seats=4,
        min_team_size=2,
        apply_by=None,
    )
    return replace(draft, **overrides)  # type: ignore[arg-type]


def _outbox(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def _sets_behind_the_session(model: type, row_id: int, **values: object) -> None:
    """Another request's committed change, as this one sees it after waiting for a lock: the
    database has it, the objects already loaded in this session do not."""
    db.session.execute(
        update(model)
        .where(model.id == row_id)  # type: ignore[attr-defined]
        .values(**values)
        .execution_options(synchronize_session=False)
    )


# --- too few seats for a team is full --------------------------------------------------------


def test_fewer_seats_left_than_a_team_is_full() -> None:
    externship = make_externship(title="Three left", seats=5, min_team_size=3)
    make_placed_team(externship=externship)  # 2 taken, 3 left: a team of 3 still fits
    today = local_today()
    assert selection.open_problem(externship, today) is None
    assert externship in db.session.scalars(queries.open_externships(today)).all()
    make_placed_team(externship=externship, teachers=[make_teacher()])  # 3 taken, 2 left
    problem = selection.open_problem(externship, today)
    assert problem is not None
    assert "fewer than a team of 3" in problem
    assert externship not in db.session.scalars(queries.open_externships(today)).all()
    before = db.session.scalar(select(func.count(ExternshipApplication.id)))
    with pytest.raises(DomainError, match="this externship is full"):
        selection.apply(make_teacher(), externship.id, "I teach chemistry.")
    assert db.session.scalar(select(func.count(ExternshipApplication.id))) == before


def test_teachers_do_not_see_an_externship_too_full_for_a_team(client, login_as) -> None:
    externship = make_externship(title="Almost full", seats=3, min_team_size=2)
    make_placed_team(externship=externship)  # one seat left, no team of two fits
    login_as(make_teacher())
    assert "Almost full" not in client.get("/externships/").get_data(as_text=True)


# --- bounds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"seats": 10**12}, "seats"),
        ({"seats": services.MAX_SEATS + 1}, "seats"),
        ({"seats": 10**12, "min_team_size": 10**12}, "min_team_size"),
    ],
)
def test_huge_seats_or_teams_are_refused_by_the_service(change, field) -> None:
    partner = make_partner()
    with pytest.raises(DomainError) as refused:
        services.create_externship(make_staff(), _draft(partner.id, **change))
    assert refused.value.field == field
    assert "at most 100" in refused.value.message


def test_the_largest_externship_is_allowed() -> None:
    partner = make_partner()
    externship = services.create_externship(
        make_staff(), _draft(partner.id, seats=services.MAX_SEATS, min_team_size=services.MAX_SEATS)
    )
    assert externship.seats == services.MAX_SEATS


@pytest.mark.parametrize("value", ["²", "x", "-1", ""])
def test_a_garbled_partner_id_in_the_address_is_ignored(client, login_as, value) -> None:
    make_partner()
    login_as(make_staff())
    assert client.get("/externships/new", query_string={"partner_id": value}).status_code == 200


# --- the state read again under a lock --------------------------------------------------------


def test_apply_reads_the_status_under_the_lock() -> None:
    externship = make_externship()
    teacher = make_teacher()
    assert externship.status is ExternshipStatus.OPEN  # loaded in this session
    _sets_behind_the_session(Externship, externship.id, status=ExternshipStatus.CLOSED)
    with pytest.raises(DomainError, match="not taking applications"):
        selection.apply(teacher, externship.id, "I teach physics.")
    assert services.own_application(teacher, externship.id) is None


def test_edit_reads_cancelled_under_the_lock() -> None:
    externship = make_externship(title="Before")
    partner_id = externship.partner_id
    _sets_behind_the_session(Externship, externship.id, status=ExternshipStatus.CANCELLED)
    with pytest.raises(DomainError, match="cancelled"):
        services.edit_externship(make_staff(), externship.id, _draft(partner_id, title="After"))
    assert db.session.scalar(select(Externship.title).where(Externship.id == externship.id)) == (
        "Before"
    )


def test_log_hours_reads_placed_under_the_lock() -> None:
    externship = make_ongoing_externship()
    member, _ = make_placed_team(externship=externship)
    assert member.status is TeacherApplicationStatus.PLACED
    _sets_behind_the_session(
        ExternshipApplication, member.id, status=TeacherApplicationStatus.WITHDRAWN
    )
    with pytest.raises(DomainError, match="only while you are placed"):
        teacher_hours.log_hours(
            member.teacher, member.id, local_today() - timedelta(days=1), 60, "Lab day."
        )
    assert db.session.scalar(select(func.count(ExternshipHour.id))) == 0


# --- duplicate hours -------------------------------------------------------------------------


def test_an_exact_duplicate_entry_is_refused() -> None:
    externship = make_ongoing_externship()
    member, _ = make_placed_team(externship=externship)
    day = local_today() - timedelta(days=2)
    teacher_hours.log_hours(member.teacher, member.id, day, 60, "Inventory with the team.")
    with pytest.raises(DomainError, match="exactly this entry") as refused:
        teacher_hours.log_hours(member.teacher, member.id, day, 60, "Inventory with the team.")
    assert refused.value.field == "description"
    # Different minutes, or a rejected twin, are not duplicates.
    teacher_hours.log_hours(member.teacher, member.id, day, 90, "Inventory with the team.")
    staff = make_staff()
    first = db.session.scalars(select(ExternshipHour).where(ExternshipHour.minutes == 60)).one()
    teacher_hours.reject_hours(staff, first.id, "Wrong day.")
    teacher_hours.log_hours(member.teacher, member.id, day, 60, "Inventory with the team.")
    assert db.session.scalar(select(func.count(ExternshipHour.id))) == 3


def test_editing_into_a_duplicate_is_refused() -> None:
    externship = make_ongoing_externship()
    member, _ = make_placed_team(externship=externship)
    day = local_today() - timedelta(days=2)
    teacher_hours.log_hours(member.teacher, member.id, day, 60, "Inventory.")
    second = teacher_hours.log_hours(member.teacher, member.id, day, 30, "Inventory.")
    with pytest.raises(DomainError, match="exactly this entry"):
        teacher_hours.edit_hours(member.teacher, second.id, day, 60, "Inventory.")
    # Saving an entry unchanged is not a duplicate of itself.
    teacher_hours.edit_hours(member.teacher, second.id, day, 30, "Inventory.")


# --- e-mails about hours ---------------------------------------------------------------------


def test_logging_hours_tells_the_partners_contacts_once_each() -> None:
    externship = make_ongoing_externship(title="Summer at the dairy")
    first, second = (
        make_employer(partner=externship.partner),
        make_employer(partner=externship.partner),
    )
    make_employer()  # another partner's contact hears nothing
    member, _ = make_placed_team(externship=externship)
    teacher_hours.log_hours(
        member.teacher, member.id, local_today() - timedelta(days=1), 150, "Milking."
    )
    messages = _outbox("externship_hours")
    assert [m.to_email for m in messages] == [first.email, second.email]
    assert all("Summer at the dairy" in m.subject for m in messages)
    assert member.teacher.full_name in messages[0].body_text
    assert "2.5 hours" in messages[0].body_text
    assert "Milking." in messages[0].body_text
    with pytest.raises(DomainError):  # a refused entry sends nothing
        teacher_hours.log_hours(member.teacher, member.id, local_today(), 13 * 60, "Too long.")
    assert len(_outbox("externship_hours")) == 2


def test_rejecting_hours_tells_the_teacher_why() -> None:
    externship = make_ongoing_externship(title="Summer at the dairy")
    member, _ = make_placed_team(externship=externship)
    hour = make_hour(application=member)
    contact = make_employer(partner=externship.partner)
    teacher_hours.reject_hours(contact, hour.id, "You were not on site that day.")
    (message,) = _outbox("externship_hours_rejected")
    assert message.to_email == member.teacher.email
    assert "Summer at the dairy" in message.subject
    assert "You were not on site that day." in message.body_text
    teacher_hours.confirm_hours(contact, make_hour(application=member, minutes=60).id)
    assert len(_outbox("externship_hours_rejected")) == 1
