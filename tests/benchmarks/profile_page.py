"""Profile one page of the demo county: its SQL statements, median time, and where time goes.

Run from the repository root, for example::

    .venv/bin/python tests/benchmarks/profile_page.py --user student --path /home
    .venv/bin/python tests/benchmarks/profile_page.py --user teacher --path '/logs/schools/{school}'
    .venv/bin/python tests/benchmarks/profile_page.py --user staff --path /logs/report --sql

It builds the demo county once with the real migrations and ``seed-demo`` into a SQLite file
(``--db``, by default in the system's temporary folder) and reuses that file on the next runs
(``--fresh`` builds it again). ``{school}`` in the path is the demo teacher's school. Each page
is requested once to warm up, then ``--runs`` times through the Flask test client (server time
only), then ``--profiled`` times under cProfile (the profile adds them up). Not a pytest
module; ``bench_pages.py`` is the benchmark.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flask_migrate import upgrade
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from config import DevelopmentConfig
from wbl import create_app
from wbl.auth.models import User
from wbl.demo.services import DEMO_PASSWORD, seed_demo
from wbl.extensions import db


def _app(path: Path, fresh: bool, url: str | None = None):  # type: ignore[no-untyped-def]
    if url:  # a database built already (say, by bench_load.py with BENCH_DATABASE_URL)

        class Given(DevelopmentConfig):
            SQLALCHEMY_DATABASE_URI = url
            UPLOAD_FOLDER = f"{path.parent}/uploads"
            WTF_CSRF_ENABLED = False

        return create_app(Given)

    class Config(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
        UPLOAD_FOLDER = f"{path.parent}/uploads"
        WTF_CSRF_ENABLED = False

    if fresh and path.exists():
        path.unlink()
    build = not path.exists()
    app = create_app(Config)
    if build:
        path.parent.mkdir(parents=True, exist_ok=True)
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            started = time.perf_counter()
            seed_demo(seed=2026)
            print(f"built the demo county in {time.perf_counter() - started:.1f} s: {path}")
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--user", required=True, help="student, teacher, employer, staff, ...")
    parser.add_argument("--path", required=True, help="the page; {school}: the teacher's school")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--profiled", type=int, default=10, help="requests under cProfile")
    parser.add_argument("--top", type=int, default=30, help="rows of the profile to print")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key")
    parser.add_argument("--sql", action="store_true", help="print every statement")
    parser.add_argument("--callers", help="also print who calls the functions matching this")
    parser.add_argument("--url", help="a demo county already built in this database instead")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--fresh", action="store_true", help="build the demo database again")
    parser.add_argument(
        "--db", type=Path, default=Path(tempfile.gettempdir()) / "wbl-profile" / "demo.sqlite"
    )
    args = parser.parse_args()

    app = _app(args.db, args.fresh, args.url)
    with app.app_context():
        school_id = db.session.scalar(
            select(User.school_id).where(User.email == "teacher@demo.wbl.example.org")
        )
    url = args.path.replace("{school}", str(school_id))
    client = app.test_client()
    response = client.post(
        "/login", data={"email": f"{args.user}@demo.wbl.example.org", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    warm = client.get(url)
    assert warm.status_code == 200, (url, warm.status_code)

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        client.get(url)
    finally:
        event.remove(Engine, "before_cursor_execute", record)

    times, cpu = [], []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    print(
        f"{args.user} {url}: {len(statements)} statements, "
        f"median {statistics.median(times) * 1000:.1f} ms, min {min(times) * 1000:.1f} ms, "
        f"CPU median {statistics.median(cpu) * 1000:.1f} ms ({args.runs} runs; on a busy "
        "machine the CPU time is the steadier figure)"
    )
    if args.sql:
        for number, statement in enumerate(statements, 1):
            print(f"--- {number}\n{' '.join(statement.split())[:600]}")
    if not args.no_profile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.profiled):
            client.get(url)
        profile.disable()
        stats = pstats.Stats(profile).strip_dirs().sort_stats(args.sort)
        stats.print_stats(args.top)
        if args.callers:
            stats.print_callers(args.callers)


if __name__ == "__main__":
    main()
