"""The student's choice of what goes into their learner record."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import RadioField, SelectChoice
from wtforms.validators import InputRequired

from wbl.fields import CheckboxesField

FORMATS = (
    SelectChoice("jwt", _l("Signed (.jwt): for a wallet, a college or an employer to verify")),
    SelectChoice("json", _l("Readable (.json): the same record, unsigned")),
)


class RecordForm(FlaskForm):
    items = CheckboxesField(
        _l("What goes in"),
        validate_choice=True,
        validators=[InputRequired(message=_l("Choose at least one thing to put in your record."))],
    )
    format = RadioField(
        _l("Format"),
        choices=list(FORMATS),
        default="jwt",
        validators=[InputRequired(message=_l("Choose a format."))],
    )
