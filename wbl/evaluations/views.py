"""The end of a placement: the supervisor's evaluation, the student's reflection."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations")
