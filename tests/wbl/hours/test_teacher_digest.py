"""The weekly teacher digest, on a fixed clock: one e-mail per teacher whose school's students
did something in the past seven days, and never twice in a week."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from tests.support.builders import make_partner, make_school, make_student
from tests.support.event_data import make_event_request, make_teacher
from tests.support.log_data import attend, make_entry, make_placement
from wbl.clock import local_to_utc
from wbl.events.models import EventRequestStatus
from wbl.extensions import db
from wbl.hours.digest import send_teacher_digests, week_of
from wbl.hours.models import Digest, EntryStatus
from wbl.notifications.models import OutboxMessage
from wbl.placements.models import PlacementStatus

MONDAY = date(2030, 3, 11)
BASE_URL = "https://wbl.example.org"


@pytest.fixture
def now(app) -> datetime:
    """The job's time: Monday 06:30, county time (in the test's app context)."""
    return local_to_utc(MONDAY, time(6, 30))


@pytest.fixture
def run(app, now):
    """Run the job inside a request context on the base URL, as the scheduler does."""

    def run(at: datetime | None = None) -> str:
        with app.test_request_context(base_url=BASE_URL):
            return send_teacher_digests(at or now)

    return run


def digests() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "teacher_digest")
            .order_by(OutboxMessage.id)
        )
    )


@pytest.fixture
def school():
    return make_school(name="Elsie Allen High")


@pytest.fixture
def teachers(school):
    first = make_teacher(school=school, full_name="Maria Lopez")
    second = make_teacher(school=school, full_name="Sam Chen")
    make_teacher(school=school, active=False)
    return first, second


@pytest.fixture
def ana(school):
    student = make_student(school=school)
    student.user.full_name = "Ana Lee"
    return student


def test_the_period_is_the_county_weeks_monday(now):
    assert week_of(now) == MONDAY
    assert week_of(now + timedelta(days=6)) == MONDAY
    assert week_of(now + timedelta(days=7)) == MONDAY + timedelta(days=7)
    # Sunday 23:30 in the county is already Monday in UTC: still the previous week.
    assert week_of(local_to_utc(MONDAY - timedelta(days=1), time(23, 30))) == MONDAY - timedelta(
        days=7
    )


def test_each_active_teacher_of_the_school_gets_one_email(now, run, school, teachers, ana):
    clinic = make_partner(name="Sunrise Veterinary Clinic")
    started = make_placement(ana, partner=clinic, start=MONDAY - timedelta(days=3))
    started.offering.title = "Vet assistant shadow"
    make_entry(
        started,
        MONDAY - timedelta(days=2),
        90,
        at=now - timedelta(days=2),
        decided_at=now - timedelta(days=1),
    )
    make_entry(started, MONDAY - timedelta(days=1), 60, EntryStatus.REJECTED, at=now)
    finished = make_placement(
        ana,
        partner=make_partner(name="Redwood Garage"),
        start=MONDAY - timedelta(days=40),
        status=PlacementStatus.COMPLETED,
    )
    finished.offering.title = "Auto shop internship"
    finished.completed_at = now - timedelta(days=1)
    teacher = teachers[0]
    event = make_event_request(
        teacher=teacher, partner=clinic, status=EventRequestStatus.ACCEPTED, days=(-1,), chosen=1
    )
    attend(event, ana, minutes=45, at=now - timedelta(hours=3))
    db.session.flush()

    assert run() == "2 teacher digest(s) queued"
    mails = digests()
    assert sorted(m.to_email for m in mails) == sorted(t.email for t in teachers)
    body = next(m for m in mails if m.to_email == teacher.email).body_text
    assert "Hello Maria Lopez," in body
    assert "Elsie Allen High's students since Mar 4, 2030" in body
    for line in (
        "Ana Lee",
        "  - 2 hour entries logged (2.5 hours)",
        "  - 1 hour entry confirmed (1.5 hours)",
        "  - 1 hour entry rejected (1 hour)",
        "  - started a placement: Vet assistant shadow at Sunrise Veterinary Clinic",
        "  - completed a placement: Auto shop internship at Redwood Garage",
        "  - attended a guest speaker (Sunrise Veterinary Clinic), 0.75 hours",
    ):
        assert line in body
    assert f"{BASE_URL}/logs/schools/{school.id}" in body
    rows = list(db.session.scalars(select(Digest).where(Digest.kind == "teacher")))
    assert {(r.user_id, r.period) for r in rows} == {(t.id, MONDAY) for t in teachers}


def test_running_twice_sends_nothing_twice(now, run, teachers, ana):
    placement = make_placement(ana, start=MONDAY - timedelta(days=30))
    make_entry(placement, MONDAY - timedelta(days=2), 60, EntryStatus.PENDING, at=now)
    assert run() == "2 teacher digest(s) queued"
    assert run() == "0 teacher digest(s) queued"
    # New activity later the same week waits for next week's digest.
    make_entry(
        placement,
        MONDAY + timedelta(days=1),
        60,
        EntryStatus.PENDING,
        at=now + timedelta(days=1),
    )
    assert run(now + timedelta(days=2)) == "0 teacher digest(s) queued"
    assert len(digests()) == 2
    next_week = now + timedelta(days=7)
    assert run(next_week) == "2 teacher digest(s) queued"
    assert run(next_week) == "0 teacher digest(s) queued"
    assert len(digests()) == 4


def test_an_absence_is_reported(now, run, teachers, ana):
    event = make_event_request(
        teacher=teachers[0], status=EventRequestStatus.ACCEPTED, days=(-1,), chosen=1
    )
    event.partner.name = "Redwood Garage"
    attend(event, ana, present=False, at=now - timedelta(days=1))
    assert run() == "2 teacher digest(s) queued"
    assert "was absent from a guest speaker (Redwood Garage)" in digests()[0].body_text


def test_no_activity_no_email(now, run, teachers, ana):
    # Last week's activity is not this week's news.
    placement = make_placement(ana, start=MONDAY - timedelta(days=7))
    make_entry(placement, MONDAY - timedelta(days=7), 60, at=now - timedelta(days=7, minutes=1))
    attend(
        make_event_request(status=EventRequestStatus.ACCEPTED, days=(-9,), chosen=1),
        ana,
        at=now - timedelta(days=8),
    )
    assert run() == "0 teacher digest(s) queued"
    assert digests() == []
    assert db.session.scalars(select(Digest).where(Digest.kind == "teacher")).all() == []


def test_teachers_hear_of_their_own_school_only(run, teachers, ana):
    elsewhere = make_school(name="Far Away High")
    far_teacher = make_teacher(school=elsewhere)
    quiet_teacher = make_teacher(school=make_school())
    bo = make_student(school=elsewhere)
    bo.user.full_name = "Bo Quist"
    make_placement(bo, start=MONDAY - timedelta(days=2))  # started this week
    db.session.flush()
    assert run() == "1 teacher digest(s) queued"
    [mail] = digests()
    assert mail.to_email == far_teacher.email
    assert "Bo Quist" in mail.body_text
    assert "Ana Lee" not in mail.body_text
    assert quiet_teacher.email not in {m.to_email for m in digests()}


def test_the_digest_runs_the_same_statements_for_one_student_or_many(
    now, run, school, teachers, ana, count_queries
):
    """The activity is read by three grouped queries (hour events per student and action,
    placements, attendance), never one per student."""
    placement = make_placement(ana, start=MONDAY - timedelta(days=3))
    make_entry(placement, MONDAY - timedelta(days=2), 60, at=now - timedelta(days=2))
    db.session.expire_all()
    with count_queries() as few:
        assert run() == "2 teacher digest(s) queued"
    later = now + timedelta(days=7)
    for _ in range(4):
        student = make_student(school=school)
        busy = make_placement(student, start=MONDAY + timedelta(days=4))
        make_entry(busy, MONDAY + timedelta(days=5), 60, at=later - timedelta(days=1))
        attend(
            make_event_request(status=EventRequestStatus.ACCEPTED, days=(-1,), chosen=1),
            student,
            at=later - timedelta(days=1),
        )
    db.session.expire_all()
    with count_queries() as many:
        assert run(later) == "2 teacher digest(s) queued"
    assert many.count == few.count
