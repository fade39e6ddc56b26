"""The end-of-placement forms: shape only (the services hold the rules)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from wbl.evaluations.models import RATINGS
from wbl.evaluations.queries import AWAITING, EVALUATED
from wbl.evaluations.services import MAX_COMMENT, MAX_REFLECTION, EvaluationAnswers
from wbl.fields import SelectField
from wbl.reference.models import EvaluationCategory, PogOutcome

NA = "na"
RATING_CHOICES = [SelectChoice(str(n), f"{n} {label}") for n, label in RATINGS.items()] + [
    SelectChoice(NA, "N/A")
]


class EvaluationForm(FlaskForm):
    """One radio group per category and per outcome (added by ``evaluation_form``), and a
    comment."""

    comment = TextAreaField(
        _l("Comment"),
        validators=[Optional(), Length(max=MAX_COMMENT)],
        description=_l("Optional. The student, their teachers and the program staff read it."),
        render_kw={"rows": 4, "maxlength": MAX_COMMENT},
    )

    def answers(
        self, categories: Sequence[EvaluationCategory], outcomes: Sequence[PogOutcome]
    ) -> EvaluationAnswers:
        return EvaluationAnswers(
            ratings=self._chosen("category", categories),
            outcome_ratings=self._chosen("outcome", outcomes),
            comment=self.comment.data or "",
        )

    def _chosen(
        self, prefix: str, rows: Sequence[EvaluationCategory] | Sequence[PogOutcome]
    ) -> dict[int, int | None]:
        """The rating chosen for each row: a number, ``None`` for N/A; a row left blank (or
        sent something that is not a rating at all) is left out, and the service says so."""
        chosen: dict[int, int | None] = {}
        for row in rows:
            field = self._fields.get(f"{prefix}_{row.id}")
            value = (field.data if field is not None else None) or ""
            if value == NA:
                chosen[row.id] = None
            elif value.isdigit():
                chosen[row.id] = int(value)
        return chosen


def rating_field_name(prefix: str, row_id: int) -> str:
    return f"{prefix}_{row_id}"


def evaluation_form(
    categories: Sequence[EvaluationCategory], outcomes: Sequence[PogOutcome]
) -> EvaluationForm:
    """The evaluation form for today's categories and the offering's outcomes."""
    fields: dict[str, RadioField] = {}
    for prefix, rows in (("category", categories), ("outcome", outcomes)):
        for row in rows:
            fields[rating_field_name(prefix, row.id)] = RadioField(
                row.name,
                choices=RATING_CHOICES,
                validate_choice=False,  # the service explains a missing or odd rating
                description=row.description,
            )
    form_class = type("EvaluationFormFor", (EvaluationForm,), fields)
    return form_class()


class ReflectionForm(FlaskForm):
    text = TextAreaField(
        _l("Your reflection"),
        validators=[DataRequired(_l("Write your reflection.")), Length(max=MAX_REFLECTION)],
        description=_l(
            "What did you do, what did you learn, and what would you do differently? "
            "Up to %(most)s characters.",
            most=MAX_REFLECTION,
        ),
        render_kw={"rows": 10, "maxlength": MAX_REFLECTION},
    )


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""


class EvaluationFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes, and the URL stays shareable

    school = SelectField(_l("School"), validators=[Optional()])  # choices: the viewer's schools
    state = SelectField(
        _l("Evaluation"),
        choices=[
            SelectChoice("", "Any"),
            SelectChoice(AWAITING, "Awaiting evaluation"),
            SelectChoice(EVALUATED, "Evaluated"),
        ],
        validators=[Optional()],
    )

    def school_id(self) -> int | None:
        value = self.school.data or ""
        return int(value) if value.isdigit() else None
