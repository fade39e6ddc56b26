from __future__ import annotations

import click

from wbl.pathways.services import seed_all_districts
from wbl.reference.services import seed_reference


@click.command("seed-reference")
def seed_reference_command() -> None:
    """Load the default sectors, pathways, PoG outcomes, activities and experience types, and
    give every district the default graduation pathway rules it lacks."""
    counts = seed_reference()
    click.echo(f"Reference data: {counts.added} added, {counts.kept} already there.")
    click.echo(f"Graduation pathway rules (defaults): {seed_all_districts().describe()}")
