"""Seeding the defaults a county starts with: the reference data and the defaults of the
features built on it (the reviewers' scoring guide, each district's graduation pathway
rules). It sits above the features, as the CLI does, so that ``reference`` imports none of
them."""

from __future__ import annotations

import click

from wbl.extensions import atomic, db
from wbl.pathways.services import seed_all_districts
from wbl.reference.services import SeedCounts, add_defaults
from wbl.reviews.defaults import seed_scoring_guide


@atomic
def seed_reference() -> SeedCounts:
    """Load the default reference data and scoring guide in one transaction. Idempotent: rows
    are matched by code, and a row that exists is left as staff have edited it."""
    counts = add_defaults()
    added = counts.added + seed_scoring_guide()
    db.session.commit()
    return SeedCounts(added=added, kept=counts.kept)


@click.command("seed-reference")
def seed_reference_command() -> None:
    """Load the default sectors, pathways, PoG outcomes, activities and experience types, and
    give every district the default graduation pathway rules it lacks."""
    counts = seed_reference()
    click.echo(f"Reference data: {counts.added} added, {counts.kept} already there.")
    click.echo(f"Graduation pathway rules (defaults): {seed_all_districts().describe()}")
