from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from wbl.fields import CheckboxesField
from wbl.http import db_int
from wbl.schools.services import MAX_NAME_LENGTH, MAX_PERIOD_LENGTH


class ClassForm(FlaskForm):
    name = StringField(
        "Class name",
        validators=[DataRequired(), Length(max=MAX_NAME_LENGTH)],
        description="As your students know it, e.g. “Animal Science 2”.",
    )
    period = StringField("Period", validators=[Length(max=MAX_PERIOD_LENGTH)])
    student_ids = CheckboxesField("Students in this class", coerce=db_int)
    submit = SubmitField("Save class")


class ArchiveForm(FlaskForm):
    submit = SubmitField("Remove from my classes")
