"""Interview panels, the Work Ready Certificate and its public verification page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("certificates", __name__)
