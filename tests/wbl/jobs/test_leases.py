"""The lease per job run (wbl/jobs/leases.py), on SQLite and PostgreSQL alike: of the schedulers
that wake for one due time the first runs it and the others run and record nothing; a holder
that died is replaced once its lease expires; the next due time is a lease of its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask
from sqlalchemy import func, select

from wbl.extensions import db
from wbl.jobs import leases
from wbl.jobs.leases import LEASE
from wbl.jobs.models import JobLease, JobRun
from wbl.scheduler import build_scheduler, run_job

DUE = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)  # Monday 07:00 in the county
NEXT_WEEK = DUE + timedelta(days=7)
A, B = "host-a:101", "host-b:202"


def _lease(job_id: str, due: datetime) -> JobLease:
    row = db.session.get(JobLease, (job_id, due))
    assert row is not None
    db.session.refresh(row)
    return row


def test_the_first_taker_runs_the_due_time_and_the_second_finds_it_taken(app: Flask) -> None:
    first = leases.take("supervisor-digest", DUE, A, DUE)
    assert first == leases.Claim(taken=True, attempts=1)
    second = leases.take("supervisor-digest", DUE, B, DUE + timedelta(seconds=1))
    assert second == leases.Claim(taken=False, retry_at=DUE + LEASE)  # try again if A dies
    row = _lease("supervisor-digest", DUE)
    assert (row.holder, row.attempts, row.finished_at) == (A, 1, None)
    assert leases.finish("supervisor-digest", DUE, A, DUE + timedelta(seconds=30))
    late = leases.take("supervisor-digest", DUE, B, DUE + timedelta(hours=1))
    assert late == leases.Claim(taken=False, retry_at=None)  # over: nobody runs it again
    assert _lease("supervisor-digest", DUE).holder == A


def test_an_expired_lease_is_taken_over_and_its_old_holder_knows(app: Flask) -> None:
    assert leases.take("run-due-rounds", DUE, A, DUE).taken
    held = DUE + LEASE - timedelta(seconds=1)
    assert not leases.take("run-due-rounds", DUE, B, held).taken  # A may still be alive
    over = leases.take("run-due-rounds", DUE, B, DUE + LEASE)  # A stopped renewing: it died
    assert over == leases.Claim(taken=True, attempts=2)
    row = _lease("run-due-rounds", DUE)
    assert (row.holder, row.taken_at, row.expires_at) == (B, DUE + LEASE, DUE + 2 * LEASE)
    assert not leases.renew("run-due-rounds", DUE, A, DUE + LEASE)  # A, if it wakes, lost it
    assert not leases.finish("run-due-rounds", DUE, A, DUE + LEASE)
    assert leases.finish("run-due-rounds", DUE, B, DUE + LEASE + timedelta(seconds=5))
    assert _lease("run-due-rounds", DUE).finished_at == DUE + LEASE + timedelta(seconds=5)


def test_a_holder_that_renews_keeps_its_lease(app: Flask) -> None:
    assert leases.take("run-due-rounds", DUE, A, DUE).taken
    assert leases.renew("run-due-rounds", DUE, A, DUE + timedelta(minutes=4))
    assert _lease("run-due-rounds", DUE).expires_at == DUE + timedelta(minutes=4) + LEASE
    still = leases.take("run-due-rounds", DUE, B, DUE + LEASE + timedelta(seconds=1))
    assert still == leases.Claim(taken=False, retry_at=DUE + timedelta(minutes=4) + LEASE)


def test_the_next_due_time_is_a_lease_of_its_own(app: Flask) -> None:
    assert leases.take("supervisor-digest", DUE, A, DUE).taken
    assert leases.finish("supervisor-digest", DUE, A, DUE)
    assert leases.take("supervisor-digest", NEXT_WEEK, B, NEXT_WEEK).taken
    assert leases.take("teacher-digest", DUE, B, DUE).taken  # and every job's own
    assert db.session.scalar(select(func.count()).select_from(JobLease)) == 3


def _runs(job_id: str) -> int:
    return db.session.scalar(select(func.count(JobRun.id)).where(JobRun.job_id == job_id)) or 0


@pytest.fixture
def scheduler_app(app: Flask):  # type: ignore[no-untyped-def]
    """``run_job`` as the scheduler process calls it: the app and a (paused) scheduler set."""
    scheduler = build_scheduler(app, BackgroundScheduler, timezone="UTC")
    scheduler.start(paused=True)
    yield scheduler
    scheduler.shutdown(wait=False)


def test_run_job_runs_a_due_time_once_whoever_asks(scheduler_app: BackgroundScheduler) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    run_job("close-stale-offerings", now)
    assert _runs("close-stale-offerings") == 1
    row = _lease("close-stale-offerings", now)
    assert row.finished_at is not None
    assert row.holder == leases.holder()
    run_job("close-stale-offerings", now)  # a second scheduler waking for the same time
    assert _runs("close-stale-offerings") == 1
    run_job("close-stale-offerings", now + timedelta(days=1))  # the next due time
    assert _runs("close-stale-offerings") == 2
    assert scheduler_app.get_jobs() == []  # finished: nothing to retry


def test_a_due_time_held_elsewhere_is_retried_when_its_lease_runs_out(
    scheduler_app: BackgroundScheduler,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    assert leases.take("expire-consents", now, A, now).taken
    run_job("expire-consents", now)
    assert _runs("expire-consents") == 0  # the loser records no run
    assert _lease("expire-consents", now).holder == A
    [retry] = scheduler_app.get_jobs()
    assert retry.id == f"expire-consents@{now.isoformat()}"
    assert retry.kwargs == {"job_id": "expire-consents", "due": now}
    assert retry.next_run_time == now + LEASE + timedelta(seconds=1)
