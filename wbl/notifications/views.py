from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wbl.access import Role, policy
from wbl.notifications import queries
from wbl.notifications.delivery import MAX_ATTEMPTS
from wbl.notifications.models import OutboxState
from wbl.pagination import page_number, paginate
from wbl.scopes import can_run_jobs

bp = Blueprint("notifications", __name__, url_prefix="/outbox")


@bp.get("/")
@policy(Role.STAFF)
def outbox() -> ResponseReturnValue:
    """Every message's delivery state, tries and last error, in the county's time zone, for
    the county-wide staff who run delivery (the outbox holds every district's mail).

    The bodies are shown only where the outbox is the mailbox (development and demos,
    ``SHOW_OUTBOX``): in production they carry live signed links — a password reset, a
    guardian's consent — that must reach only their recipient."""
    if not can_run_jobs(current_user):
        abort(403)
    try:
        state: OutboxState | None = OutboxState(request.args.get("state", ""))
    except ValueError:  # none, or one we do not know: the whole outbox
        state = None
    page = paginate(
        queries.outbox_newest_first(state),
        page=request.args.get("page", 1, type=page_number),
        per_page=25,
    )
    return render_template(
        "notifications/outbox.html",
        page=page,
        state=state,
        states=list(OutboxState),
        max_attempts=MAX_ATTEMPTS,
        mail_server=current_app.config.get("MAIL_SERVER", ""),
        show_bodies=current_app.config.get("SHOW_OUTBOX", False),
    )
