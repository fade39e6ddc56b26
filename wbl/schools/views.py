"""Teachers keep their classes (the groups class events are booked for)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wbl.access import Role, policy
from wbl.errors import DomainError
from wbl.schools import services
from wbl.schools.forms import ArchiveForm, ClassForm
from wbl.schools.models import ClassSection

bp = Blueprint("classes", __name__, url_prefix="/classes")


@bp.get("")
@policy(Role.TEACHER)
def index() -> ResponseReturnValue:
    return render_template("classes/index.html", classes=services.own_classes(current_user))


def _edit(form: ClassForm, section: ClassSection | None) -> ResponseReturnValue:
    try:
        students = services.selectable_students(current_user)
    except DomainError as error:
        flash(error.message, "warning")
        return redirect(url_for("classes.index"))
    form.student_ids.choices = [
        SelectChoice(s.id, f"{s.user.full_name} (grade {s.grade})") for s in students
    ]
    if form.validate_on_submit():
        data = services.ClassInput(
            name=form.name.data or "",
            period=form.period.data or "",
            student_ids=frozenset(form.student_ids.data or []),
        )
        try:
            if section is None:
                saved = services.create_class(current_user, data)
            else:
                saved = services.update_class(current_user, section.id, data)
        except DomainError as error:
            getattr(form, error.field or "name").errors.append(error.message)
        else:
            flash(f"{saved.name} is saved with {len(saved.students)} students.", "success")
            return redirect(url_for("classes.index"))
    return render_template(
        "classes/edit.html", form=form, section=section, has_students=bool(students)
    )


@bp.route("/new", methods=["GET", "POST"])
@policy(Role.TEACHER)
def new() -> ResponseReturnValue:
    return _edit(ClassForm(), None)


@bp.route("/<int:class_id>/edit", methods=["GET", "POST"])
@policy(Role.TEACHER)
def edit(class_id: int) -> ResponseReturnValue:
    section = services.own_class(current_user, class_id)
    form = ClassForm(obj=section)
    if not form.is_submitted():
        form.student_ids.data = [s.id for s in section.students]
    return _edit(form, section)


@bp.post("/<int:class_id>/archive")
@policy(Role.TEACHER)
def archive(class_id: int) -> ResponseReturnValue:
    if not ArchiveForm().validate_on_submit():
        abort(400)
    section = services.archive_class(current_user, class_id)
    flash(f"{section.name} is no longer on your list. Its events are kept.", "success")
    return redirect(url_for("classes.index"))
