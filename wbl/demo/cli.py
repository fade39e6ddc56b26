from __future__ import annotations

from pathlib import Path

import click

from wbl.errors import DomainError


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@click.option("--seed", default=2026, show_default=True, help="Random seed (same seed, same demo).")
@click.option(
    "--keep-roster",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the OneRoster files the demo's people are imported from in this folder.",
)
def seed_demo_command(if_empty: bool, seed: int, keep_roster: Path | None) -> None:
    """Load the demo county: districts, schools, partners, offerings, students and logins.
    Its districts, schools, teachers, students and classes come through the roster import."""
    from wbl.demo import services  # the generator is heavy: load it only when asked

    try:
        summary = services.seed_demo(seed=seed, if_empty=if_empty, roster_folder=keep_roster)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if summary is None:
        logins = services.existing_demo_logins()
        if not logins:
            click.echo("The database already has accounts; the demo county was not loaded.")
            return
        click.echo(f"Demo logins (password of every demo account: {services.DEMO_PASSWORD}):")
        width = max(len(role) for role, _ in logins)
        for role, email in logins:
            click.echo(f"  {role:<{width}}  {email}")
        return
    click.echo(summary.describe())
