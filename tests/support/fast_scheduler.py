"""``flask --app wsgi scheduler`` on a fast calendar, for the test that runs several schedulers
on one database (tests/wbl/jobs/test_schedulers.py). Every job of the list, with its own body,
runs through the real scheduler, executor, lease and record; only its trigger is replaced by
a wall-clock one due every ``EVERY`` seconds (as the real cron times are wall-clock times every
scheduler agrees on), so the job clock runs through many due times in a few seconds.

Run as ``python -m tests.support.fast_scheduler`` with the environment of ``flask --app wsgi``.
"""

from __future__ import annotations

import dataclasses
import sys

from flask.cli import main

import wbl.scheduler

EVERY = 2  # seconds between due times, for every job


def fast_calendar() -> None:
    wbl.scheduler.JOBS = tuple(
        dataclasses.replace(job, trigger={"trigger": "cron", "second": f"*/{EVERY}"})
        for job in wbl.scheduler.JOBS
    )


if __name__ == "__main__":
    fast_calendar()
    sys.argv = ["flask", "--app", "wsgi", "scheduler"]
    main()
