"""Import and export the partner catalog as CSV or XLSX files (docs/import-formats.md).

Staff keep hundreds of partners and thousands of offerings in spreadsheets; these files are
how the catalog comes in and goes out. The rules, from the county's data-entry practice:

- All rows or none. Every row is checked first and every problem is reported (as
  ``row N: column: problem``, N being the spreadsheet row, the header being row 1); nothing
  is written unless the whole file is clean, and then in one transaction.
- Rows are matched by a stable ``external_id``: importing the same file twice changes
  nothing, and an edited file updates its rows in place. Records made in the app have no
  external id; the export names them ``wbl-partner-<id>`` / ``wbl-offering-<id>``, and an
  import matches those names back to the same records.
- A column left out of the file leaves that field as it is; a blank cell in a column that is
  there clears the field (or sets its default).
- The export writes exactly the import format, so export -> import changes nothing.
"""

from __future__ import annotations

import csv
import dataclasses
import enum
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.auth.models import User
from wbl.auth.tokens import ExpiredLink, InvalidLink, make_token, read_token
from wbl.catalog import rules
from wbl.catalog.models import INDIVIDUAL_KINDS, Offering, OfferingStatus, Partner
from wbl.clock import local_today
from wbl.errors import DomainError
from wbl.extensions import atomic, db, utcnow
from wbl.geocoding.services import UnknownZip, locate, zip_centroid
from wbl.reference.models import (
    ExperienceKind,
    ExperienceType,
    IndustrySector,
    Pathway,
    PogOutcome,
    PreparatoryActivity,
)
from wbl.storage import storage

# Limits on what is read, so that no file keeps a worker busy for long (docs/import-formats.md).
# Each is checked before the work it bounds: the file's size on upload, the workbook's unpacked
# size from its zip directory and its sheet's declared size before any row is parsed, the rest
# while the rows stream in (a sheet may not declare its size, or may understate it).
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000  # data rows (10,000 rows of a workbook take a few seconds to read)
MAX_SHEET_ROWS = 20_000  # rows of the sheet read at most, the header and blank rows included
MAX_COLUMNS = 100  # the widest import has 23 columns
MAX_XLSX_UNPACKED_BYTES = 32 * 1024 * 1024  # 10,000 exported offerings unpack to 13 MB
STAGED_MAX_AGE = 60 * 60  # seconds a checked upload waits for the user's confirmation
TOKEN_PURPOSE = "catalog-import"  # noqa: S105 - an itsdangerous salt, not a secret
LIST_SEPARATOR = ";"

Cell = str | int | float | date | None


class What(enum.StrEnum):
    PARTNERS = "partners"
    OFFERINGS = "offerings"

    @property
    def singular(self) -> str:
        return "partner" if self is What.PARTNERS else "offering"


class FileFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the file. ``row`` is None for the file as a whole."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = "file" if self.row is None else f"row {self.row}"
        return (
            f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


class ImportKind(Protocol):
    """What a file holds, as the report names it (``What`` here; other imports have theirs)."""

    @property
    def value(self) -> str: ...

    @property
    def singular(self) -> str: ...


@dataclass(slots=True)
class ImportReport:
    what: ImportKind
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        if self.problems:
            count = len(self.problems)
            return (
                f"{count} problem{'s' if count != 1 else ''} found; nothing was imported. "
                "Fix the file and try again."
            )
        verb = " would be" if self.dry_run else ""
        noun = self.what.value if self.rows != 1 else self.what.singular
        return (
            f"{self.rows} {noun} checked: {self.created}{verb} created, "
            f"{self.updated}{verb} updated, {self.unchanged} unchanged."
        )


class ImportConflict(DomainError):
    message = (
        "The catalog changed while the file was being imported (someone took a seat or "
        "added the same record). Nothing was imported; try again."
    )


# ---------------------------------------------------------------------------------------
# Columns


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    required: bool = False  # must be in the header and filled in on every row
    format: str = "text"
    example: str = ""
    notes: str = ""


PARTNER_COLUMNS: tuple[Column, ...] = (
    Column("external_id", True, "text, up to 64 characters", "P-0001",
           "Your stable id for the partner; rows are matched by it."),
    Column("name", True, "text, up to 160 characters", "Valley Community Hospital"),
    Column("sector", True, "sector code or name", "health",
           "An industry sector, by code or (any capitalisation) by name."),
    Column("street_address", False, "text, up to 200 characters", "347 Andrieux St"),
    Column("city", False, "text, up to 80 characters", "Springfield"),
    Column("zip", True, "five digits (or ZIP+4)", "95476", "Must be a known US ZIP code."),
    Column("latitude", False, "decimal degrees, -90 to 90", "38.2919",
           "With longitude: places the partner by hand. Both or neither; blank: from the ZIP."),
    Column("longitude", False, "decimal degrees, -180 to 180", "-122.4580",
           "With latitude."),
    Column("website", False, "web address, up to 300 characters", "https://www.svh.com",
           "A full address starting with https:// (or http://)."),
    Column("phone", False, "text, up to 40 characters", "707-935-5000"),
    Column("description", False, "text, up to 4,000 characters", "Community hospital."),
    Column("endorses_certificate", False, "yes / no", "yes",
           "Endorses the Work Ready Certificate. Blank: no."),
    Column("worksite_agreement_date", False, "date", "2025-08-01",
           "Signed worksite agreement; needed for individual placements."),
    Column("worksite_agreement_expiry", False, "date", "2027-07-31",
           "Not before worksite_agreement_date, which it needs."),
    Column("insurance_expiry", False, "date", "2026-12-31",
           "Liability insurance; needed for individual placements."),
    Column("active", False, "yes / no", "yes", "Blank: yes."),
)  # fmt: skip

OFFERING_COLUMNS: tuple[Column, ...] = (
    Column("external_id", True, "text, up to 64 characters", "O-0001",
           "Your stable id for the offering; rows are matched by it."),
    Column("partner_external_id", True, "text", "P-0001",
           "The partner's external_id; the partner must already be in the catalog."),
    Column("type", True, "experience type code or name", "job_shadow",
           "guest_speaker, workplace_visit, job_shadow, work_based_project, internship, or "
           "their names (\"Job shadow\")."),
    Column("title", True, "text, up to 200 characters", "Shadow an emergency nurse"),
    Column("description", False, "text, up to 6,000 characters",
           "Spend a morning in the emergency department."),
    Column("skills", False, "text, up to 2,000 characters", "Communication; patient care"),
    Column("requirements", False, "text, up to 2,000 characters", "Closed-toe shoes; TB test"),
    Column("schedule", False, "text, up to 200 characters", "Tue and Thu, 3–6 pm"),
    Column("location", False, "text, up to 200 characters", "Main campus, 2nd floor"),
    Column("zip", False, "five digits", "95476", "Blank: the partner's location."),
    Column("virtual", False, "yes / no", "no", "Blank: no."),
    Column("capacity", False,
           f"whole number, {rules.MIN_CAPACITY} to {rules.MAX_CAPACITY}", "2",
           "Seats. Blank: 1. Never below the seats already taken."),
    Column("start_date", False, "date", "2026-02-03"),
    Column("end_date", False, "date", "2026-02-03", "Not before start_date, which it needs."),
    Column("application_deadline", False, "date", "2026-01-20",
           "On or before the last day: end_date, or start_date when there is no end_date."),
    Column("minimum_age", False, f"whole number, {rules.MIN_AGE} to {rules.MAX_AGE}", "16",
           "Blank: no minimum."),
    Column("min_grade", False, "whole number, 9 to 12", "11"),
    Column("paid", False, "yes / no", "no", "Blank: no."),
    Column("expected_hours", False,
           f"whole number, {rules.MIN_EXPECTED_HOURS} to {rules.MAX_EXPECTED_HOURS:,}", "6",
           "In total. Blank: not given."),
    Column("pathways", False, "codes or names separated by ;", "health.patient_care",
           "Career pathways."),
    Column("outcomes", False, "codes or names separated by ;", "curious; communicator",
           "Portrait of a Graduate outcomes."),
    Column("prerequisites", False, "codes or names separated by ;", "workplace_safety",
           "Preparatory activities a student must have done first."),
    Column("status", False, "draft / published / closed", "published",
           "Blank: draft (new rows) or as it is. Publishing an individual experience needs "
           "the partner's worksite agreement and insurance to be current."),
)  # fmt: skip

COLUMNS: dict[What, tuple[Column, ...]] = {
    What.PARTNERS: PARTNER_COLUMNS,
    What.OFFERINGS: OFFERING_COLUMNS,
}

_GENERATED_ID = re.compile(r"^wbl-(partner|offering)-(\d+)$")
_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
_TRUE = {"yes", "y", "true", "1", "x"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP: what a spreadsheet may run
MAX_BLANK_RUN = 1000  # blank rows in a row after which the rest of a sheet is not read
_FALSE = {"no", "n", "false", "0"}


def generated_external_id(what: What, record_id: int) -> str:
    """The name the export gives a record made in the app (it has no external id)."""
    return f"wbl-{what.singular}-{record_id}"


# ---------------------------------------------------------------------------------------
# Reading files


class _FileProblem(Exception):
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
    raise _FileProblem(
        "Only .csv and .xlsx files can be imported. In Excel, use File > Save As and choose "
        "“Excel Workbook (.xlsx)” or “CSV UTF-8 (Comma delimited)”."
    )


def _clean(value: object) -> Cell:
    """Trim text; blank becomes None; Excel's typed cells keep their type."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text[:1] == "'" and text[1:2] in _FORMULA_STARTS:
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
        raise _FileProblem(
            "The file is not UTF-8 text. In Excel, use File > Save As and choose "
            "“CSV UTF-8 (Comma delimited)”, or upload the .xlsx workbook instead."
        ) from None
    if "\x00" in text:
        raise _FileProblem("The file is not a CSV text file. Check that you chose the right file.")
    first_line = text.split("\n", 1)[0]
    # Excel in some locales separates with semicolons; otherwise its standard CSV dialect.
    delimiter = ";" if "," not in first_line and ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), dialect="excel", delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as error:
        raise _FileProblem(f"The CSV file cannot be read ({error}).") from None


def _unpacked_size(data: bytes) -> int:
    """What the workbook expands to, from its zip directory (a zip member never yields more
    than the size the directory declares). 0 when it is not a zip: openpyxl then says so."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return 0


def _too_many_rows(declared: int | None = None) -> _FileProblem:
    size = (
        f"says it has {declared:,} rows" if declared else f"has more than {MAX_SHEET_ROWS:,} rows"
    )
    return _FileProblem(
        f"The sheet {size}; at most {MAX_SHEET_ROWS:,} rows are read, blank ones included. If "
        "the rows below your data are empty, delete them (or copy the data into a new "
        "workbook) and save again; otherwise split the file."
    )


def _too_many_columns(declared: int | None = None) -> _FileProblem:
    size = f"{declared:,} columns" if declared else f"more than {MAX_COLUMNS} columns"
    return _FileProblem(
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
        raise _FileProblem("The workbook is too large once unpacked. Split it into smaller files.")
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; the data is unaffected.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any failure to open untrusted input means "not an xlsx file"
        raise _FileProblem(
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
    except _FileProblem:
        raise
    except Exception:  # a damaged sheet inside a valid zip
        raise _FileProblem(
            "The workbook's first sheet cannot be read. Open it in Excel and save it again."
        ) from None
    finally:
        workbook.close()


def read_table(data: bytes, filename: str) -> Table:
    """The header and the non-blank rows of a CSV or XLSX file (first sheet): the one reader
    of every spreadsheet upload (partners, offerings, credentials, WorkKeys scores)."""
    if len(data) > MAX_FILE_BYTES:
        raise _FileProblem(
            f"The file is {len(data) / 1048576:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1048576} MB. Split it into smaller files."
        )
    if not data:
        raise _FileProblem("The file is empty.")
    fmt = file_format(filename)
    source = _read_csv(data) if fmt is FileFormat.CSV else _read_xlsx(data)
    header: list[str] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    blank_run = 0
    for number, raw in enumerate(source, start=1):
        if number > MAX_SHEET_ROWS:
            raise _too_many_rows()
        if any(v is not None and v != "" for v in raw[MAX_COLUMNS:]):
            raise _too_many_columns()
        cells = [_clean(v) for v in raw[:MAX_COLUMNS]]
        if number == 1:
            header = [str(c).lower() if c is not None else "" for c in cells]
            continue
        if all(c is None for c in cells):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN:
                break  # a sheet formatted to its last row: the data has ended
            continue
        blank_run = 0
        while cells and cells[-1] is None:
            cells.pop()
        if len(rows) >= MAX_ROWS:
            raise _FileProblem(
                f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files."
            )
        rows.append((number, cells))
    if header is None or not any(header):
        raise _FileProblem("The file has no header row. Row 1 must name the columns.")
    while header and not header[-1]:
        header.pop()
    return Table(header, rows)


# ---------------------------------------------------------------------------------------
# Checking values


class _Row:
    """One data row: typed values by column name, collecting problems instead of raising."""

    def __init__(self, number: int, values: dict[str, Cell], problems: list[Problem]) -> None:
        self.number = number
        self.values = values
        self.problems = problems
        self.ok = True
        self.bad_columns: set[str] = set()

    def problem(self, column: str, message: str) -> None:
        self.ok = False
        self.bad_columns.add(column)
        self.problems.append(Problem(self.number, column, message))

    def rule_problems(self, problems: Mapping[str, str]) -> None:
        """Report what ``rules.py`` found (field names are column names), except on a column
        whose cell could not be read at all: "not a date" says enough."""
        for column, message in problems.items():
            if column not in self.bad_columns:
                self.problem(column, message)

    def has(self, column: str) -> bool:
        return column in self.values

    def raw(self, column: str) -> Cell:
        return self.values.get(column)

    def text(self, column: str, *, max_length: int | None = None) -> str:
        value = self.raw(column)
        if value is None:
            return ""
        if isinstance(value, date):
            text = value.isoformat()
        elif isinstance(value, float) and value.is_integer():
            text = str(int(value))
        else:
            text = str(value)
        if max_length is not None and len(text) > max_length:
            self.problem(column, f"is {len(text)} characters long; at most {max_length}")
        return text

    def required_text(self, column: str, *, max_length: int) -> str:
        text = self.text(column, max_length=max_length)
        if not text:
            self.problem(column, "is required")
        return text

    def boolean(self, column: str, *, default: bool) -> bool:
        value = self.raw(column)
        if value is None:
            return default
        word = str(int(value) if isinstance(value, float | int) else value).lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        self.problem(column, f"“{value}” is not yes or no")
        return default

    def day(self, column: str) -> date | None:
        value = self.raw(column)
        if value is None:
            return None
        if isinstance(value, date):
            return value
        text = str(value)
        for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
            try:
                return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar day
            except ValueError:
                continue
        self.problem(column, f"“{text}” is not a date; write YYYY-MM-DD (or M/D/YYYY)")
        return None

    def integer(
        self, column: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        value = self.raw(column)
        if value is None:
            return None
        number: int | None = None
        if isinstance(value, int):
            number = value
        elif (isinstance(value, float) and value.is_integer()) or (
            isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value)
        ):
            number = int(value)
        if number is None:
            self.problem(column, f"“{value}” is not a whole number")
            return None
        if minimum is not None and number < minimum:
            if minimum == 0:
                self.problem(column, f"must not be negative (found {number})")
            else:
                self.problem(column, f"must be at least {minimum} (found {number})")
            return None
        if maximum is not None and number > maximum:
            self.problem(column, f"must be at most {maximum} (found {number})")
            return None
        return number

    def decimal(self, column: str) -> float | None:
        value = self.raw(column)
        if value is None:
            return None
        try:
            return float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.problem(column, f"“{value}” is not a number")
            return None

    def zip_code(self, column: str, *, required: bool) -> str:
        value = self.raw(column)
        if isinstance(value, int):
            value = f"{value:05d}"  # Excel drops the leading zero of a ZIP typed as a number
        text = self.text(column) if not isinstance(value, str) else value
        if not text:
            if required:
                self.problem(column, "is required")
            return ""
        if not _ZIP.match(text):
            self.problem(column, f"“{text}” is not a ZIP code; write five digits")
            return ""
        try:
            zip_centroid(text)
        except UnknownZip:
            self.problem(column, f"{text} is not a ZIP code we know")
            return ""
        return text


# Other imports (credentials, WorkKeys scores) check their rows with the same tools.
FileProblem = _FileProblem


class _Lookup:
    """Reference rows by code or (any capitalisation) by name; a name two rows share is refused."""

    def __init__(self, label: str, rows: Iterable[Any]) -> None:
        self.label = label
        self.by_code: dict[str, Any] = {}
        self.by_name: dict[str, Any] = {}
        ambiguous: set[str] = set()
        for row in rows:
            self.by_code[str(row.code).lower()] = row
            name = row.name.strip().lower()
            if name in self.by_name:
                ambiguous.add(name)
            self.by_name[name] = row
        for name in ambiguous:
            self.by_name[name] = None

    def find(self, row: _Row, column: str, text: str) -> Any | None:
        key = text.strip().lower()
        if key in self.by_code:
            return self.by_code[key]
        if key in self.by_name:
            found = self.by_name[key]
            if found is None:
                row.problem(column, f"“{text}” names more than one {self.label}; use its code")
            return found
        row.problem(column, f"unknown {self.label} “{text}”")
        return None

    def find_many(self, row: _Row, column: str) -> list[Any]:
        text = row.text(column)
        found: dict[int, Any] = {}
        for part in text.split(LIST_SEPARATOR):
            if part.strip():
                item = self.find(row, column, part.strip())
                if item is not None:
                    found[item.id] = item
        return list(found.values())


Row = _Row
Lookup = _Lookup


def _row_dicts(what: What, table: Table, problems: list[Problem]) -> list[_Row]:
    rows = rows_by_column(COLUMNS[what], table, problems, label=what.value)
    seen = set(table.header)
    if what is What.PARTNERS and ("latitude" in seen) != ("longitude" in seen):
        problems.append(Problem(1, "latitude", "give both latitude and longitude columns"))
        return []
    return rows


def rows_by_column(
    columns: Sequence[Column], table: Table, problems: list[Problem], *, label: str
) -> list[_Row]:
    """Check the header against ``columns``, then give each data row its values by column
    name (no rows when the header is wrong). ``label`` names the file in the docs."""
    known = {c.name for c in columns}
    seen: set[str] = set()
    for name in table.header:
        if not name:
            continue
        if name in seen:
            problems.append(Problem(1, name, "appears twice in the header"))
        elif name not in known:
            problems.append(
                Problem(1, name, f"unknown column (see docs/import-formats.md for {label})")
            )
        seen.add(name)
    for column in columns:
        if column.required and column.name not in seen:
            problems.append(Problem(1, column.name, "required column is missing from the header"))
    if problems:
        return []
    rows: list[_Row] = []
    for number, cells in table.rows:
        values: dict[str, Cell] = {}
        row = _Row(number, values, problems)
        for position, cell in enumerate(cells):
            name = table.header[position] if position < len(table.header) else ""
            if name:
                values[name] = cell
            elif cell is not None:
                row.problem(f"column {position + 1}", "a value under a column with no heading")
        for name in table.header:
            if name:
                values.setdefault(name, None)
        rows.append(row)
    return rows


def _check_external_ids(what: What, rows: list[_Row], column: str = "external_id") -> None:
    first_row: dict[str, int] = {}
    for row in rows:
        external_id = row.required_text(column, max_length=64)
        if not external_id:
            continue
        if external_id in first_row:
            row.problem(column, f"duplicate external_id “{external_id}” (also on row "
                        f"{first_row[external_id]})")  # fmt: skip
        else:
            first_row[external_id] = row.number


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(model: Any, what: What, ids: list[str]) -> dict[str, Any]:
    """Records named by the file's ids: by external id, or by the export's generated name."""
    found: dict[str, Any] = {}
    options = (
        [
            selectinload(Offering.pathways),
            selectinload(Offering.outcomes),
            selectinload(Offering.prerequisites),
        ]
        if model is Offering
        else []
    )
    for chunk in _chunks(ids):
        for record in db.session.scalars(
            select(model).where(model.external_id.in_(chunk)).options(*options)
        ):
            found[record.external_id] = record
    generated = {}
    for external_id in ids:
        match = _GENERATED_ID.match(external_id)
        if match and match.group(1) == what.singular:
            generated[int(match.group(2))] = external_id
    if generated:
        for record in db.session.scalars(
            select(model)
            .where(model.id.in_(list(generated)), model.external_id.is_(None))
            .options(*options)
        ):
            found[generated[record.id]] = record
    return found


@dataclass(slots=True)
class _Plan:
    record: Any | None  # the existing Partner/Offering, or None to create
    external_id: str
    values: dict[str, Any]
    changed: bool = True
    locate: bool = False  # a partner whose place is found from its address when saved


def _differs(record: Any, values: dict[str, Any]) -> bool:
    for name, value in values.items():
        current = getattr(record, name)
        if isinstance(value, list):
            if {item.id for item in current} != {item.id for item in value}:
                return True
        elif current != value:
            return True
    return False


def _reserved(row: _Row, what: What, external_id: str, column: str = "external_id") -> None:
    if _GENERATED_ID.match(external_id):
        row.problem(
            column,
            f"“{external_id}” looks like a name the export gives a record made in the app, "
            f"but no such {what.singular} exists; choose another external_id",
        )


class _PartnerNames:
    """Partner names (in any capitalisation) taken by the catalog or by an earlier row of the
    file: a new or renamed partner may not take one, as in the form (``manage.py``). A name a
    row leaves as it is is not checked again (imports before this rule allowed duplicates)."""

    def __init__(self) -> None:
        self.owners: dict[str, int] = {
            name.strip().lower(): partner_id
            for partner_id, name in db.session.execute(select(Partner.id, Partner.name))
        }

    def claim(self, row: _Row, record: Partner | None, name: str) -> None:
        key = name.strip().lower()
        if not key or (record is not None and record.name.strip().lower() == key):
            return
        if key in self.owners:
            row.problem("name", rules.NAME_TAKEN)
        self.owners[key] = record.id if record is not None else -row.number


def _plan_partners(rows: list[_Row]) -> list[_Plan]:
    sectors = _Lookup("sector", db.session.scalars(select(IndustrySector)))
    _check_external_ids(What.PARTNERS, rows)
    existing = _existing(Partner, What.PARTNERS, [r.text("external_id") for r in rows])
    names = _PartnerNames()
    plans: list[_Plan] = []
    for row in rows:
        external_id = row.text("external_id")
        record: Partner | None = existing.get(external_id)
        if record is None and external_id:
            _reserved(row, What.PARTNERS, external_id)
        values: dict[str, Any] = {"name": row.text("name")}
        names.claim(row, record, values["name"])
        sector_text = row.required_text("sector", max_length=200)
        if sector_text:
            sector = sectors.find(row, "sector", sector_text)
            if sector is not None:
                values["sector_id"] = sector.id
        values["zip"] = row.zip_code("zip", required=True)
        for name in ("street_address", "city", "website", "phone", "description"):
            if row.has(name):
                values[name] = row.text(name)
        if row.has("endorses_certificate"):
            values["endorses_certificate"] = row.boolean("endorses_certificate", default=False)
        if row.has("active"):
            values["active"] = row.boolean("active", default=True)
        for name in ("worksite_agreement_date", "worksite_agreement_expiry", "insurance_expiry"):
            if row.has(name):
                values[name] = row.day(name)
        latitude, longitude = _partner_coordinates(row, values)
        fields = rules.PartnerFields(
            **{name: _current(record, values, name, "") for name in rules.PARTNER_LENGTHS},
            latitude=latitude,
            longitude=longitude,
            worksite_agreement_date=_current(record, values, "worksite_agreement_date", None),
            worksite_agreement_expiry=_current(record, values, "worksite_agreement_expiry", None),
        )
        row.rule_problems(rules.partner_problems(fields))
        if row.ok:
            locating = _needs_locating(record, values)
            plan = _Plan(record, external_id, values, locate=locating)
            plan.changed = record is None or locating or _differs(record, values)
            plans.append(plan)
    return plans


def _current(record: Any | None, values: dict[str, Any], name: str, default: Any) -> Any:
    """A field as it will be after the row: the file's value, else the record's (a column
    left out of the file leaves the field as it is), else a new record's default."""
    if name in values:
        return values[name]
    return getattr(record, name) if record is not None else default


def _partner_coordinates(row: _Row, values: dict[str, Any]) -> tuple[float | None, float | None]:
    """The place the file gives by hand (both blank: from the address again)."""
    if not row.has("latitude"):
        return None, None
    latitude, longitude = row.decimal("latitude"), row.decimal("longitude")
    if latitude is not None and longitude is not None:
        values.update(latitude=latitude, longitude=longitude, coordinates_manual=True)
    elif row.raw("latitude") is None and row.raw("longitude") is None:
        values["coordinates_manual"] = False
    return latitude, longitude


def _needs_locating(record: Partner | None, values: dict[str, Any]) -> bool:
    """Whether the partner's place must be found from its address when the row is saved:
    not when placed by hand (in the file, or before and the file leaves it), and not when the
    address is the one we placed before (no new geocoder request for an unchanged row)."""
    if values.get("coordinates_manual"):
        return False
    if record is None:
        return True
    if record.coordinates_manual:
        return "coordinates_manual" in values  # the file clears the hand-placed point
    return record.latitude is None or any(
        getattr(record, name) != values.get(name, getattr(record, name))
        for name in ("street_address", "city", "zip")
    )


def _locate(record: Partner) -> None:
    where = locate(zip_code=record.zip, street=record.street_address, city=record.city)
    record.latitude, record.longitude = where.latitude, where.longitude
    record.coordinates_manual = False


def _kind_lookup() -> dict[str, ExperienceKind]:
    names: dict[str, ExperienceKind] = {}
    for kind in ExperienceKind:
        names[kind.value] = kind
        names[kind.value.replace("_", " ")] = kind
    for experience_type in db.session.scalars(select(ExperienceType)):
        names[experience_type.name.strip().lower()] = experience_type.code
    return names


@dataclass(frozen=True, slots=True)
class _OfferingContext:
    """What every row of an offerings file is checked against, read once per file."""

    pathways: _Lookup
    outcomes: _Lookup
    activities: _Lookup
    kinds: dict[str, ExperienceKind]
    existing: dict[str, Offering]
    partners: dict[str, Partner]
    today: date


# A new offering's fields before the row sets them (a blank capacity is one seat).
_OFFERING_DEFAULTS: dict[str, Any] = {
    **{f.name: f.default for f in dataclasses.fields(rules.OfferingFields)},
    "capacity": 1,
}


def _plan_offerings(rows: list[_Row]) -> list[_Plan]:
    _check_external_ids(What.OFFERINGS, rows)
    partner_ids = sorted({r.text("partner_external_id") for r in rows} - {""})
    context = _OfferingContext(
        pathways=_Lookup("pathway", db.session.scalars(select(Pathway))),
        outcomes=_Lookup("outcome", db.session.scalars(select(PogOutcome))),
        activities=_Lookup("preparatory activity", db.session.scalars(select(PreparatoryActivity))),
        kinds=_kind_lookup(),
        existing=_existing(Offering, What.OFFERINGS, [r.text("external_id") for r in rows]),
        partners=_existing(Partner, What.PARTNERS, partner_ids),
        today=local_today(),
    )
    plans = (_plan_offering(row, context) for row in rows)
    return [plan for plan in plans if plan is not None]


def _plan_offering(row: _Row, context: _OfferingContext) -> _Plan | None:
    """The change one row makes, or None when the row has a problem (reported on the row)."""
    external_id = row.text("external_id")
    record = context.existing.get(external_id)
    if record is None and external_id:
        _reserved(row, What.OFFERINGS, external_id)
    values: dict[str, Any] = {"title": row.text("title")}
    partner = _offering_partner(row, context.partners, values)
    kind = _offering_kind(row, context.kinds, values)
    for name in ("description", "skills", "requirements", "schedule", "location"):
        if row.has(name):
            values[name] = row.text(name)
    if row.has("zip"):
        _offering_zip(row, record, values)
    if row.has("virtual"):
        values["is_virtual"] = row.boolean("virtual", default=False)
    if row.has("paid"):
        values["paid"] = row.boolean("paid", default=False)
    _offering_numbers(row, record, values)
    for name in ("start_date", "end_date", "application_deadline"):
        if row.has(name):
            values[name] = row.day(name)
    for column, lookup in (
        ("pathways", context.pathways),
        ("outcomes", context.outcomes),
        ("prerequisites", context.activities),
    ):
        if row.has(column):
            values[column] = lookup.find_many(row, column)
    status = _status(row, record)
    if status is not None:
        values["status"] = status
    fields = {name: _current(record, values, name, default)
              for name, default in _OFFERING_DEFAULTS.items()}  # fmt: skip
    row.rule_problems(rules.offering_problems(rules.OfferingFields(**fields)))
    _check_publishing(row, record, partner, kind, values, context.today)
    if not row.ok:
        return None
    plan = _Plan(record, external_id, values)
    plan.changed = record is None or _differs(record, values)
    return plan


def _offering_partner(
    row: _Row, partners: dict[str, Partner], values: dict[str, Any]
) -> Partner | None:
    partner_key = row.required_text("partner_external_id", max_length=64)
    partner = partners.get(partner_key)
    if partner_key and partner is None:
        row.problem(
            "partner_external_id",
            f"no partner with external_id “{partner_key}”; import the partners file first",
        )
    elif partner is not None:
        values["partner_id"] = partner.id
    return partner


def _offering_kind(
    row: _Row, kinds: dict[str, ExperienceKind], values: dict[str, Any]
) -> ExperienceKind | None:
    kind_text = row.required_text("type", max_length=60)
    kind = kinds.get(kind_text.lower()) if kind_text else None
    if kind_text and kind is None:
        row.problem("type", f"unknown experience type “{kind_text}”")
    if kind is not None:
        values["kind"] = kind
    return kind


def _offering_zip(row: _Row, record: Offering | None, values: dict[str, Any]) -> None:
    zip_code = row.zip_code("zip", required=False)
    values["zip"] = zip_code
    # A new ZIP moves the offering to its centre; the same ZIP keeps where it is.
    if record is None or record.zip != zip_code or (zip_code and record.latitude is None):
        centre = zip_centroid(zip_code) if zip_code else None
        values["latitude"] = centre.latitude if centre else None
        values["longitude"] = centre.longitude if centre else None


def _offering_numbers(row: _Row, record: Offering | None, values: dict[str, Any]) -> None:
    """Whole numbers as the file gives them (their bounds are ``rules.py``'s); a blank
    capacity is one seat, and capacity never drops below the seats already taken."""
    if row.has("capacity"):
        capacity = row.integer("capacity") if row.raw("capacity") is not None else 1
        if capacity is not None:
            if record is not None and capacity < record.seats_taken:
                row.problem(
                    "capacity",
                    f"{capacity} is below the {record.seats_taken} seats already taken",
                )
            values["capacity"] = capacity
    for name in ("minimum_age", "min_grade", "expected_hours"):
        if row.has(name):
            values[name] = row.integer(name)


def _check_publishing(
    row: _Row,
    record: Offering | None,
    partner: Partner | None,
    kind: ExperienceKind | None,
    values: dict[str, Any],
    today: date,
) -> None:
    """Publishing an individual placement needs its partner's agreement and insurance."""
    effective_kind = kind or (record.kind if record else None)
    publishing = values.get("status") is OfferingStatus.PUBLISHED and (
        record is None or record.status is not OfferingStatus.PUBLISHED
    )
    if publishing and partner is not None and effective_kind in INDIVIDUAL_KINDS:
        problems = partner.compliance_problems(today)
        if problems:
            row.problem("status", f"cannot publish: {partner.name} has " + " and ".join(problems))


_IMPORTABLE_STATUSES = {OfferingStatus.DRAFT, OfferingStatus.PUBLISHED, OfferingStatus.CLOSED}


def _status(row: _Row, record: Offering | None) -> OfferingStatus | None:
    if not row.has("status"):
        return None
    text = row.text("status").lower()
    if not text:
        return record.status if record is not None else OfferingStatus.DRAFT
    try:
        status = OfferingStatus(text)
    except ValueError:
        status = None
    # A proposal still in review keeps its status through an export -> import round trip.
    if status is None or (
        status not in _IMPORTABLE_STATUSES and (record is None or record.status is not status)
    ):
        row.problem("status", f"“{text}” is not draft, published or closed")
        return None
    return status


# ---------------------------------------------------------------------------------------
# The import service


@atomic
def import_file(what: What, data: bytes, filename: str, *, dry_run: bool) -> ImportReport:
    """Check a partners or offerings file and, unless ``dry_run`` or any row is wrong,
    create or update its rows in one transaction. Problems are in the report, not raised."""
    report = ImportReport(what=what, dry_run=dry_run)
    try:
        table = read_table(data, filename)
    except _FileProblem as problem:
        report.problems.append(Problem(None, "", problem.message))
        return report
    rows = _row_dicts(what, table, report.problems)
    report.rows = len(rows)
    if report.problems:
        return report
    with db.session.no_autoflush:
        plans = _plan_partners(rows) if what is What.PARTNERS else _plan_offerings(rows)
    report.problems.sort(key=lambda p: p.row or 0)
    report.created = sum(1 for p in plans if p.record is None)
    report.updated = sum(1 for p in plans if p.record is not None and p.changed)
    report.unchanged = sum(1 for p in plans if p.record is not None and not p.changed)
    if report.problems or dry_run:
        return report  # checking reads only: nothing to undo
    _apply(what, plans)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ImportConflict() from None
    return report


def _apply(what: What, plans: list[_Plan]) -> None:
    now = utcnow()
    for plan in plans:
        if not plan.changed:
            continue
        if what is What.PARTNERS:
            partner: Partner = plan.record or Partner(external_id=plan.external_id)
            for name, value in plan.values.items():
                setattr(partner, name, value)
            if plan.locate:
                _locate(partner)
            db.session.add(partner)
            continue
        offering: Offering = plan.record or Offering(
            external_id=plan.external_id,
            capacity=1,
            seats_taken=0,
            status=OfferingStatus.DRAFT,
        )
        was_published = plan.record is not None and offering.status is OfferingStatus.PUBLISHED
        for name, value in plan.values.items():
            setattr(offering, name, value)
        if offering.status is OfferingStatus.PUBLISHED and not was_published:
            offering.published_at = now
        db.session.add(offering)


# ---------------------------------------------------------------------------------------
# Web uploads: checked first, imported on confirmation


@dataclass(frozen=True, slots=True)
class StagedImport:
    report: ImportReport
    token: str | None  # set when the dry run was clean: what the confirm form carries


def stage_upload(actor: User, what: What, data: bytes, filename: str) -> StagedImport:
    """Dry-run an uploaded file; when it is clean, keep its bytes in storage and give a
    signed token (bound to the user, expiring) that lets the user import exactly them."""
    report = import_file(what, data, filename, dry_run=True)
    return stage_checked(actor, TOKEN_PURPOSE, report, data, filename, what=what.value)


def stage_checked(
    actor: User, purpose: str, report: ImportReport, data: bytes, filename: str, **extra: str
) -> StagedImport:
    """After a clean dry run, keep the file's bytes in storage and give a signed token (bound
    to the user and ``purpose``, expiring) that lets the user import exactly them."""
    if not report.ok:
        return StagedImport(report, None)
    fmt = file_format(filename)
    key = storage().save(data, folder="imports", extension=fmt.value)
    token = make_token(purpose, {**extra, "key": key, "format": fmt.value, "user": actor.id})
    return StagedImport(report, token)


class StagedImportGone(DomainError):
    message = "That upload is no longer available. Upload the file again."


def confirm_upload(actor: User, token: str) -> ImportReport:
    """Import a file the user checked before. The bytes are read back from storage (never
    from the browser) and checked again, since the catalog may have changed meanwhile."""
    staged = read_staged(actor, TOKEN_PURPOSE, token)
    what = staged.payload.get("what")
    if what not in {w.value for w in What}:
        raise StagedImportGone("This confirmation is not valid. Upload the file again.")
    report = import_file(What(str(what)), staged.data, staged.filename, dry_run=False)
    if report.ok:
        storage().delete(staged.key)
    return report


@dataclass(frozen=True, slots=True)
class StagedFile:
    key: str  # in storage; delete it once imported
    data: bytes
    filename: str  # "upload.csv" or "upload.xlsx"
    payload: dict[str, Any]


def read_staged(actor: User, purpose: str, token: str) -> StagedFile:
    """The bytes a token from ``stage_checked`` names, for the same user and purpose."""
    try:
        payload = read_token(purpose, token, max_age=STAGED_MAX_AGE)
    except ExpiredLink:
        raise StagedImportGone(
            "The check of that file has expired (after an hour). Upload the file again."
        ) from None
    except InvalidLink:
        raise StagedImportGone("This confirmation is not valid. Upload the file again.") from None
    key, fmt = payload.get("key"), payload.get("format")
    if (
        payload.get("user") != actor.id
        or not isinstance(key, str)
        or fmt not in {f.value for f in FileFormat}
    ):
        raise StagedImportGone("This confirmation is not valid. Upload the file again.")
    try:
        data = storage().read(key)
    except DomainError:
        raise StagedImportGone() from None
    return StagedFile(key, data, f"upload.{fmt}", payload)


# ---------------------------------------------------------------------------------------
# Export


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _codes(items: Iterable[Any]) -> str:
    return f"{LIST_SEPARATOR} ".join(sorted(str(item.code) for item in items))


def _partner_row(partner: Partner) -> list[Cell]:
    manual = partner.coordinates_manual and partner.latitude is not None
    return [
        partner.external_id or generated_external_id(What.PARTNERS, partner.id),
        partner.name,
        partner.sector.code,
        partner.street_address,
        partner.city,
        partner.zip,
        partner.latitude if manual else None,
        partner.longitude if manual else None,
        partner.website,
        partner.phone,
        partner.description,
        _yes_no(partner.endorses_certificate),
        partner.worksite_agreement_date,
        partner.worksite_agreement_expiry,
        partner.insurance_expiry,
        _yes_no(partner.active),
    ]


def _offering_row(offering: Offering) -> list[Cell]:
    partner = offering.partner
    return [
        offering.external_id or generated_external_id(What.OFFERINGS, offering.id),
        partner.external_id or generated_external_id(What.PARTNERS, partner.id),
        offering.kind.value,
        offering.title,
        offering.description,
        offering.skills,
        offering.requirements,
        offering.schedule,
        offering.location,
        offering.zip,
        _yes_no(offering.is_virtual),
        offering.capacity,
        offering.start_date,
        offering.end_date,
        offering.application_deadline,
        offering.minimum_age,
        offering.min_grade,
        _yes_no(offering.paid),
        offering.expected_hours,
        _codes(offering.pathways),
        _codes(offering.outcomes),
        _codes(offering.prerequisites),
        offering.status.value,
    ]


def _export_rows(what: What) -> Iterator[list[Cell]]:
    if what is What.PARTNERS:
        partners = db.session.scalars(
            select(Partner).options(selectinload(Partner.sector)).order_by(Partner.id)
        )
        return (_partner_row(p) for p in partners)
    offerings = db.session.scalars(
        select(Offering)
        .options(
            selectinload(Offering.partner),
            selectinload(Offering.pathways),
            selectinload(Offering.outcomes),
            selectinload(Offering.prerequisites),
        )
        .order_by(Offering.id)
    )
    return (_offering_row(o) for o in offerings)


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


def export_catalog(what: What, fmt: FileFormat) -> ExportFile:
    """Every partner or offering in the import format (a read: nothing is written)."""
    header = [c.name for c in COLUMNS[what]]
    rows = list(_export_rows(what))
    writer: Callable[[list[str], list[list[Cell]]], bytes] = (
        csv_bytes if fmt is FileFormat.CSV else xlsx_bytes
    )
    return ExportFile(writer(header, rows), f"{what.value}.{fmt.value}", MIMETYPES[fmt], len(rows))


def _csv_text(value: object) -> str:
    """Text as written to CSV. Text that Excel would run as a formula (=, +, -, @ first) gets
    a leading apostrophe, OWASP's guard against CSV injection; the import takes it off."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
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
