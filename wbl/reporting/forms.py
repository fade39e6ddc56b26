"""The reach dashboard's filters: read from the query string, so the URL can be shared."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from wbl.fields import SelectField


class ReachFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET choice of view: nothing changes, and the URL stays shareable

    year = SelectField("School year", validators=[Optional()])
    district = SelectField("District", validators=[Optional()])
    school = SelectField("School", validators=[Optional()])
    section = SelectField("Class", validators=[Optional()])  # a teacher's own classes
    group = SelectField("Student group", validators=[Optional()])  # staff's
    format = SelectField(  # the download's format (the page ignores it)
        "Format",
        choices=[SelectChoice("csv", "CSV"), SelectChoice("xlsx", "Excel (XLSX)")],
        validators=[Optional()],
    )
