"""Class-event attendance: the teacher records the whole class at once; the rules, the scope,
the page and its upsert."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.support.builders import (
    make_district,
    make_employer,
    make_school,
    make_student,
    make_user,
)
from tests.support.event_data import make_class_with_students, make_event_request, make_teacher
from wbl.access import Role
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.events.models import EventRequestStatus
from wbl.extensions import db
from wbl.hours import attendance
from wbl.hours.models import EventAttendance


@pytest.fixture
def teacher():
    return make_teacher()


@pytest.fixture
def section(teacher):
    return make_class_with_students(teacher, n=3)


@pytest.fixture
def event(teacher, section):
    """Confirmed for yesterday (17:00 UTC), 60 minutes."""
    return make_event_request(
        teacher=teacher, section=section, status=EventRequestStatus.ACCEPTED, days=(-1,), chosen=1
    )


def rows(event) -> dict[int, EventAttendance]:
    return {
        r.student_id: r
        for r in db.session.scalars(
            select(EventAttendance).where(EventAttendance.event_id == event.id)
        )
    }


def url(event) -> str:
    return f"/events/{event.id}/attendance"


# --- the service -----------------------------------------------------------------------------


def test_the_whole_class_is_recorded_at_once(teacher, section, event):
    first, second, third = (s.id for s in section.students)
    result = attendance.record_attendance(teacher, event.id, {first, third}, 90)
    assert (result.present, result.absent) == (2, 1)
    recorded = rows(event)
    assert set(recorded) == {first, second, third}
    assert (recorded[first].present, recorded[first].minutes) == (True, 90)
    assert (recorded[second].present, recorded[second].minutes) == (False, 0)
    assert recorded[third].recorded_by_id == teacher.id


def test_saving_again_updates_the_rows(teacher, section, event):
    first, second, _ = (s.id for s in section.students)
    attendance.record_attendance(teacher, event.id, {first}, 60)
    before = {r.id for r in rows(event).values()}
    attendance.record_attendance(teacher, event.id, {second}, 45)
    db.session.expire_all()
    after = rows(event)
    assert {r.id for r in after.values()} == before  # updated, not added
    assert (after[first].present, after[first].minutes) == (False, 0)
    assert (after[second].present, after[second].minutes) == (True, 45)


def test_everyone_may_be_absent(teacher, section, event):
    result = attendance.record_attendance(teacher, event.id, set(), 60)
    assert (result.present, result.absent) == (0, 3)


@pytest.mark.parametrize(
    ("minutes", "ok"), [(0, True), (15, True), (720, True), (-15, False), (735, False), (50, False)]
)
def test_minutes_are_quarter_hours_up_to_twelve_hours(teacher, section, event, minutes, ok):
    ids = {s.id for s in section.students}
    if ok:
        attendance.record_attendance(teacher, event.id, ids, minutes)
        assert {r.minutes for r in rows(event).values()} == {minutes}
    else:
        with pytest.raises(DomainError, match="quarter hours") as error:
            attendance.record_attendance(teacher, event.id, ids, minutes)
        assert error.value.field == "minutes"
        assert rows(event) == {}


def test_only_the_class_students_can_be_ticked(teacher, section, event):
    stranger = make_student(school=teacher.school)
    with pytest.raises(DomainError, match="students of this class") as error:
        attendance.record_attendance(teacher, event.id, {section.students[0].id, stranger.id}, 60)
    assert error.value.field == "present_ids"
    assert rows(event) == {}


def test_not_before_the_event_has_started(teacher, section):
    upcoming = make_event_request(
        teacher=teacher, section=section, status=EventRequestStatus.ACCEPTED, days=(3,), chosen=1
    )
    with pytest.raises(DomainError, match="once the event has started"):
        attendance.record_attendance(teacher, upcoming.id, set(), 60)
    # With a clock past its start, it can.
    later = upcoming.confirmed_option.starts_at + timedelta(minutes=5)
    attendance.record_attendance(teacher, upcoming.id, set(), 60, now=later)
    assert len(rows(upcoming)) == 3


@pytest.mark.parametrize(
    "status",
    [EventRequestStatus.PENDING, EventRequestStatus.DECLINED, EventRequestStatus.CANCELLED],
)
def test_only_a_confirmed_event(teacher, section, status):
    event = make_event_request(teacher=teacher, section=section, status=status, days=(-1,))
    with pytest.raises(DomainError, match="confirmed event"):
        attendance.record_attendance(teacher, event.id, set(), 60)
    assert rows(event) == {}


def test_another_teacher_does_not_find_it(event):
    other = make_teacher(school=event.school)
    with pytest.raises(NotFound):
        attendance.record_attendance(other, event.id, set(), 60)


def test_staff_in_scope_may_record_and_others_do_not_find_it(section, event):
    district_staff = make_user(roles={Role.STAFF}, district=event.school.district)
    attendance.record_attendance(district_staff, event.id, {section.students[0].id}, 60)
    assert len(rows(event)) == 3
    elsewhere = make_user(roles={Role.STAFF}, district=make_district())
    with pytest.raises(NotFound):
        attendance.record_attendance(elsewhere, event.id, set(), 60)


def test_the_partner_sees_the_event_but_does_not_record_it(event):
    employer = make_employer(partner=event.partner)
    with pytest.raises(Forbidden):
        attendance.record_attendance(employer, event.id, set(), 60)


def test_a_fixed_clock_is_used_for_recorded_at(teacher, section, event):
    at = datetime(2030, 1, 7, 18, 0, tzinfo=UTC)
    attendance.record_attendance(teacher, event.id, set(), 60, now=at)
    assert {r.recorded_at for r in rows(event).values()} == {at}


# --- the page --------------------------------------------------------------------------------


def test_the_page_lists_the_class_all_present_with_the_event_length(
    client, login_as, teacher, section, event
):
    login_as(teacher)
    page = client.get(url(event))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    boxes = re.findall(r"<input[^>]*name=\"present_ids\"[^>]*>", html)
    assert len(boxes) == 3
    assert all(box.startswith("<input checked") for box in boxes)
    for student in section.students:
        assert student.user.full_name in html
    assert 'name="minutes"' in html
    assert 'value="60"' in html


def test_saving_from_the_page(client, login_as, post_form, teacher, section, event):
    login_as(teacher)
    first = section.students[0]
    response = post_form(url(event), {"present_ids": [first.id], "minutes": "45"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{event.id}")
    recorded = rows(event)
    assert (recorded[first.id].present, recorded[first.id].minutes) == (True, 45)
    assert sum(r.present for r in recorded.values()) == 1
    # Opening it again shows what was recorded.
    html = client.get(url(event)).get_data(as_text=True)
    assert "saving again replaces it" in html
    assert 'value="45"' in html


def test_bad_minutes_are_explained_next_to_the_field(
    client, login_as, post_form, teacher, section, event
):
    login_as(teacher)
    response = post_form(url(event), {"present_ids": [section.students[0].id], "minutes": "50"})
    assert response.status_code == 422
    assert "quarter hours" in response.get_data(as_text=True)
    assert rows(event) == {}


def test_a_stranger_ticked_in_a_forged_form_is_refused(
    client, login_as, post_form, teacher, section, event
):
    login_as(teacher)
    stranger = make_student(school=make_school())
    response = post_form(url(event), {"present_ids": [stranger.id], "minutes": "60"})
    assert response.status_code == 422
    assert "Tick students of this class only." in response.get_data(as_text=True)
    assert rows(event) == {}


def test_before_the_start_the_page_says_when(client, login_as, teacher, section):
    upcoming = make_event_request(
        teacher=teacher, section=section, status=EventRequestStatus.ACCEPTED, days=(3,), chosen=1
    )
    login_as(teacher)
    html = client.get(url(upcoming)).get_data(as_text=True)
    assert "once the event has started" in html
    assert 'name="minutes"' not in html
    detail = client.get(f"/events/{upcoming.id}").get_data(as_text=True)
    assert "once the event has started" in detail
    assert "Record attendance" not in detail


def test_the_event_page_links_to_attendance(client, login_as, teacher, event):
    login_as(teacher)
    assert url(event) in client.get(f"/events/{event.id}").get_data(as_text=True)
    login_as(make_employer(partner=event.partner))
    assert url(event) not in client.get(f"/events/{event.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("owner", 200),
        ("other_teacher", 404),
        ("student", 403),
        ("employer", 403),
        ("district_staff", 200),
        ("other_district_staff", 404),
        ("county_staff", 200),
    ],
)
def test_who_may_open_the_attendance_page(client, login_as, teacher, section, event, who, expected):
    users = {
        "owner": lambda: teacher,
        "other_teacher": lambda: make_teacher(school=teacher.school),
        "student": lambda: section.students[0].user,
        "employer": lambda: make_employer(partner=event.partner),
        "district_staff": lambda: make_user(roles={Role.STAFF}, district=event.school.district),
        "other_district_staff": lambda: make_user(roles={Role.STAFF}, district=make_district()),
        "county_staff": lambda: make_user(roles={Role.STAFF}),
    }
    if who in users:
        login_as(users[who]())
    assert client.get(url(event)).status_code == expected
