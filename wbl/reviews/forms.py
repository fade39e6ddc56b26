"""Portfolio review forms: shape only (the services hold the rules)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from wbl.fields import SelectField
from wbl.http import db_int
from wbl.reference.models import PogOutcome
from wbl.reviews.models import ScoringLevel, SubmissionStatus
from wbl.reviews.queries import OPEN_FILTER
from wbl.reviews.scoring import MAX_COMMENT, Score
from wbl.reviews.scoring_guide import MAX_DESCRIPTOR, MAX_LEVEL_NAME, GuideEdit

STATUS_LABELS = {
    "submitted": _l("Waiting for reviewers"),
    "in_review": _l("In review"),
    "needs_decision": _l("Needs a decision"),
    "passed": _l("Passed"),
    "returned": _l("Returned for revision"),
    "withdrawn": _l("Withdrawn"),
}


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""


def level_field(rank: int) -> str:
    return f"level_{rank}"


def text_field(rank: int, outcome_id: int) -> str:
    return f"text_{rank}_{outcome_id}"


def rank_field(outcome_id: int) -> str:
    return f"rank_{outcome_id}"


def comment_field(outcome_id: int) -> str:
    return f"comment_{outcome_id}"


class GuideForm(FlaskForm):
    pass_rank = SelectField(
        "Passing level",
        coerce=db_int,
        description="A portfolio passes when every outcome is at this level or above.",
    )

    def edit(self, levels: Sequence[ScoringLevel], outcomes: Sequence[PogOutcome]) -> GuideEdit:
        return GuideEdit(
            names={lvl.rank: self[level_field(lvl.rank)].data or "" for lvl in levels},
            texts={
                (lvl.rank, o.id): self[text_field(lvl.rank, o.id)].data or ""
                for lvl in levels
                for o in outcomes
            },
            pass_rank=self.pass_rank.data or 0,
        )


def guide_form(
    levels: Sequence[ScoringLevel],
    outcomes: Sequence[PogOutcome],
    texts: dict[tuple[int, int], str],
    pass_rank: int,
) -> GuideForm:
    fields: dict[str, object] = {}
    for level in levels:
        fields[level_field(level.rank)] = StringField(
            f"Name of level {level.rank}",
            validators=[Length(max=MAX_LEVEL_NAME)],
            default=level.name,
        )
        for outcome in outcomes:
            fields[text_field(level.rank, outcome.id)] = TextAreaField(
                f"{outcome.name} at {level.name}",
                validators=[Length(max=MAX_DESCRIPTOR)],
                default=texts.get((level.rank, outcome.id), ""),
                render_kw={"rows": 3, "maxlength": MAX_DESCRIPTOR},
            )
    form_class = type("GuideFormFor", (GuideForm,), fields)
    form: GuideForm = form_class()
    form.pass_rank.choices = [
        SelectChoice(str(level.rank), f"{level.rank} {level.name}") for level in levels
    ]
    if not form.is_submitted():
        form.pass_rank.data = pass_rank
    return form


class PoolAddForm(FlaskForm):
    email = EmailField(
        "E-mail address",
        validators=[DataRequired("Enter the person's e-mail address."), Length(max=254)],
        description="A teacher, a staff member, or a contact of an endorsing partner.",
    )


class AssignForm(FlaskForm):
    first = SelectField("First reviewer", coerce=db_int, validate_choice=False)
    second = SelectField("Second reviewer", coerce=db_int, validate_choice=False)


class ReplaceForm(FlaskForm):
    reviewer = SelectField("New reviewer", coerce=db_int, validate_choice=False)


class ScoreForm(FlaskForm):
    """A level (radio group) and a comment per outcome, added by ``score_form``."""

    def scores(self, outcomes: Sequence[PogOutcome]) -> dict[int, Score]:
        chosen: dict[int, Score] = {}
        for outcome in outcomes:
            raw = self[rank_field(outcome.id)].data or ""
            chosen[outcome.id] = Score(
                rank=int(raw) if str(raw).isdigit() else None,
                comment=self[comment_field(outcome.id)].data or "",
            )
        return chosen


def score_form(levels: Sequence[ScoringLevel], outcomes: Sequence[PogOutcome]) -> ScoreForm:
    choices = [SelectChoice(str(level.rank), f"{level.rank} {level.name}") for level in levels]
    fields: dict[str, object] = {}
    for outcome in outcomes:
        fields[rank_field(outcome.id)] = RadioField(
            outcome.name, choices=choices, validate_choice=False, description=outcome.description
        )
        fields[comment_field(outcome.id)] = TextAreaField(
            f"Comment on {outcome.name}",
            validators=[Optional(), Length(max=MAX_COMMENT)],
            render_kw={"rows": 3, "maxlength": MAX_COMMENT},
        )
    form_class = type("ScoreFormFor", (ScoreForm,), fields)
    return form_class()


class ResolveForm(FlaskForm):
    note = TextAreaField(
        "Note",
        validators=[Optional(), Length(max=MAX_COMMENT)],
        description="Optional: why you chose these levels (staff only).",
        render_kw={"rows": 3},
    )

    def ranks(self, outcomes: Sequence[PogOutcome]) -> dict[int, int | None]:
        chosen: dict[int, int | None] = {}
        for outcome in outcomes:
            raw = self[rank_field(outcome.id)].data or ""
            chosen[outcome.id] = int(raw) if str(raw).isdigit() else None
        return chosen


def resolve_form(levels: Sequence[ScoringLevel], outcomes: Sequence[PogOutcome]) -> ResolveForm:
    choices = [SelectChoice(str(level.rank), f"{level.rank} {level.name}") for level in levels]
    fields = {
        rank_field(o.id): RadioField(o.name, choices=choices, validate_choice=False)
        for o in outcomes
    }
    form_class = type("ResolveFormFor", (ResolveForm,), fields)
    return form_class()


class SubmissionFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes, and the URL stays shareable

    school = SelectField("School", validators=[Optional()])
    status = SelectField(
        "Status",
        choices=[SelectChoice("", "Any"), SelectChoice(OPEN_FILTER, "Open")]
        + [SelectChoice(s.value, STATUS_LABELS[s.value]) for s in SubmissionStatus],
        validators=[Optional()],
    )

    def school_id(self) -> int | None:
        value = self.school.data or ""
        return int(value) if value.isdigit() else None
