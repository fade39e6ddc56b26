"""Staff upload partner and offering files: a dry run first, then import on confirmation.

The uploaded bytes are kept in the storage service between the check and the confirmation;
the confirm form carries only a signed, expiring token naming them (never the file, and
never a path the browser could change), and the import checks the same bytes again.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from wbl.access import Role, policy
from wbl.catalog import imports
from wbl.catalog.import_forms import MAX_UPLOAD_BYTES, ConfirmImportForm, ImportUploadForm
from wbl.downloads import attachment
from wbl.errors import DomainError
from wbl.imports import reading
from wbl.imports.report import ImportReport, problems_shown

bp = Blueprint("imports", __name__, url_prefix="/catalog/import")


def _upload_page(form: ImportUploadForm) -> ResponseReturnValue:
    return render_template(
        "imports/upload.html",
        form=form,
        columns=imports.COLUMNS,
        max_rows=reading.MAX_ROWS,
    )


def _report_page(report: ImportReport, token: str | None, filename: str) -> ResponseReturnValue:
    confirm = ConfirmImportForm(formdata=None, token=token) if token else None
    return render_template(
        "imports/report.html",
        report=report,
        **problems_shown(report.problems),
        confirm=confirm,
        filename=filename,
        form=ImportUploadForm(formdata=None, what=report.what.value),
    )


@bp.route("/", methods=["GET", "POST"])
@policy(Role.STAFF)
def upload() -> ResponseReturnValue:
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return _upload_page(form)
    upload = form.file.data
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    filename = upload.filename or "upload"
    staged = imports.stage_upload(current_user, imports.What(form.what.data), data, filename)
    return _report_page(staged.report, staged.token, filename)


@bp.post("/confirm")
@policy(Role.STAFF)
def confirm() -> ResponseReturnValue:
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        report = imports.confirm_upload(current_user, form.token.data or "")
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("imports.upload"))
    if not report.ok:
        # The catalog changed since the check (a partner went away, a seat was taken).
        return _report_page(report, None, "your file")
    flash(f"Import finished. {report.summary}", "success")
    return redirect(url_for("imports.upload"))


@bp.get("/export")
@policy(Role.STAFF)
def export() -> ResponseReturnValue:
    try:
        what = imports.What(request.args.get("what", ""))
        fmt = reading.FileFormat(request.args.get("format", "csv"))
    except ValueError:
        abort(404)
    exported = imports.export_catalog(what, fmt)
    return attachment(exported.data, exported.filename, exported.mimetype)
