"""``flask scheduler`` runs the periodic jobs (see wbl/scheduler.py); ``flask jobs run JOB_ID``
runs one at once."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from wbl.scheduler import BY_ID, JOBS, build_scheduler, register_jobs, run_now


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs until stopped (one scheduler process per deployment)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = build_scheduler(app)
    register_jobs(scheduler, app.config)
    click.echo(f"WBL scheduler: {len(JOBS)} jobs; Ctrl+C to stop.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
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
