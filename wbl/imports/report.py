"""What an import found: its problems, row by row, and what it did or would do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from wbl.errors import DomainError


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, as ``row N: column: problem`` (the header is row 1). ``row`` is None
    for the file as a whole; ``file`` names it when an import reads several (the roster)."""

    row: int | None
    column: str
    message: str
    file: str = ""

    def __str__(self) -> str:
        if self.row is None:
            where = self.file or "file"
        else:
            where = f"{self.file} row {self.row}" if self.file else f"row {self.row}"
        return (
            f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


MAX_PROBLEMS_SHOWN = 500  # listed on a report page; the rest are counted, not listed


def problems_shown(problems: list[Problem]) -> dict[str, Any]:
    """A report page's problem list (the template's ``problems`` and ``hidden_problems``)."""
    return {
        "problems": problems[:MAX_PROBLEMS_SHOWN],
        "hidden_problems": max(len(problems) - MAX_PROBLEMS_SHOWN, 0),
    }


def problems_summary(problems: list[Problem], *, what: str = "file") -> str:
    """The line above the problems: nothing was imported, and what to fix."""
    count = len(problems)
    return (
        f"{count} problem{'s' if count != 1 else ''} found; nothing was imported. "
        f"Fix the {what} and try again."
    )


class ImportKind(Protocol):
    """What a file holds, as the report names it (each import has its enum)."""

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
            return problems_summary(self.problems)
        verb = " would be" if self.dry_run else ""
        noun = self.what.value if self.rows != 1 else self.what.singular
        return (
            f"{self.rows} {noun} checked: {self.created}{verb} created, "
            f"{self.updated}{verb} updated, {self.unchanged} unchanged."
        )


class ImportConflict(DomainError):
    """The database refused the writing (a unique index, a check): someone changed the same
    records meanwhile. Each import may say what changed."""

    message = (
        "The records changed while the file was being imported. Nothing was imported; try again."
    )
