from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from wbl.events.services import (
    MAX_CLASS_SIZE,
    MAX_DURATION,
    MAX_MESSAGE_LENGTH,
    MAX_NOTES_LENGTH,
    MAX_OPTIONS,
    MAX_TOPIC_LENGTH,
    MIN_DURATION,
)
from wbl.fields import CheckboxesField, SelectField
from wbl.http import db_int
from wbl.reference.models import ExperienceKind

OPTION_NUMBERS = tuple(range(1, MAX_OPTIONS + 1))


class EventRequestForm(FlaskForm):
    """Partner and kind are asked only when the request does not start from an offering
    (the view removes them otherwise). Date option 1 is required, 2 and 3 optional."""

    partner_id = SelectField("Partner", coerce=db_int, validators=[InputRequired()])
    kind = SelectField(
        "What would you like?",
        choices=[
            SelectChoice(ExperienceKind.GUEST_SPEAKER.value, "A guest speaker in the classroom"),
            SelectChoice(ExperienceKind.WORKPLACE_VISIT.value, "A class visit to the workplace"),
        ],
    )
    class_section_id = SelectField("Class", coerce=db_int, validators=[InputRequired()])
    class_size = IntegerField(
        "Number of students",
        validators=[Optional(), NumberRange(min=1, max=MAX_CLASS_SIZE)],
        description="Leave empty to use the number of students in the class.",
    )
    topic = StringField(
        "Topic",
        validators=[
            DataRequired("Say what the class would like to hear about or see."),
            Length(max=MAX_TOPIC_LENGTH),
        ],
        description="What the class would like to hear about or see.",
    )
    notes = TextAreaField(
        "Notes for the partner",
        validators=[Length(max=MAX_NOTES_LENGTH)],
        description="Anything that helps: what the class has studied, access needs, transport.",
        render_kw={"rows": 3},
    )
    date_1 = DateField("Date", validators=[InputRequired()])
    time_1 = TimeField("Start time", validators=[InputRequired()])
    duration_1 = IntegerField(
        "Length (minutes)",
        default=60,
        validators=[InputRequired(), NumberRange(min=MIN_DURATION, max=MAX_DURATION)],
    )
    date_2 = DateField("Date", validators=[Optional()])
    time_2 = TimeField("Start time", validators=[Optional()])
    duration_2 = IntegerField(
        "Length (minutes)",
        default=60,
        validators=[Optional(), NumberRange(min=MIN_DURATION, max=MAX_DURATION)],
    )
    date_3 = DateField("Date", validators=[Optional()])
    time_3 = TimeField("Start time", validators=[Optional()])
    duration_3 = IntegerField(
        "Length (minutes)",
        default=60,
        validators=[Optional(), NumberRange(min=MIN_DURATION, max=MAX_DURATION)],
    )
    submit = SubmitField("Send the request")

    def validate(self, extra_validators: object = None) -> bool:
        """An optional date option needs both its date and its start time."""
        valid = super().validate(extra_validators)
        for n in OPTION_NUMBERS[1:]:
            day, start = self[f"date_{n}"], self[f"time_{n}"]
            if day.data and not start.data and not start.errors:
                start.errors = [*start.errors, "Enter a start time for this date."]
                valid = False
            if start.data and not day.data and not day.errors:
                day.errors = [*day.errors, "Enter a date for this start time."]
                valid = False
        return valid


class AcceptForm(FlaskForm):
    option_id = RadioField(
        "Choose the date you can do", coerce=db_int, validators=[InputRequired()]
    )
    message = TextAreaField(
        "Message to the teacher (optional)",
        validators=[Length(max=MAX_MESSAGE_LENGTH)],
        description="For example who will come, or where to meet.",
        render_kw={"rows": 2},
    )
    submit = SubmitField("Accept this date")


class DeclineForm(FlaskForm):
    message = TextAreaField(
        "Why can you not do it?",
        validators=[
            DataRequired("Tell the teacher briefly why, or what might work."),
            Length(max=MAX_MESSAGE_LENGTH),
        ],
        description="The teacher reads this. Suggest another time if one would work.",
        render_kw={"rows": 2},
    )
    submit = SubmitField("Decline the request")


class CancelForm(FlaskForm):
    submit = SubmitField("Cancel the request")


class AttendanceForm(FlaskForm):
    """The class list with a "present" box per student (the service checks they are of the
    class, and the time's rules)."""

    present_ids = CheckboxesField("Present", coerce=db_int, validate_choice=False)
    minutes = IntegerField(
        "Time for each student present (minutes)",
        validators=[InputRequired(message="Enter the event's length in minutes.")],
        description="In quarter hours: 15, 30, 45 … (at most 720). Absent students get none.",
        render_kw={"min": 0, "max": 720, "step": 15, "inputmode": "numeric"},
    )
    submit = SubmitField("Save attendance")
