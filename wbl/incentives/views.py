"""Incentive funding pages: program years and appropriations, staff-entered completions and
FRL flags, and the report (with CSV and XLSX downloads). Staff only."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from wbl.access import Role, policy, require
from wbl.downloads import attachment, slug
from wbl.errors import DomainError, field_error, flash_refusal
from wbl.extensions import db
from wbl.incentives import report as reports
from wbl.incentives import services
from wbl.incentives.forms import (
    AppropriationForm,
    CompletionForm,
    ConfirmForm,
    DefaultYearForm,
    FrlForm,
    ProgramYearForm,
    ReportForm,
    StudentSearchForm,
    to_cents,
)
from wbl.incentives.models import CompletionType, ProgramYear
from wbl.students.queries import student_roster

bp = Blueprint("incentives", __name__, url_prefix="/incentives")
bp.add_app_template_filter(reports.money, "money")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --------------------------------------------------------------------------- program years


def _settings(form: ProgramYearForm) -> services.YearSettings:
    return services.YearSettings(
        label=form.label.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        amount_cents=to_cents(form.amount.data),
        frl_weight=Decimal(form.frl_percent.data or 0) / 100,
        completions_per_student=form.completions_per_student.data or 0,
        internship_min_hours=form.internship_min_hours.data or 0,
        tiers=form.tiers(),
    )


def _fill(form: ProgramYearForm, year: ProgramYear) -> None:
    form.label.data = year.label
    form.starts_on.data = year.starts_on
    form.ends_on.data = year.ends_on
    form.amount.data = Decimal(year.amount_cents) / 100
    form.frl_percent.data = int(year.frl_weight * 100)
    form.completions_per_student.data = year.completions_per_student
    form.internship_min_hours.data = year.internship_min_hours
    for kind, rank in services.tier_ranks(year).items():
        getattr(form, f"tier_{kind.value}").data = rank


@bp.get("/years")
@policy(Role.STAFF)
def years() -> ResponseReturnValue:
    return render_template(
        "incentives/years.html",
        years=list(db.session.scalars(services.program_years())),
        can_edit=services.is_county_wide_staff(current_user),
        defaults_form=DefaultYearForm(),
    )


@bp.post("/years/defaults")
@policy(Role.STAFF)
def add_defaults() -> ResponseReturnValue:
    require(services.is_county_wide_staff(current_user))
    form = DefaultYearForm()
    if form.validate_on_submit():
        try:
            year = services.create_year(
                current_user,
                services.colorado_defaults(
                    form.label.data or "",
                    form.starts_on.data,
                    form.ends_on.data,
                ),
            )
        except DomainError as error:
            message = field_error(form, error)
            if message:
                flash(message, "warning")
        else:
            flash(f"Program year {year.label} added with Colorado's defaults.", "success")
            return redirect(url_for("incentives.year", year_id=year.id))
    return render_template(
        "incentives/years.html",
        years=list(db.session.scalars(services.program_years())),
        can_edit=True,
        defaults_form=form,
    ), 422


@bp.route("/years/new", methods=["GET", "POST"])
@policy(Role.STAFF)
def new_year() -> ResponseReturnValue:
    require(services.is_county_wide_staff(current_user))
    form = ProgramYearForm()
    if request.method == "GET":
        defaults = services.DEFAULT_TIERS
        form.amount.data = Decimal(services.DEFAULT_AMOUNT_CENTS) / 100
        form.frl_percent.data = int(services.DEFAULT_FRL_WEIGHT * 100)
        form.completions_per_student.data = services.DEFAULT_COMPLETIONS_PER_STUDENT
        form.internship_min_hours.data = services.DEFAULT_INTERNSHIP_MIN_HOURS
        for kind, rank in defaults.items():
            getattr(form, f"tier_{kind.value}").data = rank
    problem = None
    if form.validate_on_submit():
        try:
            year = services.create_year(current_user, _settings(form))
        except DomainError as error:
            problem = field_error(form, error)
        else:
            flash(f"Program year {year.label} added.", "success")
            return redirect(url_for("incentives.year", year_id=year.id))
    return render_template("incentives/year_form.html", form=form, year=None, problem=problem), (
        422 if form.errors or problem else 200
    )


@bp.route("/years/<int:year_id>", methods=["GET", "POST"])
@policy(Role.STAFF)
def year(year_id: int) -> ResponseReturnValue:
    program_year = services.get_year(year_id)
    can_edit = services.is_county_wide_staff(current_user)
    form = ProgramYearForm()
    if request.method == "GET":
        _fill(form, program_year)
    problem = None
    if request.method == "POST":
        require(can_edit)
        if form.validate_on_submit():
            try:
                services.update_year(current_user, year_id, _settings(form))
            except DomainError as error:
                problem = field_error(form, error)
            else:
                flash(f"Program year {form.label.data} saved.", "success")
                return redirect(url_for("incentives.year", year_id=year_id))
    return _year_page(program_year, form, can_edit, problem, AppropriationForm())


def _year_page(
    program_year: ProgramYear,
    form: ProgramYearForm,
    can_edit: bool,
    problem: str | None,
    appropriation_form: AppropriationForm,
    failed_district: int | None = None,
) -> ResponseReturnValue:
    failed = bool(form.errors or problem or appropriation_form.errors)
    return render_template(
        "incentives/year.html",
        year=program_year,
        form=form,
        can_edit=can_edit,
        problem=problem,
        districts=services.visible_districts(current_user),
        appropriations=services.appropriations(current_user, program_year),
        appropriation_form=appropriation_form,
        failed_district=failed_district,
        ranks=services.tier_ranks(program_year),
        kinds=list(CompletionType),
    ), (422 if failed else 200)


@bp.post("/years/<int:year_id>/appropriation")
@policy(Role.STAFF)
def appropriation(year_id: int) -> ResponseReturnValue:
    program_year = services.get_year(year_id)
    form = AppropriationForm()
    district_id = _int(form.district_id.data)
    services.get_district(current_user, district_id)  # another district: 404
    if form.validate_on_submit():
        try:
            row = services.set_appropriation(
                current_user,
                year_id,
                district_id,
                to_cents(form.amount.data),
            )
        except DomainError as error:
            message = field_error(form, error)
            if message:
                flash(message, "warning")
        else:
            flash(
                f"Appropriation for {row.district.name} saved: {reports.money(row.amount_cents)}.",
                "success",
            )
            return redirect(url_for("incentives.year", year_id=year_id))
    year_form = ProgramYearForm(formdata=None)
    _fill(year_form, program_year)
    return _year_page(
        program_year,
        year_form,
        services.is_county_wide_staff(current_user),
        None,
        form,
        failed_district=district_id,
    )


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        abort(400)


# --------------------------------------------------------------------------- completions


@bp.get("/completions")
@policy(Role.STAFF)
def completions() -> ResponseReturnValue:
    search = StudentSearchForm(request.args)
    found = None
    if search.validate() and (search.q.data or "").strip():
        found = list(
            db.session.scalars(student_roster(current_user, name=search.q.data or "").limit(25))
        )
    return render_template(
        "incentives/completions.html",
        search=search,
        found=found,
        completions=services.completions_in_scope(current_user),
        delete_form=ConfirmForm(),
    )


@bp.route("/students/<int:student_id>", methods=["GET", "POST"])
@policy(Role.STAFF)
def student(student_id: int) -> ResponseReturnValue:
    profile = services.student_for_staff(current_user, student_id)
    form = CompletionForm()
    problem = None
    if form.validate_on_submit():
        try:
            services.add_completion(
                current_user,
                student_id,
                services.CompletionInput(
                    completion_type=CompletionType(form.completion_type.data),
                    name=form.name.data or "",
                    completed_on=form.completed_on.data,
                    note=form.note.data or "",
                ),
            )
        except DomainError as error:
            problem = field_error(form, error)
        else:
            flash(f"Completion recorded for {profile.user.full_name}.", "success")
            return redirect(url_for("incentives.student", student_id=student_id))
    return render_template(
        "incentives/student.html",
        student=profile,
        form=form,
        problem=problem,
        frl_form=FrlForm(frl_eligible=profile.frl_eligible),
        delete_form=ConfirmForm(),
        completions=services.student_completions(profile),
    ), (422 if form.errors or problem else 200)


@bp.post("/students/<int:student_id>/frl")
@policy(Role.STAFF)
def frl(student_id: int) -> ResponseReturnValue:
    form = FrlForm()
    if not form.validate_on_submit():
        abort(400)
    profile = services.set_frl(current_user, student_id, eligible=bool(form.frl_eligible.data))
    state = "eligible" if profile.frl_eligible else "not eligible"
    flash(f"Saved: {profile.user.full_name} is {state} for free or reduced-price lunch.", "success")
    return redirect(url_for("incentives.student", student_id=student_id))


@bp.post("/completions/<int:completion_id>/delete")
@policy(Role.STAFF)
def delete_completion(completion_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with flash_refusal() as attempt:
        completion = services.delete_completion(current_user, completion_id)
    if attempt.ok:
        flash(f"Deleted “{completion.name}”.", "success")
        return redirect(url_for("incentives.student", student_id=completion.student_id))
    return redirect(url_for("incentives.completions"))


# --------------------------------------------------------------------------- the report


def _download(data: bytes, name: str, extension: str, content_type: str) -> Response:
    return attachment(data, f"{slug(name, 'report')}.{extension}", content_type)


@bp.get("/report")
@policy(Role.STAFF)
def report() -> ResponseReturnValue:
    all_years = list(db.session.scalars(services.program_years()))
    districts = services.visible_districts(current_user)
    form = ReportForm(request.args)
    form.year.choices = [SelectChoice(y.id, y.label) for y in all_years]
    form.district.choices = [SelectChoice(d.id, d.name) for d in districts]
    result = None
    if not form.validate():  # a hand-made address: show the form with its message
        return render_template(
            "incentives/report.html",
            form=form,
            report=None,
            has_years=bool(all_years),
            can_edit=services.is_county_wide_staff(current_user),
        ), 422
    year_id = form.year.data or (all_years[0].id if all_years else None)
    district_id = form.district.data if "district" in request.args else None
    if district_id is None and districts:
        district_id = current_user.district_id or districts[0].id
    if year_id is not None and district_id is not None:
        result = reports.incentive_report(current_user, year_id, district_id)
        form.year.data, form.district.data = year_id, district_id
        name = f"incentives-{result.year.label}-{result.district.name}"
        wanted = request.args.get("format")
        if wanted == "csv":
            return _download(reports.report_csv(result), name, "csv", "text/csv; charset=utf-8")
        if wanted == "xlsx":
            return _download(reports.report_xlsx(result), name, "xlsx", XLSX_TYPE)
    return render_template(
        "incentives/report.html",
        form=form,
        report=result,
        has_years=bool(all_years),
        can_edit=services.is_county_wide_staff(current_user),
    )
