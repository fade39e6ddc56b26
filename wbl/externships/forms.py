"""Externship forms: shape only (the services hold the rules). Hours reuse the students'
hours form (quarter hours parsed the same way)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from wbl.externships.projects import ProjectEdit
from wbl.externships.selection import MAX_STATEMENT
from wbl.externships.services import MAX_REASON, MAX_SEATS, MAX_TEXT, MAX_TITLE, ExternshipDraft
from wbl.fields import SelectField, SelectMultipleField
from wbl.hours.forms import EntryForm
from wbl.hours.services import MAX_DESCRIPTION
from wbl.http import db_int
from wbl.portfolio.forms import ACCEPT, FILE_HELP, read_upload

HoursForm = EntryForm


class ExternshipForm(FlaskForm):
    partner_id = SelectField("Partner", coerce=db_int, validate_choice=False)
    title = StringField(
        "Title",
        validators=[DataRequired("Give the externship a title."), Length(max=MAX_TITLE)],
        render_kw={"maxlength": MAX_TITLE},
    )
    description = TextAreaField(
        "What teachers will do",
        validators=[Length(max=MAX_TEXT)],
        render_kw={"rows": 5},
    )
    starts_on = DateField("First day", validators=[InputRequired("Choose the first day.")])
    ends_on = DateField("Last day", validators=[InputRequired("Choose the last day.")])
    expected_hours = IntegerField(
        "Expected hours",
        validators=[Optional()],
        description="Roughly how many hours each teacher spends at the partner.",
    )
    seats = IntegerField(
        "Seats",
        validators=[
            InputRequired("Say how many teachers you can host."),
            NumberRange(max=MAX_SEATS, message=f"An externship has at most {MAX_SEATS} seats."),
        ],
        description="How many teachers in all (at least 2).",
        default=2,
    )
    min_team_size = IntegerField(
        "Minimum team size",
        validators=[
            InputRequired("Say how many teachers a team needs at least."),
            NumberRange(max=MAX_SEATS, message=f"A team has at most {MAX_SEATS} teachers."),
        ],
        description="Teachers are placed in teams of at least this many (2 or more).",
        default=2,
    )
    apply_by = DateField(
        "Apply by",
        validators=[Optional()],
        description="The last day teachers can apply (on or before the first day).",
    )

    def draft(self) -> ExternshipDraft:
        assert self.starts_on.data is not None  # noqa: S101 - InputRequired
        assert self.ends_on.data is not None  # noqa: S101 - InputRequired
        return ExternshipDraft(
            partner_id=self.partner_id.data or 0,
            title=self.title.data or "",
            description=self.description.data or "",
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            expected_hours=self.expected_hours.data,
            seats=self.seats.data or 0,
            min_team_size=self.min_team_size.data or 0,
            apply_by=self.apply_by.data,
        )


class ApplyForm(FlaskForm):
    statement = TextAreaField(
        "Why this externship?",
        validators=[
            DataRequired(
                "Say why you want this externship and what you would bring back to class."
            ),
            Length(max=MAX_STATEMENT),
        ],
        description="What you teach, and what you hope to bring back to your classroom.",
        render_kw={"rows": 4},
    )


class PlaceForm(FlaskForm):
    application_ids = SelectMultipleField("Applicants", coerce=db_int, validate_choice=False)


class DeclineForm(FlaskForm):
    note = StringField(
        "Note to the teacher",
        validators=[DataRequired("Tell the teacher why (they see this note)."), Length(max=2000)],
    )


class RejectForm(FlaskForm):
    reason = StringField(
        "Reason",
        validators=[
            DataRequired("Tell the teacher why (they see this reason)."),
            Length(max=MAX_DESCRIPTION),
        ],
        description="The teacher sees this.",
    )


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Why is it cancelled?",
        validators=[
            DataRequired("Say why the externship is cancelled (the teachers are sent this)."),
            Length(max=MAX_REASON),
        ],
        description="Placed teachers and applicants are e-mailed this reason.",
        render_kw={"rows": 2},
    )


class ProjectForm(FlaskForm):
    title = StringField(
        "Project title",
        validators=[DataRequired("Give the project a title."), Length(max=MAX_TITLE)],
        render_kw={"maxlength": MAX_TITLE},
    )
    summary = TextAreaField(
        "Summary",
        validators=[
            DataRequired("Summarise the project: what students do and what they learn."),
            Length(max=MAX_TEXT),
        ],
        render_kw={"rows": 6},
    )
    file = FileField("File (optional)", description=FILE_HELP, render_kw={"accept": ACCEPT})
    remove_file = BooleanField("Remove the attached file")

    def edit(self) -> ProjectEdit:
        return ProjectEdit(
            title=self.title.data or "",
            summary=self.summary.data or "",
            upload=read_upload(self.file.data),
            remove_file=bool(self.remove_file.data),
        )


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""
