"""A lease per job run, so that any number of scheduler processes, on any number of machines,
run each job once per due time.

Every scheduler process keeps the whole job list and wakes at every due time; before it runs a
job it takes the lease on (job, due time), a row of ``job_lease``. The row's key is the pair, so
of the schedulers that wake for Monday's 07:00 digest the first to insert it runs the digest
and the others find it taken: one ``INSERT … ON CONFLICT DO UPDATE … WHERE`` statement, the same
on PostgreSQL and SQLite, decides it in the database (on PostgreSQL a second inserter waits for
the first's commit, then sees its row). A scheduler that finds the lease taken runs nothing and
records nothing (a debug log line says so); only a due time that is over is ``finished``.

A holder pushes ``expires_at`` on while its run lasts (``renew``). One that died (killed,
its machine gone) stops pushing; once the lease has expired, the next scheduler to try the same
due time takes it over (``attempts`` goes up) and runs it again, which is safe because job
bodies are idempotent. Different due times of one job are different leases: a long run does not
hold back the next due time (as a staff member's Run now never did).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from wbl.extensions import atomic, db, rows_affected
from wbl.jobs.models import JobLease

LEASE = timedelta(minutes=5)  # how long a holder that stopped renewing keeps a due time
RENEW_EVERY = timedelta(minutes=1)  # how often a holder renews it while its job runs


def holder() -> str:
    """This process, as a lease names it: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


@dataclass(frozen=True, slots=True)
class Claim:
    """What ``take`` found. ``taken``: this process runs the due time (``attempts`` > 1 when it
    took over from a holder whose lease expired). Not taken: ``retry_at`` is when the live
    holder's lease runs out (try again then, in case it died), None when the run is over."""

    taken: bool
    attempts: int = 0
    retry_at: datetime | None = None


@atomic
def take(job_id: str, due: datetime, by: str, now: datetime) -> Claim:
    """The lease on ``job_id``'s run due at ``due``, for ``by``: new, or taken over when its
    holder let it expire without finishing. Committed at once, apart from the job's own work."""
    insert = (
        postgresql.insert if db.session.connection().dialect.name == "postgresql" else sqlite.insert
    )
    fresh = insert(JobLease).values(
        job_id=job_id, due_at=due, holder=by, taken_at=now, expires_at=now + LEASE, attempts=1
    )
    statement = fresh.on_conflict_do_update(
        index_elements=[JobLease.job_id, JobLease.due_at],
        set_={
            "holder": fresh.excluded.holder,
            "taken_at": fresh.excluded.taken_at,
            "expires_at": fresh.excluded.expires_at,
            "attempts": JobLease.attempts + 1,
        },
        where=JobLease.finished_at.is_(None) & (JobLease.expires_at <= now),
    ).returning(JobLease.attempts)
    attempts = db.session.execute(statement).scalar_one_or_none()
    if attempts is not None:
        db.session.commit()
        return Claim(taken=True, attempts=attempts)
    finished, expires = db.session.execute(
        select(JobLease.finished_at, JobLease.expires_at).where(
            JobLease.job_id == job_id, JobLease.due_at == due
        )
    ).one()
    db.session.commit()
    return Claim(taken=False, retry_at=None if finished else expires)


@atomic
def renew(job_id: str, due: datetime, by: str, now: datetime) -> bool:
    """Push the lease on while the job runs; False when it is no longer ``by``'s (it expired
    and another scheduler took the due time over)."""
    kept = rows_affected(
        db.session.execute(
            update(JobLease)
            .where(
                JobLease.job_id == job_id,
                JobLease.due_at == due,
                JobLease.holder == by,
                JobLease.finished_at.is_(None),
            )
            .values(expires_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return kept == 1


@atomic
def finish(job_id: str, due: datetime, by: str, now: datetime) -> bool:
    """The run is over (and recorded, ok or not): nobody takes this due time again. False when
    the lease was no longer ``by``'s (another scheduler took it over and finishes it)."""
    finished = rows_affected(
        db.session.execute(
            update(JobLease)
            .where(
                JobLease.job_id == job_id,
                JobLease.due_at == due,
                JobLease.holder == by,
                JobLease.finished_at.is_(None),
            )
            .values(finished_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return finished == 1
