"""Builders for incentive funding: a program year with Colorado's defaults, an appropriation,
staff-entered completions, and a completed internship with confirmed hours. Like
tests/support/builders.py: keyword-only options, each adds and flushes, never commits."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from tests.support.builders import make_offering, make_user
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import OfferingStatus
from wbl.extensions import db
from wbl.hours.models import EntryStatus, HourEntry
from wbl.incentives.models import Appropriation, CompletionType, ProgramYear, StaffCompletion
from wbl.incentives.services import add_program_year, colorado_defaults
from wbl.placements.models import Application, ApplicationStatus, Placement, PlacementStatus
from wbl.reference.models import ExperienceKind
from wbl.schools.models import District
from wbl.students.models import StudentProfile

YEAR_START = date(2025, 7, 1)
YEAR_END = date(2026, 6, 30)
IN_YEAR = date(2025, 10, 15)


def make_year(
    *,
    label: str = "2025-26",
    starts_on: date = YEAR_START,
    ends_on: date = YEAR_END,
    amount_cents: int | None = None,
    cap: int | None = None,
    internship_min_hours: int | None = None,
) -> ProgramYear:
    """A program year with Colorado's defaults, some of them overridden."""
    year = add_program_year(colorado_defaults(label, starts_on, ends_on))
    if amount_cents is not None:
        year.amount_cents = amount_cents
    if cap is not None:
        year.completions_per_student = cap
    if internship_min_hours is not None:
        year.internship_min_hours = internship_min_hours
    db.session.flush()
    return year


def make_appropriation(year: ProgramYear, district: District, cents: int) -> Appropriation:
    row = Appropriation(program_year_id=year.id, district_id=district.id, amount_cents=cents)
    db.session.add(row)
    db.session.flush()
    return row


def make_completion(
    student: StudentProfile,
    *,
    kind: CompletionType = CompletionType.AP_COURSE,
    name: str = "AP Computer Science Principles",
    completed_on: date = IN_YEAR,
    entered_by: User | None = None,
) -> StaffCompletion:
    row = StaffCompletion(
        student_id=student.id,
        completion_type=kind,
        name=name,
        completed_on=completed_on,
        entered_by_id=(entered_by or make_user(roles={Role.STAFF})).id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def make_internship(
    student: StudentProfile,
    *,
    ended: date = IN_YEAR,
    confirmed_minutes: int = 60 * 60,
    pending_minutes: int = 0,
    status: PlacementStatus = PlacementStatus.COMPLETED,
    kind: ExperienceKind = ExperienceKind.INTERNSHIP,
    title: str = "Clinic internship",
) -> Placement:
    """A placement that ran 60 days up to ``ended`` with hours in two entries (confirmed and
    pending), written directly (the placement workflow has its own tests)."""
    offering = make_offering(
        kind=kind, status=OfferingStatus.CLOSED, start_date=ended - timedelta(days=60), title=title
    )
    offering.end_date = ended
    application = Application(
        student_id=student.id,
        offering_id=offering.id,
        statement="I would like to learn.",
        status=ApplicationStatus.PLACED,
    )
    placement = Placement(
        application=application,
        student_id=student.id,
        offering=offering,
        start_date=ended - timedelta(days=60),
        end_date=ended,
        status=status,
        completed_at=(
            datetime.combine(ended + timedelta(days=1), time(17), tzinfo=UTC)
            if status is PlacementStatus.COMPLETED
            else None
        ),
    )
    db.session.add_all([application, placement])
    db.session.flush()
    day = 0
    for minutes, entry_status in (
        (confirmed_minutes, EntryStatus.CONFIRMED),
        (pending_minutes, EntryStatus.PENDING),
    ):
        while minutes > 0:  # one entry a day, at most 8 hours each
            day += 1
            db.session.add(
                HourEntry(
                    placement_id=placement.id,
                    student_id=student.id,
                    work_date=ended - timedelta(days=day),
                    minutes=min(minutes, 480),
                    description="Helped at the front desk",
                    status=entry_status,
                )
            )
            minutes -= 480
    db.session.flush()
    return placement
