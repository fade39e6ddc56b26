"""Staff start a scheduled job by hand ("Run now" on Administration ▸ Scheduled jobs)."""

from __future__ import annotations

from wbl.access import require
from wbl.auth.models import User
from wbl.errors import NotFound
from wbl.jobs.models import JobRun
from wbl.scheduler import BY_ID, run_now
from wbl.scopes import can_run_jobs


def run_job_now(actor: User, job_id: str) -> JobRun:
    """Run the job in this request through the scheduler's own ``execute`` (recorded as a
    run like any other; the job itself commits). Jobs are idempotent, so a run beside the
    scheduler's changes nothing twice."""
    require(can_run_jobs(actor))
    if job_id not in BY_ID:
        raise NotFound()
    return run_now(job_id)
