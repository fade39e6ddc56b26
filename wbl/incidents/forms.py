"""The incident forms: shape only (the services hold the rules and say what is wrong)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from wbl.fields import SelectField
from wbl.incidents.models import IncidentKind
from wbl.incidents.services import MAX_REASON, MAX_TEXT, MIN_DESCRIPTION, Report


def _kind(value: object) -> IncidentKind | None:
    """The chosen kind, or None for an empty or unknown value (refused by the choices)."""
    try:
        return IncidentKind(str(value))
    except ValueError:
        return None


class ReportForm(FlaskForm):
    kind = SelectField(
        "Kind of incident",
        choices=[SelectChoice("", "Choose…")]
        + [SelectChoice(k.value, k.label) for k in IncidentKind],
        coerce=_kind,
        validators=[InputRequired(message="Choose what kind of incident this is.")],
        validate_choice=False,
    )
    occurred_on = DateField(
        "Day it happened", validators=[InputRequired(message="Give the day it happened.")]
    )
    description = TextAreaField(
        "What happened, who was there, what was done",
        validators=[
            DataRequired(message="Describe what happened."),
            Length(
                min=MIN_DESCRIPTION,
                max=MAX_TEXT,
                message=f"Describe what happened in {MIN_DESCRIPTION} to {MAX_TEXT} characters.",
            ),
        ],
        description="Only the program staff and the student's teachers read this.",
        render_kw={"rows": 6, "maxlength": MAX_TEXT},
    )

    def validate_kind(self, field: SelectField) -> None:
        if field.data is None:
            raise ValidationError("Choose what kind of incident this is.")

    def report(self) -> Report:
        assert self.kind.data is not None  # noqa: S101 - validated above
        assert self.occurred_on.data is not None  # noqa: S101 - InputRequired
        return Report(self.kind.data, self.occurred_on.data, self.description.data or "")


class FollowUpForm(FlaskForm):
    note = TextAreaField(
        "Follow-up",
        validators=[
            DataRequired(message="Write what was done or decided."),
            Length(max=MAX_TEXT),
        ],
        description="Who was contacted, what was decided. Staff and the student's teachers "
        "read it.",
        render_kw={"rows": 3, "maxlength": MAX_TEXT},
    )


class CloseForm(FlaskForm):
    closing_note = TextAreaField(
        "Closing note",
        validators=[
            DataRequired(message="Write a closing note: what was concluded."),
            Length(max=MAX_TEXT),
        ],
        render_kw={"rows": 3, "maxlength": MAX_TEXT},
    )


class PauseForm(FlaskForm):
    pause_reason = TextAreaField(
        "Why pause the placement",
        validators=[
            DataRequired(message="Say why the placement is paused."),
            Length(max=MAX_REASON),
        ],
        description="Kept with the incident. The student and the employer are told it is "
        "paused, not why.",
        render_kw={"rows": 2, "maxlength": MAX_REASON},
    )


class ResumeForm(FlaskForm):
    resume_note = TextAreaField(
        "Note (optional)",
        validators=[Optional(), Length(max=MAX_REASON)],
        render_kw={"rows": 2, "maxlength": MAX_REASON},
    )


class EndForm(FlaskForm):
    end_reason = TextAreaField(
        "Reason for ending it",
        validators=[
            DataRequired(message="Give the reason the student will read."),
            Length(max=MAX_REASON),
        ],
        description="The student receives this reason by e-mail.",
        render_kw={"rows": 2, "maxlength": MAX_REASON},
    )
