"""Test data for allocation rounds: a small county (schools, students, partners with an
employer each, internships) and a fast bulk builder for the scale test."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from tests.support.builders import (
    make_employer,
    make_offering,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from wbl.access import Role
from wbl.auth.models import User, UserRole
from wbl.catalog.models import Offering, OfferingStatus, Partner
from wbl.clock import local_today
from wbl.extensions import db
from wbl.reference.models import ExperienceKind
from wbl.rounds import opening, ranking
from wbl.rounds.models import AllocationRound, RoundChoice, RoundRanking
from wbl.schools.models import School
from wbl.students.models import StudentProfile, Transportation

ADULT = date(2007, 1, 1)
MINOR = date(2010, 3, 1)


def in_days(n: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=n)


@dataclass
class County:
    staff: User
    school: School
    partners: list[Partner]
    employers: list[User]  # employers[i] speaks for partners[i]
    offerings: list[Offering]  # offerings[i] belongs to partners[i]


def make_county(*, capacities: tuple[int, ...] = (1, 1, 1)) -> County:
    staff = make_user(roles={Role.STAFF})
    school = make_school()
    partners, employers, offerings = [], [], []
    for i, capacity in enumerate(capacities):
        partner = make_partner(name=f"Round Partner {i}")
        partners.append(partner)
        employers.append(make_employer(partner=partner))
        offerings.append(
            make_offering(
                partner=partner,
                kind=ExperienceKind.INTERNSHIP,
                capacity=capacity,
                title=f"Internship {chr(65 + i)}",
                start_date=local_today() + timedelta(days=60),
            )
        )
    db.session.flush()
    return County(staff, school, partners, employers, offerings)


def students(
    county: County, n: int, *, grade: int = 11, born: date = MINOR
) -> list[StudentProfile]:
    return [make_student(school=county.school, grade=grade, date_of_birth=born) for _ in range(n)]


def open_for(county: County, **overrides: object) -> AllocationRound:
    """A round over the county's offerings, opened through the service (it commits inside
    the test's savepoint)."""
    args: dict[str, object] = {
        "name": "Summer internships",
        "deadline": in_days(7),
        "offering_ids": [o.id for o in county.offerings],
        "max_choices": 3,
        "ranking": RoundRanking.PRIORITY,
        "priority_rules": ["lottery"],
    }
    args.update(overrides)
    return opening.open_round(county.staff, **args)  # type: ignore[arg-type]


def choose(round_: AllocationRound, student: StudentProfile, offerings: list[Offering]) -> None:
    ranking.rank_choices(student.user, round_.id, [o.id for o in offerings])


def bulk_county(
    *, students: int, offerings: int, capacity: int, seed: int = 7, paid: bool = True
) -> tuple[list[int], list[int]]:
    """``students`` students and ``offerings`` published internships by bulk INSERTs (a few
    hundred milliseconds). Returns (student ids, offering ids).

    Paid by default, as summer internships usually are: an unpaid placement also renders its
    training agreement PDF (about half a second each), which would swamp what a round costs."""
    import random

    rng = random.Random(seed)
    school = make_school()
    partner = make_partner()
    make_employer(partner=partner)  # the supervisor, cleared to take minors
    tag = f"bulk{school.id}"
    user_rows = [
        {"email": f"{tag}.s{i}@example.org", "full_name": f"Bulk Student {i:04d}", "active": True}
        for i in range(students)
    ]
    db.session.execute(insert(User), user_rows)
    user_ids = list(
        db.session.scalars(select(User.id).where(User.email.like(f"{tag}.s%")).order_by(User.id))
    )
    db.session.execute(
        insert(UserRole), [{"user_id": uid, "role": Role.STUDENT} for uid in user_ids]
    )
    db.session.execute(
        insert(StudentProfile),
        [
            {
                "user_id": uid,
                "school_id": school.id,
                "grade": rng.choice([9, 10, 11, 12]),
                "graduation_year": 2028,
                "date_of_birth": rng.choice([ADULT, MINOR]),
                "home_zip": "95401",
                "transportation": Transportation.CAR,
                "availability": [],
                "guardian_name": "Pat Guardian",
                "guardian_email": f"{tag}.g{uid}@example.org",
            }
            for uid in user_ids
        ],
    )
    student_ids = list(
        db.session.scalars(
            select(StudentProfile.id)
            .where(StudentProfile.user_id.in_(user_ids))
            .order_by(StudentProfile.id)
        )
    )
    start = local_today() + timedelta(days=60)
    db.session.execute(
        insert(Offering),
        [
            {
                "partner_id": partner.id,
                "kind": ExperienceKind.INTERNSHIP,
                "title": f"{tag} internship {i:03d}",
                "capacity": capacity,
                "seats_taken": 0,
                "paid": paid,
                "status": OfferingStatus.PUBLISHED,
                "start_date": start,
                "end_date": start + timedelta(days=40),
            }
            for i in range(offerings)
        ],
    )
    offering_ids = list(
        db.session.scalars(
            select(Offering.id)
            .where(Offering.title.like(f"{tag} internship %"))
            .order_by(Offering.id)
        )
    )
    return student_ids, offering_ids


def bulk_choices(
    round_id: int, student_ids: list[int], offering_ids: list[int], per_student: int, seed: int = 7
) -> None:
    """Each student ranks ``per_student`` offerings, skewed towards the first ones (popular
    internships), by one bulk INSERT."""
    import random

    rng = random.Random(seed)
    weights = [1.0 / (1 + i / 5) for i in range(len(offering_ids))]
    rows = []
    for sid in student_ids:
        picked: list[int] = []
        while len(picked) < per_student:
            oid = rng.choices(offering_ids, weights)[0]
            if oid not in picked:
                picked.append(oid)
        rows += [
            {"round_id": round_id, "student_id": sid, "offering_id": oid, "rank": r}
            for r, oid in enumerate(picked, start=1)
        ]
    db.session.execute(insert(RoundChoice), rows)
