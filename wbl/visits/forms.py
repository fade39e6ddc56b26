"""The visit forms: shape only (the services hold the rules and say what is wrong). The visit
form has one radio group per checklist item, built from the district's checklist."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from wbl.visits.models import ChecklistAnswer
from wbl.visits.rules import MAX_DUE_AFTER_DAYS, MIN_DUE_AFTER_DAYS
from wbl.visits.services import (
    MAX_FLAG_REASON,
    MAX_FOLLOW_UP,
    MAX_NOTES,
    ChecklistSettings,
    VisitReport,
    parse_items,
)

ANSWERS = [
    SelectChoice(ChecklistAnswer.YES.value, _l("Yes")),
    SelectChoice(ChecklistAnswer.NO.value, _l("No")),
    SelectChoice(ChecklistAnswer.NOT_APPLICABLE.value, _l("Not applicable")),
]


class VisitForm(FlaskForm):
    checklist = HiddenField()
    visited_on = DateField(
        _l("Day of the visit"),
        validators=[InputRequired(message=_l("Give the day of the visit."))],
    )
    notes = TextAreaField(
        _l("Notes"),
        validators=[
            Optional(),
            Length(
                max=MAX_NOTES,
                message=_l("Keep the notes under %(n)s characters.", n=MAX_NOTES),
            ),
        ],
        description=_l("What you saw and who you spoke to. Staff and teachers read this."),
        render_kw={"rows": 4, "maxlength": MAX_NOTES},
    )
    follow_up_needed = BooleanField(_l("Follow-up needed"))
    follow_up = TextAreaField(
        _l("What follow-up"),
        validators=[
            Length(
                max=MAX_FOLLOW_UP,
                message=_l("Keep the follow-up under %(n)s characters.", n=MAX_FOLLOW_UP),
            )
        ],
        description=_l("Who should do what, e.g. “Call the supervisor about safety glasses”."),
        render_kw={"rows": 2, "maxlength": MAX_FOLLOW_UP},
    )
    item_names: list[str]

    def validate_follow_up(self, field: TextAreaField) -> None:
        if self.follow_up_needed.data and not (field.data or "").strip():
            raise ValidationError(_l("Say what follow-up is needed."))

    def item_fields(self) -> list[Any]:
        return [self[name] for name in self.item_names]

    def report(self) -> VisitReport:
        assert self.visited_on.data is not None  # noqa: S101 - InputRequired
        answers = tuple(
            ChecklistAnswer(f.data) if f.data in set(ChecklistAnswer) else None
            for f in self.item_fields()
        )
        return VisitReport(
            visited_on=self.visited_on.data,
            answers=answers,
            checklist_key=self.checklist.data or "",
            notes=self.notes.data or "",
            follow_up_needed=bool(self.follow_up_needed.data),
            follow_up=self.follow_up.data or "",
        )


def visit_form(items: list[str], key: str, **kwargs: Any) -> VisitForm:
    """A ``VisitForm`` with a radio group per item of ``items`` (named ``item_0`` …)."""

    class ChecklistVisitForm(VisitForm):
        pass

    names = []
    for i, text in enumerate(items):
        name = f"item_{i}"
        setattr(
            ChecklistVisitForm,
            name,
            RadioField(
                text,
                choices=ANSWERS,
                validators=[
                    InputRequired(message=_l("Answer this item: yes, no or not applicable."))
                ],
            ),
        )
        names.append(name)
    form = ChecklistVisitForm(**kwargs)
    form.item_names = names
    if not form.is_submitted():
        form.checklist.data = key
    return form


class CloseFollowUpForm(FlaskForm):
    outcome = TextAreaField(
        _l("What was done"),
        validators=[
            DataRequired(message=_l("Write what was done.")),
            Length(max=MAX_FOLLOW_UP),
        ],
        render_kw={"rows": 2, "maxlength": MAX_FOLLOW_UP},
    )


class FlagForm(FlaskForm):
    reason = TextAreaField(
        _l("Why a visit is due (optional)"),
        validators=[Optional(), Length(max=MAX_FLAG_REASON)],
        render_kw={"rows": 2, "maxlength": MAX_FLAG_REASON},
    )


class UnflagForm(FlaskForm):
    pass


class ChecklistForm(FlaskForm):
    items = TextAreaField(
        _l("Checklist items, one a line"),
        validators=[DataRequired(message=_l("Give at least one checklist item."))],
        description=_l(
            "Each item is answered yes, no or not applicable at every visit. Visits already "
            "recorded keep the wording they were answered with."
        ),
        render_kw={"rows": 8},
    )
    due_after_days = IntegerField(
        _l("Days between visits"),
        validators=[
            InputRequired(message=_l("Give a number of days.")),
            NumberRange(
                min=MIN_DUE_AFTER_DAYS,
                max=MAX_DUE_AFTER_DAYS,
                message=_l(
                    "Give a number of days from %(low)s to %(high)s.",
                    low=MIN_DUE_AFTER_DAYS,
                    high=MAX_DUE_AFTER_DAYS,
                ),
            ),
        ],
        description=_l(
            "A placement is due a visit this many days after its start, or after its last visit."
        ),
    )

    def settings(self) -> ChecklistSettings:
        return ChecklistSettings(
            items=parse_items(self.items.data or ""),
            due_after_days=int(self.due_after_days.data or 0),
        )
