"""Forms of the worksite agreements: the template editor and the sending (staff pages), and
the signing page (a signed-link page, in the signatory's language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from wbl.catalog import worksite_agreements as agreements
from wbl.fields import SelectField

OTHER = "other"


class TemplateForm(FlaskForm):
    title = StringField("Title", render_kw={"maxlength": agreements.TITLE_LENGTH})
    body = TextAreaField(
        "The agreement",
        description="Separate paragraphs with an empty line. Placeholders are filled in when "
        "the agreement is sent.",
        render_kw={"rows": 18},
    )
    based_on = HiddenField()


class SendForm(FlaskForm):
    signatory = SelectField("Who signs", validators=[Optional()])
    name = StringField(
        "Signatory's name",
        validators=[Length(max=agreements.NAME_LENGTH)],
        description="When someone other than a contact signs.",
        render_kw={"autocomplete": "off"},
    )
    email = EmailField("Signatory's e-mail", render_kw={"autocomplete": "off"})
    start_date = DateField("Starts", validators=[Optional()])
    end_date = DateField(
        "Ends",
        validators=[Optional()],
        description=f"At most {agreements.MAX_YEARS} years after the start.",
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


class SignForm(FlaskForm):
    typed_name = StringField(
        _l("Your full name"),
        validators=[Optional(), Length(max=agreements.NAME_LENGTH)],
        description=_l("Typing your name signs the agreement."),
        render_kw={"autocomplete": "name"},
    )
    different_name = BooleanField(_l("I am signing for the worksite under the name I typed above"))
    agree = BooleanField(_l("I have read this agreement and agree to it for the worksite"))
    submit = SubmitField(_l("Sign the agreement"))
