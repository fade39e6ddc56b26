"""``flask scheduler``: the one process that runs the periodic jobs (see wbl/scheduler.py)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from wbl.scheduler import JOBS, build_scheduler, register_jobs


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
