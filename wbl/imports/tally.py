"""How many imports ran, by what they read and how they ended: a Prometheus counter
(``wbl_imports_total``) that ``/metrics`` reports (wbl/ops/metrics.py).

Imports leave no record in the database, so they are counted by the process that runs them:
a web upload by the web server's worker (every worker's count is added up in multiprocess
mode), a ``flask import`` command by its own process, which a scrape sees only when it
shares the server's ``PROMETHEUS_MULTIPROC_DIR`` (docs/monitoring.md).
"""

from __future__ import annotations

from prometheus_client import Counter

REFUSED = "refused"  # a problem in the file: nothing written
CHECKED = "checked"  # a clean dry run (the upload's check before the user confirms)
IMPORTED = "imported"  # written and committed
CONFLICT = "conflict"  # the database refused the write (someone changed the records meanwhile)

IMPORTS = Counter(
    "wbl_imports",
    "Imports run, by what they read (partners, offerings, roster ...) and how they ended",
    ["kind", "outcome"],
)


def count_import(kind: str, *, problems: bool, dry_run: bool) -> None:
    """Count one import that ended without an exception."""
    outcome = REFUSED if problems else CHECKED if dry_run else IMPORTED
    IMPORTS.labels(kind, outcome).inc()


def count_conflict(kind: str) -> None:
    IMPORTS.labels(kind, CONFLICT).inc()
