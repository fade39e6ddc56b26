"""The letters' forms: shape only (wbl.portfolio.letters holds the rules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from wbl.portfolio.letters import (
    MAX_EMAIL,
    MAX_MESSAGE,
    MAX_NAME,
    MAX_RELATIONSHIP,
    LetterRequest,
)

ACCEPT = (
    "application/pdf,.pdf,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,.docx,"
    "image/png,.png,image/jpeg,.jpg,.jpeg"
)


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class LetterRequestForm(FlaskForm):
    recommender_name = StringField(
        _l("Recommender's name"),
        filters=[_strip],
        validators=[DataRequired(_l("Enter the recommender's name.")), Length(max=MAX_NAME)],
        render_kw={"maxlength": MAX_NAME, "autocomplete": "off"},
    )
    recommender_email = StringField(
        _l("Recommender's e-mail"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter the recommender's e-mail address.")),
            Email(
                _l("Enter a valid e-mail address, like name@example.org."),
                check_deliverability=False,
            ),
            Length(max=MAX_EMAIL),
        ],
        render_kw={"maxlength": MAX_EMAIL, "autocomplete": "off", "inputmode": "email"},
        description=_l("They get a link to upload the letter; they do not need an account."),
    )
    relationship_note = StringField(
        _l("How they know you"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Say how they know you, for example “CTE teacher”.")),
            Length(max=MAX_RELATIONSHIP),
        ],
        render_kw={"maxlength": MAX_RELATIONSHIP},
        description=_l("For example: CTE teacher, internship supervisor, coach."),
    )
    message = TextAreaField(
        _l("A short message (optional)"),
        validators=[Optional(), Length(max=MAX_MESSAGE)],
        render_kw={"rows": 4, "maxlength": MAX_MESSAGE},
        description=_l("Goes in the e-mail: why you ask them, and what they might mention."),
    )
    submit = SubmitField(_l("Send the request"))

    def request(self) -> LetterRequest:
        return LetterRequest(
            recommender_name=self.recommender_name.data or "",
            recommender_email=self.recommender_email.data or "",
            relationship_note=self.relationship_note.data or "",
            message=self.message.data or "",
        )


class LetterUploadForm(FlaskForm):
    file = FileField(
        _l("Your letter"),
        validators=[FileRequired(_l("Choose the file of your letter."))],
        description=_l("A PDF, a Word document (.docx), or a PNG or JPEG image, up to 10 MB."),
        render_kw={"accept": ACCEPT},
    )
    confirm = BooleanField(
        _l(
            "I wrote this letter, and I agree that the portfolio's reviewers and the county's "
            "CTE staff read it (the student does not)."
        )
    )
    submit = SubmitField(_l("Upload the letter"))


class LetterActionForm(FlaskForm):
    """A button that posts (CSRF only): withdraw, remind."""
