"""Forms of the catalog's back office.

The fields' shape is checked here (a number is a number, a date a date); the rules an
offering or a partner must meet are in ``rules.py``, which these forms ask after their own
checks (so the page shows every problem at once) and the services and the import ask again.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    FloatField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from wbl.catalog import rules
from wbl.catalog.manage_offerings import OfferingData
from wbl.catalog.manage_partners import PartnerData
from wbl.fields import SelectField, SelectMultipleField
from wbl.http import db_int
from wbl.reference.models import ExperienceKind

_OPTIONAL = [Optional()]


def _most(limit: int) -> dict[str, object]:
    """The browser's hint for a text field's length (the rule itself is in ``rules.py``)."""
    return {"maxlength": limit}


def add_problems(form: FlaskForm, problems: rules.Problems) -> bool:
    """Show each rule's message on its field, unless the field already says what is wrong
    with it (a date that is not a date is not also "before the start")."""
    for name, message in problems.items():
        field = form._fields.get(name)
        if field is None:
            form.form_errors.append(message)
        elif not field.errors:
            field.errors = [*field.errors, message]
    return not problems


class PartnerForm(FlaskForm):
    name = StringField(
        "Business name",
        validators=[DataRequired(rules.NAME_NEEDED)],
        render_kw=_most(rules.PARTNER_LENGTHS["name"]),
    )
    sector_id = SelectField("Industry sector", coerce=db_int, validators=[InputRequired()])
    street_address = StringField(
        "Street address",
        render_kw={"autocomplete": "off", **_most(rules.PARTNER_LENGTHS["street_address"])},
    )
    city = StringField("City", render_kw=_most(rules.PARTNER_LENGTHS["city"]))
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
        render_kw={"placeholder": "https://", **_most(rules.PARTNER_LENGTHS["website"])},
    )
    phone = StringField("Main phone", render_kw=_most(rules.PARTNER_LENGTHS["phone"]))
    description = TextAreaField(
        "About the business",
        render_kw={"rows": 4, **_most(rules.PARTNER_LENGTHS["description"])},
    )
    endorses_certificate = BooleanField("Endorses the Work Ready Certificate (listed publicly)")
    worksite_agreement_date = DateField("Worksite agreement signed", validators=_OPTIONAL)
    worksite_agreement_expiry = DateField("Worksite agreement expires", validators=_OPTIONAL)
    insurance_expiry = DateField("Liability insurance expires", validators=_OPTIONAL)

    def partner_data(self) -> PartnerData:
        return PartnerData(
            name=self.name.data or "",
            sector_id=self.sector_id.data or 0,
            street_address=self.street_address.data or "",
            city=self.city.data or "",
            zip=self.zip.data or "",
            latitude=self.latitude.data,
            longitude=self.longitude.data,
            website=self.website.data or "",
            phone=self.phone.data or "",
            description=self.description.data or "",
            endorses_certificate=bool(self.endorses_certificate.data),
            worksite_agreement_date=self.worksite_agreement_date.data,
            worksite_agreement_expiry=self.worksite_agreement_expiry.data,
            insurance_expiry=self.insurance_expiry.data,
        )

    def validate(self, extra_validators: dict[str, list[object]] | None = None) -> bool:
        shaped = super().validate(extra_validators)
        problems = rules.partner_problems(self.partner_data().rule_fields())
        return add_problems(self, problems) and shaped


class LogoForm(FlaskForm):
    logo = FileField(
        "Logo file",
        validators=[FileRequired("Choose a PNG, JPEG or SVG file.")],
        description="PNG, JPEG or SVG, up to 1 MB. A square or wide logo looks best.",
        render_kw={"accept": "image/png,image/jpeg,image/svg+xml"},
    )


def _email(form: FlaskForm, field: Field) -> None:
    problem = rules.email_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class ContactForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    email = EmailField(
        "Work e-mail",
        validators=[DataRequired(), _email],
        render_kw=_most(rules.MAX_EMAIL),
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


GRADE_CHOICES = tuple(str(g) for g in range(rules.MIN_GRADE, rules.MAX_GRADE + 1))


class OfferingForm(FlaskForm):
    partner_id = SelectField("Partner", coerce=db_int, validators=[InputRequired()])
    kind = SelectField(
        "Type of experience",
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
        validators=[InputRequired()],
    )
    title = StringField(
        "Title",
        validators=[DataRequired(rules.TITLE_NEEDED)],
        render_kw=_most(rules.OFFERING_LENGTHS["title"]),
    )
    description = TextAreaField(
        "What students will do",
        validators=[DataRequired("Describe what students will do.")],
        render_kw={"rows": 5, **_most(rules.OFFERING_LENGTHS["description"])},
    )
    skills = TextAreaField(
        "Skills students will practise",
        render_kw={"rows": 2, **_most(rules.OFFERING_LENGTHS["skills"])},
    )
    requirements = TextAreaField(
        "Requirements",
        description="For example: closed-toe shoes, a TB test, a driver's licence.",
        render_kw={"rows": 2, **_most(rules.OFFERING_LENGTHS["requirements"])},
    )
    schedule = StringField(
        "Schedule",
        description="Days and times, e.g. “Tuesdays and Thursdays, 3–6 pm”.",
        render_kw=_most(rules.OFFERING_LENGTHS["schedule"]),
    )
    is_virtual = BooleanField("Takes place online")
    location = StringField(
        "Where (if not at the partner's address)",
        render_kw=_most(rules.OFFERING_LENGTHS["location"]),
    )
    zip = StringField("ZIP of that place", validators=[Length(max=10)])
    capacity = IntegerField(
        "Seats",
        validators=[InputRequired(rules.SEATS)],
        default=1,
        render_kw={"min": rules.MIN_CAPACITY, "max": rules.MAX_CAPACITY},
    )
    start_date = DateField("Starts", validators=_OPTIONAL)
    end_date = DateField("Ends", validators=_OPTIONAL)
    application_deadline = DateField("Apply by", validators=_OPTIONAL)
    min_grade = SelectField(
        "Lowest grade",
        choices=[
            SelectChoice("", "Any grade"),
            *(SelectChoice(g, f"Grade {g}") for g in GRADE_CHOICES),
        ],
        validators=_OPTIONAL,
    )
    minimum_age = IntegerField(
        "Minimum age",
        validators=_OPTIONAL,
        description="Leave it blank for no minimum.",
        render_kw={"min": rules.MIN_AGE, "max": rules.MAX_AGE},
    )
    expected_hours = IntegerField(
        "Expected hours in total",
        validators=_OPTIONAL,
        render_kw={"min": rules.MIN_EXPECTED_HOURS, "max": rules.MAX_EXPECTED_HOURS},
    )
    paid = BooleanField("Paid")
    pathway_ids = SelectMultipleField(
        "Career pathways",
        coerce=db_int,
        description="Hold Ctrl (or ⌘) to choose more than one.",
        render_kw={"size": 8},
    )
    outcome_ids = SelectMultipleField(
        "Portrait of a Graduate outcomes developed", coerce=db_int, render_kw={"size": 6}
    )
    prerequisite_ids = SelectMultipleField(
        "Preparatory activities required first", coerce=db_int, render_kw={"size": 4}
    )

    def offering_data(self) -> OfferingData:
        return OfferingData(
            partner_id=self.partner_id.data or 0,
            kind=ExperienceKind(self.kind.data),
            title=self.title.data or "",
            description=self.description.data or "",
            skills=self.skills.data or "",
            requirements=self.requirements.data or "",
            schedule=self.schedule.data or "",
            location=self.location.data or "",
            zip=self.zip.data or "",
            is_virtual=bool(self.is_virtual.data),
            capacity=self.capacity.data if self.capacity.data is not None else 0,
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            application_deadline=self.application_deadline.data,
            minimum_age=self.minimum_age.data,
            min_grade=int(self.min_grade.data) if self.min_grade.data in GRADE_CHOICES else None,
            paid=bool(self.paid.data),
            expected_hours=self.expected_hours.data,
            pathway_ids=frozenset(self.pathway_ids.data or ()),
            outcome_ids=frozenset(self.outcome_ids.data or ()),
            prerequisite_ids=frozenset(self.prerequisite_ids.data or ()),
        )

    def validate(self, extra_validators: dict[str, list[object]] | None = None) -> bool:
        shaped = super().validate(extra_validators)
        if self.kind.errors:  # not one of the choices (a hand-made request): no offering
            return False
        problems = rules.offering_problems(self.offering_data().rule_fields())
        return add_problems(self, problems) and shaped
