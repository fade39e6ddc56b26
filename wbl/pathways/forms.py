"""Pathway forms: shape only (the service validates the rule and its parameters).

A rule's form has the common fields and one set of parameter fields per kind; the field
names are the parameter names, so a refusal from ``rules.parse_params`` lands on its field.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SearchField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from wbl.fields import SelectField
from wbl.http import db_int
from wbl.pathways.models import RuleKind
from wbl.pathways.rules import CertificateSubject, Status, WorkKeysRule


class RuleForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=160)])
    description = TextAreaField(
        "Description", validators=[Optional(), Length(max=2000)], render_kw={"rows": 3}
    )
    active = BooleanField("Active (students see it and it counts)", default=True)
    classes_from = IntegerField(
        "First graduating class",
        validators=[Optional()],
        description="Leave empty for every class up to the last one.",
    )
    classes_to = IntegerField(
        "Last graduating class",
        validators=[Optional()],
        description="Leave empty for every class from the first one on.",
    )

    def params(self) -> dict[str, object]:
        return {}


class PointsRuleForm(RuleForm):
    points = IntegerField(
        "Points needed in one career field", validators=[InputRequired()], default=12
    )
    workkeys = SelectField(
        "WorkKeys score rule",
        choices=[SelectChoice(r.value, r.label) for r in WorkKeysRule],
        default=WorkKeysRule.TOTAL_14.value,
    )

    def params(self) -> dict[str, object]:
        return {"points": self.points.data, "workkeys": self.workkeys.data}


class HoursRuleForm(RuleForm):
    hours = IntegerField("Hours needed", validators=[InputRequired()], default=250)
    single_experience = BooleanField("In one experience (hours of several do not add up)")

    def params(self) -> dict[str, object]:
        return {"hours": self.hours.data, "single_experience": bool(self.single_experience.data)}


class CertificateRuleForm(RuleForm):
    subject = SelectField(
        "Counts toward",
        choices=[
            SelectChoice(s.value, s.label[0].upper() + s.label[1:]) for s in CertificateSubject
        ],
        default=CertificateSubject.ENGLISH.value,
    )

    def params(self) -> dict[str, object]:
        return {"subject": self.subject.data}


FORMS: dict[RuleKind, type[RuleForm]] = {
    RuleKind.CREDENTIAL_POINTS: PointsRuleForm,
    RuleKind.WBL_HOURS: HoursRuleForm,
    RuleKind.DISTRICT_CERTIFICATE: CertificateRuleForm,
}

PARAM_FIELDS: dict[RuleKind, tuple[str, ...]] = {
    RuleKind.CREDENTIAL_POINTS: ("points", "workkeys"),
    RuleKind.WBL_HOURS: ("hours", "single_experience"),
    RuleKind.DISTRICT_CERTIFICATE: ("subject",),
}


class ConfirmForm(FlaskForm):
    """A button (reset to defaults, delete a rule): the CSRF token only."""


class DistrictChoiceForm(FlaskForm):
    """County staff pick the district whose rules they edit (a GET form)."""

    class Meta:
        csrf = False

    district = SelectField("District", coerce=db_int)


class SchoolFilterForm(FlaskForm):
    """A school list's filters: a name, graduating class, grade and status (a GET form)."""

    class Meta:
        csrf = False

    q = SearchField("Name", validators=[Optional(), Length(max=100)])
    graduation_year = SelectField("Graduating class", coerce=db_int)
    grade = SelectField("Grade", coerce=db_int)
    status = SelectField(
        "Status",
        choices=[
            SelectChoice("", "Every status"),
            *(SelectChoice(s.value, s.label) for s in Status),
        ],
        default="",
    )
