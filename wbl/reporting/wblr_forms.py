"""State reporting's forms: shape only (the services check the codes and the year)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Length, Optional

from wbl.reporting import layout
from wbl.reporting.wblr import YEAR_HELP


class WblrFilterForm(FlaskForm):
    """A GET form (a bookmarkable report), so no CSRF token."""

    class Meta:
        csrf = False

    year = StringField("School year", description=YEAR_HELP, validators=[Length(max=9)])
    district = SelectField("District", coerce=str, validators=[Optional()])


class OfferingReportingForm(FlaskForm):
    state_course_code = StringField(
        "State course code",
        description=(
            "The 4-digit CALPADS state course code of the course this opportunity is "
            "embedded in (CALPADS asks it of internships since 2022–23). Leave blank if "
            "none: its placements are then listed as not reportable."
        ),
        validators=[Length(max=10)],
    )
    lea_sponsored = BooleanField("Sponsored by the district (LEA)")
    certificated_supervised = BooleanField("Supervised by a certificated staff member")


def field_name(mapping: str, key: str) -> str:
    """A mapping's key as a form field's name ("type", "internship:virtual" →
    "type__internship__virtual")."""
    return f"{mapping}__{key.replace(':', '__')}"


def codes_form(current: dict[str, dict[str, str]]) -> FlaskForm:
    """One text field per key of each mapping, filled with the codes in force."""

    class CodesForm(FlaskForm):
        pass

    for mapping, labels in layout.LABELS.items():
        for key, label in labels.items():
            setattr(
                CodesForm,
                field_name(mapping, key),
                StringField(
                    label,
                    validators=[Length(max=layout.CODE_LENGTH)],
                    default=current[mapping].get(key, ""),
                ),
            )
    return CodesForm()
