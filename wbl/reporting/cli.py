"""``flask report calpads-wblr --year 2026-2027 [--district ID] --out FILE [--leave-out N]``.

Writes the CALPADS WBLR file of the year (every district, or one). Records CALPADS would
refuse are listed on stderr with why; when there are any, nothing is written unless
``--leave-out`` gives their number (the file then holds the others). Exits 1 on a refusal.
"""

from __future__ import annotations

from pathlib import Path

import click

from wbl.errors import DomainError
from wbl.reporting import services
from wbl.reporting.wblr import build_report, parse_year


@click.group("report")
def report_cli() -> None:
    """State reports."""


@report_cli.command("calpads-wblr")
@click.option("--year", required=True, help='The school year, e.g. "2026-2027" (July 1–June 30).')
@click.option("--district", "district_id", type=int, help="One district's id (default: all).")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The file."
)
@click.option(
    "--leave-out",
    type=int,
    help="Write the file without the records that cannot be reported: their number.",
)
def calpads_wblr(year: str, district_id: int | None, out: Path, leave_out: int | None) -> None:
    """Write the CALPADS Work-Based Learning (WBLR) file, caret-delimited."""
    try:
        report = build_report(None, parse_year(year), district_id)
        for record in report.left_out:
            for issue in record.issues:
                internship = record.values["internship_id"]
                click.echo(
                    f"left out: {record.school_name}, {record.student_name} (student "
                    f"{record.student_id}), type {record.wbl_type}"
                    f"{' ' + internship if internship else ''}: {issue.message}",
                    err=True,
                )
        exported = services.checked_export(report, leave_out)
    except DomainError as error:
        click.echo(error.message, err=True)
        raise SystemExit(1) from None
    out.write_bytes(exported.data)
    left = len(exported.report.left_out)
    tail = f" ({left} left out: listed above)" if left else ""
    click.echo(f"Wrote {len(exported.report.valid)} WBLR records for {year} to {out}{tail}.")
