from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from wbl.fields import CheckboxesField, SelectField, SelectMultipleField
from wbl.http import db_int
from wbl.students.models import AVAILABILITY_CHOICES, TRANSPORTATION_LABELS, Transportation
from wbl.students.services import MAX_INTERESTS_CHARS, MAX_PATHWAYS, MAX_TRAVEL_MILES


class ProfileForm(FlaskForm):
    home_zip = StringField(
        _l("Home ZIP code"),
        validators=[DataRequired(), Length(max=10)],
        description=_l(
            "Used to find opportunities near you. We never ask for your street address."
        ),
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code"},
    )
    max_travel_miles = IntegerField(
        _l("Travel limit (miles)"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_TRAVEL_MILES)],
    )
    transportation = SelectField(
        _l("How do you get around?"),
        choices=[SelectChoice(t.value, TRANSPORTATION_LABELS[t.value]) for t in Transportation],
    )
    pathway_ids = SelectMultipleField(
        _l("Career pathways that interest you"),
        coerce=db_int,
        description=_l("Up to three. Hold Ctrl (or ⌘) to choose more than one."),
        render_kw={"size": 10},
    )
    interests = TextAreaField(
        _l("In your own words: what would you like to do or learn?"),
        validators=[Length(max=MAX_INTERESTS_CHARS)],
        render_kw={"rows": 4},
    )
    availability = CheckboxesField(
        _l("When are you available?"),
        choices=[SelectChoice(value, label) for value, label in AVAILABILITY_CHOICES.items()],
    )
    submit = SubmitField(_l("Save my profile"))


class InterestCheckForm(FlaskForm):
    """The interest check's statements. Unknown ids are the service's to explain (the
    statements may have changed while the page was open), so the choices are not checked."""

    statements = CheckboxesField(
        _l("Which of these would you enjoy?"),
        description=_l("Tick every one that sounds like you. There are no wrong answers."),
        validate_choice=False,
    )
    submit = SubmitField(_l("See my suggestions"))


class InterestCheckConfirmForm(FlaskForm):
    """The result page: the statements the student ticked (carried along, space-separated)
    and the suggestions they keep ticked. Nothing is saved before this form is sent."""

    statements = HiddenField()
    pathway_ids = CheckboxesField(
        _l("Pathways to add to your profile"),
        coerce=db_int,
        description=_l(
            "The best fits are ticked, as many as your profile has room for (up to "
            "%(most)s pathways in all). Untick any you do not want.",
            most=MAX_PATHWAYS,
        ),
        validate_choice=False,
    )
    words = CheckboxesField(
        _l("Words to add to “In your own words”"),
        description=_l("They go on a new line under what you wrote. Nothing you wrote is changed."),
        validate_choice=False,
    )
    submit = SubmitField(_l("Add to my profile"))
