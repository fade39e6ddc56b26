"""Sign-ups' scheduled work (run by the scheduler process, see wbl/scheduler.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from wbl.extensions import atomic, db, rows_affected
from wbl.signup.models import SignupRequest, SignupStatus


@atomic
def prune_unconfirmed_signups(now: datetime) -> str:
    """Forget sign-up requests whose e-mail address was not confirmed while their link
    worked (``SIGNUP_CONFIRM_MAX_AGE``): they never reached staff, and nobody asked us to
    keep what a stranger typed about someone else's address. Idempotent."""
    stale = now - timedelta(seconds=current_app.config["SIGNUP_CONFIRM_MAX_AGE"])
    pruned = rows_affected(
        db.session.execute(
            delete(SignupRequest)
            .where(SignupRequest.status == SignupStatus.SUBMITTED, SignupRequest.created_at < stale)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    return f"{pruned} unconfirmed sign-up(s) forgotten"
