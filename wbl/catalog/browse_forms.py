"""The catalog's filter form: read from the query string (GET), so no CSRF token.

A GET search changes nothing, and its URL must be shareable and bookmarkable; a token in
it would do no good and would expire. Shape only here; the ZIP is placed by the service.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, Regexp, ValidationError

from wbl.catalog.search import DISTANCE_CHOICES, SORT_LABELS, Sort
from wbl.fields import CheckboxesField, SelectField

ANY = "any"
NOT_A_DATE = _l("That is not a date. Use the format 2026-12-01.")
YES_NO_ANY = [
    SelectChoice(ANY, _l("Either")),
    SelectChoice("yes", _l("Yes")),
    SelectChoice("no", _l("No")),
]


class CatalogFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search: nothing changes, and the URL stays shareable

    q = StringField(
        _l("Search"),
        validators=[
            Optional(),
            Length(max=200, message=_l("Keep the search under 200 characters.")),
        ],
        description=_l("Words in the title, the description or the business's name."),
        render_kw={"type": "search", "placeholder": _l("e.g. veterinary, welding, Sunrise")},
    )
    type = CheckboxesField(_l("Type of experience"), validate_choice=True)
    sector = SelectField(_l("Industry sector"), validators=[Optional()])
    pathway = SelectField(_l("Career pathway"), validators=[Optional()])
    outcome = SelectField(_l("Portrait of a Graduate outcome"), validators=[Optional()])
    within = SelectField(
        _l("Distance"),
        choices=[SelectChoice(ANY, _l("Any distance"))]
        + [SelectChoice(str(m), _l("Within %(miles)s miles", miles=m)) for m in DISTANCE_CHOICES],
        default=ANY,
        validators=[Optional()],
    )
    zip = StringField(
        _l("From ZIP code"),
        validators=[
            Optional(),
            Regexp(r"^\s*\d{5}\s*$", message=_l("Enter a five-digit ZIP code.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": 10},
    )
    starts_after = DateField(
        _l("Starts on or after"),
        validators=[Optional()],
        invalid_value_message=NOT_A_DATE,
        render_kw={"type": "date"},
    )
    starts_before = DateField(
        _l("Starts on or before"),
        validators=[Optional()],
        invalid_value_message=NOT_A_DATE,
        render_kw={"type": "date"},
    )
    virtual = SelectField(_l("Online"), choices=YES_NO_ANY, default=ANY, validators=[Optional()])
    paid = SelectField(_l("Paid"), choices=YES_NO_ANY, default=ANY, validators=[Optional()])
    closed = BooleanField(
        _l("Include opportunities whose applications have closed"),
        description=_l("Left out unless ticked: their application deadline has passed."),
    )
    sort = SelectField(
        _l("Sort by"),
        choices=[SelectChoice(s.value, SORT_LABELS[s.value]) for s in Sort],
        validators=[Optional()],
    )

    def validate_starts_before(self, field: DateField) -> None:
        after = self.starts_after.data if not self.starts_after.errors else None
        if after is not None and field.data is not None and after > field.data:
            raise ValidationError(_l("This date is before the “starts on or after” date."))
