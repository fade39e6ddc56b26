"""One import, all rows or none: read the file, check its header and every row, report every
problem, and write only a clean file, in one transaction (a dry run writes nothing).

An import gives its columns and its per-row rules (``plan``); everything else is here, the
same for every spreadsheet."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import IntegrityError

from wbl.extensions import atomic, db
from wbl.imports.reading import FileProblem, read_table
from wbl.imports.report import ImportConflict, ImportReport, Problem
from wbl.imports.rows import Column, Row, rows_by_column
from wbl.imports.tally import count_conflict, count_import


@dataclass(frozen=True, slots=True)
class Planned:
    """What a checked file would do: the counts of the report, and how to write it."""

    apply: Callable[[], None]
    created: int
    updated: int = 0
    unchanged: int = 0


class Change(Protocol):
    """One row's change: to the ``record`` it names (None: a new one), if ``changed``."""

    @property
    def record(self) -> Any | None: ...

    @property
    def changed(self) -> bool: ...


C = TypeVar("C", bound=Change)


def planned_changes(changes: list[C], apply: Callable[[list[C]], None]) -> Planned:
    """The counts of rows that create, update or leave a record, and how to write them."""
    return Planned(
        lambda: apply(changes),
        created=sum(1 for c in changes if c.record is None),
        updated=sum(1 for c in changes if c.record is not None and c.changed),
        unchanged=sum(1 for c in changes if c.record is not None and not c.changed),
    )


@atomic
def run_import(
    report: ImportReport,
    data: bytes,
    filename: str,
    columns: Sequence[Column],
    *,
    plan: Callable[[list[Row]], Planned],
    header_rule: Callable[[set[str]], Problem | None] | None = None,
    conflict: str | None = None,
) -> ImportReport:
    """Check ``data`` and, unless the report is a dry run or any row is wrong, write it and
    commit. ``plan`` checks the rows (reading only: problems go onto the rows) and says what
    it would write; ``header_rule`` is a rule on the header as a whole, after the columns'.
    Problems are in the report, not raised; a write the database refuses is ``conflict``."""
    planned = _checked(report, data, filename, columns, plan, header_rule)
    if planned is None:  # a problem, or a dry run: checking reads only, nothing to undo
        count_import(report.what.value, problems=bool(report.problems), dry_run=report.dry_run)
        return report
    planned.apply()
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        count_conflict(report.what.value)
        raise ImportConflict(conflict) from None
    count_import(report.what.value, problems=False, dry_run=False)
    return report


def _checked(
    report: ImportReport,
    data: bytes,
    filename: str,
    columns: Sequence[Column],
    plan: Callable[[list[Row]], Planned],
    header_rule: Callable[[set[str]], Problem | None] | None,
) -> Planned | None:
    """Read and check the file into ``report``: what to write, or None when nothing is to be
    written (a problem, or a dry run)."""
    try:
        table = read_table(data, filename)
    except FileProblem as problem:
        report.problems.append(Problem(None, "", problem.message))
        return None
    rows = rows_by_column(columns, table, report.problems, label=report.what.value)
    header_problem = header_rule(set(table.header)) if header_rule is not None else None
    if header_problem is not None:
        report.problems.append(header_problem)
        rows = []
    report.rows = len(rows)
    if report.problems:
        return None
    with db.session.no_autoflush:
        planned = plan(rows)
    report.problems.sort(key=lambda p: p.row or 0)
    report.created, report.updated = planned.created, planned.updated
    report.unchanged = planned.unchanged
    return None if report.problems or report.dry_run else planned
