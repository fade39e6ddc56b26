"""The portfolio's forms: shape only (the services hold the rules)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from wbl.portfolio.models import ArtifactOutcome
from wbl.portfolio.services import MAX_BODY, MAX_COMMENTARY, MAX_TITLE, ArtifactEdit


def commentary_field_name(outcome_id: int) -> str:
    return f"commentary_{outcome_id}"


class ArtifactForm(FlaskForm):
    """Title, text, and one commentary per outcome (added by ``artifact_form``)."""

    title = StringField(
        "Title",
        validators=[DataRequired("Give the artifact a title."), Length(max=MAX_TITLE)],
        render_kw={"maxlength": MAX_TITLE},
    )
    body = TextAreaField(
        "The artifact",
        validators=[Optional(), Length(max=MAX_BODY)],
        description="What you did and learned, in your words.",
        render_kw={"rows": 12},
    )
    save = SubmitField("Save draft")
    ready = SubmitField("Save and mark ready")

    def edit(self, outcomes: Sequence[ArtifactOutcome]) -> ArtifactEdit:
        commentaries: dict[int, str] = {}
        for link in outcomes:
            field = self._fields.get(commentary_field_name(link.outcome_id))
            commentaries[link.outcome_id] = (field.data if field is not None else "") or ""
        return ArtifactEdit(
            title=self.title.data or "", body=self.body.data or "", commentaries=commentaries
        )


def artifact_form(outcomes: Sequence[ArtifactOutcome]) -> ArtifactForm:
    fields = {
        commentary_field_name(link.outcome_id): TextAreaField(
            f"How it shows “{link.outcome.name}”",
            validators=[Optional(), Length(max=MAX_COMMENTARY)],
            description=link.outcome.description,
            render_kw={"rows": 3, "maxlength": MAX_COMMENTARY},
        )
        for link in outcomes
    }
    form_class = type("ArtifactFormFor", (ArtifactForm,), fields)
    return form_class()  # type: ignore[no-any-return]


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""
