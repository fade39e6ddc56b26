"""Forms for the catalog import screens (shape only; the import service checks the rules)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import HiddenField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from wbl.fields import SelectField

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class SpreadsheetForm(FlaskForm):
    """One CSV or XLSX file to check (the credential imports use it as it is)."""

    file = FileField(
        "Spreadsheet (.csv or .xlsx)",
        validators=[
            FileRequired("Choose a .csv or .xlsx file."),
            FileAllowed(
                ["csv", "xlsx"],
                "Only .csv and .xlsx files can be imported. In Excel, use File > Save As and "
                "choose “Excel Workbook (.xlsx)” or “CSV UTF-8 (Comma delimited)”.",
            ),
            FileSize(
                max_size=MAX_UPLOAD_BYTES,
                message="The file is larger than 5 MB. Split it into smaller files.",
            ),
        ],
        description="A CSV (UTF-8) or Excel workbook (.xlsx) with the columns listed below. "
        "Nothing is imported until you have seen the check and confirmed. Up to 5 MB.",
        render_kw={"accept": ".csv,.xlsx"},
    )


class ImportUploadForm(SpreadsheetForm):
    what = SelectField(
        "What does the file hold?",
        choices=[SelectChoice("partners", "Partners"), SelectChoice("offerings", "Offerings")],
        default="partners",
        validators=[DataRequired("Choose partners or offerings.")],
    )


class ConfirmImportForm(FlaskForm):
    """Carries the signed token of a checked upload; the file itself stays on the server."""

    token = HiddenField(validators=[DataRequired()])
