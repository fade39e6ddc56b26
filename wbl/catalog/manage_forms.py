"""Forms of the catalog's back office: shape only; the rules are in ``manage.py``."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from wbl.reference.models import ExperienceKind

_OPTIONAL = [Optional()]


class PartnerForm(FlaskForm):
    name = StringField("Business name", validators=[DataRequired(), Length(max=160)])
    sector_id = SelectField("Industry sector", coerce=int, validators=[InputRequired()])
    street_address = StringField(
        "Street address", validators=[Length(max=200)], render_kw={"autocomplete": "off"}
    )
    city = StringField("City", validators=[Length(max=80)])
    zip = StringField(
        "ZIP code",
        validators=[DataRequired(), Length(max=10)],
        description="Places the partner on the map (offline, from the ZIP's centre).",
        render_kw={"inputmode": "numeric"},
    )
    latitude = FloatField(
        "Latitude (optional)",
        validators=_OPTIONAL,
        description="Only to place the worksite by hand; leave empty to use the ZIP.",
    )
    longitude = FloatField("Longitude (optional)", validators=_OPTIONAL)
    website = StringField(
        "Website",
        validators=[
            Optional(),
            URL(require_tld=True, message="Enter a full web address."),
            Length(max=300),
        ],
        render_kw={"placeholder": "https://"},
    )
    phone = StringField("Main phone", validators=[Length(max=40)])
    description = TextAreaField(
        "About the business", validators=[Length(max=4000)], render_kw={"rows": 4}
    )
    endorses_certificate = BooleanField("Endorses the Work Ready Certificate (listed publicly)")
    worksite_agreement_date = DateField("Worksite agreement signed", validators=_OPTIONAL)
    worksite_agreement_expiry = DateField("Worksite agreement expires", validators=_OPTIONAL)
    insurance_expiry = DateField("Liability insurance expires", validators=_OPTIONAL)


class LogoForm(FlaskForm):
    logo = FileField(
        "Logo file",
        validators=[FileRequired("Choose a PNG, JPEG or SVG file.")],
        description="PNG, JPEG or SVG, up to 1 MB. A square or wide logo looks best.",
        render_kw={"accept": "image/png,image/jpeg,image/svg+xml"},
    )


class ContactForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        "Work e-mail",
        validators=[DataRequired(), Email(message="Enter an e-mail address."), Length(max=254)],
    )
    job_title = StringField("Job title", validators=[Length(max=120)])
    phone = StringField("Phone", validators=[Length(max=40)])


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        "What should the employer change?",
        validators=[DataRequired("Tell the employer what to change."), Length(max=2000)],
        render_kw={"rows": 3},
    )


KIND_LABELS = {
    ExperienceKind.GUEST_SPEAKER: "Guest speaker",
    ExperienceKind.WORKPLACE_VISIT: "Workplace visit",
    ExperienceKind.JOB_SHADOW: "Job shadow",
    ExperienceKind.WORK_BASED_PROJECT: "Work-based project",
    ExperienceKind.INTERNSHIP: "Internship",
}


class OfferingForm(FlaskForm):
    partner_id = SelectField("Partner", coerce=int, validators=[InputRequired()])
    kind = SelectField(
        "Type of experience",
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
        validators=[InputRequired()],
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(
        "What students will do",
        validators=[DataRequired("Describe what students will do."), Length(max=6000)],
        render_kw={"rows": 5},
    )
    skills = TextAreaField(
        "Skills students will practise", validators=[Length(max=2000)], render_kw={"rows": 2}
    )
    requirements = TextAreaField(
        "Requirements",
        validators=[Length(max=2000)],
        description="For example: closed-toe shoes, a TB test, a driver's licence.",
        render_kw={"rows": 2},
    )
    schedule = StringField(
        "Schedule",
        validators=[Length(max=200)],
        description="Days and times, e.g. “Tuesdays and Thursdays, 3–6 pm”.",
    )
    is_virtual = BooleanField("Takes place online")
    location = StringField(
        "Where (if not at the partner's address)",
        validators=[Length(max=200)],
    )
    zip = StringField("ZIP of that place", validators=[Length(max=10)])
    capacity = IntegerField(
        "Seats", validators=[InputRequired(), NumberRange(min=0, max=500)], default=1
    )
    start_date = DateField("Starts", validators=_OPTIONAL)
    end_date = DateField("Ends", validators=_OPTIONAL)
    application_deadline = DateField("Apply by", validators=_OPTIONAL)
    min_grade = SelectField(
        "Lowest grade",
        choices=[
            SelectChoice("", "Any grade"),
            *(SelectChoice(str(g), f"Grade {g}") for g in (9, 10, 11, 12)),
        ],
        validators=_OPTIONAL,
    )
    minimum_age = IntegerField("Minimum age", validators=[Optional(), NumberRange(min=13, max=21)])
    expected_hours = IntegerField(
        "Expected hours in total", validators=[Optional(), NumberRange(min=1, max=2000)]
    )
    paid = BooleanField("Paid")
    pathway_ids = SelectMultipleField(
        "Career pathways",
        coerce=int,
        description="Hold Ctrl (or ⌘) to choose more than one.",
        render_kw={"size": 8},
    )
    outcome_ids = SelectMultipleField(
        "Portrait of a Graduate outcomes developed", coerce=int, render_kw={"size": 6}
    )
    prerequisite_ids = SelectMultipleField(
        "Preparatory activities required first", coerce=int, render_kw={"size": 4}
    )
