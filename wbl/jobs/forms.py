from __future__ import annotations

from flask_wtf import FlaskForm


class RunJobForm(FlaskForm):
    """The "Run now" button of a scheduled job (CSRF only)."""
