"""Letters of recommendation: the student asks by e-mail; the recommender uploads the
letter through a signed link."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("letters", __name__, url_prefix="/letters")
