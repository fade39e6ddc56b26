"""Forms for the credential screens (shape only; the services check the rules)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from wbl.catalog.import_forms import SpreadsheetForm
from wbl.credentials.models import Credential, Subject, WorkKeysTest
from wbl.credentials.services import MAX_POINTS, MAX_VALIDITY_MONTHS
from wbl.fields import SelectField
from wbl.http import db_int
from wbl.portfolio.forms import ACCEPT, FILE_HELP, read_upload
from wbl.portfolio.services import Upload


class CatalogFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search: nothing changes, and the URL stays shareable

    q = StringField(
        "Search",
        validators=[Optional(), Length(max=200, message="Keep the search under 200 characters.")],
        render_kw={"type": "search", "placeholder": "Name, issuer or code"},
    )
    sector = SelectField("Career field", validators=[Optional()])
    active = SelectField(
        "Show",
        choices=[
            SelectChoice("active", "Active"),
            SelectChoice("inactive", "Inactive"),
            SelectChoice("all", "All"),
        ],
        default="active",
        validators=[Optional()],
    )

    def active_filter(self) -> bool | None:
        return {"active": True, "inactive": False}.get(self.active.data or "active")


class CredentialForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Give the credential's name."), Length(max=200)],
        render_kw={"maxlength": 200},
    )
    issuer = StringField(
        "Issuing body",
        validators=[DataRequired("Give the issuing body."), Length(max=200)],
        render_kw={"maxlength": 200},
    )
    sector_id = SelectField("Career field", coerce=db_int, validators=[DataRequired()])
    points = IntegerField(
        "Points",
        default=0,
        validators=[
            Optional(),
            NumberRange(0, MAX_POINTS, f"Points go from 0 to {MAX_POINTS}."),
        ],
        description="Ohio-style point value; 12 points within one career field count.",
        render_kw={"inputmode": "numeric"},
    )
    expires = BooleanField("Expires")
    validity_months = IntegerField(
        "Valid for (months)",
        validators=[
            Optional(),
            NumberRange(
                1, MAX_VALIDITY_MONTHS, f"From 1 to {MAX_VALIDITY_MONTHS} months (50 years)."
            ),
        ],
        description="Only when it expires.",
        render_kw={"inputmode": "numeric"},
    )
    external_code = StringField(
        "External code",
        validators=[Optional(), Length(max=80)],
        description="A state code or Credential Engine CTID (optional, unique).",
        render_kw={"maxlength": 80},
    )
    incentive_qualified = BooleanField("On the incentive-qualified list")
    active = BooleanField("Active (students can record it)", default=True)


class FileImportForm(SpreadsheetForm):
    """A credentials or WorkKeys file (the partner import's upload field)."""


class DistrictPickForm(FlaskForm):
    class Meta:
        csrf = False  # a GET choice of what to show

    district_id = SelectField("District", coerce=db_int, validators=[Optional()])


SUBJECT_CHOICES = [SelectChoice(s.value, s.label) for s in Subject]


def policy_form(credentials: Sequence[Credential], data: dict[str, Any]) -> FlaskForm:
    """One form for the whole table: per credential, accepted (a checkbox) and counts toward
    (a select), named ``accepted_<id>`` and ``counts_<id>``."""
    fields: dict[str, Any] = {}
    for credential in credentials:
        fields[f"accepted_{credential.id}"] = BooleanField(
            f"Accepted for graduation: {credential.name}"
        )
        fields[f"counts_{credential.id}"] = SelectField(
            f"Counts toward: {credential.name}", choices=SUBJECT_CHOICES
        )
    form_class = type("PolicyForm", (FlaskForm,), fields)
    form: FlaskForm = form_class(data=data)
    return form


class EarnedForm(FlaskForm):
    credential_id = SelectField(
        "Credential", coerce=db_int, validators=[DataRequired("Choose the credential.")]
    )
    earned_on = DateField(
        "Date earned", validators=[DataRequired("Give the date the credential was earned.")]
    )
    evidence = FileField(
        "Evidence",
        validators=[FileRequired("Upload the certificate, score report or licence.")],
        description=f"The certificate, score report or licence. {FILE_HELP}",
        render_kw={"accept": ACCEPT},
    )
    note = TextAreaField(
        "Note (optional)",
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3, "maxlength": 2000},
    )

    def upload(self) -> Upload | None:
        return read_upload(self.evidence.data)


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Reason (the student sees it)",
        validators=[DataRequired("Say why, so the student can fix it."), Length(max=2000)],
        render_kw={"rows": 3, "maxlength": 2000},
    )


class WorkKeysForm(FlaskForm):
    test = SelectField(
        "Test", choices=[SelectChoice(t.value, t.label) for t in WorkKeysTest], default=""
    )
    level = IntegerField(
        "Level (3–7)",
        validators=[DataRequired("Give the level, 3 to 7.")],
        render_kw={"inputmode": "numeric", "min": 3, "max": 7},
    )
    tested_on = DateField("Test date", validators=[DataRequired("Give the test date.")])
