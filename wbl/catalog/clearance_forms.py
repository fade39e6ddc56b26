"""The forms of the supervisor clearance pages (shape only; the rules are in
``wbl.catalog.clearances``)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from wbl.catalog.clearance_models import ClearanceType
from wbl.catalog.clearances import Document
from wbl.fields import SelectField
from wbl.http import db_int
from wbl.reference.models import ExperienceKind
from wbl.uploads import MAX_UPLOAD_BYTES

ACCEPT = "application/pdf,.pdf,.docx,image/png,image/jpeg"


class ClearanceForm(FlaskForm):
    kind = SelectField(
        _l("Clearance"),
        choices=[SelectChoice("", _l("Choose the clearance"))]
        + [SelectChoice(c.value, c.label) for c in ClearanceType],
        validators=[DataRequired(_l("Choose the type of clearance."))],
        default="",
    )
    completed_on = DateField(
        _l("Completed on"), validators=[DataRequired(_l("Give the date it was completed."))]
    )
    expires_on = DateField(
        _l("Expires on"),
        validators=[DataRequired(_l("Give the date it expires."))],
        description=_l("The date on the certificate, or the date the district re-checks it."),
    )
    document = FileField(
        _l("Certificate (optional)"),
        description=_l("PDF, Word (.docx), PNG or JPEG, up to 10 MB. Only staff can open it."),
        render_kw={"accept": ACCEPT},
    )

    def upload(self) -> Document | None:
        data = self.document.data
        if not isinstance(data, FileStorage) or not data.filename:
            return None
        return Document(data.stream.read(MAX_UPLOAD_BYTES + 1), data.filename)


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


class DistrictPickForm(FlaskForm):
    class Meta:
        csrf = False  # a GET that only chooses what to show

    district_id = SelectField(_l("District"), coerce=db_int)


KIND_LABELS = {
    ExperienceKind.GUEST_SPEAKER: _l("Guest speaker"),
    ExperienceKind.WORKPLACE_VISIT: _l("Workplace visit"),
    ExperienceKind.JOB_SHADOW: _l("Job shadow"),
    ExperienceKind.WORK_BASED_PROJECT: _l("Work-based project"),
    ExperienceKind.INTERNSHIP: _l("Internship"),
}


def rule_name(kind: ExperienceKind, clearance: ClearanceType) -> str:
    return f"req_{kind.value}_{clearance.value}"


def rules_form(data: dict[str, Any]) -> FlaskForm:
    """A checkbox per experience type and clearance, ticked where the district requires it."""

    class RulesForm(FlaskForm):
        pass

    for kind in ExperienceKind:
        for clearance in ClearanceType:
            setattr(
                RulesForm,
                rule_name(kind, clearance),
                BooleanField(f"{KIND_LABELS[kind]}: {clearance.label}"),
            )
    return RulesForm(data=data)
