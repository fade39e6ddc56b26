"""The scoring guide, portfolio submissions, reviewers and their scores."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reviews", __name__, url_prefix="/reviews")
