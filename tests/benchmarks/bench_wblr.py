"""Benchmark: the CALPADS WBLR file (issue 18) for a county of 50,000 students.

Run: ``.venv/bin/python tests/benchmarks/bench_wblr.py`` from the repository root (``make
bench`` runs it); ``BENCH_DATABASE_URL=postgresql+psycopg://…/empty_db`` runs it on
PostgreSQL instead of a throw-away SQLite file. It builds the schema with the real
migrations and writes, in bulk statements, a made-up county (``random.Random(18)``): 3
districts, 21 schools with CALPADS codes, 50,000 students in grades 9–12 (2 % without an
SSID), 400 partners, 2,000 offerings (internships, online projects, job shadows; 90 % with a
state course code), 20,000 placements and 200,000 hour entries over two school years (80 %
confirmed). Then it times ``build_report`` for the year, county-wide and for one district,
and the whole export (report and file), five runs each, and prints the median.

The issue's 300 ms is for its dashboards, opened all day; this file is built a few times a
year, and the page that checks it builds it on each visit: it is held to 1 s at this scale
(16,000 records), on either database. It exits with 1 when a median misses it. Not a pytest
module.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flask_migrate import upgrade
from sqlalchemy import insert, select

from config import DevelopmentConfig
from wbl import create_app
from wbl.access import Role
from wbl.auth.models import User, UserRole
from wbl.catalog.models import Offering, OfferingStatus, Partner
from wbl.extensions import db
from wbl.hours.models import EntryStatus, HourEntry
from wbl.placements.models import Application, ApplicationStatus, Placement, PlacementStatus
from wbl.reference.models import ExperienceKind, IndustrySector
from wbl.reporting import services
from wbl.reporting.models import OfferingReporting
from wbl.reporting.reach import SchoolYear
from wbl.reporting.wblr import build_report
from wbl.schools.models import District, School
from wbl.seeding import seed_reference
from wbl.students.models import StudentProfile, Transportation

DISTRICTS, SCHOOLS, STUDENTS = 3, 21, 50_000
PARTNERS, OFFERINGS, PLACEMENTS, ENTRIES = 400, 2_000, 20_000, 200_000
YEAR = SchoolYear(2026)
TARGET_S = 1.0
RUNS = 5
CHUNK = 5_000


def _bulk(model: type, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])


def make_county(rng: random.Random) -> int:
    """The county, in bulk; returns the first district's id."""
    _bulk(District, [{"name": f"District {d}", "code": f"4970{d:03d}"} for d in range(DISTRICTS)])
    districts = db.session.scalars(select(District.id).order_by(District.id)).all()
    _bulk(
        School,
        [
            {
                "district_id": districts[s % DISTRICTS],
                "name": f"High School {s}",
                "cds_code": f"4970{s % DISTRICTS:03d}{s:07d}",
            }
            for s in range(SCHOOLS)
        ],
    )
    schools = db.session.scalars(select(School.id).order_by(School.id)).all()
    _bulk(
        User,
        [
            {"email": f"s{n}@students.example.org", "full_name": f"Student {n}"}
            for n in range(STUDENTS)
        ],
    )
    users = db.session.scalars(select(User.id).order_by(User.id)).all()
    _bulk(UserRole, [{"user_id": u, "role": Role.STUDENT} for u in users])
    profiles = []
    for n, user_id in enumerate(users):
        grade = 9 + n % 4
        profiles.append(
            {
                "user_id": user_id,
                "school_id": schools[n % SCHOOLS],
                "grade": grade,
                "graduation_year": 2027 + (12 - grade),
                "date_of_birth": date(2010, 1, 1),
                "home_zip": "95401",
                "transportation": Transportation.CAR,
                "ssid": "" if rng.random() < 0.02 else f"{8_000_000_000 + n}",
            }
        )
    _bulk(StudentProfile, profiles)
    students = db.session.scalars(select(StudentProfile.id).order_by(StudentProfile.id)).all()
    sector = db.session.scalar(select(IndustrySector.id).limit(1))
    _bulk(Partner, [{"name": f"Partner {p}", "sector_id": sector} for p in range(PARTNERS)])
    partners = db.session.scalars(select(Partner.id).order_by(Partner.id)).all()
    kinds = [ExperienceKind.INTERNSHIP] * 6 + [ExperienceKind.WORK_BASED_PROJECT] * 3
    kinds.append(ExperienceKind.JOB_SHADOW)
    offerings = []
    for o in range(OFFERINGS):
        kind = kinds[o % len(kinds)]
        offerings.append(
            {
                "partner_id": partners[o % PARTNERS],
                "kind": kind,
                "title": f"Offering {o}",
                "is_virtual": kind is ExperienceKind.WORK_BASED_PROJECT and o % 2 == 0,
                "capacity": 20,
                "status": OfferingStatus.PUBLISHED,
            }
        )
    _bulk(Offering, offerings)
    offering_ids = db.session.scalars(select(Offering.id).order_by(Offering.id)).all()
    _bulk(
        OfferingReporting,
        [
            {"offering_id": o, "state_course_code": f"7{rng.randrange(1000):03d}"}
            for o in offering_ids
            if rng.random() < 0.9
        ],
    )
    pairs = rng.sample(range(len(students) * len(offering_ids)), PLACEMENTS)
    _bulk(
        Application,
        [
            {
                "student_id": students[p // len(offering_ids)],
                "offering_id": offering_ids[p % len(offering_ids)],
                "statement": "I want to learn.",
                "status": ApplicationStatus.PLACED,
            }
            for p in pairs
        ],
    )
    applications = db.session.execute(
        select(Application.id, Application.student_id, Application.offering_id).order_by(
            Application.id
        )
    ).all()
    _bulk(
        Placement,
        [
            {
                "application_id": a.id,
                "student_id": a.student_id,
                "offering_id": a.offering_id,
                "status": PlacementStatus.ACTIVE,
            }
            for a in applications
        ],
    )
    placements = db.session.execute(select(Placement.id, Placement.student_id)).all()
    first_day = date(2026, 1, 5)
    entries = []
    for _ in range(ENTRIES):
        placement = placements[rng.randrange(len(placements))]
        entries.append(
            {
                "placement_id": placement.id,
                "student_id": placement.student_id,
                "work_date": first_day + timedelta(days=rng.randrange(540)),
                "minutes": 15 * rng.randrange(1, 17),
                "description": "Worked.",
                "status": EntryStatus.CONFIRMED if rng.random() < 0.8 else EntryStatus.PENDING,
            }
        )
    _bulk(HourEntry, entries)
    db.session.commit()
    return districts[0]


def _median(work: object) -> tuple[float, float]:
    """The median wall-clock and CPU (this process) seconds of ``RUNS`` runs: the machine is
    often shared, and the CPU time says what the app itself spent."""
    wall, cpu = [], []
    for _ in range(RUNS):
        db.session.remove()
        started, started_cpu = time.perf_counter(), time.process_time()
        work()  # type: ignore[operator]
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:

        class Config(DevelopmentConfig):
            SQLALCHEMY_DATABASE_URI = url or f"sqlite:///{folder}/bench.sqlite"
            UPLOAD_FOLDER = f"{folder}/uploads"

        app = create_app(Config)
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            seed_reference()
            started = time.perf_counter()
            district = make_county(random.Random(18))
            built = time.perf_counter() - started
            report = build_report(None, YEAR)
            left = len(report.left_out)
            cases = {
                "build_report, county-wide": lambda: build_report(None, YEAR),
                "build_report, one district": lambda: build_report(None, YEAR, district),
                "export (report and file)": lambda: services.export(
                    None, YEAR.code, leave_out=left
                ),
            }
            engine = db.engine.dialect.name
            print(
                f"{engine}: county written in {built:.1f} s; {len(report.records):,} records "
                f"for {YEAR.code}, {len(report.valid):,} reportable, {left:,} left out"
            )
            print("| case | median of 5 (wall) | CPU of this process | target |")
            print("| --- | --- | --- | --- |")
            missed = []
            for name, work in cases.items():
                took, cpu = _median(work)
                print(
                    f"| {name} | {took * 1000:.0f} ms | {cpu * 1000:.0f} ms "
                    f"| {TARGET_S * 1000:.0f} ms |"
                )
                if took > TARGET_S:
                    missed.append(name)
            print(f"load average: {os.getloadavg()[0]:.1f}")
            db.session.remove()
    if missed:
        sys.exit(f"over the target: {', '.join(missed)}")


if __name__ == "__main__":
    main()
