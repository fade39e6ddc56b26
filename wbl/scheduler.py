"""Every periodic job, in one list, run by scheduler processes: ``flask scheduler``, as many as
you like, on as many machines as you like, each job still running once per due time.

The web app never starts a scheduler. Each scheduler process keeps the whole job list in
memory (APScheduler's MemoryJobStore), registered afresh from ``JOBS`` when it starts, and
wakes at every due time; before running a job it takes the lease on that job's due time in the
app's database (wbl/jobs/leases.py), and only the process that gets it runs the job. The
others run nothing and record nothing; if the holder dies its lease expires and one of them
takes the due time over (job bodies are idempotent: reminders are marked as sent in the same
transaction, the outbox claims each message, rounds move their status).

Why not one shared SQLAlchemyJobStore, as before: APScheduler 3 forbids it ("job stores must
never be shared between schedulers": its locks are in-process and a store has no way to wake
another scheduler), so two processes on one store would both run due jobs and overwrite each
other's next run times. Nothing was lost by leaving it: the job list is code, and
``replace_existing`` already recomputed every next run time at each start, so the store never
caught up a missed run. APScheduler's old ``apscheduler_jobs`` table is dropped by migration
0028 (``include_in_migrations`` still ignores it, should an old scheduler make it again).

Every scheduler must agree on the due times: cron triggers are wall-clock times in the county's
zone, and interval triggers count from one fixed ``ANCHOR`` (not from each process's start), so
"every 15 minutes" is :00, :15, :30, :45 in every process. The due time reaches the job through
the executor (``DueTimeExecutor``: APScheduler's own ``scheduled_run_time``), so two schedulers
that both wake for Monday's 07:00 run ask for the same lease. ``coalesce`` folds missed runs
into one and ``max_instances=1`` forbids overlaps within a process. Job bodies live in each
feature's ``jobs.py``. ``run_job(job_id, due)`` pushes this process's app context (with a
request context on the county's base URL, so e-mails can carry links), takes the lease, records
the run in ``job_run`` and removes the session at the end.
"""

from __future__ import annotations

import logging
import pkgutil
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from wbl.county.settings import county
from wbl.extensions import current_flask_app, db, utcnow
from wbl.jobs import leases
from wbl.jobs.models import JobLease, JobRun
from wbl.logs import log_job_run

if TYPE_CHECKING:  # APScheduler loads in the scheduler process only (build_scheduler)
    from apscheduler.schedulers.base import BaseScheduler
    from apscheduler.triggers.base import BaseTrigger

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
# Interval triggers count from here in every scheduler process, so they agree on due times.
ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)


def include_in_migrations(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    """APScheduler's old job table (its SQLAlchemyJobStore made it; schedulers now keep their
    jobs in memory and migration 0028 drops it) is not ours to migrate, and not a difference
    between the models and the database if a scheduler of an older release makes it again."""
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
        "remind-expiring-clearances",
        "Remind a supervisor and their partner's primary contact 30 days before a clearance ends",
        "Every day at 06:45",
        {"trigger": "cron", "hour": 6, "minute": 45},
        "wbl.catalog.jobs:remind_expiring_clearances",
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

_app: Flask | None = None  # the scheduler process's app, set by ``build_scheduler``
_scheduler: Any = None  # and its scheduler, for the retries of leases held elsewhere


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
    log_job_run(run)
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


def run_job(job_id: str, due: datetime | None = None) -> None:
    """What the scheduler runs for each due time of each job, in an executor thread with no
    app context of its own: the job runs here if this process takes its lease. When another
    process holds it, a retry is set for when that lease runs out (in case its holder died).
    ``due`` is given by ``DueTimeExecutor`` (its default only passes APScheduler's check of
    the arguments when a job is added)."""
    app = _app
    if app is None or due is None:
        raise RuntimeError("run_job is called only by the scheduler process's executor")
    due = due.astimezone(UTC)
    me = leases.holder()
    with app.app_context():
        try:
            claim = leases.take(job_id, due, me, utcnow())
            if not claim.taken:
                log.debug("job %s due %s: taken by another scheduler", job_id, due.isoformat())
                if claim.retry_at is not None:
                    _retry(job_id, due, claim.retry_at)
                return
            if claim.attempts > 1:
                log.warning("job %s due %s: taken over (attempt %d)", job_id, due, claim.attempts)
            base_url = county().base_url  # read afresh at each run (cached for a few seconds)
            with _renewing(app, job_id, due, me), app.test_request_context(base_url=base_url):
                execute(job_id, utcnow())
            if not leases.finish(job_id, due, me, utcnow()):
                log.warning("job %s due %s: the lease was taken over during the run", job_id, due)
        finally:
            db.session.remove()


def _retry(job_id: str, due: datetime, when: datetime) -> None:
    """Try the due time again once its holder's lease runs out (a live holder renews it, and
    then this retries again later; a finished run ends it)."""
    if _scheduler is None or not _scheduler.running:
        return
    _scheduler.add_job(
        "wbl.scheduler:run_job",
        "date",
        run_date=when + timedelta(seconds=1),
        kwargs={"job_id": job_id, "due": due},
        id=f"{job_id}@{due.isoformat()}",
        name=f"{BY_ID[job_id].description} (retry of {due.isoformat()})",
        replace_existing=True,
    )


@contextmanager
def _renewing(app: Flask, job_id: str, due: datetime, me: str) -> Iterator[None]:
    """Renew the lease every ``RENEW_EVERY`` while the job runs, from a thread of its own (a
    session and connection of its own: the job's transaction is not touched)."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(leases.RENEW_EVERY.total_seconds()):
            with app.app_context():
                try:
                    if not leases.renew(job_id, due, me, utcnow()):
                        log.warning("job %s due %s: lease lost while running", job_id, due)
                        return
                except SQLAlchemyError:  # e.g. SQLite busy with the job's own write
                    log.warning("job %s due %s: lease not renewed this time", job_id, due)
                finally:
                    db.session.remove()

    thread = threading.Thread(target=renew, name=f"lease-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def trigger(job: Job, config: Mapping[str, Any], timezone: str) -> BaseTrigger:
    """The job's APScheduler trigger: cron times in ``timezone``, intervals from ``ANCHOR``.
    The scheduler runs it; the staff page reads the next due time from it."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    arguments = dict(job.trigger_args(config))
    kind = arguments.pop("trigger")
    if kind == "cron":
        return CronTrigger(timezone=timezone, **arguments)
    if kind == "interval":
        return IntervalTrigger(timezone=timezone, start_date=ANCHOR, **arguments)
    raise ValueError(f"job {job.id}: unknown trigger {kind!r}")


def build_scheduler(
    app: Flask,
    scheduler_class: type[BaseScheduler] | None = None,
    *,
    timezone: str | None = None,
) -> Any:
    """The scheduler (``BlockingScheduler`` unless ``scheduler_class`` says otherwise) with its
    jobs in memory, its daily times in ``timezone``: ``flask scheduler`` passes the county's,
    as it is when the scheduler starts (a changed zone takes effect at the next start)."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler

    class DueTimeExecutor(ThreadPoolExecutor):
        """Runs each job with the time it was due (APScheduler's ``scheduled_run_time``; the
        latest one when missed runs are coalesced) as ``due``, unless the job names its own
        (a lease's retry)."""

        def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
            super()._do_submit_job(_WithDueTime(job, run_times[-1]), run_times)

    global _app, _scheduler
    _app = app
    _scheduler = (scheduler_class or BlockingScheduler)(
        jobstores={"default": MemoryJobStore()},
        executors={"default": DueTimeExecutor(2)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=timezone or app.config["TIMEZONE"],
    )
    return _scheduler


class _WithDueTime:
    """The job as APScheduler's ``run_job`` sees it, with ``due`` among its keyword arguments."""

    def __init__(self, job: Any, due: datetime) -> None:
        self._job = job
        self.kwargs = {"due": due, **job.kwargs}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._job, name)

    def __str__(self) -> str:
        return str(self._job)


def register_jobs(scheduler: Any, config: Mapping[str, Any]) -> None:
    zone = str(scheduler.timezone)
    for job in JOBS:
        at_start = {"next_run_time": utcnow()} if job.at_start else {}
        scheduler.add_job(
            "wbl.scheduler:run_job",
            trigger(job, config, zone),
            kwargs={"job_id": job.id},
            id=job.id,
            name=job.description,
            replace_existing=True,
            **at_start,
        )


@dataclass(frozen=True, slots=True)
class JobStatus:
    job: Job
    last: JobRun | None
    next_run: datetime | None


def job_statuses() -> list[JobStatus]:
    """For the staff page: each job's last run and result, and its next due time (from its
    trigger, in the county's zone as it is now: whichever scheduler takes it), or None while
    no scheduler runs."""
    last: dict[str, JobRun] = {}
    for run in db.session.scalars(
        select(JobRun).where(JobRun.id.in_(select(db.func.max(JobRun.id)).group_by(JobRun.job_id)))
    ):
        last[run.job_id] = run
    config, zone, now = current_flask_app().config, county().timezone, utcnow()
    running = _a_scheduler_runs(config, now)
    statuses = []
    for job in JOBS:
        upcoming = trigger(job, config, zone).get_next_fire_time(None, now) if running else None
        statuses.append(JobStatus(job, last.get(job.id), upcoming and upcoming.astimezone(UTC)))
    return statuses


def _a_scheduler_runs(config: Mapping[str, Any], now: datetime) -> bool:
    """Some scheduler took a lease lately: every running scheduler wakes for the outbox at
    every ``OUTBOX_INTERVAL`` and one of them takes that due time, so none for three intervals
    (and a minute's grace) means none runs, and the page says so instead of promising a run."""
    quiet = timedelta(seconds=3 * config["OUTBOX_INTERVAL"] + 60)
    latest = db.session.scalar(  # the newest row of the key's index: cheap however many
        select(db.func.max(JobLease.due_at)).where(JobLease.job_id == "deliver-outbox")
    )
    return latest is not None and latest > now - quiet
