"""Staff screens for the roster: upload a OneRoster .zip (a dry run, then the import on
confirmation, as the catalog import works), and the students' demographics in aggregate."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wbl.access import Role, policy
from wbl.errors import DomainError
from wbl.imports.report import problems_shown
from wbl.roster import demographics, uploads
from wbl.roster.forms import MAX_UPLOAD_BYTES, ConfirmRosterForm, DemographicsForm, RosterUploadForm
from wbl.roster.report import ENTITIES, RosterReport

bp = Blueprint("roster", __name__, url_prefix="/roster")


def _report_page(
    report: RosterReport, token: str | None, filename: str, *, imported: bool = False
) -> ResponseReturnValue:
    return render_template(
        "roster/report.html",
        report=report,
        entities=ENTITIES,
        **problems_shown(report.problems),
        confirm=ConfirmRosterForm(formdata=None, token=token) if token else None,
        filename=filename,
        imported=imported,
        form=RosterUploadForm(formdata=None),
    )


@bp.route("/import", methods=["GET", "POST"])
@policy(Role.STAFF)
def upload() -> ResponseReturnValue:
    uploads.require_roster_keeper(current_user)
    form = RosterUploadForm()
    if not form.validate_on_submit():
        return render_template("roster/upload.html", form=form)
    upload = form.file.data
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    staged = uploads.stage_roster(current_user, data)
    return _report_page(staged.report, staged.token, upload.filename or "roster.zip")


@bp.post("/import/confirm")
@policy(Role.STAFF)
def confirm() -> ResponseReturnValue:
    uploads.require_roster_keeper(current_user)
    form = ConfirmRosterForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        report = uploads.confirm_roster(current_user, form.token.data or "")
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("roster.upload"))
    # Problems now: the roster or WBL changed since the check. Shown again, with no confirm.
    return _report_page(report, None, "your roster", imported=report.ok)


@bp.get("/demographics", endpoint="demographics")
@policy(Role.STAFF)
def demographics_page() -> ResponseReturnValue:
    form = DemographicsForm(request.args)
    try:
        by = demographics.GroupBy(form.by.data or demographics.GroupBy.DISTRICT)
    except ValueError:
        by = demographics.GroupBy.DISTRICT
    table = demographics.demographics_table(current_user, by)
    form.by.data = table.by.value
    return render_template(
        "roster/demographics.html",
        form=form,
        table=table,
        county_wide=current_user.is_county_wide,
        total_label=(
            f"All {table.by.value}s"
            if current_user.is_county_wide
            else "All schools in your district"
        ),
        smallest=demographics.SMALLEST_SHOWN,
        sections=(
            ("sex", "Students and sex", (demographics.STUDENTS, *demographics.SEXES)),
            ("race", "Race and ethnicity", demographics.RACES),
            ("programs", "Programs", demographics.PROGRAMS),
        ),
    )
