from __future__ import annotations

import click

from wbl.reference.services import seed_reference


@click.command("seed-reference")
def seed_reference_command() -> None:
    """Load the default sectors, pathways, PoG outcomes, activities and experience types."""
    counts = seed_reference()
    click.echo(f"Reference data: {counts.added} added, {counts.kept} already there.")
