"""What a request may carry into the database, decided once for every route.

- NUL (U+0000), the one character PostgreSQL cannot store in text. In the path it matches
  no route (``<code>``, ``<path:…>``): 404, as for any address that is not ours. In the
  query string and in submitted forms it is left out of every name, value and uploaded file
  name as the request is parsed (``NulFreeParameters``): it is invisible and means nothing in
  text, so a search still finds and a form still saves everything the user typed — and the
  page says a character was left out. Other control characters are stored as typed.
- ``<int:...>`` in any route is ``IdConverter``: a number larger than a primary key can be
  (every id column is an INTEGER) matches no route, so it is a 404 like any unknown id,
  instead of an "integer out of range" from PostgreSQL.
- Integers read from the query string go through ``db_int``
  (``request.args.get("sector", type=db_int)``): a value an INTEGER column cannot hold is
  treated as absent, exactly as a word would be.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, flash, request
from flask import Request as FlaskRequest
from werkzeug.datastructures import FileStorage, ImmutableMultiDict, iter_multi_items
from werkzeug.routing import IntegerConverter, Map, PathConverter, UnicodeConverter, ValidationError

NUL = "\x00"
LEFT_OUT = (
    "What you sent contained an invisible control character (NUL) that cannot be saved. "
    "It was left out; everything else you typed is kept."
)

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


class TextConverter(UnicodeConverter):
    """``<name>`` and ``<string:name>``: one path segment, never one holding NUL."""

    def to_python(self, value: str) -> Any:
        if NUL in value:
            raise ValidationError()
        return super().to_python(value)


class NulFreePathConverter(PathConverter):
    """``<path:name>``: segments with slashes, never holding NUL."""

    def to_python(self, value: str) -> Any:
        if NUL in value:
            raise ValidationError()
        return super().to_python(value)


def register_url_converters(app: Flask) -> None:
    """Before any blueprint: a rule picks its converters when it is added to the map."""
    app.url_map.converters.update(
        default=TextConverter, string=TextConverter, path=NulFreePathConverter, int=IdConverter
    )


def _without_nul(value: Any) -> tuple[Any, bool]:
    if isinstance(value, str) and NUL in value:
        return value.replace(NUL, ""), True
    if isinstance(value, FileStorage) and value.filename and NUL in value.filename:
        value.filename = value.filename.replace(NUL, "")
        return value, True
    return value, False


class NulFreeParameters(ImmutableMultiDict[str, Any]):
    """The query string, form fields and uploaded files of a request, without NUL.
    ``left_out`` says whether there was any."""

    left_out = False

    def __init__(
        self, mapping: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None
    ) -> None:
        items = []
        left_out = False
        for key, value in iter_multi_items(mapping or ()):
            key, key_had = _without_nul(key)
            value, value_had = _without_nul(value)
            items.append((key, value))
            left_out = left_out or key_had or value_had
        super().__init__(items)
        self.left_out = left_out


class Request(FlaskRequest):
    parameter_storage_class = NulFreeParameters


def _say_what_was_left_out() -> None:
    """A form the user sent (not a link they followed) is told of what was left out."""
    if request.method != "POST":
        return
    form, files = request.form, request.files
    if getattr(form, "left_out", False) or getattr(files, "left_out", False):
        flash(LEFT_OUT, "warning")


def register_request_parsing(app: Flask) -> None:
    app.request_class = Request
    app.before_request(_say_what_was_left_out)
