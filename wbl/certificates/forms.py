"""Forms for interview panels, panelists' votes and certificates (shape only: the services
hold the rules)."""

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
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from wbl.certificates.invitations import DEFAULT_SLOT, MAX_SLOT, MIN_SLOT
from wbl.certificates.panels import MAX_LOCATION, MAX_NOTES, MAX_SESSION, MAX_URL, MIN_SESSION
from wbl.certificates.services import MAX_REASON
from wbl.certificates.votes import MAX_COMMENT
from wbl.fields import SelectField
from wbl.http import db_int
from wbl.reference.models import PogOutcome
from wbl.reviews.models import ScoringLevel

PANELIST_FIELDS = ("panelist_1", "panelist_2", "panelist_3")


class PanelForm(FlaskForm):
    day = DateField("Date", validators=[InputRequired("Enter the date.")])
    start = TimeField("Start time", validators=[InputRequired("Enter the start time.")])
    duration_minutes = IntegerField(
        "Session length (minutes)",
        default=120,
        validators=[
            InputRequired("Enter the session's length in minutes."),
            NumberRange(min=MIN_SESSION, max=MAX_SESSION),
        ],
        description="The whole session: students are given slots within it.",
    )
    location = StringField(
        "Place",
        validators=[Length(max=MAX_LOCATION)],
        description="A room and address. Leave empty for an interview by video only.",
    )
    video_url = StringField(
        "Video link",
        validators=[Length(max=MAX_URL)],
        description="Optional: https://… (goes in the calendar invitations).",
        render_kw={"inputmode": "url"},
    )
    notes = TextAreaField(
        "Notes for the panel",
        validators=[Length(max=MAX_NOTES)],
        render_kw={"rows": 3},
    )
    panelist_1 = SelectField("Panelist 1", coerce=db_int, validators=[InputRequired()])
    panelist_2 = SelectField("Panelist 2", coerce=db_int, validators=[InputRequired()])
    panelist_3 = SelectField(
        "Panelist 3 (optional)", coerce=db_int, validators=[Optional()], validate_choice=False
    )
    submit = SubmitField("Create the panel")


class InviteForm(FlaskForm):
    student_id = SelectField("Student", coerce=db_int, validators=[InputRequired()])
    start = TimeField(
        "Interview time",
        validators=[InputRequired("Enter the interview's start time.")],
        description="Within the session, on the panel's day.",
    )
    duration_minutes = IntegerField(
        "Length (minutes)",
        default=DEFAULT_SLOT,
        validators=[
            InputRequired("Enter the interview's length in minutes."),
            NumberRange(min=MIN_SLOT, max=MAX_SLOT),
        ],
    )
    submit = SubmitField("Invite and send the calendar invitations")


class CancelForm(FlaskForm):
    submit = SubmitField("Cancel this interview")


class IssueForm(FlaskForm):
    submit = SubmitField("Issue the certificate")


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Why is it revoked?",
        validators=[
            InputRequired("Say why the certificate is revoked."),
            Length(max=MAX_REASON),
        ],
        description="Kept for staff and told to the student; the public verification page "
        "only says that it was revoked, and when.",
        render_kw={"rows": 3},
    )
    submit = SubmitField("Revoke the certificate")


class VoteForm(FlaskForm):
    """The per-outcome fields (``rank_<id>``, ``comment_<id>``) are added by ``vote_form``."""

    passed = RadioField(
        "Your decision",
        choices=[SelectChoice("yes", "Pass"), SelectChoice("no", "Not pass")],
        validators=[InputRequired("Choose pass or not pass.")],
    )
    comment = TextAreaField(
        "Comment on the interview (optional)",
        validators=[Length(max=MAX_NOTES)],
        render_kw={"rows": 3},
    )
    submit = SubmitField("Send my levels and decision")


def vote_form(outcomes: list[PogOutcome], levels: list[ScoringLevel]) -> VoteForm:
    """A VoteForm with a level (radio group) and a comment for each outcome."""

    class Form(VoteForm):
        pass

    for outcome in outcomes:
        setattr(
            Form,
            f"rank_{outcome.id}",
            RadioField(
                outcome.name,
                coerce=db_int,
                choices=[
                    SelectChoice(level.rank, f"{level.rank} {level.name}") for level in levels
                ],
                validators=[InputRequired(f"Choose a level for {outcome.name}.")],
            ),
        )
        setattr(
            Form,
            f"comment_{outcome.id}",
            TextAreaField(
                f"Comment on {outcome.name} (optional)",
                validators=[Length(max=MAX_COMMENT)],
                render_kw={"rows": 2},
            ),
        )
    return Form()
