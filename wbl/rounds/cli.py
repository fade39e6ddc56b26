"""``flask rounds run-due``: run the allocation of every open round whose deadline passed.

The scheduler (one process, ``flask scheduler``) will run it every few minutes once it
exists; until then a cron entry or a person can. A round that has run is no longer open, so
running the command twice runs nothing the second time.
"""

from __future__ import annotations

import click

from wbl.extensions import utcnow
from wbl.rounds.allocation import DueRoundsFailed, run_due_rounds


@click.group("rounds")
def rounds_cli() -> None:
    """Allocation rounds."""


@rounds_cli.command("run-due")
def run_due_command() -> None:
    """Run every open allocation round whose deadline has passed (staff then review)."""
    try:
        count = run_due_rounds(utcnow())
    except DueRoundsFailed as failure:  # the others ran and are kept
        raise click.ClickException(str(failure)) from failure
    click.echo(f"{count} allocation round(s) run; their results wait for staff to publish.")
