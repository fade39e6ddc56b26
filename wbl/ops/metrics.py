"""The Prometheus metrics (the official client, ``prometheus_client``), scraped from
``/metrics`` with a bearer token (wbl/ops/views.py; docs/monitoring.md lists them all).

Two kinds, kept apart on purpose:

- **What this server's processes did**: requests by Flask endpoint (never the raw path: a
  path names students and offerings, and every id would be a new series), method and
  status, with their latency; imports run (``wbl.imports.tally``). These are counted in
  memory as requests go by. Under gunicorn with several workers each worker counts its own,
  so ``PROMETHEUS_MULTIPROC_DIR`` (set before the server starts, emptied at each start)
  has the client keep them in files there, and a scrape of any worker adds up every
  worker's (the client's multiprocess mode; the ``child_exit`` hook in docs/monitoring.md
  tells it when a worker has gone).
- **What the database holds**: the outbox's backlog, each job's last success, seats taken
  and offered, read when Prometheus scrapes (``DatabaseCollector``: three statements), so
  every web server reports the same values and no worker keeps a copy that goes stale.

The cost on a request is two label look-ups and two increments (microseconds); the cost of
a scrape is the three statements.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from flask import Flask, Response, request, request_finished, request_started
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from wbl.catalog.models import Offering
from wbl.catalog.queries import open_to_students
from wbl.extensions import db, utcnow
from wbl.jobs.models import JobRun
from wbl.notifications.models import OutboxMessage, OutboxStatus
from wbl.scheduler import JOBS

log = logging.getLogger(__name__)

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
NO_ENDPOINT = "none"  # a path no route matched (404, 405): one series for all of them
# Methods outside this set share one label value: a client chooses the method, and each
# new value would be a new series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_STARTED = "wbl.ops.started"  # the request's start, in its WSGI environ

# No ``*_created`` series beside each counter and histogram: they double the series, and
# multiprocess mode has none, so a single process reports the same names as gunicorn.
disable_created_metrics()

REQUESTS = Counter(
    "wbl_http_requests",
    "HTTP requests answered, by Flask endpoint, method and status",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "wbl_http_request_duration_seconds",
    "Time from the request's start to its response, by Flask endpoint and method",
    ["endpoint", "method"],
)
UNSENT = (OutboxStatus.QUEUED, OutboxStatus.SENDING)


def count_requests(app: Flask) -> None:
    """Time every request of ``app`` from Flask's first hook to its response (signals, so
    the time includes every ``before_request`` and ``after_request`` function)."""
    request_started.connect(_started, app, weak=False)
    request_finished.connect(_finished, app, weak=False)


def _started(_sender: Flask, **_extra: Any) -> None:
    request.environ[_STARTED] = time.perf_counter()


def _finished(_sender: Flask, response: Response, **_extra: Any) -> None:
    started = request.environ.get(_STARTED)
    if started is None:
        return
    endpoint = request.endpoint or NO_ENDPOINT
    method = request.method if request.method in METHODS else "other"
    REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
    LATENCY.labels(endpoint, method).observe(time.perf_counter() - started)


def job_period_seconds(trigger: Mapping[str, Any]) -> float | None:
    """How often a job's trigger runs it, for the alert "no success for two periods": an
    interval's length; a cron trigger's coarsest field (a day of the week: weekly; an
    hour: daily; a minute: hourly). None for a trigger this does not know."""
    kind = trigger.get("trigger")
    if kind == "interval":
        units = ("weeks", "days", "hours", "minutes", "seconds")
        return timedelta(**{u: trigger[u] for u in units if u in trigger}).total_seconds()
    if kind == "cron":
        if "day_of_week" in trigger:
            return timedelta(weeks=1).total_seconds()
        if "hour" in trigger:
            return timedelta(days=1).total_seconds()
        if "minute" in trigger:
            return timedelta(hours=1).total_seconds()
    return None


class DatabaseCollector(Collector):
    """The gauges read from the database at each scrape (inside the scrape's request)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "wbl_database_metrics_up",
            "1 when the gauges read from the database could be read at this scrape",
        )
        try:
            families = list(self._read())
        except SQLAlchemyError:
            db.session.rollback()
            log.warning("metrics: the database's gauges could not be read", exc_info=True)
            families = []
        up.add_metric([], 1 if families else 0)
        return [up, *families, self._job_periods()]

    def _read(self) -> Iterable[Metric]:
        now = utcnow()
        unsent, oldest = db.session.execute(
            select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(
                OutboxMessage.status.in_(UNSENT)
            )
        ).one()
        yield GaugeMetricFamily(
            "wbl_outbox_unsent_messages",
            "E-mails in the outbox not sent yet (queued, retrying or being sent)",
            value=unsent,
        )
        yield GaugeMetricFamily(
            "wbl_outbox_oldest_unsent_age_seconds",
            "Age of the oldest unsent e-mail in the outbox (0 when none waits)",
            value=(now - oldest).total_seconds() if oldest is not None else 0,
        )

        success = GaugeMetricFamily(
            "wbl_job_last_success_timestamp_seconds",
            "When each scheduled job last finished without error (Unix time); absent for a "
            "job that never has",
            labels=["job_id"],
        )
        last = dict(
            db.session.execute(
                select(JobRun.job_id, func.max(JobRun.finished_at))
                .where(JobRun.ok.is_(True), JobRun.finished_at.is_not(None))
                .group_by(JobRun.job_id)
            ).all()
        )
        for job in JOBS:
            finished = last.get(job.id)
            if finished is not None:
                success.add_metric([job.id], finished.timestamp())
        yield success

        taken = GaugeMetricFamily(
            "wbl_offering_seats_taken",
            "Seats taken on the offerings open to students, by experience type",
            labels=["kind"],
        )
        capacity = GaugeMetricFamily(
            "wbl_offering_seats_capacity",
            "Seats offered by the offerings open to students, by experience type",
            labels=["kind"],
        )
        for kind, seats_taken, seats in db.session.execute(
            select(
                Offering.kind,
                func.coalesce(func.sum(Offering.seats_taken), 0),
                func.coalesce(func.sum(Offering.capacity), 0),
            )
            .where(open_to_students())
            .group_by(Offering.kind)
        ):
            taken.add_metric([str(kind)], seats_taken)
            capacity.add_metric([str(kind)], seats)
        yield taken
        yield capacity

    def _job_periods(self) -> Metric:
        periods = GaugeMetricFamily(
            "wbl_job_period_seconds",
            "How often each scheduled job is meant to run, in seconds",
            labels=["job_id"],
        )
        for job in JOBS:
            period = job_period_seconds(job.trigger_args(self.config))
            if period is not None:
                periods.add_metric([job.id], period)
        return periods


def exposition(config: Mapping[str, Any]) -> bytes:
    """The scrape's text: this server's counters (every worker's, in multiprocess mode) and
    the database's gauges."""
    gauges = CollectorRegistry(auto_describe=False)
    gauges.register(DatabaseCollector(config))
    if os.environ.get(MULTIPROCESS_ENV):
        MultiProcessCollector(gauges)
        return generate_latest(gauges)
    return generate_latest(REGISTRY) + generate_latest(gauges)
