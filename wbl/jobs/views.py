"""Administration ▸ Scheduled jobs: the job list (wbl/scheduler.py) with each job's next and
last run; county-wide staff may run one now."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wbl.access import Role, policy
from wbl.errors import flash_refusal
from wbl.jobs.forms import RunJobForm
from wbl.jobs.services import run_job_now
from wbl.scheduler import job_statuses
from wbl.scopes import can_run_jobs

bp = Blueprint("jobs", __name__, url_prefix="/admin")


@bp.get("/jobs")
@policy(Role.STAFF)
def index() -> ResponseReturnValue:
    """The scheduled jobs: what each does, when it runs next, and how its last run went."""
    return render_template(
        "jobs/index.html",
        statuses=job_statuses(),
        can_run=can_run_jobs(current_user),
    )


@bp.post("/jobs/<job_id>/run")
@policy(Role.STAFF)
def run_now(job_id: str) -> ResponseReturnValue:
    """Run now: the job runs in this request, as the scheduler would run it."""
    if not RunJobForm().validate_on_submit():
        abort(400)
    with flash_refusal() as attempt:
        run = run_job_now(current_user, job_id)
    if attempt.ok:
        if run.ok:
            flash(f"{job_id} ran: {run.result}", "success")
        else:
            flash(f"{job_id} failed: {run.result}", "danger")
    return redirect(url_for("jobs.index"))
