"""Calendar feeds (issue 19): every role's feed parsed with the ``icalendar`` library, its
scope, a change and a cancellation, the county's VTIMEZONE, and the secret's life (stored
hashed; replaced, revoked or unknown answers 404)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar, Event
from sqlalchemy import select

from tests.conftest import csrf_from
from tests.support.builders import (
    make_class_section,
    make_employer,
    make_offering,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from tests.support.certificate_data import make_interview, make_panel
from tests.support.event_data import make_event_request
from tests.support.log_data import make_placement
from wbl.access import Role
from wbl.auth.models import User
from wbl.calendars import services
from wbl.calendars.models import CalendarFeed
from wbl.certificates import invitations
from wbl.certificates.models import Interview
from wbl.clock import county_zone, local_today
from wbl.evaluations import services as evaluation_services
from wbl.events import services as event_services
from wbl.events.models import EventRequest, EventRequestStatus
from wbl.extensions import db
from wbl.placements import lifecycle
from wbl.placements.models import Placement, PlacementStatus
from wbl.students.models import StudentProfile


@dataclass
class World:
    """Two schools, two partners, a class event, an interview panel, and placements that
    each role may or may not see."""

    teacher: User
    student: StudentProfile  # in the teacher's class, placed at the employer's partner
    classmate: StudentProfile  # same school, not in the class, placed at the other partner
    outsider: StudentProfile  # another school, placed at the employer's partner
    employer: User
    other_employer: User
    panelist: User  # a teacher of another school on the interview panel
    staff: User
    placement: Placement
    classmate_placement: Placement
    outsider_placement: Placement
    event: EventRequest
    pending: EventRequest
    interview: Interview


def _world() -> World:
    school, other_school = make_school(), make_school()
    teacher = make_user(roles={Role.TEACHER}, school=school)
    student = make_student(school=school)
    classmate = make_student(school=school)
    outsider = make_student(school=other_school)
    section = make_class_section(teacher=teacher, students=[student])
    partner, other_partner = make_partner(name="Valley Vet Clinic"), make_partner()
    employer, other_employer = make_employer(partner=partner), make_employer(partner=other_partner)
    start = local_today() + timedelta(days=5)
    offering = make_offering(partner=partner, title="Clinic assistant")
    offering.schedule = "Tue and Thu, 3-6 pm"
    placement = make_placement(student, offering=offering, start=start, end=start + timedelta(14))
    outsider_placement = make_placement(
        outsider, offering=offering, start=start, end=start + timedelta(14)
    )
    classmate_placement = make_placement(
        classmate, partner=other_partner, start=start, end=start + timedelta(3)
    )
    event = make_event_request(
        teacher=teacher,
        section=section,
        partner=partner,
        status=EventRequestStatus.ACCEPTED,
        chosen=1,
    )
    pending = make_event_request(teacher=teacher, section=section, partner=partner)
    panelist = make_user(roles={Role.TEACHER}, school=make_school())
    staff = make_user(roles={Role.STAFF}, district=school.district)
    panel = make_panel(members=[employer, panelist], creator=staff)
    interview = make_interview(panel, student)
    return World(
        teacher,
        student,
        classmate,
        outsider,
        employer,
        other_employer,
        panelist,
        staff,
        placement,
        classmate_placement,
        outsider_placement,
        event,
        pending,
        interview,
    )


@pytest.fixture
def world() -> World:
    return _world()


def _fetch(client: FlaskClient, user: User) -> Calendar:
    secret = services.new_secret(user)
    response = client.get(f"/calendar/{secret}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    return Calendar.from_ical(response.get_data(as_text=True))


def _events(calendar: Calendar) -> dict[str, Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def _uid(kind: str, object_id: int, part: str = "") -> str:
    suffix = f"-{part}" if part else ""
    return f"{kind}-{object_id}{suffix}@127.0.0.1"  # the test county's base URL's host


def test_a_students_feed_has_their_placement_class_event_and_interview(client, world) -> None:
    calendar = _fetch(client, world.student.user)
    events = _events(calendar)
    assert set(events) == {
        _uid("placement", world.placement.id),
        _uid("event", world.event.id),
        _uid("interview", world.interview.id),
    }
    placement = events[_uid("placement", world.placement.id)]
    # The placement's days, all-day: DTEND is the day after the last one (RFC 5545).
    assert placement.decoded("DTSTART") == world.placement.start_date
    assert placement.decoded("DTEND") == world.placement.end_date + timedelta(days=1)
    assert str(placement["SUMMARY"]) == "Clinic assistant at Valley Vet Clinic"
    assert "Tue and Thu, 3-6 pm" in str(placement["DESCRIPTION"])
    assert str(placement["STATUS"]) == "CONFIRMED"
    event = events[_uid("event", world.event.id)]
    option = world.event.confirmed_option
    assert option is not None
    assert event.decoded("DTSTART") == option.starts_at
    assert event["DTSTART"].params["TZID"] == county_zone().key
    assert str(events[_uid("interview", world.interview.id)]["SUMMARY"]) == "Work ready interview"


def test_every_feed_carries_the_countys_time_zone(client, world) -> None:
    calendar = _fetch(client, world.student.user)
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == county_zone().key
    assert str(calendar["X-WR-TIMEZONE"]) == county_zone().key
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    # A feed with nothing in it (staff on no panel) still names its zone.
    (zone,) = _fetch(client, world.staff).walk("VTIMEZONE")
    assert str(zone["TZID"]) == county_zone().key


def test_a_teachers_feed_has_their_class_events_and_their_students_placement_days(
    client, world
) -> None:
    events = _events(_fetch(client, world.teacher))
    assert set(events) == {
        _uid("event", world.event.id),
        # the school's students (the class's and the classmate), not the other school's
        _uid("placement", world.placement.id, "start"),
        _uid("placement", world.placement.id, "end"),
        _uid("placement", world.classmate_placement.id, "start"),
        _uid("placement", world.classmate_placement.id, "end"),
    }
    end = events[_uid("placement", world.placement.id, "end")]
    assert end.decoded("DTSTART") == world.placement.end_date
    name = world.student.user.full_name
    assert str(end["SUMMARY"]) == f"{name} ends: Clinic assistant at Valley Vet Clinic"


def test_an_employers_feed_has_their_hosted_students_visits_and_interviews(client, world) -> None:
    calendar = _fetch(client, world.employer)
    events = _events(calendar)
    assert set(events) == {
        _uid("placement", world.placement.id),
        _uid("placement", world.outsider_placement.id),
        _uid("event", world.event.id),
        _uid("interview", world.interview.id),
    }
    text = calendar.to_ical().decode()
    # Nothing of other partners' students, and nothing but a placed student's name and school.
    assert world.classmate.user.full_name not in text
    assert world.student.guardian_email not in text
    assert world.student.user.email not in text
    assert str(world.student.date_of_birth) not in text
    interview = events[_uid("interview", world.interview.id)]
    assert str(interview["SUMMARY"]) == f"Work ready interview: {world.student.user.full_name}"


def test_the_other_employer_sees_only_their_own_student(client, world) -> None:
    events = _events(_fetch(client, world.other_employer))
    assert set(events) == {_uid("placement", world.classmate_placement.id)}


def test_a_panelists_feed_has_the_panels_interviews_only(client, world) -> None:
    events = _events(_fetch(client, world.panelist))
    assert set(events) == {_uid("interview", world.interview.id)}
    interview = events[_uid("interview", world.interview.id)]
    assert interview.decoded("DTSTART") == world.interview.starts_at
    assert str(interview["LOCATION"]) == "County Office, Room 2"


def test_moved_dates_keep_the_uid_and_change_the_event(client, world) -> None:
    before = _events(_fetch(client, world.student.user))[_uid("placement", world.placement.id)]
    world.placement.start_date = date(2030, 3, 2)
    world.placement.end_date = date(2030, 3, 20)
    db.session.flush()
    after = _events(_fetch(client, world.student.user))[_uid("placement", world.placement.id)]
    assert before.decoded("DTSTART") != after.decoded("DTSTART")
    assert after.decoded("DTSTART") == date(2030, 3, 2)
    assert after.decoded("DTEND") == date(2030, 3, 21)


def test_cancellations_stay_in_the_feed_marked_cancelled(app: Flask, client, world) -> None:
    uids = (
        _uid("placement", world.placement.id),
        _uid("event", world.event.id),
        _uid("interview", world.interview.id),
    )
    before = _events(_fetch(client, world.student.user))
    with app.test_request_context():
        lifecycle.cancel(world.staff, world.placement.application_id, "The clinic closed.")
        event_services.cancel_request(world.teacher, world.event.id)
        invitations.cancel_interview(world.staff, world.interview.id)
    assert world.placement.status is PlacementStatus.CANCELLED
    after = _events(_fetch(client, world.student.user))
    for uid in uids:
        assert str(before[uid]["STATUS"]) == "CONFIRMED"
        assert str(after[uid]["STATUS"]) == "CANCELLED", uid
    placement_before, placement_after = before[uids[0]], after[uids[0]]
    assert placement_after.decoded("LAST-MODIFIED") >= placement_before.decoded("LAST-MODIFIED")
    assert int(placement_after["SEQUENCE"]) >= int(placement_before["SEQUENCE"])
    # The employer's and the teacher's calendars learn it too.
    assert str(_events(_fetch(client, world.employer))[uids[0]]["STATUS"]) == "CANCELLED"
    teacher = _events(_fetch(client, world.teacher))
    assert str(teacher[_uid("placement", world.placement.id, "start")]["STATUS"]) == "CANCELLED"


def test_old_cancellations_and_old_events_leave_the_feed(client, world) -> None:
    long_ago = local_today() - timedelta(days=400)
    world.classmate_placement.start_date = long_ago
    world.classmate_placement.end_date = long_ago + timedelta(days=3)
    world.placement.status = PlacementStatus.CANCELLED
    world.placement.start_date = local_today() - timedelta(days=90)
    world.placement.end_date = local_today() - timedelta(days=80)
    db.session.flush()
    assert _events(_fetch(client, world.teacher)).keys() == {_uid("event", world.event.id)}


def test_the_secret_is_stored_hashed(client, world) -> None:
    secret = services.new_secret(world.student.user)
    row = db.session.scalar(
        select(CalendarFeed).where(CalendarFeed.user_id == world.student.user.id)
    )
    assert row is not None
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (row.secret_hash, str(row.id), str(row.created_at))
    assert len(secret) >= 43  # 32 random bytes


def test_replaced_revoked_and_unknown_secrets_are_not_found(client, world) -> None:
    user = world.student.user
    first = services.new_secret(user)
    second = services.new_secret(user)
    assert first != second
    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200
    assert db.session.scalar(select(CalendarFeed.id).where(CalendarFeed.user_id == user.id))
    assert services.revoke(user) is True
    assert client.get(f"/calendar/{second}.ics").status_code == 404
    assert client.get("/calendar/not-a-secret.ics").status_code == 404


def test_a_deactivated_accounts_feed_is_not_found(client, world) -> None:
    secret = services.new_secret(world.employer)
    world.employer.active = False
    db.session.flush()
    assert client.get(f"/calendar/{secret}.ics").status_code == 404


def test_the_account_page_makes_replaces_and_revokes_the_feed(client, login_as, world) -> None:
    login_as(world.student.user)
    page = client.get("/account")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Make my calendar feed" in html
    created = client.post("/account/calendar", data={"csrf_token": csrf_from(html)})
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "private, no-store"
    shown = created.get_data(as_text=True)
    url = shown.split('id="feed-url" type="text" value="', 1)[1].split('"', 1)[0]
    path = url.split("://", 1)[1].split("/", 1)[1]
    assert f'href="webcal://{url.split("://", 1)[1]}"' in shown
    assert client.get(f"/{path}").status_code == 200
    again = client.get("/account").get_data(as_text=True)
    assert "Your calendar feed is on" in again
    assert path.rsplit("/", 1)[1] not in again  # the secret is shown once only
    replaced = client.post("/account/calendar", data={"csrf_token": csrf_from(again)})
    assert "the old one no longer works" in replaced.get_data(as_text=True)
    assert client.get(f"/{path}").status_code == 404
    revoked = client.post(
        "/account/calendar/revoke",
        data={"csrf_token": csrf_from(again)},
        follow_redirects=True,
    )
    assert "Make my calendar feed" in revoked.get_data(as_text=True)
    assert (
        db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == world.student.user.id))
        is None
    )


def test_the_feed_actions_need_a_csrf_token_and_a_sign_in(client, login_as, world) -> None:
    assert client.post("/account/calendar").status_code in (302, 400)
    login_as(world.student.user)
    assert client.post("/account/calendar").status_code == 400


def test_the_feed_costs_the_same_queries_for_more_events(client, count_queries) -> None:
    """No query per event: an employer hosting one student or five, a teacher with one class
    event or three, cost the same."""

    def cost(extra: int) -> int:
        w = _world()
        partner_offering = w.placement.offering
        for _ in range(extra):
            make_placement(
                make_student(school=w.student.school),
                offering=partner_offering,
                start=local_today(),
                end=local_today() + timedelta(days=2),
            )
            make_event_request(
                teacher=w.teacher,
                partner=w.placement.offering.partner,
                status=EventRequestStatus.ACCEPTED,
                chosen=1,
            )
            make_interview(w.interview.panel, make_student(), offset_minutes=20 * (_ + 1))
        total = 0
        for user in (w.employer, w.teacher, w.student.user):
            secret = services.new_secret(user)
            db.session.expire_all()
            with count_queries() as counter:
                assert client.get(f"/calendar/{secret}.ics").status_code == 200
            total += counter.count
        return total

    assert cost(0) == cost(4)


def test_a_placement_ended_early_ends_on_that_day(app: Flask, client, world) -> None:
    """The supervisor ends the placement today, before its end date: the event ends today."""
    world.placement.start_date = local_today() - timedelta(days=3)
    world.placement.end_date = local_today() + timedelta(days=10)
    db.session.flush()
    with app.test_request_context():
        evaluation_services.complete_placement(world.employer, world.placement.id)
    event = _events(_fetch(client, world.student.user))[_uid("placement", world.placement.id)]
    assert event.decoded("DTSTART") == local_today() - timedelta(days=3)
    assert event.decoded("DTEND") == local_today() + timedelta(days=1)
    assert str(event["STATUS"]) == "CONFIRMED"
