"""Administration ▸ Districts and schools: the county office adds, edits, deactivates and
reactivates them by hand; a district's staff read their own (wbl/schools/manage.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wbl.access import Role, policy
from wbl.errors import DomainError, field_error, flash_refusal
from wbl.pagination import page_number
from wbl.schools import manage
from wbl.schools.manage_forms import ActionForm, DistrictForm, SchoolForm
from wbl.schools.models import District, School

bp = Blueprint("districts", __name__, url_prefix="/admin/districts")


def _page() -> int:
    return request.args.get("page", 1, type=page_number)


@bp.get("")
@policy(Role.STAFF)
def index() -> ResponseReturnValue:
    page, rows = manage.districts_page(current_user, _page())
    return render_template(
        "districts/index.html",
        page=page,
        rows=rows,
        can_keep=manage.keeps_districts(current_user),
    )


def _district_form(form: DistrictForm, district: District | None) -> ResponseReturnValue:
    problem = None
    if form.validate_on_submit():
        data = manage.DistrictInput(name=form.name.data or "", code=form.code.data or "")
        try:
            if district is None:
                saved = manage.create_district(current_user, data)
            else:
                saved = manage.update_district(current_user, district.id, data)
        except DomainError as error:
            problem = field_error(form, error)
        else:
            flash(f"{saved.name} is saved.", "success")
            return redirect(url_for("districts.district", district_id=saved.id))
    return render_template(
        "districts/district_form.html", form=form, district=district, problem=problem
    )


@bp.route("/new", methods=["GET", "POST"])
@policy(Role.STAFF)
def new_district() -> ResponseReturnValue:
    if not manage.keeps_districts(current_user):
        abort(403)
    return _district_form(DistrictForm(), None)


@bp.get("/<int:district_id>")
@policy(Role.STAFF)
def district(district_id: int) -> ResponseReturnValue:
    found = manage.get_district(current_user, district_id)
    return render_template(
        "districts/district.html",
        district=found,
        page=manage.schools_page(current_user, district_id, _page()),
        can_keep=manage.keeps_districts(current_user),
        action=ActionForm(),
    )


@bp.route("/<int:district_id>/edit", methods=["GET", "POST"])
@policy(Role.STAFF)
def edit_district(district_id: int) -> ResponseReturnValue:
    found = manage.district_to_keep(current_user, district_id)
    return _district_form(DistrictForm(obj=found), found)


def _district_active(district_id: int, active: bool) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    with flash_refusal() as attempt:
        found, schools = manage.set_district_active(current_user, district_id, active)
    if attempt.ok:
        if active:
            flash(f"{found.name} is active again. Reactivate the schools it still runs.", "success")
        else:
            also = (
                f" and its {schools} active school{'s' if schools != 1 else ''}" if schools else ""
            )
            flash(
                f"{found.name}{also} are deactivated: left out of lists, every record kept.",
                "success",
            )
    return redirect(url_for("districts.district", district_id=district_id))


@bp.post("/<int:district_id>/deactivate")
@policy(Role.STAFF)
def deactivate_district(district_id: int) -> ResponseReturnValue:
    return _district_active(district_id, False)


@bp.post("/<int:district_id>/reactivate")
@policy(Role.STAFF)
def reactivate_district(district_id: int) -> ResponseReturnValue:
    return _district_active(district_id, True)


def _school_form(
    form: SchoolForm, district: District, school: School | None
) -> ResponseReturnValue:
    problem = None
    if form.validate_on_submit():
        data = manage.SchoolInput(
            name=form.name.data or "",
            cds_code=form.cds_code.data or "",
            city=form.city.data or "",
            zip=form.zip.data or "",
        )
        try:
            if school is None:
                saved = manage.create_school(current_user, district.id, data)
            else:
                saved = manage.update_school(current_user, school.id, data)
        except DomainError as error:
            problem = field_error(form, error)
        else:
            flash(f"{saved.name} is saved.", "success")
            return redirect(url_for("districts.district", district_id=district.id))
    return render_template(
        "districts/school_form.html", form=form, district=district, school=school, problem=problem
    )


@bp.route("/<int:district_id>/schools/new", methods=["GET", "POST"])
@policy(Role.STAFF)
def new_school(district_id: int) -> ResponseReturnValue:
    found = manage.district_to_keep(current_user, district_id)
    form = SchoolForm(district_code=found.code)
    if not form.is_submitted() and not form.cds_code.data:
        form.cds_code.data = found.code if len(found.code) == 7 else ""  # the code's start
    return _school_form(form, found, None)


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@policy(Role.STAFF)
def edit_school(school_id: int) -> ResponseReturnValue:
    found = manage.school_to_keep(current_user, school_id)
    form = SchoolForm(obj=found, district_code=found.district.code)
    return _school_form(form, found.district, found)


def _school_active(school_id: int, active: bool) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    found = manage.get_school(current_user, school_id)
    with flash_refusal() as attempt:
        manage.set_school_active(current_user, school_id, active)
    if attempt.ok:
        state = "active again" if active else "deactivated: left out of lists, every record kept"
        flash(f"{found.name} is {state}.", "success")
    return redirect(url_for("districts.district", district_id=found.district_id))


@bp.post("/schools/<int:school_id>/deactivate")
@policy(Role.STAFF)
def deactivate_school(school_id: int) -> ResponseReturnValue:
    return _school_active(school_id, False)


@bp.post("/schools/<int:school_id>/reactivate")
@policy(Role.STAFF)
def reactivate_school(school_id: int) -> ResponseReturnValue:
    return _school_active(school_id, True)
