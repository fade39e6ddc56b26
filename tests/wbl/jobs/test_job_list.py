"""The job list in wbl/scheduler.py is THE list: every public function of a feature's
``jobs.py`` is a job and must be in it (a job nobody listed would never run), and everything
in it is such a function."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import wbl
from wbl.scheduler import BY_ID, JOBS


def job_functions() -> set[str]:
    """``"wbl.<feature>.jobs:<function>"`` for every public function defined in a feature's
    jobs module (helpers there are private: ``_name``)."""
    found: set[str] = set()
    for path in sorted(Path(wbl.__file__).parent.glob("*/jobs.py")):
        module = importlib.import_module(f"wbl.{path.parent.name}.jobs")
        for name, value in vars(module).items():
            if (
                inspect.isfunction(value)
                and value.__module__ == module.__name__
                and not name.startswith("_")
            ):
                found.add(f"{module.__name__}:{name}")
    return found


def test_every_job_function_is_in_the_job_list() -> None:
    listed = {job.target for job in JOBS}
    assert job_functions() - listed == set(), "a job function the scheduler never runs"
    assert listed - job_functions() == set(), "a listed job that is not a jobs.py function"


def test_the_convention_finds_the_jobs_of_every_feature() -> None:
    modules = {name.partition(":")[0] for name in job_functions()}
    assert modules == {
        "wbl.catalog.jobs",
        "wbl.evaluations.jobs",
        "wbl.hours.jobs",
        "wbl.jobs.jobs",
        "wbl.notifications.jobs",
        "wbl.placements.jobs",
        "wbl.rounds.jobs",
        "wbl.signup.jobs",
    }


def test_every_job_takes_the_runs_time_and_has_its_own_id() -> None:
    assert len(BY_ID) == len(JOBS)
    for job in JOBS:
        parameters = list(inspect.signature(job.body()).parameters)
        assert parameters == ["now"], job.id
