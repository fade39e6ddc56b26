"""The placement workflow's forms: shape only (the services hold the rules)."""

from __future__ import annotations

from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from wbl.fields import SelectField
from wbl.placements.applications import MAX_STATEMENT, MIN_STATEMENT
from wbl.placements.models import ApplicationStatus

STATEMENT_HINT = _l(
    "Why this opportunity, and what you hope to learn. Between %(least)s and "
    "%(most)s characters; the employer reads it.",
    least=MIN_STATEMENT,
    most=MAX_STATEMENT,
)


class ApplyForm(FlaskForm):
    statement = TextAreaField(
        _l("Your statement"),
        validators=[DataRequired(_l("Write a short statement.")), Length(max=MAX_STATEMENT)],
        description=STATEMENT_HINT,
        render_kw={"rows": 6, "maxlength": MAX_STATEMENT},
    )
    share_resume = BooleanField(_l("Share my resume with the employer when I have one"))
    submit = SubmitField(_l("Send my application"))


class ResubmitForm(FlaskForm):
    statement = TextAreaField(
        _l("Your revised statement"),
        validators=[DataRequired(_l("Write a short statement.")), Length(max=MAX_STATEMENT)],
        description=STATEMENT_HINT,
        render_kw={"rows": 6, "maxlength": MAX_STATEMENT},
    )
    submit = SubmitField(_l("Send it again"))


class TeacherDecisionForm(FlaskForm):
    comment = TextAreaField(
        "Comment for the student",
        validators=[Length(max=2000)],
        description="Needed when you return it: tell the student what to change.",
        render_kw={"rows": 3},
    )
    approve = SubmitField("Approve")
    give_back = SubmitField("Return with comment")


class EmployerDecisionForm(FlaskForm):
    message = TextAreaField(
        "Message to the student (optional)",
        validators=[Length(max=2000)],
        render_kw={"rows": 3},
    )
    accept = SubmitField("Accept")
    decline = SubmitField("Decline")


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Withdraw my application"))


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Reason for cancelling",
        validators=[DataRequired("Give a reason for the cancellation."), Length(max=2000)],
        description="The student is told this reason by e-mail.",
        render_kw={"rows": 2},
    )
    submit = SubmitField("Cancel the application")


class PaperConsentForm(FlaskForm):
    guardian_name = StringField(
        "Guardian's name as signed",
        validators=[DataRequired("Enter the guardian's name as signed."), Length(max=120)],
    )
    answer = RadioField(
        "The guardian's answer on the form",
        choices=[SelectChoice("give", "Gives consent"), SelectChoice("refuse", "Refuses consent")],
        default="give",
    )
    scan = FileField(
        "Scan of the signed form",
        validators=[FileRequired("Choose the scan of the signed form (PDF, PNG or JPEG).")],
        description="PDF, PNG or JPEG, up to 10 MB.",
        render_kw={"accept": "application/pdf,image/png,image/jpeg"},
    )
    submit = SubmitField("Record paper consent")


class NeededToGive:
    """Marks a field required (its ``required`` attribute and asterisk) without checking it:
    giving consent needs the typed name and the tick, refusing needs neither, and the view
    asks the service's rules for both at once."""

    field_flags: ClassVar[dict[str, bool]] = {"required": True}

    def __call__(self, form: FlaskForm, field: Field) -> None:
        pass


class GuardianConsentForm(FlaskForm):
    typed_name = StringField(
        _l("Your full name"),
        validators=[NeededToGive(), Length(max=120)],
        description=_l("Typing your name signs the form (needed to give consent)."),
        render_kw={"autocomplete": "name"},
    )
    agree = BooleanField(
        _l("I give consent for my child to take part in this placement"),
        validators=[NeededToGive()],
    )
    give = SubmitField(_l("Give consent"))
    refuse = SubmitField(_l("I do not consent"))


class GuardianLanguageForm(FlaskForm):
    """The consent page's language buttons: one submit button per language, named in
    itself. The choice is kept on the consent, for the e-mails the guardian gets later."""

    language = HiddenField()


ANY = ""


class StatusFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes, and the URL stays shareable

    status = SelectField(
        "Status",
        choices=[SelectChoice(ANY, "Any status")]
        + [SelectChoice(s.value, s.label) for s in ApplicationStatus],
        validators=[Optional()],
    )
