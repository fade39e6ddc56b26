"""/metrics: only with the configured bearer token, and values that follow what happens
(requests, the outbox, jobs, seats, imports)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from tests.support.builders import make_offering
from wbl.catalog.imports import What, import_file
from wbl.extensions import utcnow
from wbl.notifications.services import queue_message
from wbl.ops.metrics import job_period_seconds
from wbl.reference.models import ExperienceKind
from wbl.scheduler import JOBS, execute

TOKEN = "a-long-random-token-for-the-tests-0123456789"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def token(app: Flask, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    return TOKEN


def scrape(client: FlaskClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, by name and labels."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_without_a_configured_token_there_is_no_metrics_page(client) -> None:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer "],
)
def test_a_wrong_or_missing_token_is_refused(client, token, authorization) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "wbl_" not in response.get_data(as_text=True)


def test_the_right_token_gets_the_metrics_and_no_session(client, token) -> None:
    response = client.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "wbl_http_requests_total" in response.get_data(as_text=True)


def test_a_page_request_is_counted_by_endpoint_not_by_path(client, token) -> None:
    before = scrape(client)
    client.get("/login")
    client.get("/login")
    client.get("/no/such/page/42")
    after = scrape(client)
    labels = {"endpoint": "auth.login", "method": "GET", "status": "200"}
    assert value(after, "wbl_http_requests_total", **labels) == (
        value(before, "wbl_http_requests_total", **labels) + 2
    )
    latency = {"endpoint": "auth.login", "method": "GET"}
    assert value(after, "wbl_http_request_duration_seconds_count", **latency) == (
        value(before, "wbl_http_request_duration_seconds_count", **latency) + 2
    )
    unmatched = {"endpoint": "none", "method": "GET", "status": "404"}
    assert value(after, "wbl_http_requests_total", **unmatched) == (
        value(before, "wbl_http_requests_total", **unmatched) + 1
    )
    assert not any("/no/such" in str(labels) for _, labels in after)


def test_an_invented_method_is_one_label_value(client, token) -> None:
    before = scrape(client)
    client.open("/login", method="BREW")
    after = scrape(client)
    labels = {"endpoint": "none", "method": "other", "status": "405"}  # no route matched
    assert value(after, "wbl_http_requests_total", **labels) == (
        value(before, "wbl_http_requests_total", **labels) + 1
    )


def test_the_outbox_backlog_rises_with_a_queued_message(client, token) -> None:
    before = scrape(client)
    queue_message(kind="test", to="someone@example.org", subject="Hello", body="Hi")
    after = scrape(client)
    assert value(after, "wbl_outbox_unsent_messages") == (
        value(before, "wbl_outbox_unsent_messages") + 1
    )
    assert value(after, "wbl_outbox_oldest_unsent_age_seconds") >= 0
    assert value(after, "wbl_database_metrics_up") == 1


def test_a_job_that_succeeds_sets_its_last_success(client, token) -> None:
    name, labels = "wbl_job_last_success_timestamp_seconds", {"job_id": "prune-job-runs"}
    previous = value(scrape(client), name, **labels)
    started = utcnow()
    assert execute("prune-job-runs", started).ok
    success = value(scrape(client), name, **labels)
    assert success >= started.timestamp() > previous


def test_a_failed_run_is_not_a_success(client, token, monkeypatch) -> None:
    name, labels = "wbl_job_last_success_timestamp_seconds", {"job_id": "prune-signups"}
    previous = value(scrape(client), name, **labels)

    def broken(_now: datetime) -> str:
        raise RuntimeError("the job broke")

    monkeypatch.setattr("wbl.signup.jobs.prune_unconfirmed_signups", broken)
    assert not execute("prune-signups", utcnow()).ok
    assert value(scrape(client), name, **labels) == previous


def test_every_job_has_its_period(client, token) -> None:
    samples = scrape(client)
    periods = {job.id: value(samples, "wbl_job_period_seconds", job_id=job.id) for job in JOBS}
    assert periods["deliver-outbox"] == 60
    assert periods["run-due-rounds"] == 15 * 60
    assert periods["expire-consents"] == 60 * 60
    assert periods["close-stale-offerings"] == 24 * 60 * 60
    assert periods["supervisor-digest"] == 7 * 24 * 60 * 60
    assert all(period > 0 for period in periods.values())


def test_job_period_of_an_unknown_trigger_is_none() -> None:
    assert job_period_seconds({"trigger": "date"}) is None


def test_seats_taken_and_offered_follow_the_open_offerings(client, token) -> None:
    kind = ExperienceKind.INTERNSHIP.value
    before = scrape(client)
    offering = make_offering(kind=ExperienceKind.INTERNSHIP, capacity=7)
    offering.seats_taken = 3
    make_offering(kind=ExperienceKind.INTERNSHIP, capacity=50, status=offering.status.CLOSED)
    after = scrape(client)
    assert value(after, "wbl_offering_seats_capacity", kind=kind) == (
        value(before, "wbl_offering_seats_capacity", kind=kind) + 7
    )
    assert value(after, "wbl_offering_seats_taken", kind=kind) == (
        value(before, "wbl_offering_seats_taken", kind=kind) + 3
    )


def test_imports_are_counted_by_kind_and_outcome(client, token) -> None:
    clean = (ROOT / "docs/examples/partners.csv").read_bytes()
    before = scrape(client)
    import_file(What.PARTNERS, clean, "partners.csv", dry_run=True)
    import_file(What.PARTNERS, b"name\n", "partners.csv", dry_run=True)
    after = scrape(client)
    for outcome in ("checked", "refused"):
        labels = {"kind": What.PARTNERS.value, "outcome": outcome}
        assert value(after, "wbl_imports_total", **labels) == (
            value(before, "wbl_imports_total", **labels) + 1
        ), outcome


def test_several_worker_processes_are_added_up(app: Flask, tmp_path: Path) -> None:
    """With PROMETHEUS_MULTIPROC_DIR, what one process counted is in another's scrape: two
    "workers" answer requests and exit, a third answers the scrape."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "WBL_METRICS_TOKEN": TOKEN,
        "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
    }
    worker = (
        "from tests.conftest import make_test_config\n"
        "from wbl import create_app\n"
        "import os\n"
        "app = create_app(make_test_config(os.environ['TEST_DATABASE_URL']))\n"
        "app.config['METRICS_TOKEN'] = os.environ['WBL_METRICS_TOKEN']\n"
        "client = app.test_client()\n"
        "for _ in range(3):\n"
        "    assert client.get('/healthz').status_code == 200\n"
        "import sys\n"
        "if sys.argv[1] == 'scrape':\n"
        "    response = client.get('/metrics', headers={'Authorization': 'Bearer ' + "
        "os.environ['WBL_METRICS_TOKEN']})\n"
        "    print(response.get_data(as_text=True))\n"
    )
    for role in ("work", "work", "scrape"):
        done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
            [sys.executable, "-c", worker, role],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(done.stdout)
        for sample in family.samples
    }
    labels = {"endpoint": "ops.healthz", "method": "GET", "status": "200"}
    assert value(samples, "wbl_http_requests_total", **labels) == 9  # three processes' three
    assert value(samples, "wbl_outbox_unsent_messages") >= 0
    assert ("wbl_database_metrics_up", frozenset()) in samples


def test_a_multiprocess_folder_that_does_not_exist_is_refused_at_start(app, tmp_path) -> None:
    """Refused when the server starts, not by every request when it is counted."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "missing")}
    script = (
        "from tests.conftest import make_test_config\n"
        "from wbl import create_app\n"
        f"create_app(make_test_config({app.config['SQLALCHEMY_DATABASE_URI']!r}))\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "ConfigError: PROMETHEUS_MULTIPROC_DIR names" in done.stderr
