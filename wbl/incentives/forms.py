"""Incentive forms: shape only (the services check the rules)."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)
from wtforms.validators import ValidationError as FieldError

from wbl.fields import SelectField
from wbl.http import db_int
from wbl.incentives.models import STAFF_ENTERED, CompletionType
from wbl.incentives.services import MAX_TIER

MAX_ID = 2_147_483_647  # the largest id a PostgreSQL integer holds
MAX_DOLLARS = Decimal(1_000_000_000)  # above every amount the services take


def _whole_cents(form: FlaskForm, field: DecimalField) -> None:
    """Dollars and cents, finite and not absurd: ``quantize`` raises InvalidOperation on
    Infinity, NaN and numbers with more digits than the context holds (1e30), so those are
    refused first, with a message."""
    value = field.data
    if value is None:
        return
    if not value.is_finite() or abs(value) > MAX_DOLLARS:
        # StopValidation: NumberRange would compare NaN and raise InvalidOperation itself
        raise StopValidation("Enter an amount up to $1,000,000,000, e.g. 1000.00.")
    if value != value.quantize(Decimal("0.01")):
        raise FieldError("Enter dollars and cents, e.g. 1000.00.")


def to_cents(amount: Decimal) -> int:
    return int(amount * 100)


class ProgramYearForm(FlaskForm):
    label = StringField(
        "Label", validators=[DataRequired(), Length(max=20)], description="For example 2026-27."
    )
    starts_on = DateField("Starts", validators=[InputRequired()])
    ends_on = DateField("Ends", validators=[InputRequired()])
    amount = DecimalField(
        "Amount per completion ($)",
        places=2,
        validators=[InputRequired(), _whole_cents, NumberRange(min=0)],
    )
    frl_percent = IntegerField(
        "Weight for FRL-eligible students (%)",
        validators=[InputRequired(), NumberRange(min=100, max=300)],
        description="120 % pays $1,200 where the amount is $1,000.",
    )
    completions_per_student = IntegerField(
        "Funded completions per student",
        validators=[InputRequired(), NumberRange(min=1, max=20)],
    )
    internship_min_hours = IntegerField(
        "Minimum confirmed hours for an internship",
        validators=[InputRequired(), NumberRange(min=0, max=2000)],
    )
    tier_credential = IntegerField(
        "Tier: industry credentials", validators=[InputRequired(), NumberRange(1, MAX_TIER)]
    )
    tier_internship = IntegerField(
        "Tier: internships and residencies",
        validators=[InputRequired(), NumberRange(1, MAX_TIER)],
    )
    tier_pre_apprenticeship = IntegerField(
        "Tier: pre-apprenticeships", validators=[InputRequired(), NumberRange(1, MAX_TIER)]
    )
    tier_apprenticeship = IntegerField(
        "Tier: apprenticeships", validators=[InputRequired(), NumberRange(1, MAX_TIER)]
    )
    tier_ap_course = IntegerField(
        "Tier: qualified AP courses", validators=[InputRequired(), NumberRange(1, MAX_TIER)]
    )

    def tiers(self) -> dict[CompletionType, int]:
        return {kind: getattr(self, f"tier_{kind.value}").data for kind in CompletionType}


class DefaultYearForm(FlaskForm):
    """Add a year with Colorado's defaults."""

    label = StringField("Label", validators=[DataRequired(), Length(max=20)])
    starts_on = DateField("Starts", validators=[InputRequired()])
    ends_on = DateField("Ends", validators=[InputRequired()])


class AppropriationForm(FlaskForm):
    district_id = HiddenField(validators=[DataRequired()])
    amount = DecimalField(
        "Appropriation ($)",
        places=2,
        validators=[InputRequired(), _whole_cents, NumberRange(min=0)],
    )


class CompletionForm(FlaskForm):
    completion_type = SelectField(
        "Type",
        choices=[SelectChoice(kind.value, kind.label) for kind in STAFF_ENTERED],
        validators=[InputRequired()],
    )
    name = StringField(
        "Program or course",
        validators=[DataRequired(), Length(max=200)],
        description="For example “AP Computer Science Principles”.",
    )
    completed_on = DateField("Completed on", validators=[InputRequired()])
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])


class FrlForm(FlaskForm):
    frl_eligible = BooleanField("Eligible for free or reduced-price lunch")


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


class ReportForm(FlaskForm):
    """A GET form (a bookmarkable report), so no CSRF token."""

    class Meta:
        csrf = False

    year = SelectField(
        "Program year",
        coerce=db_int,
        validators=[Optional(), NumberRange(1, MAX_ID, "Choose a program year from the list.")],
        validate_choice=False,
    )
    district = SelectField(
        "District",
        coerce=db_int,
        validators=[Optional(), NumberRange(1, MAX_ID, "Choose a district from the list.")],
        validate_choice=False,
    )


class StudentSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Find a student by name", validators=[Optional(), Length(max=100)])
