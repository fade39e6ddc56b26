"""Staff upload partner and offering files: a dry run first, then import on confirmation."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/catalog/import")
