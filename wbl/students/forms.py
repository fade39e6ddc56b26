from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from wbl.fields import CheckboxesField, SelectField, SelectMultipleField
from wbl.http import db_int
from wbl.students.models import AVAILABILITY_CHOICES, Transportation
from wbl.students.services import MAX_TRAVEL_MILES


class ProfileForm(FlaskForm):
    home_zip = StringField(
        "Home ZIP code",
        validators=[DataRequired(), Length(max=10)],
        description="Used to find opportunities near you. We never ask for your street address.",
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code"},
    )
    max_travel_miles = IntegerField(
        "Travel limit (miles)",
        validators=[InputRequired(), NumberRange(min=1, max=MAX_TRAVEL_MILES)],
    )
    transportation = SelectField(
        "How do you get around?",
        choices=[SelectChoice(t.value, t.label) for t in Transportation],
    )
    pathway_ids = SelectMultipleField(
        "Career pathways that interest you",
        coerce=db_int,
        description="Up to three. Hold Ctrl (or ⌘) to choose more than one.",
        render_kw={"size": 10},
    )
    interests = TextAreaField(
        "In your own words: what would you like to do or learn?",
        validators=[Length(max=1000)],
        render_kw={"rows": 4},
    )
    availability = CheckboxesField(
        "When are you available?",
        choices=[SelectChoice(value, label) for value, label in AVAILABILITY_CHOICES.items()],
    )
    submit = SubmitField("Save my profile")
