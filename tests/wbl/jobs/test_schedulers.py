"""Schedulers that may run anywhere: two real scheduler processes on one PostgreSQL database,
each keeping every job and waking at every due time, run each job once per due time (the lease
in wbl/jobs/leases.py decides which). The job clock is sped up (tests/support/fast_scheduler.py:
every job due every two seconds on the wall clock), so a few seconds hold several due times
of every job."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, select

from tests.support.fast_scheduler import EVERY
from tests.support.processes import alive, app_env, committed_app, dispose, python_process, wait_for
from wbl.extensions import db
from wbl.jobs.models import JobLease, JobRun
from wbl.scheduler import JOBS

STARTUP = 60  # seconds at most for both to start (a few; far more on a busy machine)
ROUNDS = 3  # due times of every job to see run while both schedulers are up
STOP = 30


@pytest.fixture(scope="module")
def shared_app(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    shared = committed_app(app, tmp_path_factory, "_schedulers")
    yield shared
    dispose(shared)


@pytest.fixture
def no_isolation(shared_app: Flask) -> Iterator[None]:
    """The processes share the committed database: the test starts it with no runs or leases."""

    def clear() -> None:
        with shared_app.app_context():
            db.session.execute(delete(JobRun))
            db.session.execute(delete(JobLease))
            db.session.commit()
            db.session.remove()

    clear()
    yield
    clear()


def _leases(app: Flask) -> list[JobLease]:
    with app.app_context():
        rows = list(db.session.scalars(select(JobLease)))
        db.session.expunge_all()
        db.session.remove()
    return rows


def _runs(app: Flask) -> Counter[str]:
    with app.app_context():
        counted = Counter(db.session.scalars(select(JobRun.job_id)))
        db.session.remove()
    return counted


def _on_the_fast_clock(lease: JobLease, after: datetime) -> bool:
    return (
        lease.due_at > after and lease.due_at.second % EVERY == 0 and not lease.due_at.microsecond
    )


@pytest.mark.postgres_only
def test_two_schedulers_run_each_job_once_per_due_time(
    shared_app: Flask, no_isolation: None, tmp_path: Path
) -> None:
    env = app_env(shared_app)
    command = ["-m", "tests.support.fast_scheduler"]
    logs = [tmp_path / "scheduler-1.log", tmp_path / "scheduler-2.log"]
    with (
        python_process(command, env, logs[0]) as first,
        python_process(command, env, logs[1]) as second,
    ):
        for log in logs:
            wait_for(
                lambda log=log: "WBL scheduler:" in log.read_text(),  # type: ignore[misc]
                seconds=STARTUP,
                what="a scheduler did not start",
                log=log,
            )
        both_up = datetime.now(UTC)

        def enough() -> bool:
            done = Counter(
                lease.job_id
                for lease in _leases(shared_app)
                if lease.finished_at and _on_the_fast_clock(lease, both_up)
            )
            return all(done[job.id] >= ROUNDS for job in JOBS)

        wait_for(enough, seconds=STARTUP, what="the jobs did not run", log=logs[0])
        assert alive(first.pid), logs[0].read_text()
        assert alive(second.pid), logs[1].read_text()
        for process in (first, second):  # a stop lets a run under way finish and record
            process.send_signal(signal.SIGTERM)
        assert first.wait(STOP) == 0, logs[0].read_text()
        assert second.wait(STOP) == 0, logs[1].read_text()

    leases = _leases(shared_app)
    assert all(lease.finished_at for lease in leases)
    # Every due time (the key of its lease) ran once: as many runs of each job as due times.
    assert _runs(shared_app) == Counter(lease.job_id for lease in leases)
    # Both schedulers ran jobs: each took the outbox's run at its own start.
    at_start = [
        lease for lease in leases if lease.job_id == "deliver-outbox" and lease.due_at.microsecond
    ]
    assert len({lease.holder for lease in at_start}) == 2
    # And no due time of the fast clock was missed while both were up.
    for job in JOBS:
        due = sorted(
            lease.due_at
            for lease in leases
            if job.id == lease.job_id and _on_the_fast_clock(lease, both_up)
        )
        assert len(due) >= ROUNDS, job.id
        assert due == [due[0] + timedelta(seconds=EVERY * n) for n in range(len(due))], job.id
    for log in logs:
        assert "Traceback" not in log.read_text()
