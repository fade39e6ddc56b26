"""The scheduler's own housekeeping (run by the scheduler process, see wbl/scheduler.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from wbl.extensions import atomic, db, rows_affected
from wbl.jobs.models import JobLease, JobRun

KEEP_RUNS = timedelta(days=30)


@atomic
def prune_job_runs(now: datetime) -> str:
    """Forget runs older than 30 days: the outbox job alone records one a minute (43,200 a
    month). Each job's latest run stays, so the jobs page never says "Never" of a job that
    ran. The leases of due times older than 30 days go too (no scheduler asks for them
    again). Idempotent."""
    latest = select(func.max(JobRun.id)).group_by(JobRun.job_id)
    pruned = rows_affected(
        db.session.execute(
            delete(JobRun)
            .where(JobRun.started_at < now - KEEP_RUNS, JobRun.id.not_in(latest))
            .execution_options(synchronize_session=False)
        )
    )
    leases = rows_affected(
        db.session.execute(
            delete(JobLease)
            .where(JobLease.due_at < now - KEEP_RUNS)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return f"{pruned} old job run(s) and {leases} lease(s) forgotten"
