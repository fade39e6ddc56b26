"""Page load benchmark (issue 17): each role's main pages under gunicorn and wrk, beside a bare
Flask app loaded in the same run.

Run: ``.venv/bin/python tests/benchmarks/bench_load.py`` from the repository root (``make
bench`` runs it); ``--duration 3 --pages student`` for a quick look. It needs wrk, Debian's
package (``apt-get install wrk``); without it, it says so and exits with 0 ("skipped").

What it does:

- builds a throw-away demo county with the real migrations and ``seed_demo``: on SQLite in a
  temporary folder, or on PostgreSQL when ``BENCH_DATABASE_URL`` is set
  (``postgresql+psycopg://postgres@127.0.0.1:5432/bench``; the caller creates that database
  empty, and the run leaves the demo in it);
- starts WBL (``wsgi:app``, the development configuration pointed at that database through
  ``DATABASE_URL``) and the bare app of ``hello_app.py`` under gunicorn, each with 2 sync
  workers on a free port of 127.0.0.1;
- signs each demo user in over HTTP (the login form, its CSRF token) and checks that every page
  answers 200 to its user: a page that does not stops the run, rather than measuring an error
  page or a redirect to the login;
- per page: a 2 s warm-up with wrk (both workers build what they cache), 30 requests one at
  a time (their median is the single-request time, measured by the client over loopback:
  server time plus well under a millisecond), then ``wrk -t2 -c20 -d10s --latency`` on the
  page and right after on the bare app, with the same headers (the session cookie, one
  User-Agent). After each wrk run the server works off the requests wrk left queued before
  the next one starts. A small Lua script prints the p95 (wrk's own ``--latency`` stops at
  50/75/90/99) and counts answers that are not 200, which also stop the run.

It prints a Markdown table: requests per second of the page and of the bare app, their ratio,
the page's p95 and its median single request, then how many pages meet the issue's targets
(ratio ≥ 0.10, p95 < 150 ms, median < 10 ms). ``--strict`` exits with 1 when one misses.
Numbers only mean something on a quiet machine: wrk, both servers and the database share its
cores. Not a pytest module.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flask_migrate import upgrade
from sqlalchemy import select

from config import DevelopmentConfig
from wbl import create_app
from wbl.auth.models import User
from wbl.catalog.models import Offering, OfferingStatus
from wbl.demo.services import DEMO_DOMAIN, DEMO_PASSWORD, seed_demo
from wbl.extensions import db
from wbl.placements.models import Placement
from wbl.schools.models import ClassSection
from wbl.students.models import StudentProfile

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2
THREADS = 2
SINGLE_REQUESTS = 30
WARM_UP_SECONDS = 2
USER_AGENT = "wbl-bench-load"  # the same for requests and wrk: the session stays the same
TARGET_RATIO = 0.10
TARGET_P95_MS = 150.0
TARGET_MEDIAN_MS = 10.0

# Each thread counts the answers that are not 200; done() adds them up (threads keep their
# own Lua state, read through thread:get) and prints one line for the parser below.
WRK_SCRIPT = """
local threads = {}
not_ok = 0

function setup(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status ~= 200 then
    not_ok = not_ok + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("not_ok")
  end
  local e = summary.errors
  io.write(string.format("BENCH-RESULT %.0f %.0f %.0f %.0f %.0f\\n",
    summary.requests, summary.duration, latency:percentile(95), bad,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True, slots=True)
class Page:
    label: str
    user: str  # the demo login's local part: student, teacher, employer, staff
    path: str


@dataclass(frozen=True, slots=True)
class Load:
    requests_per_second: float
    p95_ms: float
    socket_errors: int


@dataclass(frozen=True, slots=True)
class Result:
    page: Page
    wbl: Load
    bare: Load
    median_ms: float

    @property
    def ratio(self) -> float:
        return self.wbl.requests_per_second / self.bare.requests_per_second

    @property
    def meets_targets(self) -> bool:
        return (
            self.ratio >= TARGET_RATIO
            and self.wbl.p95_ms < TARGET_P95_MS
            and self.median_ms < TARGET_MEDIAN_MS
        )


class BenchError(RuntimeError):
    """The run cannot measure what it means to: a server that does not start, a page that does
    not answer 200."""


# --------------------------------------------------------------------------- the demo county


def _build_county(database_url: str, uploads: str) -> list[Page]:
    """Migrate and seed the database; return the pages with the ids of the demo's own rows."""

    class Config(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        UPLOAD_FOLDER = uploads  # the demo stores logos, resumes and letters

    app = create_app(Config)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        started = time.perf_counter()
        seed_demo(seed=2026)
        print(f"Demo county loaded in {time.perf_counter() - started:.1f} s.", flush=True)

        def email(user: str) -> str:
            return f"{user}@{DEMO_DOMAIN}"

        offering_id = db.session.scalar(
            select(Offering.id)
            .where(Offering.status == OfferingStatus.PUBLISHED)
            .order_by(Offering.id)
            .limit(1)
        )
        placement_id = db.session.scalar(
            select(Placement.id)
            .join(StudentProfile, StudentProfile.id == Placement.student_id)
            .join(User, User.id == StudentProfile.user_id)
            .where(User.email == email("student"))
            .order_by(Placement.id)
            .limit(1)
        )
        class_id = db.session.scalar(
            select(ClassSection.id)
            .join(User, User.id == ClassSection.teacher_id)
            .where(User.email == email("teacher"), ClassSection.active.is_(True))
            .order_by(ClassSection.id)
            .limit(1)
        )
        school_id = db.session.scalar(select(User.school_id).where(User.email == email("teacher")))
        db.session.remove()
        db.engine.dispose()  # SQLite: no connection of ours stays open beside the servers
    missing = {
        "a published offering": offering_id,
        "the demo student's placement": placement_id,
        "the demo teacher's class": class_id,
        "the demo teacher's school": school_id,
    }
    for what, value in missing.items():
        if value is None:
            raise BenchError(f"The demo county has no {what}.")
    return [
        Page("student home", "student", "/home"),
        Page("student catalog search", "student", "/offerings"),
        Page("student offering page", "student", f"/offerings/{offering_id}"),
        Page("student applications", "student", "/applications"),
        Page("student hours", "student", f"/hours/placements/{placement_id}"),
        Page("student portfolio", "student", "/portfolio/"),
        Page("teacher home", "teacher", "/home"),
        Page("teacher class experience log", "teacher", f"/logs/classes/{class_id}"),
        Page("teacher school experience log", "teacher", f"/logs/schools/{school_id}"),
        Page("teacher pathway list", "teacher", f"/pathways/schools/{school_id}"),
        Page("employer home", "employer", "/home"),
        Page("employer applicants", "employer", "/applications"),
        Page("employer hours inbox", "employer", "/hours/inbox"),
        Page("staff home", "staff", "/home"),
        Page("staff partners list", "staff", "/catalog/partners"),
        Page("staff offerings list", "staff", "/catalog/offerings"),
        Page("staff review queue", "staff", "/catalog/review"),
        Page("staff hours report", "staff", "/logs/report"),
        Page("staff incentive report", "staff", "/incentives/report"),
    ]


# --------------------------------------------------------------------------- the servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _gunicorn(
    name: str, app: str, chdir: Path, env: dict[str, str], log: Path, ready_path: str
) -> Iterator[tuple[str, int]]:
    """Serve ``app`` with gunicorn (2 sync workers on a free port); yield its base URL and the
    master's process id once it answers ``ready_path``, and stop it on the way out."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(chdir),
        "--error-logfile",
        str(log),
        app,
    ]
    with log.open("ab") as output:
        # Our own interpreter and arguments, no shell.
        server = subprocess.Popen(command, env=env, stdout=output, stderr=output)  # noqa: S603
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise BenchError(f"{name} stopped at start-up:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(base + ready_path, timeout=30).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still importing
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"{name} did not answer within 120 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --------------------------------------------------------------------------- measuring


def _sign_in(base: str, user: str) -> str:
    """Sign the demo user in through the login form; return the session cookie's value."""
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        form = session.get(f"{base}/login", timeout=30)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text)
        if form.status_code != 200 or token is None:
            raise BenchError(f"The login form did not load ({form.status_code}).")
        answer = session.post(
            f"{base}/login",
            data={
                "email": f"{user}@{DEMO_DOMAIN}",
                "password": DEMO_PASSWORD,
                "csrf_token": token.group(1),
            },
            allow_redirects=False,
            timeout=30,
        )
        cookie = session.cookies.get("session")
        if answer.status_code != 302 or not cookie:
            raise BenchError(f"{user} could not sign in ({answer.status_code}).")
        return cookie


def _get(url: str, cookie: str) -> requests.Response:
    return requests.get(
        url,
        headers={"User-Agent": USER_AGENT, "Cookie": f"session={cookie}"},
        allow_redirects=False,
        timeout=60,
    )


def _check(page: Page, base: str, cookie: str) -> None:
    answer = _get(base + page.path, cookie)
    if answer.status_code != 200:
        where = answer.headers.get("Location", "")
        raise BenchError(
            f"{page.label} ({page.path}) answered {answer.status_code} {where} to {page.user}: "
            "not measured."
        )


def _median_single_ms(url: str, cookie: str) -> float:
    times = []
    for _ in range(SINGLE_REQUESTS):
        started = time.perf_counter()
        answer = _get(url, cookie)
        times.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise BenchError(f"{url} answered {answer.status_code} one request at a time.")
    return statistics.median(times) * 1000


def _settle(url: str) -> None:
    """Wait until the server has worked through what wrk left queued: at the end of a run its
    open connections close, but their requests are still served, one after the other, and
    would take the next run's CPU. A request made now queues behind them; two, one after the
    other, also outwait the worker that was still busy."""
    for _ in range(2):
        requests.get(url, headers={"User-Agent": USER_AGENT}, timeout=600)


def _wrk(
    wrk: str,
    script: Path,
    url: str,
    cookie: str,
    *,
    connections: int,
    duration: float,
    settle: str,
    warm_up: bool = False,
) -> Load:
    command = [
        wrk,
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--latency",
        "--timeout",
        "30s",  # a slow page is a slow answer in the p95, never a dropped one
        "-s",
        str(script),
        "-H",
        f"Cookie: session={cookie}",
        "-H",
        f"User-Agent: {USER_AGENT}",
        url,
    ]
    # wrk by its full path, our own arguments, no shell.
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    line = re.search(r"^BENCH-RESULT (\d+) (\d+) (\d+) (\d+) (\d+)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed on {url}:\n{done.stdout}\n{done.stderr}")
    count, duration_us, p95_us, not_ok, socket_errors = (int(n) for n in line.groups())
    _settle(settle)
    if not_ok:
        raise BenchError(f"{url}: {not_ok} of {count} answers under load were not 200.")
    if count == 0 and not warm_up:
        raise BenchError(f"{url}: no answer within the run.")
    return Load(count / (duration_us / 1e6), p95_us / 1000 if count else 0.0, socket_errors)


# --------------------------------------------------------------------------- the run


def _workers_rss_mb(master: int) -> list[float]:
    """The resident memory of gunicorn's workers (the master's children), in MB, from /proc
    (Linux); empty where /proc cannot say."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    sizes = []
    for child in children:
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)  # kB
    return sizes


def _table(results: list[Result], connections: int, duration: float, database: str) -> str:
    rows = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {database}, gunicorn "
        f"with {WORKERS} sync workers, wrk -t{THREADS} -c{connections} -d{duration:g}s.",
        "",
        "| page | WBL req/s | bare Flask req/s | ratio | WBL p95 | median single request |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        rows.append(
            f"| {r.page.label} `{r.page.path}` | {r.wbl.requests_per_second:,.0f} "
            f"| {r.bare.requests_per_second:,.0f} | {r.ratio:.3f} | {r.wbl.p95_ms:.0f} ms "
            f"| {r.median_ms:.1f} ms |"
        )
    meeting = sum(r.meets_targets for r in results)
    rows += [
        "",
        f"{meeting} of {len(results)} pages meet the targets (ratio ≥ {TARGET_RATIO:.2f}, "
        f"p95 < {TARGET_P95_MS:.0f} ms, median single request < {TARGET_MEDIAN_MS:.0f} ms).",
    ]
    errors = [r for r in results if r.wbl.socket_errors or r.bare.socket_errors]
    rows += [
        f"Socket errors (connect, read, write, timeout) on {r.page.label}: WBL "
        f"{r.wbl.socket_errors}, bare Flask {r.bare.socket_errors}."
        for r in errors
    ]
    return "\n".join(rows)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Each role's main pages under gunicorn and wrk, beside a bare Flask app."
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds of wrk per run")
    parser.add_argument("--connections", type=int, default=20, help="wrk's open connections")
    parser.add_argument(
        "--pages",
        default="",
        help="only the pages whose label or path holds one of these comma-separated words",
    )
    parser.add_argument("--strict", action="store_true", help="exit with 1 when a page misses")
    return parser.parse_args()


def main() -> int:
    arguments = _arguments()
    wrk = shutil.which("wrk")
    if wrk is None:
        print(
            "bench_load: skipped, wrk is not installed. "
            "Install Debian's package with `apt-get install wrk` to run it."
        )
        return 0
    words = [w.strip().lower() for w in arguments.pages.split(",") if w.strip()]
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    with tempfile.TemporaryDirectory(prefix="wbl-bench-load-") as name:
        folder = Path(name)
        database_url = database_url or f"sqlite:///{folder}/bench.sqlite"
        database = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
        uploads = str(folder / "uploads")
        pages = _build_county(database_url, uploads)
        if words:
            pages = [p for p in pages if any(w in f"{p.label} {p.path}".lower() for w in words)]
            if not pages:
                raise BenchError(f"No page matches --pages {arguments.pages!r}.")
        script = folder / "p95.lua"
        script.write_text(WRK_SCRIPT)
        env = {
            **os.environ,
            "WBL_CONFIG": "development",
            "DATABASE_URL": database_url,
            "UPLOAD_FOLDER": uploads,
            "SECRET_KEY": secrets.token_hex(32),
        }
        with (
            _gunicorn("WBL", "wsgi:app", ROOT, env, folder / "wbl.log", "/login") as (wbl, master),
            _gunicorn(
                "The bare Flask app",
                "hello_app:app",
                Path(__file__).resolve().parent,
                env,
                folder / "hello.log",
                "/",
            ) as (bare, _),
        ):
            cookies = {user: _sign_in(wbl, user) for user in sorted({p.user for p in pages})}
            for page in pages:  # every page first: a wrong one stops the run before loading
                _check(page, wbl, cookies[page.user])
            results = []
            for page in pages:
                cookie = cookies[page.user]
                url = wbl + page.path
                _wrk(
                    wrk,
                    script,
                    url,
                    cookie,
                    connections=arguments.connections,
                    duration=WARM_UP_SECONDS,
                    settle=wbl + "/login",
                    warm_up=True,
                )
                median = _median_single_ms(url, cookie)
                load = _wrk(
                    wrk,
                    script,
                    url,
                    cookie,
                    connections=arguments.connections,
                    duration=arguments.duration,
                    settle=wbl + "/login",
                )
                ceiling = _wrk(
                    wrk,
                    script,
                    bare + "/",
                    cookie,
                    connections=arguments.connections,
                    duration=arguments.duration,
                    settle=bare + "/",
                )
                result = Result(page, load, ceiling, median)
                results.append(result)
                print(
                    f"{page.label}: {load.requests_per_second:,.0f} req/s against "
                    f"{ceiling.requests_per_second:,.0f} (ratio {result.ratio:.3f}), "
                    f"p95 {load.p95_ms:.0f} ms, median single {median:.1f} ms",
                    flush=True,
                )
            memory = _workers_rss_mb(master)
    print()
    print(_table(results, arguments.connections, arguments.duration, database))
    if memory:
        sizes = ", ".join(f"{size:.0f} MB" for size in memory)
        print(
            f"\nResident memory of each WBL worker after the load run: {sizes} (target < 200 MB)."
        )
    if arguments.strict and not all(r.meets_targets for r in results):
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.exit(f"bench_load: {error}")
