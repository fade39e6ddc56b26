"""The matching index is built once per catalog change, never on a user's request."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.support.builders import make_offering, make_student
from wbl.catalog import index_files, recommendations
from wbl.catalog.models import OfferingStatus
from wbl.catalog.recommendations import current_index, rebuild_index, recommendations_for
from wbl.clock import local_today
from wbl.extensions import db


def test_index_is_reused_until_the_catalog_changes(app) -> None:
    today = local_today()
    offering = make_offering()
    first = current_index(today)
    assert current_index(today) is first
    make_offering()  # published: the catalog changed
    second = current_index(today)
    assert second is not first
    assert current_index(today) is second
    offering.status = OfferingStatus.CLOSED
    db.session.flush()
    assert current_index(today) is not second
    assert current_index(today + timedelta(days=1)) is not current_index(today)


def test_a_taken_seat_reaches_the_recommendations(app) -> None:
    student = make_student()
    offering = make_offering(capacity=1, title="Last seat shadow")
    today = local_today()
    assert [r.offering.id for r in recommendations_for(student, today)] == [offering.id]
    offering.seats_taken = 1
    db.session.flush()
    assert recommendations_for(student, today) == []


def test_a_completed_placement_moves_the_student_along_the_continuum(app) -> None:
    """The type of a completed placement is an experience done: after a job shadow, an
    internship is the next step (and the shadow itself is not suggested again)."""
    from datetime import date

    from tests.support.evaluation_data import ended_placement
    from tests.support.placement_data import make_cast
    from wbl.reference.models import ExperienceKind

    cast = make_cast(born=date(2007, 1, 1))
    assert cast.offering.kind is ExperienceKind.JOB_SHADOW
    internship = make_offering(kind=ExperienceKind.INTERNSHIP, title="Clinic internship")
    ended_placement(cast)
    recs = {r.offering.id: r for r in recommendations_for(cast.student, local_today())}
    assert cast.offering.id not in recs
    assert "A good next step after your job shadow" in recs[internship.id].reasons


def _recommended_on_home(client) -> list[str]:
    """The titles under "Recommended for you" on the signed-in student's home."""
    body = client.get("/home").get_data(as_text=True)
    section = body.split('id="recs-heading"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'class="offering-link fw-semibold" href="[^"]*">([^<]+)</a>', section)


def test_a_student_who_writes_in_plain_words_sees_health_science_first(client, login_as) -> None:
    """Issue 24's student: no pathway chosen, plain words. The reference pathways' names
    reach the concept vocabulary through the index (the reason names Patient Care), and the
    home page shows the reason in the student's words, never a filler word."""
    from tests.support.builders import make_partner, pathway

    student = make_student(pathways=[])
    student.interests = "when people are hurt I want to be the one who helps them"
    make_offering(
        partner=make_partner(sector_code="ict"),
        title="Shadow a help desk technician",
        pathways=[pathway("ict.information_support_and_services")],
    )
    nurse = make_offering(title="Shadow a registered nurse")  # Patient Care, health
    db.session.flush()
    recs = recommendations_for(student, local_today())
    assert recs[0].offering.id == nurse.id
    assert recs[0].reasons[0] == "You wrote “hurt” → Patient Care"
    login_as(student.user)
    body = client.get("/home").get_data(as_text=True)
    assert "You wrote “hurt” → Patient Care" in body
    assert _recommended_on_home(client)[0] == "Shadow a registered nurse"


@pytest.fixture
def background(app, monkeypatch) -> list[date]:
    """Rebuilds as in production (off the request), except that the thread is not started:
    the days of the rebuilds asked for are recorded, and the test runs them itself."""
    asked: list[date] = []
    monkeypatch.setitem(app.config, "MATCHING_INDEX_IN_BACKGROUND", True)
    monkeypatch.setattr(recommendations, "_start_rebuild", lambda _app, today: asked.append(today))
    return asked


def test_after_a_catalog_change_requests_use_the_previous_index_until_the_new_one_is_built(
    client, login_as, background
) -> None:
    today = local_today()
    student = make_student()
    make_offering(title="Shadow a farrier")
    built = rebuild_index(today)
    login_as(student.user)
    assert _recommended_on_home(client) == ["Shadow a farrier"]

    make_offering(title="Shadow a vet")  # published: the catalog changed
    assert _recommended_on_home(client) == ["Shadow a farrier"]  # no request waits for it
    assert _recommended_on_home(client) == ["Shadow a farrier"]
    assert current_index(today) is built
    assert background == [today]  # one rebuild asked for, however many requests come

    rebuild_index(today)  # what the background thread runs
    assert sorted(_recommended_on_home(client)) == ["Shadow a farrier", "Shadow a vet"]
    assert current_index(today) is not built
    assert background == [today]


class _BuildUnderWay:
    """The build's lock while a thread holds it: whoever takes it would wait."""

    def __enter__(self) -> None:
        raise AssertionError("a request waited for the index being built")

    def __exit__(self, *_: object) -> None:
        return None


def test_a_request_does_not_wait_for_a_build_under_way(
    client, login_as, background, monkeypatch
) -> None:
    today = local_today()
    student = make_student()
    make_offering(title="Shadow a farrier")
    rebuild_index(today)
    login_as(student.user)
    make_offering(title="Shadow a vet")
    monkeypatch.setattr(recommendations._cache(), "building", _BuildUnderWay())
    assert _recommended_on_home(client) == ["Shadow a farrier"]
    assert _recommended_on_home(client) == ["Shadow a farrier"]


def test_an_offering_filled_or_closed_since_the_index_was_built_is_not_recommended(
    background,
) -> None:
    today = local_today()
    student = make_student()
    full = make_offering(capacity=1, title="Last seat shadow")
    closed = make_offering(title="Closing shadow")
    rebuild_index(today)
    full.seats_taken = 1
    closed.status = OfferingStatus.CLOSED
    db.session.flush()
    assert recommendations_for(student, today) == []  # the index still holds both
    assert background == [today]


def test_the_background_rebuild_serves_the_new_index_and_survives_a_failure(
    app, background, monkeypatch
) -> None:
    today = local_today()
    make_offering()
    old = rebuild_index(today)
    make_offering()
    assert current_index(today) is old

    def fail(_today: date) -> None:
        raise RuntimeError("no database")

    with monkeypatch.context() as patch:
        patch.setattr(recommendations, "_build", fail)
        recommendations._rebuild_in_background(app, today)  # logged, not raised
    assert current_index(today) is old
    assert background == [today, today]  # the failure let the next request ask again

    recommendations._rebuild_in_background(app, today)
    assert current_index(today) is not old


# --- one build per server: the index on disk (wbl/catalog/index_files.py) ------------------


@pytest.fixture
def shared_folder(app, monkeypatch, tmp_path):
    """The workers' shared folder, as in production (the tests' default is none)."""
    folder = tmp_path / "matching-index"
    monkeypatch.setitem(app.config, "MATCHING_INDEX_FOLDER", str(folder))
    return folder


def _another_worker(app) -> None:
    """What a second worker process has: no index of its own yet."""
    app.extensions.pop("wbl.matching_index", None)


def test_a_second_worker_loads_the_index_the_first_one_built(
    app, shared_folder, monkeypatch
) -> None:
    today = local_today()
    student = make_student()
    offering = make_offering(title="Shadow a farrier")
    built = rebuild_index(today)
    assert len(list(shared_folder.glob("*.index"))) == 1

    _another_worker(app)

    def must_not_build(_today: date) -> None:
        raise AssertionError("the second worker built the index again")

    monkeypatch.setattr(recommendations, "_build", must_not_build)
    loaded = current_index(today)
    assert loaded is not built  # its own copy, read from the file
    assert [r.offering.id for r in recommendations_for(student, today)] == [offering.id]


def test_a_new_catalog_gets_a_new_file_and_old_files_are_forgotten(app, shared_folder) -> None:
    today = local_today()
    make_offering()
    rebuild_index(today)
    first = set(shared_folder.glob("*.index"))
    make_offering()  # the catalog changed: another fingerprint, another file
    rebuild_index(today)
    assert len(set(shared_folder.glob("*.index")) - first) == 1
    for _ in range(index_files.KEEP + 2):
        make_offering()
        rebuild_index(today)
    assert len(list(shared_folder.glob("*.index"))) == index_files.KEEP
    assert not list(shared_folder.glob("*.tmp"))  # every file was written whole


def test_a_damaged_index_file_is_built_again(app, shared_folder, caplog) -> None:
    today = local_today()
    student = make_student()
    offering = make_offering(title="Shadow a farrier")
    rebuild_index(today)
    (file,) = shared_folder.glob("*.index")
    file.write_bytes(b"not an index")
    _another_worker(app)
    assert [r.offering.id for r in recommendations_for(student, today)] == [offering.id]
    assert "could not be read; building it again" in caplog.text
    assert index_files.load(file) is not None  # written again, whole


def test_a_web_server_starts_the_index_when_it_starts(app, background) -> None:
    """``wsgi.py`` calls ``warm_up``: the build starts before any request, once."""
    _another_worker(app)  # a worker that has just started
    recommendations.warm_up(app)
    recommendations.warm_up(app)
    assert background == [local_today()]


def test_warm_up_waits_for_nothing_when_indexes_are_built_in_place(app, monkeypatch) -> None:
    asked: list[date] = []
    monkeypatch.setattr(recommendations, "_start_rebuild", lambda _app, today: asked.append(today))
    _another_worker(app)
    recommendations.warm_up(app)  # the tests' configuration: built on the request, in place
    assert asked == []


def test_a_forked_worker_starts_with_a_cache_of_its_own(app) -> None:
    cache = recommendations._cache()
    cache.index = current_index(local_today())
    cache.process = -1  # as if this cache came from the parent of a forked worker
    fresh = recommendations._cache()
    assert fresh is not cache
    assert fresh.index is None


@pytest.mark.parametrize(("command", "warmed"), [(False, True), (True, False)])
def test_wsgi_warms_the_index_up_for_a_server_not_for_a_flask_command(
    tmp_path, command: bool, warmed: bool
) -> None:
    """Importing ``wsgi`` as gunicorn does starts the build; a ``flask`` command does not
    (it has no students to serve)."""
    root = Path(__file__).resolve().parents[3]
    script = (
        "from wbl.catalog import recommendations\n"
        "recommendations._start_rebuild = lambda app, today: print('warming up')\n"
        "import wsgi\n"
    )
    env = {
        **os.environ,
        "WBL_CONFIG": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'wbl.sqlite'}",
        "WBL_MATCHING_INDEX_FOLDER": str(tmp_path / "matching-index"),
    }
    env.pop("FLASK_RUN_FROM_CLI", None)
    if command:
        env["FLASK_RUN_FROM_CLI"] = "true"
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    assert ("warming up" in result.stdout) is warmed


def test_a_worker_asks_for_the_fingerprint_at_most_every_few_seconds(
    app, monkeypatch, count_queries
) -> None:
    """The catalog's fingerprint is a statement; a busy worker asks for it once per interval.
    The live rows are still checked on every request (closed or filled offerings above)."""
    today = local_today()
    make_offering(title="Shadow a farrier")
    first = current_index(today)
    monkeypatch.setitem(app.config, "MATCHING_INDEX_CHECK_SECONDS", 3600.0)
    current_index(today)  # asks, and trusts the answer for an hour
    make_offering(title="Shadow a vet")
    with count_queries() as asked:
        assert current_index(today) is first
    assert asked.count == 0
    assert current_index(today + timedelta(days=1)) is not first  # a new day is always asked
    recommendations._cache().trusted_until = 0.0  # the interval is over
    assert current_index(today) is not first
    trusted = current_index(today)
    monkeypatch.setitem(app.config, "MATCHING_INDEX_CHECK_SECONDS", 0.0)  # back to asking always
    make_offering(title="Shadow a baker")
    assert current_index(today) is not trusted  # whatever an earlier interval promised


def test_a_server_builds_the_index_in_a_process_of_its_own(tmp_path) -> None:
    """With a shared folder (as in production) a worker asks a new interpreter to build and
    write the index, and only loads it: scikit-learn never enters the web worker."""
    root = Path(__file__).resolve().parents[3]
    script = f"""
import sys
from config import TestingConfig
from tests.support.database import prepare_database
from wbl import create_app
from wbl.extensions import db

class Config(TestingConfig):
    SQLALCHEMY_DATABASE_URI = {f"sqlite:///{tmp_path / 'wbl.sqlite'}"!r}
    MATCHING_INDEX_FOLDER = {str(tmp_path / "matching-index")!r}
    MATCHING_INDEX_BUILD_PROCESS = True

app = create_app(Config)
with app.app_context():
    prepare_database(app)
    from tests.support.builders import make_offering
    make_offering(title="Shadow a farrier")
    db.session.commit()
    from wbl.catalog import recommendations
    from wbl.clock import local_today
    index = recommendations.rebuild_index(local_today())
    print("offerings", len(index), "sklearn", "sklearn" in sys.modules)
"""
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "offerings 1 sklearn False" in result.stdout
    assert "written by its own process" in result.stderr
    assert len(list((tmp_path / "matching-index").glob("*.index"))) == 1


def test_when_the_builder_process_fails_the_worker_builds_the_index_itself(
    app, shared_folder, monkeypatch, caplog
) -> None:
    today = local_today()
    student = make_student()
    offering = make_offering(title="Shadow a farrier")
    monkeypatch.setitem(app.config, "MATCHING_INDEX_BUILD_PROCESS", True)
    monkeypatch.setitem(app.config, "MATCHING_INDEX_BUILD_TIMEOUT", 0.001)  # it cannot finish
    assert [r.offering.id for r in recommendations_for(student, today)] == [offering.id]
    assert "took too long; building it here" in caplog.text
    assert len(list(shared_folder.glob("*.index"))) == 1  # written for the other workers
