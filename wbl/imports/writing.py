"""Writing spreadsheets: the exports write exactly their import's format, as CSV or XLSX, with
text a spreadsheet would run as a formula disarmed (the reader takes the guard off again)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from wbl.imports.reading import FORMULA_STARTS, FileFormat


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


@dataclass(frozen=True, slots=True)
class ExportFile:
    data: bytes
    filename: str
    mimetype: str
    rows: int


MIMETYPES = {
    FileFormat.CSV: "text/csv",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_file(
    name: str, fmt: FileFormat, header: list[str], rows: Sequence[Sequence[object]]
) -> ExportFile:
    """An export named ``name.csv`` or ``name.xlsx``: the header, then the rows."""
    data = csv_bytes(header, rows) if fmt is FileFormat.CSV else xlsx_bytes(header, rows)
    return ExportFile(data, f"{name}.{fmt.value}", MIMETYPES[fmt], len(rows))


def _csv_text(value: object) -> str:
    """Text as written to CSV. Text that Excel would run as a formula (=, +, -, @ first) gets
    a leading apostrophe, OWASP's guard against CSV injection; the import takes it off."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


def csv_bytes(header: list[str], rows: Sequence[Sequence[object]]) -> bytes:
    """A CSV file for spreadsheets: a header row, formulas disarmed, UTF-8 with a BOM (the
    catalog export and the experience logs write theirs with it)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, dialect="excel")
    writer.writerow(header)
    writer.writerows([_csv_text(v) for v in row] for row in rows)
    # With a BOM, Excel opens the file as UTF-8 (accents and dashes survive).
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(
    header: list[str],
    rows: Sequence[Sequence[object]],
    *,
    sheet_name: str = "catalog",
    number_formats: Mapping[int, str] | None = None,
) -> bytes:
    """An Excel workbook with the same guard as the CSV: text is always a text cell, and text
    a spreadsheet would run as a formula gets a leading apostrophe (the import takes it off).
    ``number_formats`` formats columns by position (e.g. money as ``#,##0.00``)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    formats = number_formats or {}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append(header)
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            cell = WriteOnlyCell(sheet, value=_csv_text(value) if isinstance(value, str) else value)
            if i in formats:
                cell.number_format = formats[i]
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
