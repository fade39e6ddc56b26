"""Builders for classes and class-event requests (flush, never commit)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from tests.support.builders import (
    make_class_section,
    make_employer,
    make_offering,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Offering, Partner
from wbl.clock import local_today
from wbl.events.models import EventDateOption, EventRequest, EventRequestStatus
from wbl.events.services import DateOptionInput
from wbl.extensions import db
from wbl.reference.models import ExperienceKind
from wbl.schools.models import ClassSection


def make_teacher(**overrides: object) -> User:
    school = overrides.pop("school", None) or make_school()
    return make_user(roles={Role.TEACHER}, school=school, **overrides)  # type: ignore[arg-type]


def make_speaker_offering(*, partner: Partner | None = None, **overrides: object) -> Offering:
    return make_offering(
        partner=partner or make_partner(),
        kind=overrides.pop("kind", ExperienceKind.GUEST_SPEAKER),  # type: ignore[arg-type]
        capacity=40,
        **overrides,  # type: ignore[arg-type]
    )


def future_option(days: int = 10, hour: int = 9, minutes: int = 60) -> DateOptionInput:
    """A date option ``days`` from today, at ``hour`` o'clock local time."""
    return DateOptionInput(local_today() + timedelta(days=days), time(hour, 0), minutes)


def make_class_with_students(teacher: User, n: int = 3) -> ClassSection:
    students = [make_student(school=teacher.school) for _ in range(n)]
    return make_class_section(teacher=teacher, students=students)


def make_event_request(
    *,
    teacher: User | None = None,
    section: ClassSection | None = None,
    partner: Partner | None = None,
    offering: Offering | None = None,
    status: EventRequestStatus = EventRequestStatus.PENDING,
    days: tuple[int, ...] = (10, 12),
    chosen: int | None = None,
    topic: str = "Careers with animals",
) -> EventRequest:
    """A request with one option per entry of ``days`` (9:00 UTC that day); ``chosen`` is the
    1-based option the partner accepted (for status ACCEPTED)."""
    teacher = teacher or make_teacher()
    section = section or make_class_with_students(teacher)
    partner = partner or (offering.partner if offering else make_partner())
    now = datetime.now(UTC).replace(hour=17, minute=0, second=0, microsecond=0)
    request = EventRequest(
        kind=offering.kind if offering else ExperienceKind.GUEST_SPEAKER,
        partner=partner,
        offering=offering,
        teacher=teacher,
        school_id=section.school_id,
        class_section=section,
        class_size=25,
        topic=topic,
        status=status,
        options=[
            EventDateOption(
                position=i,
                starts_at=now + timedelta(days=d),
                duration_minutes=60,
                chosen=(i == chosen),
            )
            for i, d in enumerate(days, start=1)
        ],
    )
    db.session.add(request)
    db.session.flush()
    return request


__all__ = [
    "future_option",
    "make_class_with_students",
    "make_employer",
    "make_event_request",
    "make_speaker_offering",
    "make_teacher",
]
