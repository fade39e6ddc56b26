"""The rows of an import: the columns it declares, each row's values by column name read as
text, yes/no, dates, whole numbers, decimals and ZIP codes, and the lookups of reference rows
by code or name. A value that cannot be read is a problem on its row (``row N: column:
problem``), never an exception: every problem of the file is reported at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from wbl.imports.reading import Cell, Table
from wbl.imports.report import Problem

LIST_SEPARATOR = ";"
_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"no", "n", "false", "0"}

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    required: bool = False  # must be in the header and filled in on every row
    format: str = "text"
    example: str = ""
    notes: str = ""


class Row:
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

    def present(self, values: dict[str, Any], read: Callable[[str], Any], *columns: str) -> None:
        """Each of ``columns`` the file has, read into ``values`` under its name: a column
        left out of the file leaves its field as it is."""
        for column in columns:
            if column in self.values:
                values[column] = read(column)

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
            number = None if isinstance(value, date) else float(value)  # a date is no number
        except ValueError:
            number = None
        if number is None:
            self.problem(column, f"“{value}” is not a number")
        return number

    def zip_code(self, column: str, *, required: bool, known: Callable[[str], bool]) -> str:
        """Five digits (or ZIP+4) that ``known`` (the geocoding table) can place."""
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
        if not known(text):
            self.problem(column, f"{text} is not a ZIP code we know")
            return ""
        return text


class Lookup:
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

    def find(self, row: Row, column: str, text: str) -> Any | None:
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

    def find_required(self, row: Row, column: str, *, max_length: int) -> Any | None:
        """The row named by a column that must be filled in."""
        text = row.required_text(column, max_length=max_length)
        return self.find(row, column, text) if text else None

    def find_many(self, row: Row, column: str) -> list[Any]:
        text = row.text(column)
        found: dict[int, Any] = {}
        for part in text.split(LIST_SEPARATOR):
            if part.strip():
                item = self.find(row, column, part.strip())
                if item is not None:
                    found[item.id] = item
        return list(found.values())


def rows_by_column(
    columns: Sequence[Column], table: Table, problems: list[Problem], *, label: str
) -> list[Row]:
    """Check the header against ``columns``, then give each data row its values by column
    name (no rows when the header is wrong). ``label`` names the file in the docs."""
    problems.extend(_header_problems(columns, table.header, label))
    if problems:
        return []
    return [_row(number, cells, table.header, problems) for number, cells in table.rows]


def _header_problems(columns: Sequence[Column], header: list[str], label: str) -> list[Problem]:
    known = {c.name for c in columns}
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in header:
        if not name:
            continue
        if name in seen:
            problems.append(Problem(1, name, "appears twice in the header"))
        elif name not in known:
            problems.append(
                Problem(1, name, f"unknown column (see docs/import-formats.md for {label})")
            )
        seen.add(name)
    problems.extend(
        Problem(1, column.name, "required column is missing from the header")
        for column in columns
        if column.required and column.name not in seen
    )
    return problems


def _row(number: int, cells: list[Cell], header: list[str], problems: list[Problem]) -> Row:
    values: dict[str, Cell] = {}
    row = Row(number, values, problems)
    for position, cell in enumerate(cells):
        name = header[position] if position < len(header) else ""
        if name:
            values[name] = cell
        elif cell is not None:
            row.problem(f"column {position + 1}", "a value under a column with no heading")
    for name in header:
        if name:
            values.setdefault(name, None)
    return row


class FirstRows(Generic[K]):
    """The row each key was first seen on, to name it when a later row repeats the key."""

    def __init__(self) -> None:
        self.rows: dict[K, int] = {}

    def earlier(self, key: K, row: Row) -> int | None:
        """The earlier row with ``key``, or None (and ``row`` is now the first)."""
        first = self.rows.setdefault(key, row.number)
        return first if first != row.number else None
