"""Builders for teacher externships. Like tests/support/builders.py: keyword-only options,
each adds and flushes, never commits."""

from __future__ import annotations

from datetime import date, timedelta

from tests.support.builders import make_employer, make_partner, make_school, make_user
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Partner
from wbl.clock import local_today
from wbl.extensions import db
from wbl.externships.models import (
    Externship,
    ExternshipApplication,
    ExternshipHour,
    ExternshipHourStatus,
    ExternshipTeam,
    TeacherApplicationStatus,
)
from wbl.schools.models import School


def make_staff() -> User:
    return make_user(roles={Role.STAFF})


def make_teacher(*, school: School | None = None, name: str | None = None) -> User:
    return make_user(roles={Role.TEACHER}, school=school or make_school(), full_name=name)


def make_externship(
    *,
    partner: Partner | None = None,
    title: str = "Summer in the lab",
    seats: int = 4,
    min_team_size: int = 2,
    starts_on: date | None = None,
    ends_on: date | None = None,
    apply_by: date | None = None,
    created_by: User | None = None,
) -> Externship:
    """Open, in the future by default; ``starts_on`` in the past makes one to log hours on."""
    start = starts_on or local_today() + timedelta(days=30)
    externship = Externship(
        partner=partner or make_partner(),
        title=title,
        description="Work alongside our team.",
        starts_on=start,
        ends_on=ends_on or start + timedelta(days=20),
        expected_hours=40,
        seats=seats,
        seats_taken=0,
        min_team_size=min_team_size,
        apply_by=apply_by,
        created_by=created_by or make_staff(),
    )
    db.session.add(externship)
    db.session.flush()
    return externship


def make_ongoing_externship(**overrides: object) -> Externship:
    """One that started ten days ago and ends in ten days (hours can be logged)."""
    today = local_today()
    return make_externship(
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=10),
        **overrides,  # type: ignore[arg-type]
    )


def make_application(
    *,
    externship: Externship,
    teacher: User | None = None,
    status: TeacherApplicationStatus = TeacherApplicationStatus.APPLIED,
) -> ExternshipApplication:
    application = ExternshipApplication(
        externship_id=externship.id,
        teacher=teacher or make_teacher(),
        statement="I teach biology and want to bring the lab to class.",
        status=status,
    )
    db.session.add(application)
    db.session.flush()
    return application


def make_placed_team(
    *, externship: Externship, teachers: list[User] | None = None
) -> list[ExternshipApplication]:
    """A placed team (two teachers unless given), its seats taken."""
    teachers = teachers or [make_teacher(), make_teacher()]
    team = ExternshipTeam(externship_id=externship.id, placed_by_id=externship.created_by_id)
    db.session.add(team)
    db.session.flush()
    members = [
        make_application(externship=externship, teacher=t, status=TeacherApplicationStatus.PLACED)
        for t in teachers
    ]
    for member in members:
        member.team_id = team.id
    externship.seats_taken += len(members)
    db.session.flush()
    return members


def make_hour(
    *,
    application: ExternshipApplication,
    work_date: date | None = None,
    minutes: int = 240,
    status: ExternshipHourStatus = ExternshipHourStatus.PENDING,
) -> ExternshipHour:
    hour = ExternshipHour(
        application_id=application.id,
        work_date=work_date or local_today() - timedelta(days=1),
        minutes=minutes,
        description="Shadowed the lab manager.",
        status=status,
    )
    db.session.add(hour)
    db.session.flush()
    return hour


def contact_of(partner: Partner) -> User:
    return make_employer(partner=partner)
