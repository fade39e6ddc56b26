"""Unbound Flask extensions and the declarative base. ``create_app`` binds them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

from flask import Flask, current_app
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DateTime, MetaData, inspect, select, update
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

from wbl.errors import DomainError, NotFound

if TYPE_CHECKING:
    from werkzeug.local import LocalProxy

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def current_flask_app() -> Flask:
    """The application behind ``current_app``, for what outlives the context or keys on the
    app itself (a scheduler, a child process, a per-app cache). Flask types ``current_app``
    as the app, not as the ``LocalProxy`` it is, so the proxy's own method needs the cast."""
    return cast("LocalProxy[Flask]", current_app)._get_current_object()


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on SQLite and PostgreSQL alike.

    Stored as naive UTC (SQLite has no time zones); a naive value going in is a bug,
    so it is refused rather than guessed.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    # Stable constraint names for Alembic; aware UTC datetimes for every ``Mapped[datetime]``.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


def rows_affected(result: Result[Any]) -> int:
    """The row count of an UPDATE/DELETE; ``Session.execute`` is typed as plain ``Result``."""
    assert isinstance(result, CursorResult)  # noqa: S101 - a typing narrowing, always true
    return result.rowcount


def move_status(row: M, from_status: Enum, **values: Any) -> bool:
    """Compare-and-set on one row: ``UPDATE … SET values WHERE id = row.id AND status =
    from_status``. Of two requests racing to move the same row, only one gets True. The changed
    attributes of ``row`` are expired either way, so it next reads what the database holds.
    ``row`` is a mapped row with a one-column key and a ``status`` column."""
    mapper = inspect(type(row))
    result = db.session.execute(
        update(type(row))
        .where(
            mapper.primary_key[0] == mapper.primary_key_from_instance(row)[0],
            mapper.columns["status"] == from_status,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(row, list(values))
    return rows_affected(result) == 1


def lock_row(model: type[M], row_id: int) -> M:
    """The row, locked until the transaction ends (``SELECT … FOR UPDATE`` on PostgreSQL;
    SQLite runs one writer at a time) and read afresh, so a request that waited for the lock
    sees what the one before it wrote. NotFound when there is no such row."""
    key = inspect(model).primary_key[0]
    row = db.session.scalar(
        select(model)
        .where(key == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound()
    return row


P = ParamSpec("P")
T = TypeVar("T")


def atomic(function: Callable[P, T]) -> Callable[P, T]:
    """A use case that says no leaves nothing behind. It runs in a SAVEPOINT: a business
    error raised after some fields were already set rolls back to it (and expires what it
    touched), so neither the database nor the session keeps half a change. The use case's
    own commit ends the whole transaction as usual.

    A refusal that a unique index made (``except IntegrityError: raise AlreadyDone()``)
    comes after a failed flush, which has already rolled the database back to the SAVEPOINT
    but left the savepoint open and inactive: it is closed here too, or every later query of
    the request (the view's, the error page's) would fail with PendingRollbackError."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        savepoint = db.session.begin_nested()
        try:
            return function(*args, **kwargs)
        except DomainError:
            # Still open: active, or made inactive by a failed flush inside it (it is then
            # the innermost savepoint). Closed: the use case committed or rolled back itself.
            if savepoint.is_active or db.session().get_nested_transaction() is savepoint:
                savepoint.rollback()
            raise

    return wrapper


db = SQLAlchemy(model_class=Base)
M = TypeVar("M", bound=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
bootstrap = Bootstrap5()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
