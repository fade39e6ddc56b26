from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wbl.access import AUTHENTICATED, Role, policy
from wbl.catalog import recommendations, services
from wbl.clock import local_today
from wbl.home.services import experience_type_names

bp = Blueprint("catalog", __name__, url_prefix="/offerings")


@bp.get("/<int:offering_id>")
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
