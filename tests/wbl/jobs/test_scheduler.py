"""The scheduler: one list of jobs in a database job store; idempotent job bodies run with
a fixed clock; every run recorded for the staff page."""

from __future__ import annotations

import gc
from datetime import UTC, date, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from tests.support.builders import make_offering, make_user
from tests.support.placement_data import approved, make_cast
from wbl.access import Role
from wbl.catalog.models import OfferingStatus
from wbl.extensions import db
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


def test_the_scheduler_keeps_every_job_in_the_database(app) -> None:
    scheduler = build_scheduler(app, BackgroundScheduler)
    register_jobs(scheduler, app.config)
    scheduler.start(paused=True)
    try:
        stored = {job.id: job for job in scheduler.get_jobs()}
        assert set(stored) == {job.id for job in JOBS}
        assert all(job.func_ref == "wbl.scheduler:run_job" for job in stored.values())
        register_jobs(scheduler, app.config)  # a restart replaces, never duplicates
        assert len(scheduler.get_jobs()) == len(JOBS)
    finally:
        scheduler.remove_all_jobs()
        store = scheduler._lookup_jobstore("default")  # to close its own connection pool
        scheduler.shutdown(wait=False)
        store.engine.dispose()
        gc.collect()


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
    db.session.flush()
    run = execute("prune-job-runs", NOW)
    assert run.result == "2 old job run(s) forgotten"
    kept = db.session.execute(select(JobRun.job_id, JobRun.started_at).order_by(JobRun.id)).all()
    assert [tuple(row) for row in kept] == [
        ("deliver-outbox", NOW - timedelta(minutes=1)),
        ("teacher-digest", old),
        ("prune-job-runs", NOW),
    ]
    assert execute("prune-job-runs", NOW).result == "0 old job run(s) forgotten"
