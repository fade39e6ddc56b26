from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from wbl.auth.services import MIN_PASSWORD_LENGTH
from wbl.fields import SelectField, SelectMultipleField
from wbl.http import db_int
from wbl.i18n import LANGUAGES


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    email = EmailField(
        "E-mail",
        filters=[_strip],
        validators=[DataRequired(), Email(check_deliverability=False)],
        render_kw={
            "autocomplete": "username",
        },
    )
    password = PasswordField(
        "Password", validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField("Keep me signed in on this device")
    submit = SubmitField("Sign in")


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "E-mail",
        filters=[_strip],
        validators=[DataRequired(), Email(check_deliverability=False)],
        render_kw={"autocomplete": "username"},
    )
    submit = SubmitField("Send me a reset link")


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=f"Choose a password of {MIN_PASSWORD_LENGTH} to 200 characters.",
            ),
        ],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A short sentence works well.",
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Save password")


class InviteForm(FlaskForm):
    full_name = StringField(
        "Full name", filters=[_strip], validators=[DataRequired(), Length(max=120)]
    )
    email = EmailField(
        "E-mail", filters=[_strip], validators=[DataRequired(), Email(check_deliverability=False)]
    )
    roles = SelectMultipleField(
        "Roles",
        validators=[DataRequired()],
        description="Hold Ctrl (or ⌘) to choose more than one.",
    )
    district_id = SelectField(
        "District",
        coerce=db_int,
        default=0,
        description="For district CTE staff. Leave empty for county office staff.",
    )
    school_id = SelectField(
        "School", coerce=db_int, default=0, description="For teachers and students."
    )
    submit = SubmitField("Send invitation")


def _language_choices() -> list[tuple[str, str]]:
    return list(LANGUAGES.items())


class LanguageForm(FlaskForm):
    """The footer's switcher (every page, signed in or not): a language and the page to go
    back to. Each language is named in itself ("Español"), so anyone can find theirs."""

    language = SelectField(_l("Language"), choices=_language_choices, validators=[InputRequired()])
    next = HiddenField()
    submit = SubmitField(_l("Change"))


class AccountLanguageForm(FlaskForm):
    """The account page's preference: a language, or the browser's ("")."""

    language = SelectField(
        _l("Language"),
        choices=lambda: [("", _l("My browser's language")), *_language_choices()],
        description=_l("The language of your pages and of the e-mails WBL sends you."),
    )
    submit = SubmitField(_l("Save language"))
