"""Staff keep partners and offerings; employers propose offerings and changes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/catalog")
