"""Credentials pages: the catalog and its import/export, district policies, the verification
queue, students' credential pages (earned credentials, WorkKeys, placements) and the WorkKeys
import. The services check scope and rules; these views parse and render."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from wbl.access import Role, policy
from wbl.catalog.import_forms import MAX_UPLOAD_BYTES, ConfirmImportForm
from wbl.credentials import imports, queries, services
from wbl.credentials.forms import (
    ActionForm,
    CatalogFilterForm,
    CredentialForm,
    DistrictPickForm,
    EarnedForm,
    FileImportForm,
    RejectForm,
    WorkKeysForm,
    policy_form,
)
from wbl.credentials.models import Credential, EarnedStatus, Subject, WorkKeysTest
from wbl.downloads import attachment
from wbl.errors import DomainError, field_error, flash_refusal
from wbl.extensions import db
from wbl.hours.logs import student_log
from wbl.http import db_int
from wbl.imports.reading import MAX_ROWS, FileFormat
from wbl.imports.report import ImportReport, problems_shown
from wbl.pagination import page_number, paginate
from wbl.placements.models import PlacementStatus
from wbl.reference.models import IndustrySector
from wbl.schools.models import District
from wbl.students import services as students
from wbl.students.models import StudentProfile

bp = Blueprint("credentials", __name__, url_prefix="/credentials")

READERS = (Role.STUDENT, Role.TEACHER, Role.STAFF)


def _sector_choices() -> list[tuple[int, str]]:
    return [
        (s.id, s.name)
        for s in db.session.scalars(select(IndustrySector).order_by(IndustrySector.name))
    ]


# --- the catalog ------------------------------------------------------------------------------


@bp.get("/catalog")
@policy(Role.STAFF)
def catalog() -> ResponseReturnValue:
    form = CatalogFilterForm(request.args)
    sectors = _sector_choices()
    form.sector.choices = [("", "All career fields")] + [(str(i), n) for i, n in sectors]
    form.validate()
    sector = form.sector.data
    sector_id = int(sector) if sector and sector.isdigit() and len(sector) <= 9 else None
    page = paginate(
        queries.catalog(
            text=form.q.data or "" if not form.q.errors else "",
            sector_id=sector_id,
            active=form.active_filter(),
        ),
        page=request.args.get("page", 1, type=page_number),
        per_page=50,
    )
    return render_template(
        "credentials/catalog.html",
        form=form,
        page=page,
        can_edit=services.keeps_catalog(current_user),
    )


def _credential_form_page(form: CredentialForm, credential: Credential | None) -> Any:
    return render_template("credentials/credential_form.html", form=form, credential=credential)


def _save(form: CredentialForm, credential: Credential | None) -> ResponseReturnValue:
    form.sector_id.choices = _sector_choices()
    if form.validate_on_submit():
        data = services.CredentialData(
            name=form.name.data or "",
            issuer=form.issuer.data or "",
            sector_id=form.sector_id.data,
            points=form.points.data,
            expires=bool(form.expires.data),
            validity_months=form.validity_months.data,
            external_code=form.external_code.data or "",
            incentive_qualified=bool(form.incentive_qualified.data),
            active=bool(form.active.data),
        )
        try:
            saved = services.save_credential(
                current_user, data, credential.id if credential else None
            )
        except DomainError as error:
            problem = field_error(form, error)
            if problem:
                flash(problem, "danger")
        else:
            flash(f"{saved.name} is saved.", "success")
            return redirect(url_for("credentials.catalog"))
        return _credential_form_page(form, credential), 422
    return _credential_form_page(form, credential), 422 if form.is_submitted() else 200


@bp.route("/catalog/new", methods=["GET", "POST"])
@policy(Role.STAFF)
def new_credential() -> ResponseReturnValue:
    services.require_catalog_keeper(current_user)
    return _save(CredentialForm(), None)


@bp.route("/catalog/<int:credential_id>", methods=["GET", "POST"])
@policy(Role.STAFF)
def edit_credential(credential_id: int) -> ResponseReturnValue:
    services.require_catalog_keeper(current_user)
    credential = services.get_credential(credential_id)
    form = CredentialForm(obj=credential)
    if request.method == "GET":
        form.expires.data = credential.expires
    return _save(form, credential)


# --- imports (credentials and WorkKeys scores) ------------------------------------------------


_IMPORT_PAGES = {
    imports.Holds.CREDENTIALS: (
        "credentials.import_credentials",
        "credentials.confirm_credentials",
    ),
    imports.Holds.SCORES: ("credentials.import_scores", "credentials.confirm_scores"),
}


def _upload_page(holds: imports.Holds, form: FileImportForm) -> ResponseReturnValue:
    upload, _ = _IMPORT_PAGES[holds]
    return render_template(
        "credentials/import.html",
        holds=holds,
        form=form,
        columns={holds: imports.COLUMNS[holds]},
        max_rows=MAX_ROWS,
        upload_url=url_for(upload),
    )


def _report_page(
    holds: imports.Holds, report: ImportReport, token: str | None, filename: str
) -> ResponseReturnValue:
    upload, confirm = _IMPORT_PAGES[holds]
    return render_template(
        "imports/report.html",
        report=report,
        **problems_shown(report.problems),
        confirm=ConfirmImportForm(formdata=None, token=token) if token else None,
        filename=filename,
        form=FileImportForm(formdata=None),
        upload_url=url_for(upload),
        confirm_url=url_for(confirm),
    )


def _upload(holds: imports.Holds) -> ResponseReturnValue:
    form = FileImportForm()
    if not form.validate_on_submit():
        return _upload_page(holds, form)
    upload = form.file.data
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    filename = upload.filename or "upload"
    staged = imports.stage_upload(current_user, holds, data, filename)
    return _report_page(holds, staged.report, staged.token, filename)


def _confirm(holds: imports.Holds) -> ResponseReturnValue:
    upload, _ = _IMPORT_PAGES[holds]
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        report = imports.confirm_upload(current_user, holds, form.token.data or "")
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for(upload))
    if not report.ok:
        return _report_page(holds, report, None, "your file")
    flash(f"Import finished. {report.summary}", "success")
    return redirect(
        url_for("credentials.catalog" if holds is imports.Holds.CREDENTIALS else upload)
    )


@bp.route("/catalog/import", methods=["GET", "POST"])
@policy(Role.STAFF)
def import_credentials() -> ResponseReturnValue:
    services.require_catalog_keeper(current_user)
    return _upload(imports.Holds.CREDENTIALS)


@bp.post("/catalog/import/confirm")
@policy(Role.STAFF)
def confirm_credentials() -> ResponseReturnValue:
    services.require_catalog_keeper(current_user)
    return _confirm(imports.Holds.CREDENTIALS)


@bp.route("/workkeys/import", methods=["GET", "POST"])
@policy(Role.STAFF)
def import_scores() -> ResponseReturnValue:
    return _upload(imports.Holds.SCORES)


@bp.post("/workkeys/import/confirm")
@policy(Role.STAFF)
def confirm_scores() -> ResponseReturnValue:
    return _confirm(imports.Holds.SCORES)


@bp.get("/catalog/export")
@policy(Role.STAFF)
def export() -> ResponseReturnValue:
    try:
        fmt = FileFormat(request.args.get("format", "csv"))
    except ValueError:
        abort(404)
    exported = imports.export_credentials(fmt)
    return attachment(exported.data, exported.filename, exported.mimetype)


# --- district policy --------------------------------------------------------------------------


@bp.route("/policy", methods=["GET", "POST"], endpoint="policy")
@policy(Role.STAFF)
def policy_page() -> ResponseReturnValue:
    """District staff see their own district; county staff pick one (``?district_id=``)."""
    pick = DistrictPickForm(request.args)
    districts = (
        list(db.session.scalars(select(District).order_by(District.name)))
        if current_user.is_county_wide
        else []
    )
    pick.district_id.choices = [(d.id, d.name) for d in districts]
    district_id = request.args.get("district_id", type=db_int) or current_user.district_id
    if district_id is None:
        if not districts:  # a county without districts yet
            return render_template("credentials/policy.html", district=None, pick=None)
        district_id = districts[0].id
    district = services.policy_district(current_user, district_id)
    pick.district_id.data = district.id
    credentials = list(db.session.scalars(queries.catalog(active=True)))
    current = queries.district_policies(district.id)
    data: dict[str, Any] = {}
    for c in credentials:
        row = current.get(c.id)
        data[f"accepted_{c.id}"] = bool(row and row.accepted_for_graduation)
        data[f"counts_{c.id}"] = row.counts_toward.value if row else Subject.NEITHER.value
    form = policy_form(credentials, data)
    status = 200
    if form.validate_on_submit():
        choices = [
            services.PolicyChoice(
                c.id,
                bool(form[f"accepted_{c.id}"].data),
                Subject(form[f"counts_{c.id}"].data),
            )
            for c in credentials
        ]
        try:
            changed = services.set_policies(current_user, district.id, choices)
        except DomainError as error:
            problem = field_error(form, error)
            if problem:
                flash(problem, "danger")
            status = 422
        else:
            flash(
                f"The policy of {district.name} is saved ({changed} credential"
                f"{'s' if changed != 1 else ''} changed).",
                "success",
            )
            return redirect(url_for("credentials.policy", district_id=district.id))
    elif form.is_submitted():
        status = 422
    return render_template(
        "credentials/policy.html",
        district=district,
        pick=pick if districts else None,
        form=form,
        credentials=credentials,
        policies=current,
    ), status


# --- verification -----------------------------------------------------------------------------


@bp.get("/queue")
@policy(Role.STAFF)
def queue() -> ResponseReturnValue:
    page = paginate(
        queries.verification_queue(current_user),
        page=request.args.get("page", 1, type=page_number),
        per_page=50,
    )
    return render_template("credentials/queue.html", page=page, action=ActionForm())


def _back(default: str) -> str:
    target = request.form.get("next", "")
    return target if target.startswith("/credentials/") else default


@bp.post("/records/<int:record_id>/verify")
@policy(Role.STAFF)
def verify(record_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    with flash_refusal() as attempt:
        record = services.verify(current_user, record_id)
    if attempt.ok:
        flash(
            f"{record.credential.name} is verified for {record.student.user.full_name}.", "success"
        )
    return redirect(_back(url_for("credentials.queue")))


@bp.route("/records/<int:record_id>/reject", methods=["GET", "POST"])
@policy(Role.STAFF)
def reject(record_id: int) -> ResponseReturnValue:
    record = services.get_record(current_user, record_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            services.reject(current_user, record_id, form.reason.data or "")
        except DomainError as error:
            problem = field_error(form, error)
            if problem:
                flash(problem, "warning")
                return redirect(url_for("credentials.queue"))
        else:
            flash(f"{record.credential.name} is rejected; the student sees your reason.", "success")
            return redirect(url_for("credentials.queue"))
    return render_template(
        "credentials/reject.html", form=form, record=record
    ), 422 if form.is_submitted() else 200


@bp.route("/records/<int:record_id>/withdraw", methods=["GET", "POST"])
@policy(*READERS)
def withdraw(record_id: int) -> ResponseReturnValue:
    """Withdraw a pending record: a page to confirm, then the POST that deletes it. A record
    decided meanwhile is refused with a message on the credentials page."""
    record = services.get_record(current_user, record_id)
    is_self = record.student.user_id == current_user.id
    back = (
        url_for("credentials.mine")
        if is_self
        else url_for("credentials.student", student_id=record.student_id)
    )
    form = ActionForm()
    posted = form.is_submitted()
    if posted and not form.validate():
        abort(400)
    with flash_refusal() as attempt:
        if posted:
            services.withdraw_record(current_user, record_id)
        else:
            services.withdrawable_record(current_user, record_id)
    if posted or not attempt.ok:
        if attempt.ok:
            flash(f"The {record.credential.name} record is withdrawn.", "success")
        return redirect(back)
    return render_template(
        "credentials/withdraw.html", form=form, record=record, is_self=is_self, back=back
    )


@bp.get("/records/<int:record_id>/evidence")
@policy(*READERS)
def evidence(record_id: int) -> ResponseReturnValue:
    stored = services.evidence_file(current_user, record_id)
    return attachment(stored.data, stored.name or "evidence", stored.content_type)


# --- a student's credentials ------------------------------------------------------------------


def _student_page(student: StudentProfile, status: int = 200, **forms: Any) -> ResponseReturnValue:
    is_staff = services.is_staff(current_user)
    log = student_log(student)
    history = list(db.session.scalars(queries.workkeys_history(student.id)))
    return render_template(
        "credentials/student.html",
        student=student,
        is_self=student.user_id == current_user.id,
        is_staff=is_staff,
        records=list(db.session.scalars(queries.student_records(student.id))),
        best=queries.best_workkeys(student.id),
        history=history,
        completed=[p for p in log.placements if p.placement.status is PlacementStatus.COMPLETED],
        in_progress=sum(
            1
            for p in log.placements
            if p.placement.status in (PlacementStatus.ACTIVE, PlacementStatus.PAUSED)
        ),
        action=ActionForm(),
        workkeys_form=forms.get("workkeys_form")
        or (WorkKeysForm(formdata=None) if is_staff else None),
        tests=list(WorkKeysTest),
        Pending=EarnedStatus.PENDING,
    ), status


@bp.get("/mine")
@policy(Role.STUDENT)
def mine() -> ResponseReturnValue:
    return _student_page(students.own_profile(current_user))


@bp.get("/students/<int:student_id>")
@policy(*READERS)
def student(student_id: int) -> ResponseReturnValue:
    return _student_page(students.get_student(current_user, student_id))


@bp.route("/students/<int:student_id>/record", methods=["GET", "POST"])
@policy(*READERS)
def record(student_id: int) -> ResponseReturnValue:
    profile = students.get_student(current_user, student_id)
    form = EarnedForm()
    form.credential_id.choices = [(0, "Choose a credential")] + [
        (c.id, f"{c.name} ({c.issuer})") for c in db.session.scalars(queries.active_credentials())
    ]
    is_self = profile.user_id == current_user.id
    if form.validate_on_submit():
        try:
            services.record_earned(
                current_user,
                profile.id,
                services.EarnedInput(
                    credential_id=form.credential_id.data or None,
                    earned_on=form.earned_on.data,
                    evidence=form.upload(),
                    note=form.note.data or "",
                ),
            )
        except DomainError as error:
            problem = field_error(form, error)
            if problem:
                flash(problem, "danger")
        else:
            flash("The credential is recorded. Staff will verify it.", "success")
            return redirect(
                url_for("credentials.mine")
                if is_self
                else url_for("credentials.student", student_id=profile.id)
            )
    return render_template(
        "credentials/record.html", form=form, student=profile, is_self=is_self
    ), 422 if form.is_submitted() else 200


@bp.post("/students/<int:student_id>/workkeys")
@policy(Role.STAFF)
def add_score(student_id: int) -> ResponseReturnValue:
    profile = students.get_student(current_user, student_id)
    form = WorkKeysForm()
    if form.validate_on_submit():
        try:
            score = services.enter_score(
                current_user,
                profile.id,
                WorkKeysTest(form.test.data),
                form.level.data,
                form.tested_on.data,
            )
        except DomainError as error:
            problem = field_error(form, error)
            if problem:
                flash(problem, "danger")
        else:
            flash(f"{score.test.label} level {score.level} is recorded.", "success")
            return redirect(url_for("credentials.student", student_id=profile.id))
    return _student_page(profile, 422, workkeys_form=form)
