from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from wbl.fields import CheckboxesField, SelectField
from wbl.http import db_int

EXPIRY_CHOICES = [
    SelectChoice(30, "30 days"),
    SelectChoice(90, "90 days"),
    SelectChoice(180, "180 days"),
    SelectChoice(365, "1 year"),
]


class TokenForm(FlaskForm):
    """A personal or service token: its name, scopes (the choices the account may give) and
    how long it lasts."""

    name = StringField(
        "Name",
        validators=[DataRequired(), Length(max=80)],
        description="What it is for, so that you recognise it later: “SIS nightly sync”.",
    )
    scopes = CheckboxesField("Scopes", validate_choice=True)
    days = SelectField("Expires after", coerce=db_int, choices=EXPIRY_CHOICES, default=90)


class RevokeForm(FlaskForm):
    pass
