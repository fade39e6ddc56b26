from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from wbl.access import Role, policy
from wbl.extensions import db
from wbl.notifications import queries
from wbl.notifications.delivery import MAX_ATTEMPTS
from wbl.notifications.models import OutboxState

bp = Blueprint("notifications", __name__, url_prefix="/outbox")


@bp.get("/")
@policy(Role.STAFF)
def outbox() -> ResponseReturnValue:
    """The outbox, shown in development and demos so e-mail can be followed without SMTP:
    each message's delivery state, tries and last error, in the county's time zone."""
    if not current_app.config.get("SHOW_OUTBOX"):
        abort(404)
    try:
        state: OutboxState | None = OutboxState(request.args.get("state", ""))
    except ValueError:  # none, or one we do not know: the whole outbox
        state = None
    page = db.paginate(
        queries.outbox_newest_first(state),
        page=request.args.get("page", 1, type=int),
        per_page=25,
        error_out=False,
    )
    return render_template(
        "notifications/outbox.html",
        page=page,
        state=state,
        states=list(OutboxState),
        max_attempts=MAX_ATTEMPTS,
        mail_server=current_app.config.get("MAIL_SERVER", ""),
    )
