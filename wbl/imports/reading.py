"""Reading a spreadsheet upload: the header and rows of a CSV or XLSX file (its first sheet),
within caps that keep a worker from being busy for long (docs/import-formats.md).

Each cap is checked before the work it bounds: the file's size on upload, the workbook's
unpacked size from its zip directory and its sheet's declared size before any row is parsed,
the rest while the rows stream in (a sheet may not declare its size, or may understate it).
A file that cannot be read raises ``FileProblem``, whose message says what to do.
"""

from __future__ import annotations

import csv
import enum
import io
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000  # data rows (10,000 rows of a workbook take a few seconds to read)
MAX_SHEET_ROWS = 20_000  # rows of the sheet read at most, the header and blank rows included
MAX_COLUMNS = 100  # the widest import has 23 columns
MAX_XLSX_UNPACKED_BYTES = 32 * 1024 * 1024  # 10,000 exported offerings unpack to 13 MB
MAX_BLANK_RUN = 1000  # blank rows in a row after which the rest of a sheet is not read
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP: what a spreadsheet may run

Cell = str | int | float | date | None


class FileFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class FileProblem(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(slots=True)
class Table:
    header: list[str]  # normalised names; "" for a blank heading
    rows: list[tuple[int, list[Cell]]]  # (spreadsheet row number, cells)


def file_format(filename: str) -> FileFormat:
    """CSV or XLSX, decided by the file name's extension."""
    lower = filename.lower().strip()
    if lower.endswith(".csv"):
        return FileFormat.CSV
    if lower.endswith(".xlsx"):
        return FileFormat.XLSX
    raise FileProblem(
        "Only .csv and .xlsx files can be imported. In Excel, use File > Save As and choose "
        "“Excel Workbook (.xlsx)” or “CSV UTF-8 (Comma delimited)”."
    )


def _clean(value: object) -> Cell:
    """Trim text; blank becomes None; Excel's typed cells keep their type."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text[:1] == "'" and text[1:2] in FORMULA_STARTS:
            text = text[1:]  # the export's guard against spreadsheet formulas (see _csv_text)
        return text or None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, int | float | date):
        return value
    text = str(value).strip()
    return text or None


def _read_csv(data: bytes) -> Iterator[list[object]]:
    try:
        text = data.decode("utf-8-sig")  # the BOM Excel writes is dropped, if there is one
    except UnicodeDecodeError:
        raise FileProblem(
            "The file is not UTF-8 text. In Excel, use File > Save As and choose "
            "“CSV UTF-8 (Comma delimited)”, or upload the .xlsx workbook instead."
        ) from None
    if "\x00" in text:
        raise FileProblem("The file is not a CSV text file. Check that you chose the right file.")
    first_line = text.split("\n", 1)[0]
    # Excel in some locales separates with semicolons; otherwise its standard CSV dialect.
    delimiter = ";" if "," not in first_line and ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), dialect="excel", delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as error:
        raise FileProblem(f"The CSV file cannot be read ({error}).") from None


def _unpacked_size(data: bytes) -> int:
    """What the workbook expands to, from its zip directory (a zip member never yields more
    than the size the directory declares). 0 when it is not a zip: openpyxl then says so."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return 0


def _too_many_rows(declared: int | None = None) -> FileProblem:
    size = (
        f"says it has {declared:,} rows" if declared else f"has more than {MAX_SHEET_ROWS:,} rows"
    )
    return FileProblem(
        f"The sheet {size}; at most {MAX_SHEET_ROWS:,} rows are read, blank ones included. If "
        "the rows below your data are empty, delete them (or copy the data into a new "
        "workbook) and save again; otherwise split the file."
    )


def _too_many_columns(declared: int | None = None) -> FileProblem:
    size = f"{declared:,} columns" if declared else f"more than {MAX_COLUMNS} columns"
    return FileProblem(
        f"The sheet is {size} wide; at most {MAX_COLUMNS} are read. Delete the columns right "
        "of your data, or copy the data into a new workbook."
    )


def _read_xlsx(data: bytes) -> Iterator[list[object]]:
    """The first sheet's rows, streamed (openpyxl read-only). Each is cut at ``MAX_COLUMNS + 1``
    values, so that one styled cell at column 16,384 of every row costs nothing: a sheet
    wider than the limit is refused by its declared size, or by a value in the first column
    past it (what lies further right in a sheet that declares no size is not read)."""
    from openpyxl import load_workbook

    if _unpacked_size(data) > MAX_XLSX_UNPACKED_BYTES:
        raise FileProblem("The workbook is too large once unpacked. Split it into smaller files.")
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; the data is unaffected.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any failure to open untrusted input means "not an xlsx file"
        raise FileProblem(
            "The file is not a readable Excel workbook (.xlsx). Open it in Excel and save it "
            "again as “Excel Workbook (.xlsx)”, or upload a CSV file."
        ) from None
    try:
        sheet = workbook.worksheets[0]
        # The size the sheet declares, before a row is parsed: a small file may claim
        # millions of rows, and openpyxl would hand back every one of them.
        if (sheet.max_row or 0) > MAX_SHEET_ROWS:
            raise _too_many_rows(sheet.max_row)
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise _too_many_columns(sheet.max_column)
        # Then read what is there, not what was declared (a sheet may understate its size).
        sheet.reset_dimensions()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for values in sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True):
                yield list(values)
    except FileProblem:
        raise
    except Exception:  # a damaged sheet inside a valid zip
        raise FileProblem(
            "The workbook's first sheet cannot be read. Open it in Excel and save it again."
        ) from None
    finally:
        workbook.close()


def read_table(data: bytes, filename: str) -> Table:
    """The header and the non-blank rows of a CSV or XLSX file (first sheet): the one reader
    of every spreadsheet upload (partners, offerings, credentials, WorkKeys scores)."""
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(
            f"The file is {len(data) / 1048576:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1048576} MB. Split it into smaller files."
        )
    if not data:
        raise FileProblem("The file is empty.")
    fmt = file_format(filename)
    lines = _capped(_read_csv(data) if fmt is FileFormat.CSV else _read_xlsx(data))
    first = next(lines, None)
    header = [str(c).lower() if c is not None else "" for c in first[1]] if first else []
    rows: list[tuple[int, list[Cell]]] = []
    for number, cells in _data_rows(lines):
        if len(rows) >= MAX_ROWS:
            raise FileProblem(
                f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files."
            )
        rows.append((number, cells))
    if not any(header):
        raise FileProblem("The file has no header row. Row 1 must name the columns.")
    while header and not header[-1]:
        header.pop()
    return Table(header, rows)


def _capped(source: Iterator[list[object]]) -> Iterator[tuple[int, list[Cell]]]:
    """Each row numbered (from 1) and cleaned; past the sheet's row or column cap, refused."""
    for number, raw in enumerate(source, start=1):
        if number > MAX_SHEET_ROWS:
            raise _too_many_rows()
        if any(v is not None and v != "" for v in raw[MAX_COLUMNS:]):
            raise _too_many_columns()
        yield number, [_clean(v) for v in raw[:MAX_COLUMNS]]


def _data_rows(lines: Iterator[tuple[int, list[Cell]]]) -> Iterator[tuple[int, list[Cell]]]:
    """The rows that hold anything, without their trailing blank cells. A long run of blank
    rows ends the data (a sheet formatted to its last row)."""
    blank_run = 0
    for number, cells in lines:
        if all(c is None for c in cells):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN:
                return
            continue
        blank_run = 0
        while cells and cells[-1] is None:
            cells.pop()
        yield number, cells
