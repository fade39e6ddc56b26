"""Readiness pages: a student's preparatory activities, and a class's at once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wbl.access import Role, policy
from wbl.clock import local_today
from wbl.errors import DomainError
from wbl.placements import readiness
from wbl.placements.readiness_forms import ClassRecordForm, RecordActivityForm, RemoveRecordForm
from wbl.reference.models import PreparatoryActivity

bp = Blueprint("readiness", __name__, url_prefix="/readiness")


def _activity_choices(activities: list[PreparatoryActivity]) -> list[SelectChoice]:
    return [SelectChoice(a.id, a.name) for a in activities]


@bp.route("/students/<int:student_id>", methods=["GET", "POST"])
@policy(Role.TEACHER, Role.STAFF)
def student(student_id: int) -> ResponseReturnValue:
    """The student's activities, done or not; record one."""
    page = readiness.student_readiness(current_user, student_id)
    form = RecordActivityForm()
    listed = [s.activity for s in page.activities if s.activity.active]
    form.activity_id.choices = _activity_choices(listed)
    if not form.is_submitted():
        form.completed_on.data = local_today()
        not_done = [s.activity.id for s in page.activities if s.record is None]
        if not_done:
            form.activity_id.data = not_done[0]
    if form.validate_on_submit():
        try:
            record = readiness.record_activity(
                current_user,
                student_id,
                form.activity_id.data,
                form.completed_on.data,
            )
        except DomainError as error:
            getattr(form, error.field or "activity_id").errors.append(error.message)
        else:
            flash(f"{record.activity.name} is recorded.", "success")
            return redirect(url_for("readiness.student", student_id=student_id))
    return render_template(
        "readiness/student.html",
        page=page,
        student=page.student,
        form=form,
        remove_form=RemoveRecordForm(),
    )


@bp.post("/records/<int:record_id>/remove")
@policy(Role.TEACHER, Role.STAFF)
def remove(record_id: int) -> ResponseReturnValue:
    if not RemoveRecordForm().validate_on_submit():
        abort(400)
    removed = readiness.remove_record(current_user, record_id)
    flash(f"{removed.activity_name} is no longer on record.", "success")
    return redirect(url_for("readiness.student", student_id=removed.student_id))


@bp.route("/classes/<int:class_id>", methods=["GET", "POST"])
@policy(Role.TEACHER)
def class_sheet(class_id: int) -> ResponseReturnValue:
    """One activity on one day for the ticked students of the teacher's class."""
    sheet = readiness.class_sheet(current_user, class_id)
    form = ClassRecordForm()
    form.activity_id.choices = _activity_choices(sheet.activities)
    form.student_ids.choices = [SelectChoice(s.id, s.user.full_name) for s in sheet.students]
    if not form.is_submitted():
        form.completed_on.data = local_today()
        form.student_ids.data = [s.id for s in sheet.students]
    if form.validate_on_submit():
        try:
            result = readiness.record_for_class(
                current_user,
                class_id,
                form.activity_id.data,
                form.completed_on.data,
                form.student_ids.data or [],
            )
        except DomainError as error:
            getattr(form, error.field or "activity_id").errors.append(error.message)
        else:
            message = f"{result.activity_name}: recorded for {result.recorded} " + (
                "student." if result.recorded == 1 else "students."
            )
            if result.already_done:
                message += f" {result.already_done} already had it on record."
            flash(message, "success")
            return redirect(url_for("readiness.class_sheet", class_id=class_id))
    options = {int(o.data): o for o in form.student_ids}
    return render_template("readiness/class_sheet.html", sheet=sheet, form=form, options=options)
