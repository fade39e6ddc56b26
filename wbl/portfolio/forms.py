"""The portfolio's forms: shape only (the services hold the rules)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from wbl.fields import SelectField
from wbl.placements.models import Placement
from wbl.portfolio.files import MAX_UPLOAD_BYTES
from wbl.portfolio.models import ArtifactKind, ArtifactSource
from wbl.portfolio.services import (
    MAX_BODY,
    MAX_COMMENT,
    MAX_COMMENTARY,
    MAX_SOURCE_NOTE,
    MAX_TITLE,
    MAX_URL,
    ArtifactEdit,
    Upload,
)
from wbl.reference.models import PogOutcome

ACCEPT = "application/pdf,.pdf,.docx,image/png,image/jpeg"
FILE_HELP = _l("PDF, Word (.docx), PNG or JPEG, up to 10 MB.")


def commentary_field_name(outcome_id: int) -> str:
    return f"commentary_{outcome_id}"


def outcome_field_name(outcome_id: int) -> str:
    return f"outcome_{outcome_id}"


def read_upload(data: object) -> Upload | None:
    """The uploaded file's bytes (read one byte past the limit, so an oversized file is
    told as such without reading all of it), or None when no file was chosen."""
    if not isinstance(data, FileStorage) or not data.filename:
        return None
    return Upload(data.stream.read(MAX_UPLOAD_BYTES + 1), data.filename)


class ArtifactForm(FlaskForm):
    """Title, what the artifact is (a text, a file, a link), where it is from; a checkbox
    and a commentary per outcome are added by ``artifact_form``."""

    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Give the artifact a title.")), Length(max=MAX_TITLE)],
        render_kw={"maxlength": MAX_TITLE},
    )
    kind = RadioField(
        _l("What the artifact is"),
        choices=[
            SelectChoice(ArtifactKind.TEXT.value, _l("A text I write here")),
            SelectChoice(ArtifactKind.FILE.value, _l("A file I upload")),
            SelectChoice(ArtifactKind.LINK.value, _l("A link to my work online")),
        ],
        default=ArtifactKind.TEXT.value,
    )
    body = TextAreaField(
        _l("The artifact"),
        validators=[Optional(), Length(max=MAX_BODY)],
        description=_l(
            "For a text: what you did and learned, in your words. "
            "For a file or a link: a few words on what it is (optional)."
        ),
        render_kw={"rows": 10},
    )
    file = FileField(_l("File"), description=FILE_HELP, render_kw={"accept": ACCEPT})
    url = StringField(
        _l("Web address"),
        validators=[Optional(), Length(max=MAX_URL)],
        description=_l("Starts with https:// (a shared document, a video, a website)."),
        render_kw={"maxlength": MAX_URL, "inputmode": "url", "autocomplete": "url"},
    )
    source = RadioField(
        _l("Where it comes from"),
        choices=[
            SelectChoice(ArtifactSource.PLACEMENT.value, _l("A placement")),
            SelectChoice(ArtifactSource.CLASS.value, _l("A class")),
            SelectChoice(ArtifactSource.OTHER.value, _l("Other")),
        ],
        default=ArtifactSource.OTHER.value,
    )
    placement_id = SelectField(_l("Placement"), choices=[], validate_choice=False)
    source_note = StringField(
        _l("Class, or where it comes from"),
        validators=[Optional(), Length(max=MAX_SOURCE_NOTE)],
        description=_l("For a class, its name (for example “English 11”)."),
        render_kw={"maxlength": MAX_SOURCE_NOTE},
    )
    save = SubmitField(_l("Save draft"))
    ready = SubmitField(_l("Save and mark ready"))

    def outcome_ids(self, outcomes: Iterable[PogOutcome]) -> frozenset[int]:
        return frozenset(
            outcome.id
            for outcome in outcomes
            if (box := self._fields.get(outcome_field_name(outcome.id))) is not None and box.data
        )

    def edit(self, outcomes: Sequence[PogOutcome]) -> ArtifactEdit:
        commentaries: dict[int, str] = {}
        for outcome in outcomes:
            text = self._fields.get(commentary_field_name(outcome.id))
            commentaries[outcome.id] = (text.data if text is not None else "") or ""
        placement = (self.placement_id.data or "").strip()
        return ArtifactEdit(
            title=self.title.data or "",
            body=self.body.data or "",
            commentaries=commentaries,
            kind=ArtifactKind(self.kind.data or ArtifactKind.TEXT.value),
            url=self.url.data or "",
            upload=read_upload(self.file.data),
            outcome_ids=self.outcome_ids(outcomes),
            source=ArtifactSource(self.source.data or ArtifactSource.OTHER.value),
            placement_id=int(placement) if placement.isdigit() else None,
            source_note=self.source_note.data or "",
        )


def placement_choice(placement: Placement) -> SelectChoice:
    offering = placement.offering
    return SelectChoice(
        str(placement.id),
        gettext("%(title)s at %(partner)s", title=offering.title, partner=offering.partner.name),
    )


def artifact_form(outcomes: Sequence[PogOutcome], placements: Sequence[Placement]) -> ArtifactForm:
    """The artifact form for these outcomes (the active ones and any the artifact already
    shows) and the student's completed placements."""
    fields: dict[str, object] = {}
    for outcome in outcomes:
        fields[outcome_field_name(outcome.id)] = BooleanField(outcome.name)
        fields[commentary_field_name(outcome.id)] = TextAreaField(
            gettext("How it shows “%(outcome)s”", outcome=outcome.name),
            validators=[Optional(), Length(max=MAX_COMMENTARY)],
            description=outcome.description,
            render_kw={"rows": 3, "maxlength": MAX_COMMENTARY},
        )
    form_class = type("ArtifactFormFor", (ArtifactForm,), fields)
    form: ArtifactForm = form_class()
    form.placement_id.choices = [SelectChoice("", gettext("Choose a placement"))] + [
        placement_choice(p) for p in placements
    ]
    return form


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"),
        validators=[DataRequired(_l("Write your comment.")), Length(max=MAX_COMMENT)],
        description=_l("The student is told by e-mail and sees it on this page."),
        render_kw={"rows": 4, "maxlength": MAX_COMMENT},
    )
    submit = SubmitField(_l("Send the comment"))


class DocumentForm(FlaskForm):
    file = FileField(
        _l("File"),
        validators=[FileRequired(_l("Choose the file to upload."))],
        description=FILE_HELP,
        render_kw={"accept": ACCEPT},
    )
    submit = SubmitField(_l("Upload"))

    def upload(self) -> Upload | None:
        return read_upload(self.file.data)


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""
