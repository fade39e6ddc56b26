from __future__ import annotations

import click

from wbl.errors import DomainError


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@click.option("--seed", default=2026, show_default=True, help="Random seed (same seed, same demo).")
def seed_demo_command(if_empty: bool, seed: int) -> None:
    """Load the demo county: districts, schools, partners, offerings, students and logins."""
    from wbl.demo import services  # the generator is heavy: load it only when asked

    try:
        summary = services.seed_demo(seed=seed, if_empty=if_empty)
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
