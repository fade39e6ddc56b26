"""The demo county's fall: placements that started in September on postings now closed,
with the hours students logged and supervisors decided, evaluations and reflections of the
placements that ended, and a past class event with its attendance. So the supervisor inbox,
the experience logs, the hours report and the evaluations have something real on them.

The demo employer's practice runs a fall internship with the demo student on it (hours
waiting for confirmation), and the demo teacher's class heard a guest speaker in October.
Rows are written directly, as in ``placements.py``; seats held match the active placements.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.catalog.models import (
    INDIVIDUAL_KINDS,
    Offering,
    OfferingStatus,
    Partner,
    PartnerContact,
)
from wbl.clock import local_to_utc
from wbl.evaluations.models import PlacementEvaluation, PlacementReflection
from wbl.events.models import EventDateOption, EventRequest, EventRequestStatus
from wbl.extensions import db
from wbl.hours.models import (
    Channel,
    EntryStatus,
    EventAttendance,
    HourEntry,
    HourEntryEvent,
)
from wbl.placements.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ConsentMethod,
    ConsentStatus,
    GuardianConsent,
    Placement,
    PlacementStatus,
)
from wbl.portfolio.models import Artifact, ArtifactOutcome, ArtifactSource
from wbl.reference.models import EvaluationCategory, ExperienceKind, Pathway, PogOutcome
from wbl.schools.models import ClassSection
from wbl.students.models import StudentProfile

_TASKS = {
    ExperienceKind.INTERNSHIP: (
        "Checked in deliveries and updated the inventory sheet",
        "Shadowed the lead technician on morning rounds",
        "Prepared the workspace and cleaned equipment",
        "Helped a customer find what they needed and wrote up the order",
        "Entered the week's records into the database",
        "Sat in on the team meeting and took notes",
    ),
    ExperienceKind.JOB_SHADOW: (
        "Followed my mentor through the morning schedule",
        "Asked questions about training and career paths",
    ),
    ExperienceKind.WORK_BASED_PROJECT: (
        "Researched options for the project and summarized them",
        "Drafted the project plan with my mentor",
        "Built and tested the first version",
        "Presented progress to the team and noted their feedback",
    ),
}
_REFLECTIONS = (
    "I learned how much planning goes into a normal day, and that asking questions early "
    "saves everyone time. I want to keep exploring this field.",
    "The hardest part was speaking up in meetings; by the end I was sharing ideas. I now know "
    "which classes I want to take next year.",
)
_COMMENTS = (
    "Reliable and curious; always on time and willing to learn.",
    "Good work this semester. Keep building confidence when talking with customers.",
)
_REJECTION = "Our sign-in sheet shows you left at noon that day; please log 3 hours."


@dataclass(frozen=True, slots=True)
class FallCounts:
    placements: int
    entries: int
    evaluations: int


def add_fall(rng: random.Random, anchor: date, demo_domain: str) -> FallCounts:
    accounts = {
        u.email.split("@")[0]: u
        for u in db.session.scalars(
            select(User).where(
                User.email.in_([f"{n}@{demo_domain}" for n in ("student", "teacher", "employer")])
            )
        )
    }
    contacts, supervisors = _primary_contacts()
    offerings = list(
        db.session.scalars(
            select(Offering)
            .where(
                Offering.status == OfferingStatus.CLOSED,
                Offering.kind.in_([k.value for k in INDIVIDUAL_KINDS]),
                Offering.start_date <= anchor - timedelta(days=14),
                Offering.partner_id.in_(list(contacts)),
            )
            .options(selectinload(Offering.outcomes))
            .order_by(Offering.id)
        )
    )
    demo_offering = _demo_employer_internship(rng, anchor, accounts.get("employer"))
    students = db.session.execute(
        select(StudentProfile.id, StudentProfile.user_id, StudentProfile.date_of_birth).order_by(
            StudentProfile.id
        )
    ).all()
    if not students:
        return FallCounts(0, 0, 0)
    demo_student = next(
        (s for s in students if "student" in accounts and s.user_id == accounts["student"].id),
        None,
    )
    busy = {
        (student_id, offering_id)
        for student_id, offering_id in db.session.execute(
            select(Application.student_id, Application.offering_id)
        )
    }
    placements: list[Placement] = []
    for offering in offerings + ([demo_offering] if demo_offering else []):
        room = max(offering.capacity - offering.seats_taken, 0)
        chosen = rng.sample(students, min(room, 2, len(students)))
        if offering is demo_offering and demo_student is not None:
            chosen = [demo_student, *[s for s in chosen if s != demo_student][: room - 1]]
        for row in chosen:
            if (row.id, offering.id) in busy:
                continue
            busy.add((row.id, offering.id))
            placements.append(_placed(rng, row.id, offering, anchor, supervisors))
    db.session.flush()
    entries = sum(_log_hours(rng, p, anchor, contacts[p.offering.partner_id]) for p in placements)
    evaluations = _evaluate(
        rng, [p for p in placements if p.status is PlacementStatus.COMPLETED], contacts
    )
    _hold_seats(placements)
    _past_class_event(anchor, accounts.get("teacher"), contacts)
    db.session.flush()
    return FallCounts(len(placements), entries, evaluations)


def _primary_contacts() -> tuple[dict[int, int], dict[int, int]]:
    """partner id -> the user id of its primary contact (the supervisor who decides hours),
    and partner id -> that contact's own id (a placement's supervisor): read once, not once
    per placement (each query would flush everything added so far)."""
    rows = db.session.execute(
        select(PartnerContact.partner_id, PartnerContact.id, PartnerContact.user_id).where(
            PartnerContact.is_primary.is_(True), PartnerContact.user_id.is_not(None)
        )
    ).all()
    return {r.partner_id: r.user_id for r in rows}, {r.partner_id: r.id for r in rows}


def _demo_employer_internship(
    rng: random.Random, anchor: date, employer: User | None
) -> Offering | None:
    if employer is None:
        return None
    partner_id = db.session.scalar(
        select(PartnerContact.partner_id).where(PartnerContact.user_id == employer.id)
    )
    if partner_id is None:
        return None
    outcomes = list(
        db.session.scalars(
            select(PogOutcome).where(PogOutcome.code.in_(("curious", "collaborator", "ethical")))
        )
    )
    sector_id = db.session.scalar(select(Partner.sector_id).where(Partner.id == partner_id))
    pathways = list(
        db.session.scalars(
            select(Pathway)
            .where(Pathway.sector_id == sector_id)
            .order_by(Pathway.position)
            .limit(2)
        )
    )
    offering = Offering(
        partner_id=partner_id,
        kind=ExperienceKind.INTERNSHIP,
        title="Fall barn and clinic internship",
        description="Help our team care for horses and cattle at the clinic and on farm calls.",
        skills="Animal handling, record keeping, teamwork",
        requirements="Closed-toe boots; a tetanus shot in the last ten years.",
        schedule="Tue and Thu, 3–6 pm; some Saturday mornings",
        capacity=2,
        start_date=anchor - timedelta(days=70),
        end_date=anchor + timedelta(days=25),
        application_deadline=anchor - timedelta(days=80),
        expected_hours=60,
        min_grade=11,
        location="Clinic and farm calls",
        status=OfferingStatus.CLOSED,
        published_at=datetime.combine(anchor - timedelta(days=100), time(16), tzinfo=UTC),
        outcomes=outcomes,
        pathways=pathways,
    )
    db.session.add(offering)
    db.session.flush()
    return offering


def _placed(
    rng: random.Random,
    student_id: int,
    offering: Offering,
    anchor: date,
    supervisors: dict[int, int],
) -> Placement:
    assert offering.start_date is not None  # noqa: S101 - the query selects started ones
    created = datetime.combine(offering.start_date - timedelta(days=21), time(16), tzinfo=UTC)
    path = ("submitted", "approved", "accepted", "placed")
    application = Application(
        student_id=student_id,
        offering_id=offering.id,
        statement="I would like to learn how this work is done, and I am reliable.",
        status=ApplicationStatus.PLACED,
        created_at=created,
        updated_at=created,
        events=[
            ApplicationEvent(
                from_status=path[i - 1] if i else "",
                to_status=step,
                actor_label="demo",
                at=created + timedelta(days=i),
            )
            for i, step in enumerate(path)
        ],
        consent=GuardianConsent(
            guardian_name="Demo Guardian",
            status=ConsentStatus.GIVEN,
            method=ConsentMethod.LINK,
            typed_name="Demo Guardian",
            sent_at=created + timedelta(days=2),
            due_at=created + timedelta(days=9),
            answered_at=created + timedelta(days=3),
        ),
    )
    ended = offering.end_date is not None and offering.end_date < anchor
    placement = Placement(
        application=application,
        student_id=student_id,
        offering=offering,
        start_date=offering.start_date,
        end_date=offering.end_date,
        expected_hours=offering.expected_hours,
        status=PlacementStatus.COMPLETED if ended else PlacementStatus.ACTIVE,
        completed_at=(
            datetime.combine(offering.end_date + timedelta(days=1), time(8, 30), tzinfo=UTC)
            if ended and offering.end_date
            else None
        ),
    )
    placement.supervisor_id = supervisors.get(offering.partner_id)
    db.session.add(application)
    db.session.add(placement)
    return placement


def _log_hours(rng: random.Random, placement: Placement, anchor: date, supervisor: int) -> int:
    """Two or three afternoons a week; entries older than a week decided, newer ones
    pending; one in twenty rejected (and logged again, shorter)."""
    assert placement.start_date is not None  # noqa: S101 - fall placements have dates
    last = min(placement.end_date or anchor, anchor - timedelta(days=1))
    tasks = _TASKS[placement.offering.kind]
    day, made = placement.start_date, 0
    while day <= last and made < 30:
        if day.weekday() < 5 and rng.random() < 0.45:
            minutes = rng.choice((120, 150, 180, 240))
            decided = day < anchor - timedelta(days=7)
            rejected = decided and rng.random() < 0.05
            made += _entry(rng, placement, day, minutes, tasks, supervisor, decided, rejected)
            if rejected:
                made += _entry(rng, placement, day, 180, tasks, supervisor, True, False)
        day += timedelta(days=1)
    return made


def _entry(
    rng: random.Random,
    placement: Placement,
    day: date,
    minutes: int,
    tasks: tuple[str, ...],
    supervisor: int,
    decided: bool,
    rejected: bool,
) -> int:
    logged = datetime.combine(day, time(2, 30), tzinfo=UTC) + timedelta(days=1)
    status = (
        EntryStatus.REJECTED
        if rejected
        else EntryStatus.CONFIRMED
        if decided
        else EntryStatus.PENDING
    )
    entry = HourEntry(
        placement_id=placement.id,
        student_id=placement.student_id,
        work_date=day,
        minutes=minutes,
        description=rng.choice(tasks),
        status=status,
        reject_reason=_REJECTION if rejected else "",
        created_at=logged,
        updated_at=logged,
    )
    events = [
        HourEntryEvent(
            action="created",
            actor_id=None,
            detail={"after": {"work_date": day.isoformat(), "minutes": minutes}},
            at=logged,
        )
    ]
    if decided:
        via = rng.choice((Channel.WEB, Channel.EMAIL))
        at = logged + timedelta(days=rng.randint(1, 5))
        entry.decided_by_id, entry.decided_at, entry.decided_via = supervisor, at, via
        detail: dict[str, object] = {"reason": _REJECTION} if rejected else {}
        events.append(
            HourEntryEvent(action=status.value, actor_id=supervisor, via=via, detail=detail, at=at)
        )
    entry.events = events
    db.session.add(entry)
    return 1


def _evaluate(rng: random.Random, completed: list[Placement], contacts: dict[int, int]) -> int:
    """Two of three ended placements are evaluated; half of those have the student's
    reflection too, and so a portfolio artifact draft."""
    categories = list(
        db.session.scalars(
            select(EvaluationCategory)
            .where(EvaluationCategory.active.is_(True))
            .order_by(EvaluationCategory.position)
        )
    )
    made = 0
    for placement in completed:
        if rng.random() > 0.67 or placement.completed_at is None:
            continue
        supervisor = contacts.get(placement.offering.partner_id)
        if supervisor is None or placement.supervisor_id is None:
            continue
        outcomes = placement.offering.outcomes
        evaluation = PlacementEvaluation(
            placement_id=placement.id,
            evaluator_id=supervisor,
            ratings=[
                {"code": c.code, "name": c.name, "rating": rng.choice((3, 3, 4, 2))}
                for c in categories
            ],
            outcome_ratings=[
                {"outcome_id": o.id, "code": o.code, "name": o.name, "rating": rng.choice((3, 4))}
                for o in outcomes
            ],
            comment=rng.choice(_COMMENTS),
            submitted_at=placement.completed_at + timedelta(days=2),
        )
        db.session.add(evaluation)
        made += 1
        if rng.random() < 0.5:
            continue
        text = rng.choice(_REFLECTIONS)
        db.session.add(
            PlacementReflection(
                placement_id=placement.id,
                student_id=placement.student_id,
                text=text,
                submitted_at=placement.completed_at + timedelta(days=3),
            )
        )
        db.session.add(
            Artifact(
                student_id=placement.student_id,
                title=f"{placement.offering.title} at {placement.offering.partner.name}",
                body=f"{text}\n\nSupervisor's comment: {evaluation.comment}",
                source=ArtifactSource.PLACEMENT,
                placement_id=placement.id,
                outcomes=[ArtifactOutcome(outcome_id=o.id) for o in outcomes],
            )
        )
    return made


def _hold_seats(placements: list[Placement]) -> None:
    """Active placements hold their seat; ended ones gave it back when they ended (as the
    services do). The loader is the only writer, so attributes will do."""
    for placement in placements:
        if placement.status is PlacementStatus.ACTIVE:
            placement.offering.seats_taken += 1


def _past_class_event(anchor: date, teacher: User | None, contacts: dict[int, int]) -> None:
    """A guest speaker the demo teacher's first class heard in October, attendance taken."""
    if teacher is None:
        return
    section = db.session.scalar(
        select(ClassSection)
        .where(ClassSection.teacher_id == teacher.id)
        .options(selectinload(ClassSection.students))
        .order_by(ClassSection.id)
    )
    speaker = db.session.scalar(
        select(Offering)
        .where(
            Offering.kind == ExperienceKind.GUEST_SPEAKER,
            Offering.partner_id.in_(list(contacts)),
        )
        .order_by(Offering.id)
    )
    if section is None or speaker is None:
        return
    held = anchor - timedelta(days=35)
    event = EventRequest(
        kind=ExperienceKind.GUEST_SPEAKER,
        partner_id=speaker.partner_id,
        offering_id=speaker.id,
        teacher_id=teacher.id,
        school_id=section.school_id,
        class_section=section,
        class_size=max(len(section.students), 1),
        topic=speaker.title,
        status=EventRequestStatus.ACCEPTED,
        response_message="Looking forward to it.",
        decided_by_id=contacts[speaker.partner_id],
        decided_at=datetime.combine(held - timedelta(days=20), time(18), tzinfo=UTC),
        options=[
            EventDateOption(
                position=0,
                starts_at=local_to_utc(held, time(10, 0)),
                duration_minutes=60,
                chosen=True,
            )
        ],
    )
    db.session.add(event)
    db.session.flush()
    db.session.add_all(
        EventAttendance(
            event_id=event.id,
            student_id=student.id,
            present=n % 7 != 3,  # a few absent
            minutes=60 if n % 7 != 3 else 0,
            recorded_by_id=teacher.id,
        )
        for n, student in enumerate(section.students)
    )
