from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired

from wbl.county import rules
from wbl.fields import SelectField


class CountySettingsForm(FlaskForm):
    name = StringField(
        "County office's name",
        validators=[InputRequired(rules.NAME_NEEDED)],
        description="As people know it: shown on every page, e-mail and certificate, "
        "e.g. “Yolo County Office of Education”.",
    )
    timezone = SelectField(
        "Time zone",
        validators=[InputRequired(rules.ZONE_UNKNOWN)],
        validate_choice=False,  # the rule below checks it, with the service's message
        description="Deadlines pass at midnight in this zone, and times in e-mails and "
        "calendar invitations are shown in it.",
    )
    base_url = StringField(
        "Web address (base URL)",
        validators=[InputRequired(rules.URL_NEEDED)],
        description="The address people use to reach WBL, e.g. https://wbl.ycoe.org. "
        "Links in scheduled e-mails and on certificates' badges start with it.",
    )
    logo = FileField(
        "Logo",
        description="PNG, JPEG or SVG, up to 1 MB; a wide logo on a transparent background "
        "looks best. Shown in the header; a PNG or JPEG logo also on certificates.",
        render_kw={"accept": "image/png,image/jpeg,image/svg+xml"},
    )
    remove_logo = BooleanField("Remove the current logo")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = rules.zone_choices()

    def validate(self, extra_validators: dict[str, list[object]] | None = None) -> bool:
        shaped = super().validate(extra_validators)
        problems = rules.settings_problems(
            name=self.name.data or "",
            timezone=self.timezone.data or "",
            base_url=self.base_url.data or "",
        )
        for name, message in problems.items():
            field = self._fields[name]
            if not field.errors:  # a blank field says so once
                field.errors = [*field.errors, message]
        return shaped and not problems
