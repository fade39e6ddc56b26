"""What each scheduled job did, when: staff see the last run and its result on a page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wbl.extensions import Base, utcnow


class JobRun(Base):
    __tablename__ = "job_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(60), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    ok: Mapped[bool] = mapped_column(default=False)
    result: Mapped[str] = mapped_column(Text, default="")


class JobLease(Base):
    """One due time of one job, and the scheduler process that took it: the row is what lets
    any number of schedulers run, each job still running once per due time (wbl/jobs/leases.py).
    The key is (job, due time), so of the schedulers that wake for Monday's 07:00 digest the
    first to insert the row runs it and the others find it taken. ``expires_at`` is pushed on
    while the holder works; a holder that died stops pushing it, and after it passes another
    scheduler takes the due time over (``attempts`` counts the takers). ``finished_at`` is set
    when the run is over (recorded in ``job_run``, ok or not)."""

    __tablename__ = "job_lease"

    job_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))  # "host:pid" of the scheduler process
    taken_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=1)
