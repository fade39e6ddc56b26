"""The demo county's teacher externships, so each page has something to show:
- three summer externships for next summer at demo partners (one at the demo employer's),
  with applications from demo teachers (the demo teacher among them), still open;
- last summer's externship at the demo employer's partner, with a placed team of two (the
  demo teacher and a colleague), their hours (mostly confirmed, a few waiting) and one
  classroom project attached.
Rows are written directly, as in the rest of the demo; the seats taken match the teams.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from wbl.access import Role
from wbl.auth.models import User, UserRole
from wbl.catalog.models import Partner, PartnerContact
from wbl.extensions import db
from wbl.externships.models import (
    Externship,
    ExternshipApplication,
    ExternshipHour,
    ExternshipHourEvent,
    ExternshipHourStatus,
    ExternshipTeam,
    HourAction,
    TeacherApplicationStatus,
)

_TITLES = (
    ("Summer in the lab", "Work beside our technicians: sample intake, quality checks, safety."),
    ("Behind the scenes of a working kitchen", "Ordering, prep, food safety and costing."),
    ("Data on the shop floor", "How production data drives daily decisions."),
)
_STATEMENTS = (
    "I teach biology and want my students to see how lab work is done outside school.",
    "I teach math and look for real problems my students can work on.",
    "I run our CTE pathway and want to refresh what I know of the industry.",
    "I teach English; I want to build a unit on workplace writing.",
)
_TASKS = (
    "Shadowed the team lead through the morning",
    "Helped with quality checks and wrote up the steps",
    "Interviewed staff about the skills they hire for",
    "Drafted classroom activities from the day's work",
)


@dataclass(frozen=True, slots=True)
class ExternshipCounts:
    externships: int
    applications: int


def _at(day: date) -> datetime:
    return datetime.combine(day, time(16), tzinfo=UTC)


def add_externships(rng: random.Random, anchor: date, demo_domain: str) -> ExternshipCounts:
    staff = db.session.scalar(select(User).where(User.email == f"staff@{demo_domain}"))
    teacher = db.session.scalar(select(User).where(User.email == f"teacher@{demo_domain}"))
    employer = db.session.scalar(select(User).where(User.email == f"employer@{demo_domain}"))
    if staff is None or teacher is None or employer is None:
        return ExternshipCounts(0, 0)
    home = db.session.scalar(
        select(Partner).join(PartnerContact).where(PartnerContact.user_id == employer.id)
    )
    others = list(
        db.session.scalars(
            select(Partner)
            .where(Partner.active.is_(True), Partner.id != (home.id if home else 0))
            .order_by(Partner.id)
            .limit(2)
        )
    )
    teachers = list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == Role.TEACHER, User.id != teacher.id)
            .order_by(User.id)
            .limit(6)
        )
    )
    if home is None or len(teachers) < 4:
        return ExternshipCounts(0, 0)
    summer = date(anchor.year + 1, 6, 22)
    applications = 0
    made = []
    for (title, description), partner in zip(_TITLES, [home, *others], strict=False):
        externship = Externship(
            partner_id=partner.id,
            title=title,
            description=description,
            starts_on=summer,
            ends_on=summer + timedelta(days=rng.choice((11, 18, 25))),
            expected_hours=rng.choice((40, 60, 80)),
            seats=4,
            seats_taken=0,
            min_team_size=2,
            apply_by=date(anchor.year + 1, 4, 30),
            created_by_id=staff.id,
            created_at=_at(anchor - timedelta(days=20)),
        )
        db.session.add(externship)
        made.append(externship)
    db.session.flush()
    applicants = [teacher, *teachers[:3]]
    for n, person in enumerate(applicants):
        externship = made[n % len(made)]
        db.session.add(
            ExternshipApplication(
                externship_id=externship.id,
                teacher_id=person.id,
                statement=_STATEMENTS[n % len(_STATEMENTS)],
                applied_at=_at(anchor - timedelta(days=10 - n)),
            )
        )
        applications += 1
    applications += _last_summer(rng, anchor, home, staff, employer, [teacher, teachers[3]])
    db.session.flush()
    return ExternshipCounts(len(made) + 1, applications)


def _last_summer(
    rng: random.Random,
    anchor: date,
    partner: Partner,
    staff: User,
    decider: User,
    team: list[User],
) -> int:
    start = date(anchor.year, 6, 23)
    externship = Externship(
        partner_id=partner.id,
        title="Last summer's externship: a week in each department",
        description="Teachers rotate through the departments and plan a classroom unit.",
        starts_on=start,
        ends_on=start + timedelta(days=18),
        expected_hours=60,
        seats=3,
        seats_taken=len(team),
        min_team_size=2,
        apply_by=start - timedelta(days=30),
        created_by_id=staff.id,
        created_at=_at(start - timedelta(days=90)),
    )
    db.session.add(externship)
    db.session.flush()
    placed = ExternshipTeam(
        externship_id=externship.id, placed_by_id=staff.id, placed_at=_at(start - timedelta(21))
    )
    db.session.add(placed)
    db.session.flush()
    for n, person in enumerate(team):
        member = ExternshipApplication(
            externship_id=externship.id,
            teacher_id=person.id,
            statement=_STATEMENTS[n],
            status=TeacherApplicationStatus.PLACED,
            team_id=placed.id,
            applied_at=_at(start - timedelta(days=40)),
        )
        if n == 0:
            member.project_title = "From intake to report: a lab workflow unit"
            member.project_summary = (
                "Students follow a sample from intake to the final report, practising "
                "measurement, record keeping and clear writing."
            )
            member.project_submitted_at = _at(start + timedelta(days=30))
        db.session.add(member)
        db.session.flush()
        for day in range(0, 15, 2):
            work_date = start + timedelta(days=day)
            if work_date.weekday() >= 5:
                continue
            waiting = day >= 12
            hour = ExternshipHour(
                application_id=member.id,
                work_date=work_date,
                minutes=rng.choice((240, 360, 420)),
                description=rng.choice(_TASKS),
                status=(
                    ExternshipHourStatus.PENDING if waiting else ExternshipHourStatus.CONFIRMED
                ),
                decided_at=None if waiting else _at(work_date + timedelta(days=2)),
                decided_by_id=None if waiting else decider.id,
                created_at=_at(work_date),
            )
            db.session.add(hour)
            db.session.flush()
            _trail(hour, HourAction.CREATED, person.id, hour.created_at)
            if hour.decided_at is not None:
                _trail(hour, HourAction.CONFIRMED, decider.id, hour.decided_at)
    return len(team)


def _trail(hour: ExternshipHour, action: HourAction, actor_id: int, at: datetime) -> None:
    """The audit trail the services would have written for the hour."""
    db.session.add(
        ExternshipHourEvent(
            application_id=hour.application_id,
            hour_id=hour.id,
            action=action,
            actor_id=actor_id,
            work_date=hour.work_date,
            minutes=hour.minutes,
            description=hour.description,
            at=at,
        )
    )
