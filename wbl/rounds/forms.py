"""Forms for allocation rounds (shape only; the rules are in ``opening`` and
``ranking``)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from wbl.fields import CheckboxesField, SelectField
from wbl.http import db_int
from wbl.rounds.models import AllocationMode, RoundRanking
from wbl.rounds.opening import DEFAULT_MAX_CHOICES, MAX_CHOICES_LIMIT
from wbl.rounds.scramble import MAX_SCRAMBLE_DAYS

ORDINALS = ["1st", "2nd", "3rd"] + [f"{n}th" for n in range(4, MAX_CHOICES_LIMIT + 1)]

# How the offerings rank students, as staff choose it: the rules applied in order.
PRIORITY_CHOICES = {
    "grade_desc": ("Seniors first, then a lottery", ["grade_desc", "lottery"]),
    "grade_asc": ("Younger grades first, then a lottery", ["grade_asc", "lottery"]),
    "lottery": ("A lottery only", ["lottery"]),
}


class OfferingFilterForm(FlaskForm):
    """The GET filter above the offering list (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    kind = SelectField("Experience type", validators=[Optional()])
    q = StringField("Title or partner contains", validators=[Optional(), Length(max=100)])


class OpenRoundForm(FlaskForm):
    name = StringField(
        "Round name",
        validators=[DataRequired(), Length(max=160)],
        description="Students and employers see it, e.g. “Summer internships 2027”.",
    )
    deadline_date = DateField("Deadline (day)", validators=[InputRequired()])
    deadline_time = TimeField(
        "Deadline (time)",
        validators=[InputRequired()],
        description="County time. Choices close then and the allocation runs.",
    )
    max_choices = IntegerField(
        "Choices each student may rank",
        default=DEFAULT_MAX_CHOICES,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_CHOICES_LIMIT)],
    )
    ranking = SelectField(
        "How opportunities rank students",
        choices=[
            SelectChoice(RoundRanking.PRIORITY.value, "Staff priority rules"),
            SelectChoice(RoundRanking.EMPLOYER.value, "Each employer ranks its applicants"),
        ],
        default=RoundRanking.PRIORITY.value,
    )
    priority = SelectField(
        "Priority rules",
        choices=[SelectChoice(k, label) for k, (label, _rules) in PRIORITY_CHOICES.items()],
        default="grade_desc",
        description="With employer ranking, these order the students an employer left unranked.",
    )
    offering_ids = CheckboxesField("Opportunities in the round", coerce=db_int)
    all_filtered = BooleanField("Include every opportunity in the list below")
    submit = SubmitField("Open the round")


class ScrambleForm(FlaskForm):
    """Open a scramble of a published round (the rules are in ``scramble``)."""

    name = StringField(
        "Scramble name",
        validators=[Optional(), Length(max=160)],
        description="Leave blank for “<round> — second chance”.",
    )
    deadline_date = DateField("Deadline (day)", validators=[InputRequired()])
    deadline_time = TimeField(
        "Deadline (time)",
        validators=[InputRequired()],
        description=f"County time, within {MAX_SCRAMBLE_DAYS} days: a scramble is short.",
    )
    max_choices = IntegerField(
        "Choices each student may rank",
        validators=[Optional(), NumberRange(min=1, max=MAX_CHOICES_LIMIT)],
        description="Blank: as in the round, or fewer if fewer opportunities have seats.",
    )
    submit = SubmitField("Open the scramble")


class ConfirmForm(FlaskForm):
    """Run or publish: a button with its CSRF token."""

    submit = SubmitField("Confirm")


class PublishForm(ConfirmForm):
    """Publish, with the allocation staff chose on the comparison. Without a choice (a result
    run before both modes were computed) the proposal at the top of the result is published."""

    mode = RadioField(
        "Result to publish",
        choices=[SelectChoice(m.value, m.label) for m in AllocationMode],
        validators=[Optional()],
        validate_choice=False,  # checked below: an unknown value is refused, none is allowed
    )

    def chosen_mode(self) -> AllocationMode | None:
        """The chosen mode; None without one. Raises ValueError on an unknown value."""
        return AllocationMode(self.mode.data) if self.mode.data else None


def choices_form(count: int, options: list[SelectChoice]) -> FlaskForm:
    """``count`` select boxes ("1st choice", "2nd choice", ...) over the round's offerings."""

    class ChoicesForm(FlaskForm):
        submit = SubmitField("Save my choices")

    blank = [SelectChoice(0, "— no choice —")]
    for n in range(1, count + 1):
        setattr(
            ChoicesForm,
            f"choice_{n}",
            SelectField(f"{ORDINALS[n - 1]} choice", coerce=db_int, choices=blank + options),
        )
    return ChoicesForm()


def ranking_form(student_ids: list[int], labels: dict[int, str]) -> FlaskForm:
    """A rank (1 = best) per student who chose the offering; blank leaves them unranked."""

    class RankingForm(FlaskForm):
        submit = SubmitField("Save the ranking")

    top = max(len(student_ids), 1)
    for sid in student_ids:
        setattr(
            RankingForm,
            f"rank_{sid}",
            IntegerField(labels[sid], validators=[Optional(), NumberRange(min=1, max=top)]),
        )
    return RankingForm()
