"""Experience logs (per student, class, school) and the staff hours report."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("logs", __name__, url_prefix="/logs")
