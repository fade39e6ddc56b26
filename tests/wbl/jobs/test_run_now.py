"""Run now (Administration ▸ Scheduled jobs) and ``flask jobs run JOB_ID``: a job runs at once
through the scheduler's own ``execute``, is recorded, and its e-mails link to BASE_URL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import csrf_from
from tests.support.builders import make_district, make_user
from tests.support.hour_data import ADULT, place
from tests.support.placement_data import make_cast
from wbl.access import Role
from wbl.clock import local_today
from wbl.extensions import db
from wbl.hours import services as hours
from wbl.jobs.models import JobRun
from wbl.notifications.models import OutboxMessage
from wbl.scheduler import JOBS

BASE_URL = "https://wbl.example.org"


@pytest.fixture
def waiting_hours(app: Flask) -> str:
    """A supervisor with an hour entry waiting for them; returns their e-mail address."""
    cast = make_cast(born=ADULT)
    placement = place(cast)
    hours.log_hours(
        cast.student.user, placement.id, local_today() - timedelta(days=1), 60, "Fed the animals"
    )
    return cast.employer.email


@pytest.fixture
def base_url(app: Flask):  # type: ignore[no-untyped-def]
    saved = app.config["BASE_URL"]
    app.config["BASE_URL"] = BASE_URL
    yield BASE_URL
    app.config["BASE_URL"] = saved


def _run_now(client: FlaskClient, job_id: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/admin/jobs").get_data(as_text=True))
    return client.post(f"/admin/jobs/{job_id}/run", data={"csrf_token": token})


def _weekly_mail(to: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.to_email == to, OutboxMessage.kind == "hours_supervisor"
            )
        )
    )


def test_county_staff_run_the_supervisor_email_now(
    client: FlaskClient, login_as, waiting_hours: str, base_url: str
) -> None:
    login_as(make_user(roles={Role.STAFF}))
    response = _run_now(client, "supervisor-digest")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/jobs")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "supervisor-digest ran: 1 supervisor e-mail(s) queued" in page
    [mail] = _weekly_mail(waiting_hours)
    assert f"{base_url}/hours/review/" in mail.body_text  # the one-click link, on BASE_URL
    run = db.session.scalar(select(JobRun).where(JobRun.job_id == "supervisor-digest"))
    assert run is not None
    assert (run.ok, run.result) == (True, "1 supervisor e-mail(s) queued")
    _run_now(client, "supervisor-digest")  # a second run this week sends nothing twice
    assert len(_weekly_mail(waiting_hours)) == 1


def test_a_failing_job_run_now_is_flashed_as_failed(
    client: FlaskClient, login_as, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(now: object) -> str:
        raise RuntimeError("no rounds today")

    monkeypatch.setattr("wbl.rounds.jobs.run_due_rounds", boom)
    login_as(make_user(roles={Role.ADMIN}))
    db.session.commit()  # the failed job rolls its own work back, not the admin's account
    _run_now(client, "run-due-rounds")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "run-due-rounds failed: RuntimeError: no rounds today" in page


@pytest.mark.parametrize(
    ("who", "expected"), [("anonymous", 302), ("teacher", 403), ("district staff", 403)]
)
def test_only_county_staff_run_jobs(client: FlaskClient, login_as, who: str, expected: int) -> None:
    if who == "teacher":
        login_as(make_user(roles={Role.TEACHER}))
    elif who == "district staff":
        login_as(make_user(roles={Role.STAFF}, district=make_district()))
    token = csrf_from(
        client.get("/login" if who == "anonymous" else "/home").get_data(as_text=True)
    )
    response = client.post("/admin/jobs/close-stale-offerings/run", data={"csrf_token": token})
    assert response.status_code == expected
    assert db.session.scalar(select(JobRun).where(JobRun.job_id == "close-stale-offerings")) is None


def test_district_staff_see_the_jobs_without_run_now(client: FlaskClient, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}, district=make_district()))
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "Close postings whose application deadline" in page
    assert "Run now" not in page
    login_as(make_user(roles={Role.STAFF}))
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert page.count(">Run now</button>") == len(JOBS)  # one per job


def test_run_now_needs_the_form_token_and_a_known_job(client: FlaskClient, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    assert client.post("/admin/jobs/close-stale-offerings/run").status_code == 400
    assert _run_now(client, "no-such-job").status_code == 404
    assert db.session.scalar(select(JobRun)) is None


def test_flask_jobs_run(app: Flask, waiting_hours: str, base_url: str) -> None:
    result = app.test_cli_runner().invoke(args=["jobs", "run", "supervisor-digest"])
    assert result.exit_code == 0, result.output
    assert result.output == "supervisor-digest: 1 supervisor e-mail(s) queued\n"
    [mail] = _weekly_mail(waiting_hours)
    assert f"{base_url}/hours/review/" in mail.body_text


def test_flask_jobs_run_names_the_jobs_it_knows(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["jobs", "run", "supervisor-digests"])
    assert result.exit_code == 2
    assert "'supervisor-digests' is not one of" in result.output
    assert "'supervisor-digest'" in result.output
    assert "'deliver-outbox'" in result.output
    listing = app.test_cli_runner().invoke(args=["jobs", "list"])
    assert listing.exit_code == 0
    assert "deliver-outbox" in listing.output
    assert "supervisor-digest" in listing.output


def test_a_failing_flask_jobs_run_exits_non_zero(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(now: object) -> str:
        raise RuntimeError("no rounds today")

    monkeypatch.setattr("wbl.rounds.jobs.run_due_rounds", boom)
    result = app.test_cli_runner().invoke(args=["jobs", "run", "run-due-rounds"])
    assert result.exit_code == 1
    assert "run-due-rounds failed: RuntimeError: no rounds today" in result.output
