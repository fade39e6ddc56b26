"""``flask placements expire-consents``: release the seats of consents not answered in time.

The scheduler (one process, ``flask scheduler``) runs it daily once it exists; until then a
cron entry or a person can. Running it twice changes nothing the second time.
"""

from __future__ import annotations

import click

from wbl.extensions import utcnow
from wbl.placements.consent_answers import expire_overdue_consents


@click.group("placements")
def placements_cli() -> None:
    """Applications and placements."""


@placements_cli.command("expire-consents")
def expire_consents_command() -> None:
    """Expire guardian consents past their deadline and give their seats to the waitlist."""
    count = expire_overdue_consents(utcnow())
    click.echo(f"{count} consent request(s) expired; their seats went back to the offerings.")
