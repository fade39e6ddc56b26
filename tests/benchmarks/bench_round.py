"""Benchmark: an allocation round on the demo county, opened, run and published from the UI.

Run: ``.venv/bin/python tests/benchmarks/bench_round.py`` from the repository root (``make
bench`` runs it). It loads the demo county into a throw-away SQLite database, then staff
open a round through the web form with every eligible offering, 700 students rank up to
five choices each (through the service, as the choose page does), and staff run and publish
the round through the web (Flask test client: server time only). Not a pytest module.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flask_migrate import upgrade
from sqlalchemy import func, select

from config import DevelopmentConfig
from wbl import create_app
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.clock import local_today
from wbl.demo.services import DEMO_PASSWORD, seed_demo
from wbl.errors import DomainError
from wbl.extensions import db
from wbl.placements.models import Application, Placement
from wbl.rounds import ranking
from wbl.rounds.models import AllocationRound
from wbl.students.models import StudentProfile

STUDENTS = 700
CHOICES = 5


def main() -> None:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:

        class Config(DevelopmentConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/bench.sqlite"
            UPLOAD_FOLDER = f"{folder}/uploads"
            WTF_CSRF_ENABLED = False

        app = create_app(Config)
        client = app.test_client()
        rows = ["| step | time | result |", "| --- | --- | --- |"]
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            seed_demo(seed=2026)
            deadline = local_today() + timedelta(days=3)

        assert (
            client.post(
                "/login", data={"email": "staff@demo.wbl.example.org", "password": DEMO_PASSWORD}
            ).status_code
            == 302
        )
        started = time.perf_counter()
        response = client.post(
            "/rounds/",
            data={
                "name": "Summer internships 2027",
                "deadline_date": deadline.isoformat(),
                "deadline_time": "17:00",
                "max_choices": str(CHOICES),
                "ranking": "priority",
                "priority": "grade_desc",
                "all_filtered": "y",
            },
        )
        opened = time.perf_counter() - started
        assert response.status_code == 302, response.status_code
        with app.app_context():
            round_ = db.session.scalars(select(AllocationRound)).one()
            round_id = round_.id
            offering_ids = [o.id for o in round_.offerings]
            rows.append(
                f"| open the round (web form) | {opened * 1000:.0f} ms | "
                f"{len(offering_ids)} offerings |"
            )
            students = db.session.scalars(
                select(User)
                .join(StudentProfile, StudentProfile.user_id == User.id)
                .order_by(User.id)
                .limit(STUDENTS)
            ).all()
            ranked = 0
            started = time.perf_counter()
            with app.test_request_context():
                for student in students:
                    choices = rng.sample(offering_ids, CHOICES)
                    while choices:
                        try:
                            ranking.rank_choices(student, round_id, choices)
                        except DomainError:
                            choices = choices[:-1]  # drop one the student cannot take
                        else:
                            ranked += 1
                            break
            rows.append(
                f"| {len(students)} students rank their choices (service) | "
                f"{time.perf_counter() - started:.1f} s | {ranked} ranked |"
            )

        started = time.perf_counter()
        assert client.post(f"/rounds/{round_id}/run").status_code == 302
        rows.append(
            f"| run both allocations (web; the first run imports SciPy) | "
            f"{(time.perf_counter() - started) * 1000:.0f} ms | |"
        )
        started = time.perf_counter()
        assert client.get(f"/rounds/{round_id}").status_code == 200
        rows.append(
            f"| review page with statistics | {(time.perf_counter() - started) * 1000:.0f} ms | |"
        )
        started = time.perf_counter()
        assert client.post(f"/rounds/{round_id}/publish").status_code == 302
        published = time.perf_counter() - started
        with app.app_context():
            round_ = db.session.get(AllocationRound, round_id)
            stats = round_.result.get("stats", {})
            placements = db.session.scalar(select(func.count(Placement.id)))
            holding = db.session.scalar(
                select(func.count(Application.id)).where(
                    Application.status.in_(["accepted", "placed"])
                )
            )
            over = db.session.scalar(
                select(func.count(Offering.id)).where(Offering.seats_taken > Offering.capacity)
            )
        rows.append(
            f"| publish (web): placements and consent requests | {published:.1f} s | "
            f"{holding} seats held, {placements} placements, {over} offerings over capacity |"
        )
        summary = {k: v for k, v in stats.items() if not isinstance(v, dict)}
        rows.append(f"| statistics (published: stable) | | {summary} |")
        other = round_.result.get("alternative", {}).get("stats", {})
        summary = {k: v for k, v in other.items() if not isinstance(v, dict)}
        rows.append(f"| statistics (welfare-optimal, not published) | | {summary} |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
