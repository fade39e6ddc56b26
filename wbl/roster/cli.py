"""``flask roster import PATH [--dry-run]``: import a OneRoster bundle (a folder or a .zip).

Every problem is printed as ``FILE row N: column: problem`` and the command exits with 1,
having changed nothing; otherwise it prints one line per entity (``users: N created, N
updated, N unchanged, N deactivated``) and exits with 0. The mapping is documented in
docs/import-formats.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from wbl.errors import DomainError
from wbl.roster import imports

STEPS = (
    "reading the files",
    "checking orgs",
    "checking users",
    "checking guardians and demographics",
    "checking classes and enrollments",
    "writing orgs",
    "writing users",
    "writing student profiles",
    "writing guardians and demographics",
    "writing classes and enrollments",
    "saving",
)


def _shown(step: str | None) -> str | None:
    return step


@click.group("roster")
def roster_cli() -> None:
    """Import the roster from the student information system (OneRoster 1.1 or 1.2 CSV)."""


@roster_cli.command("import")
@click.argument("path", type=click.Path(exists=True, readable=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the files and report; write nothing.")
def import_command(path: Path, dry_run: bool) -> None:
    """Import the OneRoster bundle at PATH (a folder holding manifest.csv, or a .zip):
    districts, schools, students, teachers, guardians, demographics, classes, enrollments.
    All or nothing; importing the same files again changes nothing."""
    with click.progressbar(
        length=len(STEPS),
        label="Importing the roster" if not dry_run else "Checking the roster",
        file=sys.stderr,
        item_show_func=_shown,
    ) as bar:

        def progress(step: str) -> None:
            bar.update(1, step)

        try:
            report = imports.import_roster(path, dry_run=dry_run, progress=progress)
        except DomainError as error:
            click.echo(error.message, err=True)
            raise SystemExit(1) from None
    for problem in report.problems:
        click.echo(str(problem), err=True)
    if not report.ok:
        click.echo(report.summary, err=True)
        raise SystemExit(1)
    if dry_run:
        click.echo(f"Dry run (OneRoster {report.version}): nothing was changed.")
    for line in report.lines():
        click.echo(line)
    for note in report.notes:
        click.echo(note)
