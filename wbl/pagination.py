"""One page of a list, for every paged list in the app.

Flask-SQLAlchemy's ``db.paginate`` (with ``error_out=False``, as our lists use it) answers a
page past the end with an empty page, so a stale link or an edited URL showed "225 partners"
above "No partners match these filters" (issue 14). Here a page past the end is the last page,
and a missing, zero or negative page the first; the template's count, links and "page N" then
agree. A huge page number is capped before it becomes an OFFSET the database cannot hold.
Views pass ``request.args.get("page", 1, type=page_number)`` (text that is not a number gives 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from wbl.extensions import db

MAX_PAGE = 1_000_000  # times 100 rows a page, far inside a 64-bit OFFSET


def page_number(value: str) -> int:
    """A ``?page=`` value: any whole number, held to 1..MAX_PAGE, so that a page far past the
    end is the last page like any other page past the end (``paginate`` finds it)."""
    return min(max(int(value), 1), MAX_PAGE)


def paginate(statement: Select[Any], *, page: int | None, per_page: int) -> Pagination:
    """Page ``page`` (from 1) of the statement's rows, ``per_page`` to a page, with the total.

    Two statements, as ``db.paginate`` runs (the rows, then the count); a page past the end
    costs one more, for the last page's rows."""
    wanted = min(max(page or 1, 1), MAX_PAGE)
    result = db.paginate(statement, page=wanted, per_page=per_page, error_out=False)
    if result.items or wanted == 1:
        return result
    last = db.paginate(
        statement, page=max(result.pages, 1), per_page=per_page, error_out=False, count=False
    )
    last.total = result.total  # counted once: "count=False" leaves it to the caller
    return last


class _RowPagination(Pagination):
    """A page of column rows whose total the caller has already counted."""

    def _query_items(self) -> list[Any]:
        rows: Callable[[int | None, int], Select[*tuple[Any, ...]]] = self._query_args["rows"]
        return list(db.session.execute(rows(self.per_page, self._query_offset)).all())

    def _query_count(self) -> int:
        total: int = self._query_args["total"]
        return total


def paginate_rows(
    rows: Callable[[int | None, int], Select[*tuple[Any, ...]]],
    *,
    page: int | None,
    per_page: int,
    total: int,
) -> Pagination:
    """Page ``page`` of a list of column rows (``paginate`` gives the first column only) that
    the caller has counted already, for example in the statement of the list's totals: one
    statement, for the page's rows. ``rows(limit, offset)`` builds it, so that the limit
    may go inside (say, to aggregate only the page's students). The page is held to 1..the
    last page, as ``paginate`` does."""
    wanted = PageInfo.clamp(page, per_page, total).page
    return _RowPagination(
        page=wanted, per_page=per_page, max_per_page=None, error_out=False, rows=rows, total=total
    )


@dataclass(frozen=True, slots=True)
class PageInfo:
    """What the ``pagination`` macro needs (the same names as Flask-SQLAlchemy's pages)."""

    page: int
    per_page: int
    total: int  # with ``more``: there are more than this many
    more: bool = False  # the count stopped at a bound ("more than 1,000")

    @property
    def pages(self) -> int:
        """The pages known to exist: with ``more``, at least one past the counted rows."""
        return max(1, math.ceil((self.total + (1 if self.more else 0)) / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def first(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)

    def iter_pages(
        self,
        *,
        left_edge: int = 2,
        left_current: int = 2,
        right_current: int = 4,
        right_edge: int = 2,
    ) -> Iterator[int | None]:
        """Page numbers with ``None`` for the gaps, as Flask-SQLAlchemy yields them."""
        last = 0
        for num in range(1, self.pages + 1):
            if (
                num <= left_edge
                or self.page - left_current <= num <= self.page + right_current
                or num > self.pages - right_edge
            ):
                if last + 1 != num:
                    yield None
                yield num
                last = num

    @classmethod
    def clamp(cls, page: int | None, per_page: int, total: int) -> PageInfo:
        """Page ``page`` of ``total`` rows, held to the pages there are, as :func:`paginate`
        does (past the end: the last page; missing or below 1: the first)."""
        pages = max(1, math.ceil(total / per_page))
        return cls(page=min(max(page or 1, 1), pages), per_page=per_page, total=total)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page
