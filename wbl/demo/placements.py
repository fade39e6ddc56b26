"""The demo county's applications and placements, so every role's pages have something
real: the demo student has one application waiting and one placement; the demo teacher has
applications to approve; the demo employer has applicants to decide on and one waiting for
a guardian; staff see a few hundred across the county in every state.

Rows are written directly (with their history), not through the services: the services
e-mail people and build links, which a command-line load has no use for. Seats taken match
the accepted and placed applications exactly.
"""

from __future__ import annotations

import random
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update

from wbl.auth.models import User
from wbl.catalog.models import INDIVIDUAL_KINDS, Offering, OfferingStatus, PartnerContact
from wbl.extensions import db
from wbl.placements.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ConsentMethod,
    ConsentStatus,
    GuardianConsent,
    Placement,
    ReadinessRecord,
)
from wbl.reference.models import PreparatoryActivity
from wbl.schools.models import ClassSection
from wbl.students.models import StudentProfile

COUNTY_APPLICATIONS = 300
_STATEMENTS = (
    "I have wanted to work in this field since middle school, and I learn best by doing.",
    "My CTE class got me curious about this work; I would like to see it up close.",
    "I am reliable, I show up on time, and I want to know if this career is for me.",
    "I help at my family's business after school and would love real experience here.",
)
# (status, weight) for the county's applications
_MIX = (
    (ApplicationStatus.SUBMITTED, 25),
    (ApplicationStatus.APPROVED, 25),
    (ApplicationStatus.PLACED, 25),
    (ApplicationStatus.DECLINED, 10),
    (ApplicationStatus.WITHDRAWN, 5),
    (ApplicationStatus.ACCEPTED, 10),
)
_PATH = {
    ApplicationStatus.SUBMITTED: ("submitted",),
    ApplicationStatus.APPROVED: ("submitted", "approved"),
    ApplicationStatus.ACCEPTED: ("submitted", "approved", "accepted"),
    ApplicationStatus.PLACED: ("submitted", "approved", "accepted", "placed"),
    ApplicationStatus.DECLINED: ("submitted", "approved", "declined"),
    ApplicationStatus.WITHDRAWN: ("submitted", "withdrawn"),
}


def add_readiness(rng: random.Random, anchor: date, demo_domain: str) -> int:
    """The demo student has done the interest survey and the resume workshop; most of the
    demo teacher's first class has done the survey (so the class sheet shows a mix)."""
    activities = dict(
        db.session.execute(select(PreparatoryActivity.code, PreparatoryActivity.id)).all()
    )
    teacher = db.session.scalar(select(User).where(User.email == f"teacher@{demo_domain}"))
    student_user = db.session.scalar(select(User).where(User.email == f"student@{demo_domain}"))
    if teacher is None or student_user is None or "interest_survey" not in activities:
        return 0
    rows: dict[tuple[int, int], date] = {}
    student = db.session.scalar(
        select(StudentProfile.id).where(StudentProfile.user_id == student_user.id)
    )
    for code, days in (("interest_survey", 70), ("resume_workshop", 35)):
        if student is not None and code in activities:
            rows[(student, activities[code])] = anchor - timedelta(days=days)
    section = db.session.scalar(
        select(ClassSection).where(ClassSection.teacher_id == teacher.id).order_by(ClassSection.id)
    )
    if section is not None:
        for member in section.students:
            if rng.random() < 0.7:
                rows.setdefault(
                    (member.id, activities["interest_survey"]), anchor - timedelta(days=60)
                )
    db.session.add_all(
        ReadinessRecord(
            student_id=student_id,
            activity_id=activity_id,
            completed_on=day,
            recorded_by_id=teacher.id,
        )
        for (student_id, activity_id), day in rows.items()
    )
    db.session.flush()
    return len(rows)


def add_applications(rng: random.Random, anchor: date, demo_domain: str) -> int:
    offerings = db.session.scalars(
        select(Offering)
        .where(
            Offering.status == OfferingStatus.PUBLISHED,
            Offering.kind.in_([k.value for k in INDIVIDUAL_KINDS]),
            Offering.start_date > anchor,
            Offering.capacity > 0,
        )
        .order_by(Offering.id)
    ).all()
    students = db.session.execute(
        select(StudentProfile.id, StudentProfile.school_id, StudentProfile.user_id).order_by(
            StudentProfile.id
        )
    ).all()
    if not offerings or not students:
        return 0
    accounts = {
        u.email.split("@")[0]: u
        for u in db.session.scalars(
            select(User).where(
                User.email.in_([f"{n}@{demo_domain}" for n in ("student", "teacher", "employer")])
            )
        )
    }
    supervisors = {
        row.partner_id: row.id
        for row in db.session.execute(
            select(PartnerContact.partner_id, PartnerContact.id).where(
                PartnerContact.is_primary.is_(True)
            )
        )
    }
    seats = {o.id: o.seats_taken for o in offerings}
    taken: set[tuple[int, int]] = set()
    plan: list[tuple[int, Offering, ApplicationStatus]] = []

    def add(student_id: int, offering: Offering, status: ApplicationStatus) -> None:
        if (student_id, offering.id) in taken:
            return
        if status in (ApplicationStatus.ACCEPTED, ApplicationStatus.PLACED):
            if seats[offering.id] >= offering.capacity:
                status = ApplicationStatus.APPROVED
            else:
                seats[offering.id] += 1
        taken.add((student_id, offering.id))
        plan.append((student_id, offering, status))

    by_user = {row.user_id: row for row in students}
    demo_student = by_user.get(accounts["student"].id) if "student" in accounts else None
    if demo_student is not None:
        add(demo_student.id, offerings[1 % len(offerings)], ApplicationStatus.SUBMITTED)
        add(demo_student.id, offerings[2 % len(offerings)], ApplicationStatus.PLACED)
    teacher = accounts.get("teacher")
    if teacher is not None:
        classmates = [s for s in students if s.school_id == teacher.school_id]
        for row in rng.sample(classmates, min(8, len(classmates))):
            add(row.id, rng.choice(offerings), ApplicationStatus.SUBMITTED)
    employer = accounts.get("employer")
    if employer is not None:
        own = db.session.scalar(
            select(PartnerContact.partner_id).where(PartnerContact.user_id == employer.id)
        )
        mine = [o for o in offerings if o.partner_id == own]
        for offering in mine:
            for row in rng.sample(students, 3):
                add(row.id, offering, ApplicationStatus.APPROVED)
        if mine:
            add(rng.choice(students).id, mine[0], ApplicationStatus.ACCEPTED)
    statuses = [s for s, _ in _MIX]
    weights = [w for _, w in _MIX]
    for _ in range(COUNTY_APPLICATIONS):
        add(rng.choice(students).id, rng.choice(offerings), rng.choices(statuses, weights)[0])

    start = datetime.combine(anchor - timedelta(days=20), time(16, 0), tzinfo=UTC)
    for n, (student_id, offering, status) in enumerate(plan):
        created = start + timedelta(hours=3 * n % 400)
        application = Application(
            student_id=student_id,
            offering_id=offering.id,
            statement=rng.choice(_STATEMENTS),
            share_resume=rng.random() < 0.5,
            status=status,
            created_at=created,
            updated_at=created,
        )
        if status is ApplicationStatus.DECLINED:
            application.employer_message = "Our seats went to students closer to the site."
        application.events = [
            ApplicationEvent(
                from_status=_PATH[status][i - 1] if i else "",
                to_status=step,
                actor_label="demo",
                at=created + timedelta(days=i),
            )
            for i, step in enumerate(_PATH[status])
        ]
        if status in (ApplicationStatus.ACCEPTED, ApplicationStatus.PLACED):
            given = status is ApplicationStatus.PLACED
            application.consent = GuardianConsent(
                guardian_name="Demo Guardian",
                guardian_email="",
                status=ConsentStatus.GIVEN if given else ConsentStatus.PENDING,
                nonce=None if given else secrets.token_hex(16),
                sent_at=created + timedelta(days=2),
                due_at=created + timedelta(days=9),
                method=ConsentMethod.LINK if given else None,
                typed_name="Demo Guardian" if given else "",
                answered_at=created + timedelta(days=3) if given else None,
            )
        db.session.add(application)
        if status is ApplicationStatus.PLACED:
            db.session.add(
                Placement(
                    application=application,
                    student_id=student_id,
                    offering_id=offering.id,
                    supervisor_id=supervisors.get(offering.partner_id),
                    start_date=offering.start_date,
                    end_date=offering.end_date,
                    expected_hours=offering.expected_hours,
                )
            )
    db.session.flush()
    changed: list[dict[str, Any]] = [
        {"id": offering_id, "seats_taken": count} for offering_id, count in seats.items() if count
    ]
    if changed:
        db.session.execute(update(Offering), changed)
    return len(plan)
