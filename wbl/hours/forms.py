from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from wbl.hours.services import MAX_DESCRIPTION
from wbl.http import db_int

QUARTERS = "Use quarter hours: 0.25, 0.5, 0.75…"
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_minutes(text: str) -> int | None:
    """Hours as typed ("1.25", "1,5", "1:15", "2") in minutes; None unless whole quarter hours."""
    text = (text or "").strip().lower().removesuffix("h").strip()
    match = _CLOCK.match(text)
    if match:
        hours, minutes = int(match.group(1)), int(match.group(2))
        total = hours * 60 + minutes if minutes < 60 else -1
    else:
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return None
        if not value.is_finite():
            return None
        exact = value * 60
        if exact != exact.to_integral_value():
            return None
        total = int(exact)
    if total <= 0 or total % 15:
        return None
    return total


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


class RejectForm(FlaskForm):
    reason = StringField(
        "Reason",
        validators=[DataRequired(message="Tell the student why (they see this reason).")],
        description="The student sees this.",
    )


class ConfirmForm(FlaskForm):
    entry_ids = SelectMultipleField("Entries", coerce=db_int, validate_choice=False)
    # "Confirm all": every entry the page showed (not ones that arrived since).
    shown_ids = SelectMultipleField("Shown", coerce=db_int, validate_choice=False)
    confirm_all = BooleanField("Confirm all")

    def chosen(self) -> list[int]:
        return list((self.shown_ids.data if self.confirm_all.data else self.entry_ids.data) or [])


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""
