from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wbl.access import AUTHENTICATED, PUBLIC, Role, policy
from wbl.catalog import recommendations, services
from wbl.clock import local_today
from wbl.home.services import experience_type_names

bp = Blueprint("catalog", __name__)


@bp.get("/offerings/<int:offering_id>")
@policy(AUTHENTICATED)
def offering_detail(offering_id: int) -> ResponseReturnValue:
    offering = services.get_offering(current_user, offering_id)
    today = local_today()
    fit = None
    if current_user.role_set & {Role.STAFF, Role.ADMIN, Role.EMPLOYER}:
        fit = recommendations.students_who_fit(current_user, offering, today)
    return render_template(
        "catalog/offering_detail.html",
        offering=offering,
        fit=fit,
        kind_names=experience_type_names(),
        today=today,
    )


# An SVG opened on its own is a document: it may run nothing and load nothing.
_SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@bp.get("/partners/<int:partner_id>/logo")
@policy(PUBLIC)
def partner_logo(partner_id: int) -> ResponseReturnValue:
    """A partner's logo (public: the endorsement page shows them). Served from storage under
    its generated key with the type sniffed at upload, cached for a day."""
    logo = services.partner_logo(partner_id)
    response = Response(logo.data, mimetype=logo.content_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    if logo.content_type == "image/svg+xml":
        response.headers["Content-Security-Policy"] = _SVG_POLICY
    return response
