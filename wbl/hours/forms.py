from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, Field, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from wbl.fields import SelectMultipleField
from wbl.hours.minutes import hours_text, parse_minutes
from wbl.hours.services import MAX_DESCRIPTION
from wbl.http import db_int

QUARTERS = "Use quarter hours: 0.25, 0.5, 0.75…"


def _quarter_hours(form: FlaskForm, field: Field) -> None:
    if parse_minutes(field.data or "") is None:
        raise ValidationError(QUARTERS)


class EntryForm(FlaskForm):
    work_date = DateField("Day", validators=[InputRequired(message="Choose the day.")])
    hours = StringField(
        "Hours",
        validators=[DataRequired(message=QUARTERS), _quarter_hours],
        description="In quarter hours, e.g. 1.5 or 1:30.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    description = TextAreaField(
        "What you did",
        validators=[
            DataRequired(message="Say what you did."),
            Length(max=MAX_DESCRIPTION),
        ],
        render_kw={"rows": 3},
    )

    @property
    def minutes(self) -> int:
        return parse_minutes(self.hours.data or "") or 0

    def entry(self) -> tuple[date, int, str]:
        """The day, minutes and description of a validated form, as the services take them
        (students' entries and teachers' externship hours alike)."""
        assert self.work_date.data is not None  # noqa: S101 - InputRequired
        return self.work_date.data, self.minutes, self.description.data or ""

    def show(self, work_date: date, minutes: int, description: str) -> None:
        """Fill a form that was not submitted with an entry being changed."""
        if not self.is_submitted():
            self.work_date.data = work_date
            self.hours.data = hours_text(minutes)
            self.description.data = description


class RejectForm(FlaskForm):
    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(message=_l("Tell the student why (they see this reason)."))],
        description=_l("The student sees this."),
    )


class ConfirmForm(FlaskForm):
    entry_ids = SelectMultipleField(_l("Entries"), coerce=db_int, validate_choice=False)
    # "Confirm all": every entry the page showed (not ones that arrived since).
    shown_ids = SelectMultipleField(_l("Shown"), coerce=db_int, validate_choice=False)
    confirm_all = BooleanField(_l("Confirm all"))

    def chosen(self) -> list[int]:
        return list((self.shown_ids.data if self.confirm_all.data else self.entry_ids.data) or [])


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""
