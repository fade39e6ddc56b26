"""Forms for the roster screens (shape only; the roster import checks the files)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import HiddenField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from wbl.fields import SelectField
from wbl.roster.demographics import GroupBy

# The app refuses any request over MAX_CONTENT_LENGTH (12 MB); the file must leave room for
# the rest of the form. Larger rosters go through ``flask --app wsgi roster import PATH``.
MAX_UPLOAD_BYTES = 12 * 1024 * 1024 - 64 * 1024


class RosterUploadForm(FlaskForm):
    file = FileField(
        "OneRoster file (.zip)",
        validators=[
            FileRequired("Choose the .zip file your student information system exported."),
            FileAllowed(
                ["zip"],
                "Only a .zip file can be imported: the OneRoster CSV files (manifest.csv, "
                "orgs.csv, users.csv and the rest) zipped together.",
            ),
            FileSize(
                max_size=MAX_UPLOAD_BYTES,
                message="The file is larger than 12 MB. Import it on the server with "
                "flask --app wsgi roster import PATH.",
            ),
        ],
        description="The OneRoster 1.1 or 1.2 CSV export, zipped. Nothing is imported until "
        "you have seen the check and confirmed. Up to 12 MB.",
        render_kw={"accept": ".zip,application/zip"},
    )


class ConfirmRosterForm(FlaskForm):
    """Carries the signed token of a checked roster; the file itself stays on the server."""

    token = HiddenField(validators=[DataRequired()])


class DemographicsForm(FlaskForm):
    class Meta:
        csrf = False  # a GET choice of view: nothing changes, and the URL stays shareable

    by = SelectField(
        "Count by",
        choices=[
            SelectChoice(GroupBy.DISTRICT.value, "District"),
            SelectChoice(GroupBy.SCHOOL.value, "School"),
        ],
        default=GroupBy.DISTRICT.value,
        validators=[Optional()],
    )
