from __future__ import annotations

import click

from wbl.auth import services
from wbl.errors import DomainError


@click.group("users", help="Manage user accounts.")
def users_cli() -> None:
    pass


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", "full_name", default="Administrator", help="The administrator's name.")
def create_admin(email: str, full_name: str) -> None:
    """Create the first administrator. The password is asked for, never taken from the command
    line (where it would land in shell history and process lists)."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_admin(email, full_name, password)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Administrator {user.email} created.")


@users_cli.command("unlink-sso")
@click.argument("email")
def unlink_sso(email: str) -> None:
    """Forget the single sign-on identities of the account with EMAIL: its next sign-in with
    a provider links it again by address. For an account whose provider now gives its
    address to someone else's identity, or was registered again (a new client id)."""
    from wbl.auth import sso

    try:
        removed = sso.unlink(email)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{removed} single sign-on identities removed from {email}.")
