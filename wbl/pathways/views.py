"""Pathways pages: a student's progress on their district's graduation pathway rules (for the
student, their teachers and staff in scope), a school's students grouped by where they
stand, and the staff pages that configure each district's rules."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wbl.access import Role, policy
from wbl.clock import local_today
from wbl.downloads import attachment, slug
from wbl.errors import DomainError, field_error, flash_refusal
from wbl.hours import logs
from wbl.http import db_int
from wbl.pagination import page_number
from wbl.pathways import rules, services
from wbl.pathways.forms import (
    FORMS,
    PARAM_FIELDS,
    ConfirmForm,
    DistrictChoiceForm,
    RuleForm,
    SchoolFilterForm,
)
from wbl.pathways.models import PathwayRule, RuleKind
from wbl.scopes import is_staff
from wbl.students import services as students
from wbl.students.models import StudentProfile

bp = Blueprint("pathways", __name__, url_prefix="/pathways")

READERS = (Role.STUDENT, Role.TEACHER, Role.STAFF)


@bp.get("/")
@policy(*READERS)
def index() -> ResponseReturnValue:
    if is_staff(current_user):
        return redirect(url_for("pathways.schools"))
    if current_user.has_role(Role.TEACHER):
        if current_user.school_id is not None:
            return redirect(url_for("pathways.school", school_id=current_user.school_id))
        if not current_user.has_role(Role.STUDENT):
            return redirect(url_for("pathways.schools"))  # says why it is empty
    return redirect(url_for("pathways.mine"))


# --- progress ------------------------------------------------------------------------------


def _progress_page(student: StudentProfile) -> ResponseReturnValue:
    progress = services.student_progress(student, local_today())
    return render_template(
        "pathways/progress.html",
        student=student,
        progress=progress,
        is_self=student.user_id == current_user.id,
        Status=rules.Status,
    )


@bp.get("/mine")
@policy(Role.STUDENT)
def mine() -> ResponseReturnValue:
    return _progress_page(students.own_profile(current_user))


@bp.get("/students/<int:student_id>")
@policy(*READERS)
def student(student_id: int) -> ResponseReturnValue:
    return _progress_page(students.get_student(current_user, student_id))


@bp.get("/schools")
@policy(Role.TEACHER, Role.STAFF)
def schools() -> ResponseReturnValue:
    """Staff pick a school (a teacher goes to their own; a teacher whose account has no
    school yet is told so here, rather than refused)."""
    staff = is_staff(current_user)
    if not staff and current_user.school_id is not None:
        return redirect(url_for("pathways.school", school_id=current_user.school_id))
    return render_template(
        "pathways/schools.html",
        schools=logs.visible_schools(current_user),
        without_school=not staff,
    )


def _school_filters(school_id: int) -> tuple[SchoolFilterForm, services.SchoolFilters]:
    """The list's filters from the query string. A filter that is not a valid choice is
    ignored, and its error shown next to it; a page that is not a number is the first, one
    past the end the last."""
    form = SchoolFilterForm(request.args)
    classes, grades = services.queries.school_classes_and_grades(school_id)
    form.graduation_year.choices = [
        SelectChoice(0, "Every class"),
        *(SelectChoice(c, f"Class of {c}") for c in classes),
    ]
    form.grade.choices = [
        SelectChoice(0, "Every grade"),
        *(SelectChoice(g, f"Grade {g}") for g in grades),
    ]
    year = grade = status = None
    if "graduation_year" in request.args and form.graduation_year.validate(form):
        year = form.graduation_year.data or None
    if "grade" in request.args and form.grade.validate(form):
        grade = form.grade.data or None
    if "status" in request.args and form.status.validate(form):
        status = rules.Status(form.status.data) if form.status.data else None
    name = ""
    if "q" in request.args and form.q.validate(form):
        name = (form.q.data or "").strip()
    return form, services.SchoolFilters(
        graduation_year=year,
        grade=grade,
        name=name,
        status=status,
        page=request.args.get("page", 1, type=page_number),
    )


@bp.get("/schools/<int:school_id>")
@policy(Role.TEACHER, Role.STAFF)
def school(school_id: int) -> ResponseReturnValue:
    """A page of a school's students by status; ``?format=csv`` downloads the whole list as
    filtered, a row per student and rule."""
    found = logs.get_school(current_user, school_id)
    form, filters = _school_filters(found.id)
    if request.args.get("format") == "csv":
        year, status = filters.graduation_year, filters.status
        result = services.school_progress(
            found, year, local_today(), status, grade=filters.grade, name=filters.name
        )
        name = f"pathways {found.name} {year or ''} {status.label if status else ''}"
        return _csv(services.school_progress_csv(result), name)
    listed = services.school_list(found, filters, local_today())
    args: dict[str, Any] = {  # the filters the pager, counts and download keep
        "school_id": found.id,
        "q": filters.name or None,
        "graduation_year": filters.graduation_year,
        "grade": filters.grade,
    }
    return render_template(
        "pathways/school.html",
        form=form,
        result=listed,
        args=args,
        status_arg=filters.status.value if filters.status else None,
        csv_url=url_for(
            "pathways.school",
            format="csv",
            status=filters.status.value if filters.status else None,
            **args,
        ),
        Status=rules.Status,
    )


def _csv(data: bytes, name: str) -> Response:
    return attachment(data, f"{slug(name, 'pathways')}.csv", "text/csv")


# --- rules (staff) -------------------------------------------------------------------------


@bp.get("/rules", endpoint="rules")
@policy(Role.STAFF)
def rules_page() -> ResponseReturnValue:
    districts = services.rule_districts(current_user)
    if not districts:
        return render_template("pathways/rules.html", district=None, rules=[], chooser=None)
    chooser = DistrictChoiceForm(request.args)
    chooser.district.choices = [SelectChoice(d.id, d.name) for d in districts]
    wanted = request.args.get("district", type=db_int) or districts[0].id
    district = services.get_district(current_user, wanted)
    chooser.district.data = district.id
    rows = services.district_rules(current_user, district.id)
    return render_template(
        "pathways/rules.html",
        district=district,
        rules=[(row, _describe(row)) for row in rows],
        chooser=chooser if len(districts) > 1 else None,
        kinds=list(RuleKind),
    )


def _describe(row: PathwayRule) -> str:
    try:
        return rules.describe_params(row.kind, rules.parse_params(row.kind, row.params))
    except rules.ParamsError as error:
        return f"Settings need attention: {error.message}"


def _classes(row: PathwayRule) -> str:
    if row.classes_from and row.classes_to:
        return f"{row.classes_from}–{row.classes_to}"
    if row.classes_from:
        return f"{row.classes_from} and later"
    if row.classes_to:
        return f"{row.classes_to} and earlier"
    return "Every class"


bp.add_app_template_filter(_classes, "rule_classes")


def _change(form: RuleForm) -> services.RuleChange:
    return services.RuleChange(
        name=form.name.data or "",
        description=form.description.data or "",
        active=bool(form.active.data),
        classes_from=form.classes_from.data,
        classes_to=form.classes_to.data,
        params=form.params(),
    )


def _render_rule_form(
    form: RuleForm, kind: RuleKind, district_name: str, title: str, problem: str | None
) -> ResponseReturnValue:
    return render_template(
        "pathways/rule_form.html",
        form=form,
        kind=kind,
        district_name=district_name,
        title=title,
        problem=problem,
        param_fields=PARAM_FIELDS[kind],
    ), (422 if form.errors or problem else 200)


@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@policy(Role.STAFF)
def edit_rule(rule_id: int) -> ResponseReturnValue:
    row = services.get_rule(current_user, rule_id)
    form = FORMS[row.kind](data=None if request.method == "POST" else _form_data(row))
    problem = None
    if form.validate_on_submit():
        try:
            services.update_rule(current_user, row.id, _change(form))
        except DomainError as error:
            problem = field_error(form, error)
        else:
            flash(f"{form.name.data} has been saved.", "success")
            return redirect(url_for("pathways.rules", district=row.district_id))
    return _render_rule_form(form, row.kind, row.district.name, f"Edit {row.name}", problem)


def _form_data(row: PathwayRule) -> dict[str, object]:
    return {
        "name": row.name,
        "description": row.description,
        "active": row.active,
        "classes_from": row.classes_from,
        "classes_to": row.classes_to,
        **row.params,
    }


@bp.route("/rules/<int:district_id>/new/<kind>", methods=["GET", "POST"])
@policy(Role.STAFF)
def new_rule(district_id: int, kind: str) -> ResponseReturnValue:
    district = services.get_district(current_user, district_id)
    try:
        rule_kind = RuleKind(kind)
    except ValueError:
        abort(404)
    form = FORMS[rule_kind]()
    if request.method == "GET":
        form.name.data = rule_kind.label
    problem = None
    if form.validate_on_submit():
        try:
            services.add_rule(current_user, district.id, rule_kind, _change(form))
        except DomainError as error:
            problem = field_error(form, error)
        else:
            flash(f"{form.name.data} has been added.", "success")
            return redirect(url_for("pathways.rules", district=district.id))
    return _render_rule_form(
        form, rule_kind, district.name, f"New rule: {rule_kind.label}", problem
    )


@bp.route("/rules/<int:rule_id>/delete", methods=["GET", "POST"])
@policy(Role.STAFF)
def delete_rule(rule_id: int) -> ResponseReturnValue:
    """Delete a rule staff added, after a confirmation page; a shipped default goes back to
    its edit page with the reason (it can be switched off there)."""
    row = services.get_rule(current_user, rule_id)
    with flash_refusal() as attempt:
        services.check_deletable(row)
    if not attempt.ok:
        return redirect(url_for("pathways.edit_rule", rule_id=row.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        district_id = row.district_id
        name = services.delete_rule(current_user, row.id)
        flash(f"{name} has been deleted.", "success")
        return redirect(url_for("pathways.rules", district=district_id))
    return render_template(
        "pathways/delete_rule.html", row=row, form=form, district_name=row.district.name
    )


@bp.route("/rules/<int:district_id>/reset", methods=["GET", "POST"])
@policy(Role.STAFF)
def reset_rules(district_id: int) -> ResponseReturnValue:
    district = services.get_district(current_user, district_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        count = services.reset_rules(current_user, district.id)
        flash(f"{district.name} is back to the {count} default rules.", "success")
        return redirect(url_for("pathways.rules", district=district.id))
    return render_template(
        "pathways/reset.html", district=district, form=form, defaults=services.DEFAULT_RULES
    )
