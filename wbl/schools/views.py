"""Teachers keep their classes (the groups class events are booked for)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("classes", __name__, url_prefix="/classes")
