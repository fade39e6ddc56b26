"""Externships pages. (Blueprint registered in ``wbl/__init__.py``; views to come.)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("externships", __name__, url_prefix="/externships")
