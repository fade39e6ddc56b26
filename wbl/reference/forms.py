from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange


class ReferenceRowForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Length(max=2000)], render_kw={"rows": 3})
    position = IntegerField(
        "Order",
        validators=[NumberRange(min=0, max=999)],
        description="Lists are sorted by this number, smallest first.",
    )
    active = BooleanField("Active (offered in forms and filters)")
    submit = SubmitField("Save changes")
