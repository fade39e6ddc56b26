"""What a request may carry into the database, decided once for every route.

- ``<int:...>`` in any route is ``IdConverter``: a number larger than a primary key can be
  (every id column is an INTEGER) matches no route, so it is a 404 like any unknown id,
  instead of an "integer out of range" from PostgreSQL.
- Integers read from the query string go through ``db_int``
  (``request.args.get("page", 1, type=db_int)``): a value an INTEGER column cannot hold is
  treated as absent, exactly as a word would be.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

# Every primary and foreign key is an INTEGER (migrations use sa.Integer): on PostgreSQL a
# signed 32-bit number. SQLite would take more, but one schema, two databases.
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1


class IdConverter(IntegerConverter):
    """Werkzeug's ``int`` converter with the database's maximum as its default ``max``."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = DB_INT_MAX,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def db_int(value: str) -> int:
    """A query-string value as an int that an INTEGER column (and a page number) can hold.
    Raises ValueError otherwise, which ``MultiDict.get(..., type=db_int)`` turns into its
    default."""
    number = int(value)
    if not DB_INT_MIN <= number <= DB_INT_MAX:
        raise ValueError(f"{value!r} is out of the database's integer range")
    return number


def register_url_converters(app: Flask) -> None:
    """Before any blueprint: a rule picks its converters when it is added to the map."""
    app.url_map.converters["int"] = IdConverter
