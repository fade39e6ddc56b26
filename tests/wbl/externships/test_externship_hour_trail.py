"""The hours' audit trail: every step (logged, changed, withdrawn, confirmed, rejected with
its reason) by whom and when, kept after a withdrawn entry is gone, and shown on the
placement page to the teacher, the partner's contacts and staff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import csrf_from
from tests.support.builders import make_employer
from tests.support.externship_data import (
    make_ongoing_externship,
    make_placed_team,
    make_staff,
)
from wbl.clock import local_today
from wbl.errors import DomainError
from wbl.extensions import db
from wbl.externships import teacher_hours
from wbl.externships.models import ExternshipApplication, ExternshipHourEvent, HourAction


@pytest.fixture
def placed() -> ExternshipApplication:
    return make_placed_team(externship=make_ongoing_externship())[0]


def _trail(application_id: int) -> list[ExternshipHourEvent]:
    return list(
        db.session.scalars(
            select(ExternshipHourEvent)
            .where(ExternshipHourEvent.application_id == application_id)
            .order_by(ExternshipHourEvent.id)
        )
    )


def test_every_step_is_recorded_with_who_and_what(placed: ExternshipApplication) -> None:
    teacher = placed.teacher
    contact = make_employer(partner=placed.externship.partner)
    staff = make_staff()
    day = local_today() - timedelta(days=2)
    one = teacher_hours.log_hours(teacher, placed.id, day, 120, "Shadowed the vet")
    teacher_hours.edit_hours(teacher, one.id, day, 180, "Shadowed the vet all morning")
    two = teacher_hours.log_hours(teacher, placed.id, day, 60, "Filing")
    three = teacher_hours.log_hours(teacher, placed.id, day - timedelta(days=1), 60, "Oops")
    teacher_hours.withdraw_hours(teacher, three.id)
    teacher_hours.confirm_hours(contact, one.id)
    teacher_hours.reject_hours(staff, two.id, "Filing is not part of the externship.")

    trail = _trail(placed.id)
    assert [(e.action, e.actor_id, e.hour_id) for e in trail] == [
        (HourAction.CREATED, teacher.id, one.id),
        (HourAction.EDITED, teacher.id, one.id),
        (HourAction.CREATED, teacher.id, two.id),
        (HourAction.CREATED, teacher.id, three.id),  # withdrawn hours stay, with their trail
        (HourAction.WITHDRAWN, teacher.id, three.id),
        (HourAction.CONFIRMED, contact.id, one.id),
        (HourAction.REJECTED, staff.id, two.id),
    ]
    assert (trail[0].minutes, trail[0].description) == (120, "Shadowed the vet")
    assert (trail[1].minutes, trail[1].description) == (180, "Shadowed the vet all morning")
    assert (trail[4].minutes, trail[4].description) == (60, "Oops")
    assert trail[-1].reason == "Filing is not part of the externship."
    assert all(e.at is not None for e in trail)


def test_a_refusal_writes_nothing(placed: ExternshipApplication) -> None:
    day = local_today() - timedelta(days=1)
    hour = teacher_hours.log_hours(placed.teacher, placed.id, day, 60, "Met the team")
    contact = make_employer(partner=placed.externship.partner)
    with pytest.raises(DomainError):
        teacher_hours.edit_hours(placed.teacher, hour.id, day, 10, "Bad")
    with pytest.raises(DomainError):
        teacher_hours.reject_hours(contact, hour.id, "  ")
    teacher_hours.confirm_hours(contact, hour.id)
    with pytest.raises(DomainError, match="already been decided"):
        teacher_hours.confirm_hours(contact, hour.id)
    assert [e.action for e in _trail(placed.id)] == [HourAction.CREATED, HourAction.CONFIRMED]


@pytest.mark.parametrize("who", ["teacher", "contact", "staff"])
def test_the_trail_is_on_the_placement_page(client, login_as, placed, who: str) -> None:
    contact = make_employer(partner=placed.externship.partner)
    day = local_today() - timedelta(days=1)
    hour = teacher_hours.log_hours(placed.teacher, placed.id, day, 90, "Ran the front desk")
    teacher_hours.reject_hours(contact, hour.id, "You were off that day.")
    users = {"teacher": placed.teacher, "contact": contact, "staff": make_staff()}
    login_as(users[who])
    body = client.get(f"/externships/applications/{placed.id}").get_data(as_text=True)
    assert "History of the hours" in body
    assert f"{placed.teacher.full_name}</strong> logged 1.5 hours" in body
    assert f"{contact.full_name}</strong> rejected" in body
    assert "You were off that day." in body


def test_withdrawing_from_the_page_keeps_the_trail(client, login_as, placed) -> None:
    day = local_today() - timedelta(days=1)
    hour = teacher_hours.log_hours(placed.teacher, placed.id, day, 60, "Inventory count")
    login_as(placed.teacher)
    page = f"/externships/applications/{placed.id}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    client.post(f"/externships/hours/{hour.id}/delete", data={"csrf_token": token})
    body = client.get(page).get_data(as_text=True)
    assert "withdrew 1 hour" in body
    assert "Inventory count" in body
