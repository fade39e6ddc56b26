"""The staff hours report's filter: shape only (the report checks the range)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional


class ReportFilterForm(FlaskForm):
    """A GET form (a bookmarkable report), so no CSRF token."""

    class Meta:
        csrf = False

    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
