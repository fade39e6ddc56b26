"""Readiness forms: shape only (the service checks scope, the list and the date)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SubmitField
from wtforms.validators import InputRequired

from wbl.fields import CheckboxesField, SelectField
from wbl.http import db_int


class RecordActivityForm(FlaskForm):
    activity_id = SelectField("Activity", coerce=db_int, validators=[InputRequired()])
    completed_on = DateField(
        "Done on",
        validators=[InputRequired(message="Enter the day the student did it.")],
        description="Not in the future.",
    )
    submit = SubmitField("Record")


class RemoveRecordForm(FlaskForm):
    submit = SubmitField("Remove")


class ClassRecordForm(FlaskForm):
    activity_id = SelectField("Activity", coerce=db_int, validators=[InputRequired()])
    completed_on = DateField(
        "Done on",
        validators=[InputRequired(message="Enter the day the class did it.")],
        description="Not in the future.",
    )
    student_ids = CheckboxesField("Students who took part", coerce=db_int)
    submit = SubmitField("Record for the ticked students")
