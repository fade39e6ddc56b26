"""``flask scheduler`` runs the periodic jobs (see wbl/scheduler.py); ``flask jobs run JOB_ID``
runs one at once; ``flask serve`` is the development server with the scheduler beside it."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from types import FrameType

import click
from flask.cli import ScriptInfo, with_appcontext
from werkzeug.serving import run_simple

from wbl.catalog.recommendations import warm_up
from wbl.county.settings import county
from wbl.extensions import current_flask_app, db
from wbl.scheduler import BY_ID, JOBS, build_scheduler, register_jobs, run_now

STOP_WAIT = 10  # seconds the scheduler has to finish its current job when asked to stop


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM (systemd, docker, ``flask serve`` stopping its scheduler) and SIGHUP (a closed
    terminal) stop as Ctrl+C does."""
    raise KeyboardInterrupt


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs until stopped (run as many as you like: each job runs once per
    due time, whichever scheduler takes it)."""
    app = current_flask_app()
    zone = county().timezone
    db.session.remove()  # the read's transaction must not stay open while the scheduler runs
    scheduler = build_scheduler(app, timezone=zone)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        register_jobs(scheduler, app.config)
        click.echo(f"WBL scheduler: {len(JOBS)} jobs, times in {zone}; Ctrl+C to stop.")
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        if scheduler.running:  # a stop while it was still starting finds nothing to stop
            scheduler.shutdown(wait=False)


@click.group("jobs", help="The scheduled jobs: list them, or run one now.")
def jobs_cli() -> None:
    pass


@jobs_cli.command("list")
def list_command() -> None:
    """Each job's id, what it does and when the scheduler runs it."""
    width = max(len(job.id) for job in JOBS)
    for job in JOBS:
        click.echo(f"{job.id:<{width}}  {job.schedule}: {job.description}")


@jobs_cli.command(
    "run",
    help="Run one job now, as the scheduler would, and record the run (staff see it under "
    f"Administration ▸ Scheduled jobs). JOB_ID is one of: {', '.join(BY_ID)}.",
)
@click.argument("job_id", type=click.Choice(list(BY_ID)), metavar="JOB_ID")
def run_command(job_id: str) -> None:
    run = run_now(job_id)
    if not run.ok:
        raise click.ClickException(f"{job_id} failed: {run.result}")
    click.echo(f"{job_id}: {run.result}")


def _scheduler_args() -> list[str]:
    """``flask scheduler`` for the same application as this command (``--app``)."""
    info = click.get_current_context().find_object(ScriptInfo)
    app_option = ["--app", info.app_import_path] if info and info.app_import_path else []
    return [sys.executable, "-m", "flask", *app_option, "scheduler"]


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Ask the scheduler to stop (SIGTERM: it finishes its current job's transaction or rolls
    it back), and end it if it has not within ``STOP_WAIT`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=STOP_WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Development and demos: the web server with the scheduler beside it (a child process),
    so the jobs and e-mail work on one machine. Ctrl+C stops both. In production run
    gunicorn and ``flask scheduler`` (one or more) instead."""
    app = current_flask_app()
    # The scheduler ignores Ctrl+C (SIGINT): a terminal sends it to the whole process group,
    # and one that lands while the child is still importing would print a traceback; this
    # process stops it with SIGTERM instead, however this process is stopped.
    ignored = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        scheduler = subprocess.Popen(_scheduler_args())  # noqa: S603 - our own interpreter
    finally:
        signal.signal(signal.SIGINT, ignored)
    stopping = threading.Event()

    def watch() -> None:
        code = scheduler.wait()
        if not stopping.is_set():
            click.echo(f"The scheduler stopped (exit code {code}); the web server goes on.")

    threading.Thread(target=watch, name="scheduler-watch", daemon=True).start()
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    url = f"http://{host}:{port}"
    if app.config.get("MAIL_SERVER"):
        mail = (
            f"E-mail goes out through {app.config['MAIL_SERVER']} "
            f"(the scheduler sends the outbox every {app.config['OUTBOX_INTERVAL']} s)."
        )
    elif app.config.get("SHOW_OUTBOX"):
        mail = f"E-mail is not sent (no MAIL_SERVER): read it in the outbox, {url}/outbox/"
    else:
        mail = "E-mail stays in the outbox until MAIL_SERVER is set."
    click.echo(
        f"WBL is serving on {url} with the scheduler beside it "
        f"(jobs and Run now: {url}/admin/jobs).\n{mail}\nCtrl+C stops both."
    )
    warm_up(app)  # a server, as wsgi.py's: the index is built before a student asks (and /readyz)
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    except KeyboardInterrupt:
        pass
    finally:
        stopping.set()
        _stop(scheduler)
