"""Pathways pages. (Blueprint registered in ``wbl/__init__.py``; views to come.)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pathways", __name__, url_prefix="/pathways")
