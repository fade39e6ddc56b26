"""The scheduler: one list of jobs that every scheduler process keeps in memory, on due times
they all agree on; idempotent job bodies run with a fixed clock; every run recorded for the
staff page."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from tests.support.builders import make_offering, make_user
from tests.support.placement_data import approved, make_cast
from wbl.access import Role
from wbl.catalog.models import OfferingStatus
from wbl.extensions import db
from wbl.jobs import leases
from wbl.jobs.models import JobRun
from wbl.notifications.models import OutboxMessage
from wbl.placements import lifecycle
from wbl.placements.models import Placement, PlacementStatus
from wbl.scheduler import JOBS, build_scheduler, execute, register_jobs

NOW = datetime(2027, 3, 1, 17, 0, tzinfo=UTC)  # 9 am in the county
TODAY = date(2027, 3, 1)


def test_stale_offerings_are_closed_once(app) -> None:
    past_deadline = make_offering(start_date=TODAY + timedelta(days=10))
    past_deadline.application_deadline = TODAY - timedelta(days=1)
    ended = make_offering(start_date=TODAY - timedelta(days=5))
    ended.end_date = TODAY - timedelta(days=1)
    current = make_offering(start_date=TODAY + timedelta(days=10))
    current.application_deadline = TODAY
    db.session.flush()
    first = execute("close-stale-offerings", NOW)
    assert (first.ok, first.result) == (True, "2 offering(s) closed")
    for offering in (past_deadline, ended, current):
        db.session.refresh(offering)
    assert past_deadline.status is OfferingStatus.CLOSED
    assert ended.status is OfferingStatus.CLOSED
    assert current.status is OfferingStatus.PUBLISHED
    assert execute("close-stale-offerings", NOW).result == "0 offering(s) closed"


def test_placements_whose_end_date_passed_are_completed(app) -> None:
    cast = make_cast(born=date(2007, 1, 1))  # an adult: placed when accepted
    application = approved(cast)
    with app.test_request_context():
        lifecycle.employer_decide(cast.employer, application.id, accept=True)
    placement = db.session.scalar(
        select(Placement).where(Placement.application_id == application.id)
    )
    placement.end_date = TODAY - timedelta(days=1)
    db.session.flush()
    assert cast.offering.seats_taken == 1
    with app.test_request_context(base_url="https://wbl.example.org"):
        assert execute("complete-ended-placements", NOW).result == "1 placement(s) completed"
    db.session.refresh(placement)
    db.session.refresh(cast.offering)
    assert placement.status is PlacementStatus.COMPLETED
    assert placement.completed_at is not None
    assert placement.completed_by_id is None  # by its end date, no one's doing
    assert cast.offering.seats_taken == 0
    asked = {m.kind: m for m in db.session.scalars(select(OutboxMessage))}
    evaluation = asked["evaluation_requested"]
    assert evaluation.to_email == cast.employer.email
    assert f"https://wbl.example.org/evaluations/placements/{placement.id}" in evaluation.body_text
    reflection = asked["reflection_requested"]
    assert reflection.to_email == cast.student.user.email
    assert f"/evaluations/placements/{placement.id}/reflection" in reflection.body_text
    assert execute("complete-ended-placements", NOW).result == "0 placement(s) completed"
    kinds = [m.kind for m in db.session.scalars(select(OutboxMessage))]
    assert kinds.count("evaluation_requested") == kinds.count("reflection_requested") == 1
    db.session.refresh(cast.offering)
    assert cast.offering.seats_taken == 0


def test_a_failing_job_is_recorded_not_raised(app, monkeypatch) -> None:
    def boom(now: datetime) -> str:
        raise RuntimeError("the mail server is on fire")

    monkeypatch.setattr("wbl.rounds.jobs.run_due_rounds", boom)
    run = execute("run-due-rounds", NOW)
    assert run.ok is False
    assert "the mail server is on fire" in run.result


def test_every_job_runs_cleanly_on_an_empty_day(app) -> None:
    for job in JOBS:
        assert execute(job.id, NOW).ok, job.id
    assert db.session.scalar(select(db.func.count(JobRun.id))) == len(JOBS)


def test_every_scheduler_keeps_every_job_in_memory_on_the_same_due_times(app) -> None:
    schedulers = []
    try:
        for _ in range(2):  # two processes' schedulers, started a moment apart
            scheduler = build_scheduler(app, BackgroundScheduler, timezone="America/Los_Angeles")
            register_jobs(scheduler, app.config)
            scheduler.start(paused=True)
            schedulers.append(scheduler)
            time.sleep(0.01)
        first, second = ({job.id: job for job in s.get_jobs()} for s in schedulers)
        assert set(first) == set(second) == {job.id for job in JOBS}
        assert all(job.func_ref == "wbl.scheduler:run_job" for job in first.values())
        for job in JOBS:
            if not job.at_start:  # (the outbox also runs when each one starts)
                assert first[job.id].next_run_time == second[job.id].next_run_time, job.id
        rounds = first["run-due-rounds"].next_run_time
        assert (rounds.minute % 15, rounds.second, rounds.microsecond) == (0, 0, 0)
        digest = first["supervisor-digest"].next_run_time
        assert (digest.strftime("%a"), digest.hour, digest.minute) == ("Mon", 7, 0)
        register_jobs(schedulers[0], app.config)  # registering again replaces, never adds
        assert len(schedulers[0].get_jobs()) == len(JOBS)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=False)


def test_each_job_runs_with_the_time_it_was_due(app, monkeypatch) -> None:
    """APScheduler's own scheduled run time reaches ``run_job`` as ``due``: the key of the lease
    that every scheduler waking for that time asks for."""
    called: list[dict[str, object]] = []
    finished = threading.Event()

    def record(**kwargs: object) -> None:
        called.append(kwargs)
        finished.set()

    scheduler = build_scheduler(app, BackgroundScheduler, timezone="UTC")
    due = datetime.now(UTC) + timedelta(milliseconds=300)
    scheduler.add_job(record, "date", run_date=due, kwargs={"job_id": "expire-consents"})
    scheduler.start()
    try:
        assert finished.wait(30)
        while scheduler.get_jobs():  # a one-off: the scheduler forgets it once it is submitted
            time.sleep(0.01)
    finally:
        scheduler.shutdown(wait=True)
    assert called == [{"job_id": "expire-consents", "due": due}]


def test_the_jobs_page_says_when_no_scheduler_runs(client, login_as, app) -> None:
    login_as(make_user(roles={Role.STAFF}))
    assert "Scheduler not running" in client.get("/admin/jobs").get_data(as_text=True)
    now = datetime.now(UTC)
    assert leases.take("deliver-outbox", now, "host:1", now).taken  # a scheduler woke
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "Scheduler not running" not in page
    assert page.count(" PST</td>") + page.count(" PDT</td>") >= len(JOBS)  # each next run


@pytest.mark.parametrize(
    ("roles", "expected"), [(None, 302), ({Role.TEACHER}, 403), ({Role.STAFF}, 200)]
)
def test_the_jobs_page_is_for_staff(client, login_as, roles, expected) -> None:
    if roles:
        login_as(make_user(roles=roles))
    execute("close-stale-offerings", NOW)
    response = client.get("/admin/jobs")
    assert response.status_code == expected
    if expected == 200:
        html = response.get_data(as_text=True)
        assert "Close postings whose application deadline" in html
        assert "offering(s) closed" in html


def test_old_job_runs_are_forgotten_but_each_jobs_latest_stays(app) -> None:
    old = NOW - timedelta(days=31)
    for job_id, started in [
        ("deliver-outbox", old),
        ("deliver-outbox", old + timedelta(minutes=1)),
        ("deliver-outbox", NOW - timedelta(minutes=1)),
        ("teacher-digest", old),  # its latest: kept
    ]:
        db.session.add(JobRun(job_id=job_id, started_at=started, ok=True, result="."))
    for due in (old, NOW - timedelta(days=29)):  # a lease a month old goes, a newer one stays
        assert leases.take("teacher-digest", due, "host:1", due).taken
    db.session.flush()
    run = execute("prune-job-runs", NOW)
    assert run.result == "2 old job run(s) and 1 lease(s) forgotten"
    kept = db.session.execute(select(JobRun.job_id, JobRun.started_at).order_by(JobRun.id)).all()
    assert [tuple(row) for row in kept] == [
        ("deliver-outbox", NOW - timedelta(minutes=1)),
        ("teacher-digest", old),
        ("prune-job-runs", NOW),
    ]
    assert execute("prune-job-runs", NOW).result == "0 old job run(s) and 0 lease(s) forgotten"
