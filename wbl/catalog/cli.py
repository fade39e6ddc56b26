"""``flask import partners|offerings FILE`` and ``flask export partners|offerings FILE``.

The import prints every problem as ``row N: column: problem`` and exits with 1 when there is
any (nothing is imported then); it exits with 0 after a clean import or dry run. The format
of the files is documented in docs/import-formats.md.
"""

from __future__ import annotations

from pathlib import Path

import click

from wbl.catalog import imports
from wbl.errors import DomainError
from wbl.imports import reading

_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


@click.group("import")
def import_cli() -> None:
    """Import partners or offerings from a CSV or XLSX file (all rows or none)."""


@click.group("export")
def export_cli() -> None:
    """Export partners or offerings as CSV or XLSX, in the import format."""


def _run_import(what: imports.What, path: Path, dry_run: bool) -> None:
    if path.stat().st_size > reading.MAX_FILE_BYTES:
        click.echo(
            f"file: the file is larger than {reading.MAX_FILE_BYTES // 1048576} MB; "
            "split it into smaller files",
            err=True,
        )
        raise SystemExit(1)
    try:
        report = imports.import_file(what, path.read_bytes(), path.name, dry_run=dry_run)
    except DomainError as error:
        click.echo(error.message, err=True)
        raise SystemExit(1) from None
    for problem in report.problems:
        click.echo(str(problem), err=True)
    prefix = "Dry run: " if dry_run and report.ok else ""
    click.echo(prefix + report.summary)
    if not report.ok:
        raise SystemExit(1)


_DRY_RUN = click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")


@import_cli.command("partners")
@click.argument("file", type=_FILE)
@_DRY_RUN
def import_partners(file: Path, dry_run: bool) -> None:
    """Create or update partners from FILE (.csv or .xlsx), matched by external_id."""
    _run_import(imports.What.PARTNERS, file, dry_run)


@import_cli.command("offerings")
@click.argument("file", type=_FILE)
@_DRY_RUN
def import_offerings(file: Path, dry_run: bool) -> None:
    """Create or update offerings from FILE (.csv or .xlsx), matched by external_id.
    Their partners must be in the catalog already."""
    _run_import(imports.What.OFFERINGS, file, dry_run)


def _run_export(what: imports.What, path: Path) -> None:
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in {f.value for f in reading.FileFormat}:
        raise click.BadParameter("the file name must end in .csv or .xlsx", param_hint="FILE")
    exported = imports.export_catalog(what, reading.FileFormat(suffix))
    path.write_bytes(exported.data)
    click.echo(f"Wrote {exported.rows} {what.value} to {path}.")


_OUT = click.Path(dir_okay=False, writable=True, path_type=Path)


@export_cli.command("partners")
@click.argument("file", type=_OUT)
def export_partners(file: Path) -> None:
    """Write every partner to FILE (.csv or .xlsx) in the import format."""
    _run_export(imports.What.PARTNERS, file)


@export_cli.command("offerings")
@click.argument("file", type=_OUT)
def export_offerings(file: Path) -> None:
    """Write every offering to FILE (.csv or .xlsx) in the import format."""
    _run_export(imports.What.OFFERINGS, file)
