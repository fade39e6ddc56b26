"""``flask import partners|offerings FILE`` and ``flask export partners|offerings FILE``."""

from __future__ import annotations

import click


@click.group("import")
def import_cli() -> None:
    """Import partners or offerings from a CSV or XLSX file (all rows or none)."""


@click.group("export")
def export_cli() -> None:
    """Export partners or offerings as CSV or XLSX, in the import format."""
