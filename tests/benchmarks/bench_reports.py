"""Benchmark of the reports at a large county's scale (issue 18: every dashboard under 300 ms
of server time on PostgreSQL with 50,000 students and 200,000 hour entries).

Run: ``.venv/bin/python tests/benchmarks/bench_reports.py`` from the repository root (``make
bench`` runs it). It loads the demo county (reference data, districts, schools, partners,
offerings, staff) and then generates a county around it in bulk: students up to
``--students`` (50,000) spread over the demo's schools, with the roster's demographics, an
application each for two in five of them (with their history: approved, accepted, consent,
placed, completed in decreasing shares), a placement for the placed ones, and ``--hours``
(200,000) confirmed hour entries over those placements across this school year and the
last, and a CTE concentrator status for every junior and senior (a third of them
concentrators). Then it times each report through the Flask test client as county-wide CTE staff:
median and p95 of ``--runs`` requests after one warm-up.

On SQLite by default (a temporary file); ``BENCH_DATABASE_URL`` names an empty database to
use instead, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports``. Not a
pytest module.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from config import DevelopmentConfig
from wbl import create_app
from wbl.access import Role
from wbl.auth.models import User, UserRole
from wbl.catalog.models import Offering, OfferingStatus
from wbl.clock import local_today
from wbl.demo.services import DEMO_DOMAIN, DEMO_PASSWORD, seed_demo
from wbl.extensions import db
from wbl.hours.models import EntryStatus, HourEntry
from wbl.placements.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ConsentStatus,
    GuardianConsent,
    Placement,
    PlacementStatus,
)
from wbl.reporting.models import ConcentratorSource, CteConcentrator
from wbl.reporting.reach import SchoolYear
from wbl.roster.models import StudentDemographics
from wbl.schools.models import School
from wbl.students.models import StudentProfile, Transportation

TARGET_MS = 300
CHUNK = 5_000


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--hours", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=7)
    return parser.parse_args()


def _bulk(model: type, rows: list[dict[str, object]], returning: bool = False) -> list[int]:
    """Insert ``rows`` in chunks; their new ids in order when ``returning``."""
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        if returning:
            statement = insert(model).returning(model.id, sort_by_parameter_order=True)  # type: ignore[attr-defined]
            ids += list(db.session.scalars(statement, chunk))
        else:
            db.session.execute(insert(model), chunk)
    return ids


def _generate(students: int, hours: int, rng: random.Random) -> dict[str, int]:
    """Students, demographics, applications with history, placements and hour entries."""
    today = local_today()
    this_year = SchoolYear.of(today)
    first_day = SchoolYear(this_year.start - 1).first_day
    schools = list(db.session.execute(select(School.id, School.district_id)))
    offerings = list(
        db.session.scalars(select(Offering.id).where(Offering.status == OfferingStatus.PUBLISHED))
    )
    have = db.session.scalar(select(func.count()).select_from(StudentProfile)) or 0
    extra = max(0, students - have)
    password = db.session.scalar(select(User.password_hash).where(User.email.like("staff@%")))
    now = datetime.now(UTC)
    users = [
        {
            "email": f"generated{n}@bench.example.org",
            "full_name": f"Generated Student {n}",
            "password_hash": password,
            "school_id": school_id,
            "district_id": district_id,
        }
        for n, (school_id, district_id) in enumerate(rng.choice(schools) for _ in range(extra))
    ]
    user_ids = _bulk(User, users, returning=True)
    _bulk(UserRole, [{"user_id": uid, "role": Role.STUDENT} for uid in user_ids])
    profiles = []
    for uid, user in zip(user_ids, users, strict=True):
        grade = rng.choice((9, 10, 11, 12))
        profiles.append(
            {
                "user_id": uid,
                "school_id": user["school_id"],
                "grade": grade,
                "graduation_year": this_year.start + 1 + (12 - grade),
                "date_of_birth": date(this_year.start - grade - 5, rng.randint(1, 12), 1),
                "home_zip": "95401",
                "home_latitude": 38.44,
                "home_longitude": -122.71,
                "max_travel_miles": 15,
                "transportation": Transportation.CAR,
                "interests": "",
                "availability": [],
                "frl_eligible": rng.random() < 0.4,
            }
        )
    profile_ids = _bulk(StudentProfile, profiles, returning=True)
    # Perkins V 5S3: a status for every junior and senior, about a third concentrators.
    _bulk(
        CteConcentrator,
        [
            {
                "student_id": pid,
                "concentrator": rng.random() < 0.35,
                "graduation_year": profile["graduation_year"],
                "source": ConcentratorSource.UPLOAD,
                "updated_at": now,
            }
            for pid, profile in zip(profile_ids, profiles, strict=True)
            if profile["grade"] in (11, 12)
        ],
    )
    sexes = ("female", "male", "female", "male", "other")
    _bulk(
        StudentDemographics,
        [
            {
                "student_id": pid,
                "sex": rng.choice(sexes),
                "hispanic_or_latino": rng.random() < 0.35,
                "white": rng.random() < 0.55,
                "asian": rng.random() < 0.06,
                "black_or_african_american": rng.random() < 0.03,
                "american_indian_or_alaska_native": rng.random() < 0.02,
                "native_hawaiian_or_other_pacific_islander": rng.random() < 0.01,
                "two_or_more_races": rng.random() < 0.07,
                "english_learner": rng.random() < 0.15,
                "disability": rng.random() < 0.12,
            }
            for pid in profile_ids
        ],
    )
    applicants = rng.sample(profile_ids, k=len(profile_ids) * 2 // 5)
    applied_at = [
        datetime.combine(first_day + timedelta(days=rng.randint(0, 700)), datetime.min.time(), UTC)
        for _ in applicants
    ]
    applied_at = [min(at, now - timedelta(days=40)) for at in applied_at]
    reached = [rng.random() for _ in applicants]
    status = [
        ApplicationStatus.PLACED
        if r < 0.3
        else ApplicationStatus.ACCEPTED
        if r < 0.4
        else ApplicationStatus.APPROVED
        if r < 0.6
        else ApplicationStatus.SUBMITTED
        for r in reached
    ]
    application_ids = _bulk(
        Application,
        [
            {
                "student_id": sid,
                "offering_id": rng.choice(offerings),
                "statement": "I would like to learn.",
                "status": s,
                "created_at": at,
            }
            for sid, s, at in zip(applicants, status, applied_at, strict=True)
        ],
        returning=True,
    )
    events, consents, placements = [], [], []
    for aid, sid, s, at in zip(application_ids, applicants, status, applied_at, strict=True):
        steps = {
            ApplicationStatus.SUBMITTED: [],
            ApplicationStatus.APPROVED: ["approved"],
            ApplicationStatus.ACCEPTED: ["approved", "accepted"],
            ApplicationStatus.PLACED: ["approved", "accepted", "placed"],
        }[s]
        for day, to in enumerate(steps, start=1):
            events.append(
                {"application_id": aid, "to_status": to, "at": at + timedelta(days=day * 2)}
            )
        if s is ApplicationStatus.PLACED:
            consents.append(
                {
                    "application_id": aid,
                    "status": ConsentStatus.GIVEN,
                    "answered_at": at + timedelta(days=5),
                }
            )
            completed = rng.random() < 0.4
            placements.append(
                {
                    "application_id": aid,
                    "student_id": sid,
                    "offering_id": None,  # filled below from the application
                    "start_date": (at + timedelta(days=7)).date(),
                    "end_date": (at + timedelta(days=37)).date() if completed else None,
                    "status": PlacementStatus.COMPLETED if completed else PlacementStatus.ACTIVE,
                    "created_at": at + timedelta(days=6),
                    "completed_at": at + timedelta(days=38) if completed else None,
                }
            )
    _bulk(ApplicationEvent, events)
    _bulk(GuardianConsent, consents)
    offering_of = dict(
        db.session.execute(
            select(Application.id, Application.offering_id).where(
                Application.id.in_([p["application_id"] for p in placements])
            )
        ).all()
    )
    for placement in placements:
        placement["offering_id"] = offering_of[placement["application_id"]]
    placement_ids = _bulk(Placement, placements, returning=True)
    entries = []
    for n in range(hours):
        k = rng.randrange(len(placements))
        start = placements[k]["start_date"]
        assert isinstance(start, date)
        entries.append(
            {
                "placement_id": placement_ids[k],
                "student_id": placements[k]["student_id"],
                "work_date": min(start + timedelta(days=n % 30), today),
                "minutes": rng.choice((60, 90, 120, 180, 240)),
                "description": "Helped out",
                "status": EntryStatus.CONFIRMED,
            }
        )
    _bulk(HourEntry, entries)
    db.session.commit()
    return {
        "students": have + extra,
        "applications": len(application_ids),
        "placements": len(placement_ids),
        "hour entries": len(entries),
    }


def main() -> int:
    args = _arguments()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{folder}/reports.sqlite"

        class Config(DevelopmentConfig):
            SQLALCHEMY_DATABASE_URI = url
            UPLOAD_FOLDER = f"{folder}/uploads"
            MATCHING_INDEX_FOLDER = ""
            WTF_CSRF_ENABLED = False  # the benchmark signs in with a plain POST

        app = create_app(Config)
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            started = time.perf_counter()
            seed_demo(seed=2026)
            counts = _generate(args.students, args.hours, random.Random(2026))
            if db.engine.dialect.name == "postgresql":
                # What autovacuum does soon after a bulk load: without the tables' statistics
                # the planner takes 200,000 hour entries for a handful.
                with db.engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                        "ANALYZE"
                    )
            built = time.perf_counter() - started
            db.session.remove()
        print(
            f"County generated in {built:.0f} s: "
            + ", ".join(f"{n:,} {what}" for what, n in counts.items()),
            flush=True,
        )
        client = app.test_client()
        response = client.post(
            "/login", data={"email": f"staff@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}
        )
        if response.status_code != 302:
            print("bench_reports: could not sign in as the demo's staff", file=sys.stderr)
            return 1
        with app.app_context():
            school = db.session.scalar(select(func.min(School.id)))
        pages = [
            ("reach and equity", "/reports/reach"),
            ("reach, one school", f"/reports/reach?school={school}"),
            ("reach, one group by district", "/reports/reach?group=english_learner"),
            ("placement funnel", "/reports/funnel"),
            ("funnel, one group by district", "/reports/funnel?group=hispanic_or_latino"),
            ("activity over time", "/reports/activity"),
            ("partners", "/reports/partners"),
            ("Perkins V 5S3", "/reports/perkins-5s3"),
            ("hours report", "/logs/report"),
        ]
        database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        print(f"\n| report ({database}, county-wide staff) | median | p95 | target |")
        print("| --- | --- | --- | --- |")
        over = 0
        for name, path in pages:
            if client.get(path).status_code != 200:
                print(f"bench_reports: {path} did not answer 200", file=sys.stderr)
                return 1
            times = []
            for _ in range(args.runs):
                begun = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - begun) * 1000)
            median = statistics.median(times)
            p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
            over += median > TARGET_MS
            print(f"| {name} | {median:.0f} ms | {p95:.0f} ms | < {TARGET_MS} ms |", flush=True)
        print(f"\n{len(pages) - over} of {len(pages)} reports under {TARGET_MS} ms (median).")
        with app.app_context():
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
