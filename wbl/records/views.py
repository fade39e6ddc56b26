"""The student's learner record: choose what goes in, download it signed or readable."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wbl.access import Role, policy
from wbl.certificates import keys
from wbl.clock import local_today
from wbl.downloads import attachment
from wbl.records import clr
from wbl.records.forms import RecordForm
from wbl.students.services import own_profile

bp = Blueprint("records", __name__, url_prefix="/record")

KIND_LABELS = {
    "experience": _l("Completed experiences"),
    "credential": _l("Industry credentials"),
    "workkeys": "WorkKeys",
    "certificate": _l("Work Ready Certificate"),
}


def _page(form: RecordForm, found: list[clr.Item], status: int = 200) -> ResponseReturnValue:
    return (
        render_template("records/record.html", form=form, items=found, kind_labels=KIND_LABELS),
        status,
    )


def _form(found: list[clr.Item]) -> RecordForm:
    form = RecordForm()
    form.items.choices = [SelectChoice(item.key, item.title) for item in found]
    return form


@bp.get("")
@policy(Role.STUDENT)
def mine() -> ResponseReturnValue:
    found = clr.items(own_profile(current_user), local_today())
    form = _form(found)
    form.items.data = [item.key for item in found]  # everything, until the student unticks
    return _page(form, found)


@bp.post("")
@policy(Role.STUDENT)
def download() -> ResponseReturnValue:
    student = own_profile(current_user)
    found = clr.items(student, local_today())
    form = _form(found)
    if not form.validate_on_submit():
        return _page(form, found, 400)
    chosen = [item for item in found if item.key in set(form.items.data or [])]
    now = datetime.now(UTC)
    body = clr.record(student, chosen, now)
    day = now.date().isoformat()
    if form.format.data == "json":
        text = json.dumps(body, ensure_ascii=False, indent=2)
        return attachment(text, f"learner-record-{day}.json", "application/json")
    try:
        token = clr.record_jwt(body, now)
    except keys.SigningKeyMissing as error:
        form.format.errors = [error.message]
        return _page(form, found, 503)
    return attachment(token, f"learner-record-{day}.jwt", "application/vc+jwt")
