from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from wbl.access import Role, policy
from wbl.extensions import db
from wbl.http import db_int
from wbl.notifications import queries

bp = Blueprint("notifications", __name__, url_prefix="/outbox")


@bp.get("/")
@policy(Role.STAFF)
def outbox() -> ResponseReturnValue:
    """The outbox, shown in development and demos so e-mail can be followed without SMTP."""
    if not current_app.config.get("SHOW_OUTBOX"):
        abort(404)
    page = db.paginate(
        queries.outbox_newest_first(),
        page=request.args.get("page", 1, type=db_int),
        per_page=25,
        error_out=False,
    )
    return render_template("notifications/outbox.html", page=page)
