"""``flask backup create DIR``, ``backup verify DIR``, ``backup restore DIR [--force]``.

Each prints what it did, or one message saying why it did nothing, and exits with 1 then.
The restore drill: docs/backups.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from wbl.backups import services
from wbl.errors import DomainError

FOLDER = click.Path(file_okay=False, path_type=Path)


@click.group("backup")
def backup_cli() -> None:
    """Back up and restore the database, the uploaded files and the badge signing key."""


def _run(action: Callable[[], services.Summary]) -> None:
    try:
        summary = action()
    except DomainError as error:
        raise click.ClickException(error.message) from None
    for line in summary.lines:
        click.echo(line)


@backup_cli.command("create")
@click.argument("folder", type=FOLDER)
def create_command(folder: Path) -> None:
    """Write a backup into FOLDER, a new (or empty) folder. A finished backup is renamed into
    place, so FOLDER never holds half of one."""
    _run(lambda: services.create_backup(folder))


@backup_cli.command("verify")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def verify_command(folder: Path) -> None:
    """Read every file of the backup in FOLDER and check it against the manifest."""

    def verify() -> services.Summary:
        manifest = services.verify_backup(folder)
        return services.Summary(
            [
                f"The backup in {folder} is complete: {len(manifest.files):,} files as written "
                f"on {manifest.created_at}",
                f"  database: {manifest.database}, migration {manifest.revision}, "
                f"{len(manifest.tables)} tables, {manifest.rows:,} rows",
                f"  uploaded files: {len(manifest.uploads):,}; "
                f"badge signing key: {'yes' if manifest.key else 'no'}",
            ]
        )

    _run(verify)


@backup_cli.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace what the database, upload folder and key file hold (refused without it).",
)
def restore_command(folder: Path, force: bool) -> None:
    """Restore the backup in FOLDER into the configured database (empty: a new one made with
    createdb), upload folder and badge key file, then compare every table's row count."""
    _run(lambda: services.restore_backup(folder, force=force))
