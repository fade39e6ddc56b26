"""Reports ▸ CALPADS work-based learning: the validation report, the WBLR download, the
codes staff may change, and an offering's reporting facts.

County-wide staff see every district (or one they pick), a district's staff their own
district only (another district's id is not found). Students, teachers and employers are
refused (403): these are every student's records.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from wbl.access import Role, policy
from wbl.clock import local_today
from wbl.downloads import attachment
from wbl.errors import DomainError, Forbidden, NotFound, field_error
from wbl.extensions import db
from wbl.http import db_int
from wbl.pagination import PageInfo, page_number
from wbl.reporting import layout, services
from wbl.reporting.reach import SchoolYear
from wbl.reporting.wblr import BadYear, Fix, Record, build_report, codes, parse_year
from wbl.reporting.wblr_forms import OfferingReportingForm, WblrFilterForm, codes_form, field_name
from wbl.schools.models import District
from wbl.scopes import in_staff_district, is_county_wide

bp = Blueprint("wblr", __name__, url_prefix="/reports/calpads-wblr")
PROBLEMS_PER_PAGE = 50


def _district_arg() -> int | None:
    """The ``district`` query argument: none, or an id (anything else is not found)."""
    raw = request.args.get("district", "")
    if not raw:
        return None
    try:
        return db_int(raw)
    except ValueError:
        abort(404)


def _year_arg() -> str:
    return request.args.get("year", "").strip() or SchoolYear.of(local_today()).code


def _filter_form(year: str, district_id: int | None) -> WblrFilterForm:
    form = WblrFilterForm(formdata=None, year=year)
    districts = db.session.scalars(
        select(District)
        .where(in_staff_district(current_user, District.id))
        .order_by(District.name, District.id)
    ).all()
    choices = [(str(d.id), d.name) for d in districts]
    form.district.choices = (
        [("", "All districts"), *choices] if is_county_wide(current_user) else choices
    )
    form.district.data = str(district_id) if district_id is not None else ""
    return form


def fix_link(record: Record, fix: Fix) -> tuple[str, str]:
    """Where staff fix what keeps a record out of the file: (label, URL). Districts and
    schools are kept by the county office: a district's staff are sent to the district's
    page, to see the code and ask for it."""
    if fix is Fix.OFFERING:
        return (
            "Set the course code",
            url_for("wblr.offering", offering_id=record.offering_ids[0]),
        )
    if fix in (Fix.SCHOOL, Fix.DISTRICT) and not is_county_wide(current_user):
        return "See the district", url_for("districts.district", district_id=record.district_id)
    if fix is Fix.SCHOOL:
        return "Edit the school", url_for("districts.edit_school", school_id=record.school_id)
    if fix is Fix.DISTRICT:
        return "Edit the district", url_for(
            "districts.edit_district", district_id=record.district_id
        )
    return "See the student", url_for("logs.student", student_id=record.student_id)


@bp.get("")
@policy(Role.STAFF)
def page() -> ResponseReturnValue:
    year, district_id = _year_arg(), _district_arg()
    form = _filter_form(year, district_id)
    report = None
    try:
        report = build_report(current_user, parse_year(year), district_id)
    except BadYear as error:
        form.year.errors = [error.message]
    args: dict[str, Any] = {"year": year}
    if district_id is not None:
        args["district"] = district_id
    left_out = report.left_out if report else ()
    problems = PageInfo.clamp(
        request.args.get("page", type=page_number), PROBLEMS_PER_PAGE, len(left_out)
    )
    return render_template(
        "reporting/wblr.html",
        form=form,
        report=report,
        left_out=left_out,
        problems=problems,
        problems_shown=left_out[problems.offset : problems.offset + problems.per_page],
        summary=report.by_school_and_type() if report else [],
        args=args,
        fix_link=fix_link,
        layout=layout,
        codes=codes(),
    ), (422 if report is None else 200)


@bp.get("/file")
@policy(Role.STAFF)
def download() -> ResponseReturnValue:
    year, district_id = _year_arg(), _district_arg()
    leave_out = request.args.get("leave_out", type=db_int)
    page_args: dict[str, Any] = {"year": year}
    if district_id is not None:
        page_args["district"] = district_id
    try:
        exported = services.export(current_user, year, district_id, leave_out=leave_out)
    except DomainError as error:
        if isinstance(error, NotFound | Forbidden):
            raise
        flash(error.message, "warning")
        return redirect(url_for("wblr.page", **page_args))
    response = attachment(exported.data, exported.file_name, "text/plain")
    response.headers["X-WBLR-Records"] = str(len(exported.report.valid))
    response.headers["X-WBLR-Left-Out"] = str(len(exported.report.left_out))
    return response


@bp.route("/codes", methods=["GET", "POST"])
@policy(Role.STAFF)
def codes_page() -> ResponseReturnValue:
    """The two mappings: every staff member reads them, county-wide staff change them."""
    can_edit = services.may_change_codes(current_user)
    if request.method == "POST" and not can_edit:
        raise Forbidden("Only county-wide staff change the state reporting codes.")
    form = codes_form(codes())
    if form.validate_on_submit():
        new_codes = {
            mapping: {key: form[field_name(mapping, key)].data or "" for key in labels}
            for mapping, labels in layout.LABELS.items()
        }
        try:
            services.set_codes(current_user, new_codes)
        except DomainError as error:
            if isinstance(error, NotFound | Forbidden):
                raise
            mapping, _, key = (error.field or "").partition(":")
            target = form._fields.get(field_name(mapping, key)) if key else None
            if target is not None:
                target.errors = [error.message]
            else:
                flash(error.message, "warning")
        else:
            flash("The codes are saved: the next file uses them.", "success")
            return redirect(url_for("wblr.codes_page"))
    return render_template(
        "reporting/codes.html",
        form=form,
        layout=layout,
        field_name=field_name,
        can_edit=can_edit,
    ), (422 if form.errors else 200)


@bp.route("/offerings/<int:offering_id>", methods=["GET", "POST"])
@policy(Role.STAFF)
def offering(offering_id: int) -> ResponseReturnValue:
    found, facts = services.offering_reporting(current_user, offering_id)
    form = OfferingReportingForm(obj=facts)
    if form.validate_on_submit():
        try:
            services.set_offering_reporting(
                current_user,
                offering_id,
                state_course_code=form.state_course_code.data or "",
                lea_sponsored=bool(form.lea_sponsored.data),
                certificated_supervised=bool(form.certificated_supervised.data),
            )
        except DomainError as error:
            message = field_error(form, error)
            if message:
                flash(message, "warning")
        else:
            flash(f"Saved the state reporting facts of {found.title}.", "success")
            return redirect(url_for("wblr.offering", offering_id=offering_id))
    form.state_course_code.render_kw = {"list": "course-codes", "autocomplete": "off"}
    return render_template(
        "reporting/offering.html",
        offering=found,
        form=form,
        courses=services.rostered_courses(),
    ), (422 if form.errors else 200)
