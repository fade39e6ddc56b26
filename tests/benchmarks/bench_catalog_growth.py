"""Catalog growth benchmark (issue 17): the catalog search and the staff lists on the demo
county and on ten times its catalog; the p95 may grow by at most 1.3 times.

Run: ``.venv/bin/python tests/benchmarks/bench_catalog_growth.py`` from the repository root
(``make bench`` runs it); ``--runs 20`` for a quick look. Not a pytest module.

What it does: builds the demo county with the real migrations and ``seed_demo`` in a SQLite
file, copies the file, and in the copy clones every offering nine times (with its pathways and
outcomes; 851 offerings become 8,510, the issue's "8,520"). Two apps, one on each file, then
answer the same pages through the Flask test client (server time only, no network),
alternately, one request to the small county and one to the large, so that the machine's
noise falls on both alike. It prints, per page, the median and p95 on each and the ratio of
the p95s; ``--strict`` exits with 1 when a ratio is over 1.3.

On a shared machine the single numbers move by tens of percent from run to run; the ratio,
measured in the same seconds, moves less. Read it over a few runs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from config import DevelopmentConfig
from wbl import create_app
from wbl.catalog.models import Offering, offering_outcome, offering_pathway
from wbl.demo.services import DEMO_PASSWORD, seed_demo
from wbl.extensions import db

GROWTH = 10
LIMIT = 1.3
PAGES = [
    ("student", "/offerings", "catalog, student: first page, soonest first"),
    ("student", "/offerings?q=nurse", "catalog, student: a word (stemmed), best match"),
    ("student", "/offerings?q=care+student&page=2", "catalog, student: two words, page 2"),
    (
        "student",
        "/offerings?within=25&sort=distance",
        "catalog, student: within 25 miles, nearest first",
    ),
    (
        "student",
        "/offerings?q=care&within=10&sort=distance&type=job_shadow",
        "catalog, student: a word, a type, within 10 miles, nearest first",
    ),
    ("staff", "/catalog/offerings", "staff offerings list, newest change first"),
    ("staff", "/catalog/offerings?q=health&status=published", "staff offerings list, filtered"),
    ("staff", "/catalog/partners", "staff partners list"),
]


def _app(path: Path, folder: str) -> Flask:
    class Config(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
        UPLOAD_FOLDER = f"{folder}/uploads"
        WTF_CSRF_ENABLED = False

    return create_app(Config)


def _grow_catalog(times: int) -> int:
    """Clone every offering ``times - 1`` times, with its pathways and outcomes."""
    table = Offering.__table__
    columns = [c for c in table.columns if c.name not in {"id", "external_id"}]
    originals = db.session.execute(select(table.c.id, *columns).order_by(table.c.id)).all()
    pathways = db.session.execute(select(offering_pathway)).all()
    outcomes = db.session.execute(select(offering_outcome)).all()
    for _copy in range(times - 1):
        rows: list[dict[str, Any]] = [
            {c.name: row._mapping[c.name] for c in columns} for row in originals
        ]
        new_ids = db.session.scalars(
            insert(Offering).returning(Offering.id, sort_by_parameter_order=True), rows
        ).all()
        clone_of = {row.id: new_id for row, new_id in zip(originals, new_ids, strict=True)}
        if pathways:
            db.session.execute(
                insert(offering_pathway),
                [
                    {"offering_id": clone_of[p.offering_id], "pathway_id": p.pathway_id}
                    for p in pathways
                ],
            )
        if outcomes:
            db.session.execute(
                insert(offering_outcome),
                [
                    {"offering_id": clone_of[o.offering_id], "outcome_id": o.outcome_id}
                    for o in outcomes
                ],
            )
    db.session.commit()
    return db.session.scalar(select(func.count(Offering.id))) or 0


def _median(times: list[float]) -> float:
    return statistics.median(times) * 1000


def _p95(times: list[float]) -> float:
    return sorted(times)[max(0, int(len(times) * 0.95) - 1)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40, help="requests per page and county")
    parser.add_argument("--strict", action="store_true", help="exit with 1 over the limit")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        small_path, large_path = Path(folder, "demo.sqlite"), Path(folder, "large.sqlite")
        small = _app(small_path, folder)
        with small.app_context():
            upgrade(directory=small.extensions["migrate"].directory)
            seed_demo(seed=2026)
            count = db.session.scalar(select(func.count(Offering.id))) or 0
            db.session.remove()
            db.engine.dispose()
        shutil.copyfile(small_path, large_path)
        large = _app(large_path, folder)
        with large.app_context():
            grown = _grow_catalog(GROWTH)
            db.session.remove()
        clients = {"demo": small.test_client(), "large": large.test_client()}
        print(f"demo county: {count:,} offerings; ten times the catalog: {grown:,} offerings")
        print("| page | demo median | demo p95 | 10× median | 10× p95 | p95 ratio |")
        print("| --- | --- | --- | --- | --- | --- |")
        worst = 0.0
        for who, url, case in PAGES:
            times: dict[str, list[float]] = {"demo": [], "large": []}
            for client in clients.values():
                client.delete_cookie("session")
                response = client.post(
                    "/login",
                    data={"email": f"{who}@demo.wbl.example.org", "password": DEMO_PASSWORD},
                )
                assert response.status_code == 302, (who, response.status_code)
                for _warm in range(3):
                    assert client.get(url).status_code == 200, (who, url)
            for _run in range(arguments.runs):
                for name, client in clients.items():
                    started = time.perf_counter()
                    client.get(url)
                    times[name].append(time.perf_counter() - started)
            ratio = _p95(times["large"]) / _p95(times["demo"])
            worst = max(worst, ratio)
            cells = [f"{f(times[name]):.1f} ms" for name in times for f in (_median, _p95)]
            print(f"| {case} | {' | '.join(cells)} | {ratio:.2f} |")
        print(f"worst p95 growth: {worst:.2f} (limit {LIMIT})")
    if arguments.strict and worst > LIMIT:
        sys.exit(1)


if __name__ == "__main__":
    main()
