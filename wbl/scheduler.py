"""Every periodic job, in one list, run by one scheduler process: ``flask scheduler``.

The web app never starts a scheduler. The scheduler process keeps its jobs in the app's
database (APScheduler's SQLAlchemyJobStore), so however many web workers run, each job runs
once; ``coalesce`` folds missed runs into one and ``max_instances=1`` forbids overlaps. Job
bodies live in each feature's ``jobs.py`` and are idempotent. The job store holds a textual
reference to ``run_job(job_id)``, which pushes this process's app context (with a request
context on the county's base URL, so e-mails can carry links), records the run in ``job_run`` and
removes the session at the end.
"""

from __future__ import annotations

import logging
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask import Flask
from sqlalchemy import inspect, select, text

from wbl.county.settings import county
from wbl.extensions import current_flask_app, db, utcnow
from wbl.jobs.models import JobRun

if TYPE_CHECKING:  # APScheduler loads in the scheduler process only (build_scheduler)
    from apscheduler.schedulers.base import BaseScheduler

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"


def include_in_migrations(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    """APScheduler keeps its own job table (its job store creates it): not ours to migrate,
    and not a difference between the models and the database."""
    return not (type_ == "table" and name == JOB_TABLE)


@dataclass(frozen=True, slots=True)
class Job:
    """One periodic job. Its body is ``target``, a public function of a feature's ``jobs.py``
    that takes the run's ``now`` and returns a line for the staff page; every such function
    is a job, and is named here (a test holds both sides to it)."""

    id: str
    description: str
    schedule: str  # in words, for the staff page
    trigger: dict[str, Any] | Callable[[Mapping[str, Any]], dict[str, Any]]  # from settings
    target: str  # "wbl.<feature>.jobs:<function>"
    at_start: bool = False  # also run when the scheduler starts: work may be waiting

    def body(self) -> Callable[[datetime], str]:
        """The function, looked up at each run (so a test can stand in for it)."""
        function: Callable[[datetime], str] = pkgutil.resolve_name(self.target)
        return function

    def trigger_args(self, config: Mapping[str, Any]) -> dict[str, Any]:
        return self.trigger(config) if callable(self.trigger) else self.trigger


def _outbox_pace(config: Mapping[str, Any]) -> dict[str, Any]:
    """Every minute by default; ``WBL_OUTBOX_INTERVAL`` (seconds) sets another pace."""
    return {"trigger": "interval", "seconds": config["OUTBOX_INTERVAL"]}


JOBS: tuple[Job, ...] = (
    Job(
        "deliver-outbox",
        "Send queued e-mail over SMTP, retrying refusals with back-off (when MAIL_SERVER is set)",
        "Every minute (WBL_OUTBOX_INTERVAL) and when the scheduler starts",
        _outbox_pace,
        "wbl.notifications.jobs:deliver_outbox",
        at_start=True,
    ),
    Job(
        "close-stale-offerings",
        "Close postings whose application deadline or end date has passed",
        "Every day at 00:15",
        {"trigger": "cron", "hour": 0, "minute": 15},
        "wbl.catalog.jobs:close_stale_offerings",
    ),
    Job(
        "complete-ended-placements",
        "Complete placements whose end date has passed",
        "Every day at 00:30",
        {"trigger": "cron", "hour": 0, "minute": 30},
        "wbl.evaluations.jobs:complete_ended_placements",
    ),
    Job(
        "expire-consents",
        "Release the seats of guardian consents not answered in time",
        "Every hour",
        {"trigger": "cron", "minute": 5},
        "wbl.placements.jobs:expire_consents",
    ),
    Job(
        "run-due-rounds",
        "Run allocation rounds whose deadline has passed (staff then review and publish)",
        "Every 15 minutes",
        {"trigger": "interval", "minutes": 15},
        "wbl.rounds.jobs:run_due_rounds",
    ),
    Job(
        "supervisor-digest",
        "E-mail each supervisor the hours waiting for them, with a link to confirm them",
        "Every Monday at 07:00",
        {"trigger": "cron", "day_of_week": "mon", "hour": 7, "minute": 0},
        "wbl.hours.jobs:send_supervisor_digests",
    ),
    Job(
        "remind-pending-hours",
        "Remind supervisors of hours waiting more than 3 days",
        "Every day at 07:30",
        {"trigger": "cron", "hour": 7, "minute": 30},
        "wbl.hours.jobs:remind_pending",
    ),
    Job(
        "teacher-digest",
        "E-mail each teacher their school's students' new activity of the past week",
        "Every Monday at 06:30",
        {"trigger": "cron", "day_of_week": "mon", "hour": 6, "minute": 30},
        "wbl.hours.jobs:send_teacher_digests",
    ),
    Job(
        "prune-signups",
        "Forget sign-ups whose e-mail address was not confirmed in time (three days)",
        "Every day at 02:45",
        {"trigger": "cron", "hour": 2, "minute": 45},
        "wbl.signup.jobs:prune_unconfirmed_signups",
    ),
    Job(
        "prune-job-runs",
        "Forget job runs older than 30 days (each job's latest run stays)",
        "Every day at 03:00",
        {"trigger": "cron", "hour": 3, "minute": 0},
        "wbl.jobs.jobs:prune_job_runs",
    ),
)
BY_ID = {job.id: job for job in JOBS}

_app: Flask | None = None  # the scheduler process's app, set by ``flask scheduler``


def execute(job_id: str, now: datetime) -> JobRun:
    """Run one job now and record it (tests call this with a fixed clock)."""
    job = BY_ID[job_id]
    run = JobRun(job_id=job_id, started_at=now)
    try:
        result = job.body()(now)
    except Exception as error:
        db.session.rollback()
        log.exception("job %s failed", job_id)
        run.ok, run.result = False, f"{type(error).__name__}: {error}"[:2000]
    else:
        run.ok, run.result = True, result
    run.finished_at = utcnow()
    db.session.add(run)
    db.session.commit()
    return run


def run_now(job_id: str) -> JobRun:
    """Run one job at once, as the scheduler would (staff's "Run now", ``flask jobs run``),
    with links in its e-mails on the county's base URL: inside a web request too, so the
    links do not depend on the address the staff member happened to use. Needs an app
    context."""
    app = current_flask_app()
    with app.test_request_context(base_url=county().base_url):
        return execute(job_id, utcnow())


def run_job(job_id: str) -> None:
    """What the job store calls, in an executor thread with no app context of its own."""
    app = _app
    if app is None:
        raise RuntimeError("run_job is called only inside the scheduler process")
    with app.app_context():
        base_url = county().base_url  # read afresh at each run (cached for a few seconds)
        try:
            with app.test_request_context(base_url=base_url):
                execute(job_id, utcnow())
        finally:
            db.session.remove()


def build_scheduler(
    app: Flask,
    scheduler_class: type[BaseScheduler] | None = None,
    *,
    timezone: str | None = None,
) -> Any:
    """The scheduler (``BlockingScheduler`` unless ``scheduler_class`` says otherwise) with
    every job of ``JOBS``, its store in the app's database, its daily times in ``timezone``:
    ``flask scheduler`` passes the county's, as it is when the scheduler starts (a changed
    zone takes effect at the next start)."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler

    global _app
    _app = app
    return (scheduler_class or BlockingScheduler)(
        jobstores={
            "default": SQLAlchemyJobStore(
                url=app.config["SQLALCHEMY_DATABASE_URI"], tablename=JOB_TABLE
            )
        },
        executors={"default": ThreadPoolExecutor(2)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=timezone or app.config["TIMEZONE"],
    )


def register_jobs(scheduler: Any, config: Mapping[str, Any]) -> None:
    for job in JOBS:
        at_start = {"next_run_time": utcnow()} if job.at_start else {}
        scheduler.add_job(
            "wbl.scheduler:run_job",
            args=[job.id],
            id=job.id,
            name=job.description,
            replace_existing=True,
            **job.trigger_args(config),
            **at_start,
        )


@dataclass(frozen=True, slots=True)
class JobStatus:
    job: Job
    last: JobRun | None
    next_run: datetime | None


def job_statuses() -> list[JobStatus]:
    """For the staff page: each job's last run and result, and its next run (from the job
    store's table, once the scheduler process has started)."""
    last: dict[str, JobRun] = {}
    for run in db.session.scalars(
        select(JobRun).where(JobRun.id.in_(select(db.func.max(JobRun.id)).group_by(JobRun.job_id)))
    ):
        last[run.job_id] = run
    upcoming: dict[str, datetime] = {}
    if inspect(db.session.connection()).has_table(JOB_TABLE):
        for job_id, timestamp in db.session.execute(
            text(f"SELECT id, next_run_time FROM {JOB_TABLE}")  # noqa: S608 - a constant
        ):
            if timestamp is not None:
                upcoming[job_id] = datetime.fromtimestamp(float(timestamp), tz=UTC)
    return [JobStatus(job, last.get(job.id), upcoming.get(job.id)) for job in JOBS]
