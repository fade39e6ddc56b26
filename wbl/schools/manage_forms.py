from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired

from wbl.schools import rules


def _add_problems(form: FlaskForm, problems: dict[str, str | None]) -> bool:
    """Each rule's message on its field, unless the field already says what is wrong."""
    found = False
    for name, message in problems.items():
        if message is None:
            continue
        found = True
        field = form._fields[name]
        if not field.errors:
            field.errors = [*field.errors, message]
    return not found


def _most(limit: int) -> dict[str, object]:
    """The browser's hint for a text field's length (the rule itself is in ``rules.py``)."""
    return {"maxlength": limit}


class DistrictForm(FlaskForm):
    name = StringField(
        "District name",
        validators=[InputRequired(rules.NAME_NEEDED)],
        render_kw=_most(rules.NAME_LENGTH),
        description="As people know it, e.g. “Davis Joint Unified”.",
    )
    code = StringField(
        "County-district code",
        validators=[InputRequired(rules.DISTRICT_CODE_WRONG)],
        description=rules.DISTRICT_CODE_HELP,
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 20},
    )

    def validate(self, extra_validators: dict[str, list[object]] | None = None) -> bool:
        shaped = super().validate(extra_validators)
        problems = {
            "name": rules.name_problem(self.name.data or ""),
            "code": rules.district_code_problem(self.code.data or ""),
        }
        return _add_problems(self, problems) and shaped


class SchoolForm(FlaskForm):
    name = StringField(
        "School name",
        validators=[InputRequired(rules.NAME_NEEDED)],
        render_kw=_most(rules.NAME_LENGTH),
    )
    cds_code = StringField(
        "CDS code",
        validators=[InputRequired(rules.CDS_CODE_WRONG)],
        description=rules.CDS_CODE_HELP,
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 30},
    )
    zip = StringField(
        "ZIP code",
        validators=[InputRequired("Enter a five-digit ZIP code.")],
        description="Places the school on the map: teachers' searches measure distances from it.",
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": 10},
    )
    city = StringField(
        "City",
        render_kw=_most(rules.CITY_LENGTH),
        description="Leave blank to take the ZIP code's city.",
    )

    def __init__(self, *args: object, district_code: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.district_code = district_code  # a school's CDS code starts with it

    def validate(self, extra_validators: dict[str, list[object]] | None = None) -> bool:
        shaped = super().validate(extra_validators)
        problems = {
            "name": rules.name_problem(self.name.data or ""),
            "cds_code": rules.school_code_problem(self.cds_code.data or "", self.district_code),
            "city": rules.city_problem(self.city.data or ""),
        }
        return _add_problems(self, problems) and shaped


class ActionForm(FlaskForm):
    """A deactivate or reactivate button (CSRF only)."""
