"""Benchmark of the web app on the demo county: loading the demo, and the hot pages.

Run: ``.venv/bin/python tests/benchmarks/bench_pages.py`` from the repository root (``make
bench`` runs it). It builds a throw-away SQLite database in a temporary folder with the real
migrations and ``seed-demo``, then times pages through the Flask test client (no network, no
browser: server time only). Not a pytest module.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flask_migrate import upgrade
from sqlalchemy import select

from config import DevelopmentConfig
from wbl import create_app
from wbl.auth.models import User
from wbl.catalog.models import Offering, OfferingStatus, PartnerContact
from wbl.demo.services import DEMO_PASSWORD, seed_demo
from wbl.extensions import db

RUNS = 15


def _row(case: str, times: list[float], target: str = "") -> str:
    median = statistics.median(times) * 1000
    p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)] * 1000
    return f"| {case} | {median:.0f} ms | {p95:.0f} ms | {target} |"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:

        class Config(DevelopmentConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/bench.sqlite"
            UPLOAD_FOLDER = f"{folder}/uploads"  # the demo stores logos, resumes and letters
            WTF_CSRF_ENABLED = False

        app = create_app(Config)
        rows = ["| case | median | p95 | target |", "| --- | --- | --- | --- |"]
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            started = time.perf_counter()
            seed_demo(seed=2026)
            rows.append(
                _row(
                    "seed-demo (3,000 students, 851 offerings)",
                    [time.perf_counter() - started],
                    "< 30 s",
                )
            )
            offering_id = db.session.scalar(
                select(Offering.id)
                .where(Offering.status == OfferingStatus.PUBLISHED)
                .order_by(Offering.id)
                .limit(1)
            )
            own_offering_id = db.session.scalar(
                select(Offering.id)
                .join(PartnerContact, PartnerContact.partner_id == Offering.partner_id)
                .join(User, User.id == PartnerContact.user_id)
                .where(
                    User.email == "employer@demo.wbl.example.org",
                    Offering.status == OfferingStatus.PUBLISHED,
                )
                .order_by(Offering.id)
                .limit(1)
            )
            school_id = db.session.scalar(
                select(User.school_id).where(User.email == "teacher@demo.wbl.example.org")
            )
        client = app.test_client()
        cases = [
            ("student", "/home", "student home: 10 recommendations with reasons"),
            ("teacher", "/home", "teacher home: roster page"),
            ("staff", "/home", "staff home: program overview"),
            ("staff", f"/offerings/{offering_id}", "offering page, county staff: students who fit"),
            ("employer", f"/offerings/{own_offering_id}", "offering page, employer: count"),
            ("student", "/offerings", "catalog, student: first page, soonest first"),
            (
                "student",
                "/offerings?q=care&within=25&sort=distance",
                "catalog, student: a word, within 25 miles, nearest first",
            ),
            ("teacher", "/offerings?type=guest_speaker&page=2", "catalog, teacher: type, page 2"),
            ("teacher", f"/logs/schools/{school_id}", "experience log of a whole school, teacher"),
            ("staff", "/logs/report", "hours report, county staff (every school and partner)"),
            ("staff", "/evaluations/", "evaluations, county staff"),
            ("employer", "/hours/inbox", "supervisor's hours inbox"),
            ("student", "/credentials/mine", "student's credentials, WorkKeys and placements"),
            ("staff", "/credentials/queue", "credential verification queue, county staff"),
            ("student", "/pathways/mine", "student's graduation pathway progress"),
            ("teacher", f"/pathways/schools/{school_id}", "pathway progress of a whole school"),
            ("staff", "/incentives/report", "incentive report, one district and year"),
            ("staff", "/incentives/report?format=xlsx", "incentive report as XLSX"),
            ("staff", "/externships/by-school", "externships per school, county staff"),
        ]
        for who, url, case in cases:
            client.delete_cookie("session")
            response = client.post(
                "/login", data={"email": f"{who}@demo.wbl.example.org", "password": DEMO_PASSWORD}
            )
            assert response.status_code == 302, (who, response.status_code)
            first = time.perf_counter()
            assert client.get(url).status_code == 200, (who, url)
            first = time.perf_counter() - first
            times = []
            for _ in range(RUNS):
                t = time.perf_counter()
                client.get(url)
                times.append(time.perf_counter() - t)
            rows.append(_row(case, times))
            if who == "student" and url == "/home":
                rows.append(
                    _row("first student home after a catalog change (index rebuild)", [first])
                )
    print("\n".join(rows))


if __name__ == "__main__":
    main()
