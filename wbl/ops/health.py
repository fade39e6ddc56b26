"""Is this process able to serve? The answers behind ``/healthz`` and ``/readyz``.

``/healthz`` (liveness) says only that the process answers: it touches nothing, so a
database outage never gets a healthy web server restarted. ``/readyz`` (readiness) says
whether this process should be sent requests now. Each check answers ok or failing and
nothing else; why a check failed goes to the log, never to the (unauthenticated) caller:

- ``database``: a ``SELECT`` through the app's own pool answers (on PostgreSQL under a
  statement timeout of ``STATEMENT_TIMEOUT_MS``; connecting is bounded by the database URL's
  ``connect_timeout``, docs/monitoring.md);
- ``migrations``: the database's ``alembic_version`` is the migrations folder's head (code
  deployed before ``flask db upgrade`` ran fails here rather than on a missing column). A
  database *ahead* of this code (at a revision its migrations folder does not know: ``db
  upgrade`` ran for the next release before this node was replaced) stays ready, with a
  warning in the log: otherwise, in a rolling deploy, every old node would leave the load
  balancer the moment the upgrade ran, before any new node had started (docs/deployment.md
  says which upgrades need a maintenance window instead);
- ``uploads``: the storage accepts a file (one empty file written through
  ``wbl.storage`` and deleted again: a missing, read-only or unmounted folder fails);
- ``index``: the recommendation index is loaded in this worker or ready on disk for it
  (``recommendations.index_available``): a starting server is not ready until its index is,
  and the check never starts a build.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from wbl.extensions import db

log = logging.getLogger(__name__)

OK = "ok"
FAILING = "failing"
STATEMENT_TIMEOUT_MS = 2000
_PROBE_FOLDER = "readyz"  # the storage's folder for the uploads check's empty file


@functools.cache
def migration_heads(directory: str) -> frozenset[str]:
    """The head revision(s) of the migrations folder: read once per process (reading the
    scripts takes a while, and they change only with a deploy, which restarts the process)."""
    return frozenset(ScriptDirectory(directory).get_heads())


@functools.cache
def known_revisions(directory: str) -> frozenset[str]:
    """Every revision of the migrations folder (read once per process, as the heads)."""
    return frozenset(script.revision for script in ScriptDirectory(directory).walk_revisions())


def _database_and_migrations() -> dict[str, str]:
    """Inside a SAVEPOINT that is always rolled back: the statement timeout ends with it, and
    a failed statement leaves the request's transaction (a test's, too) as it was."""
    session = db.session
    try:
        savepoint = session.begin_nested()
    except SQLAlchemyError as error:  # no connection
        session.rollback()
        log.warning("readiness: the database does not answer: %s", type(error).__name__)
        return {"database": FAILING, "migrations": FAILING}
    try:
        return _probe()
    finally:
        try:
            savepoint.rollback()
        except SQLAlchemyError:
            session.rollback()


def _probe() -> dict[str, str]:
    session = db.session
    try:
        if session.get_bind().dialect.name == "postgresql":
            # The probe, and a time limit for the statements after it (until the SAVEPOINT's
            # rollback): one round trip.
            session.execute(
                text("SELECT set_config('statement_timeout', :ms, true)"),
                {"ms": str(STATEMENT_TIMEOUT_MS)},
            )
        else:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("readiness: the database does not answer: %s", type(error).__name__)
        return {"database": FAILING, "migrations": FAILING}
    try:
        stamped = frozenset(session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError as error:
        log.warning("readiness: no migration version in the database: %s", type(error).__name__)
        stamped = frozenset()
    directory = str(current_app.extensions["migrate"].directory)
    heads = migration_heads(directory)
    if stamped == heads:
        return {"database": OK, "migrations": OK}
    ahead = bool(stamped) and not stamped & known_revisions(directory)
    log.warning(
        "readiness: database at %s, this code's migrations at %s%s",
        sorted(stamped),
        sorted(heads),
        " (the database is newer: replace this node)" if ahead else "",
    )
    return {"database": OK, "migrations": OK if ahead else FAILING}


def _uploads() -> str:
    from wbl.storage import storage

    try:
        files = storage()
        files.delete(files.save(b"", folder=_PROBE_FOLDER, extension="txt"))
    except Exception:  # any storage's failure (OSError for the local folder)
        log.warning("readiness: the upload storage refused a file", exc_info=True)
        return FAILING
    return OK


def _index() -> str:
    from wbl.catalog.recommendations import index_available
    from wbl.clock import local_today

    try:
        available = index_available(local_today())
    except SQLAlchemyError:  # the fingerprint query, when this worker holds no index
        db.session.rollback()
        log.warning("readiness: could not tell whether the index is ready", exc_info=True)
        return FAILING
    return OK if available else FAILING


CHECKS: tuple[Callable[[], dict[str, str]], ...] = (
    _database_and_migrations,
    lambda: {"uploads": _uploads()},
    lambda: {"index": _index()},
)


def readiness() -> dict[str, str]:
    """Each check's name and ok or failing, in a stable order."""
    results: dict[str, str] = {}
    for check in CHECKS:
        results.update(check())
    return results
