"""The supervisor's signed link from the weekly e-mail: decide those entries without signing in."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("hour_links", __name__, url_prefix="/hours/review")
