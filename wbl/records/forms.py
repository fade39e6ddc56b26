"""The student's choice of what goes into their learner record."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms.fields.choices import RadioField, SelectChoice
from wtforms.validators import InputRequired

from wbl.fields import CheckboxesField

FORMATS = (
    SelectChoice("jwt", "Signed (.jwt): for a wallet, a college or an employer to verify"),
    SelectChoice("json", "Readable (.json): the same record, unsigned"),
)


class RecordForm(FlaskForm):
    items = CheckboxesField(
        "What goes in",
        validate_choice=True,
        validators=[InputRequired(message="Choose at least one thing to put in your record.")],
    )
    format = RadioField(
        "Format",
        choices=list(FORMATS),
        default="jwt",
        validators=[InputRequired(message="Choose a format.")],
    )
