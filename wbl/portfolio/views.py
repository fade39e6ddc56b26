"""The student's portfolio artifacts (drafts from completed placements)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")
