"""The student's portfolio pages: artifacts (new, edit, mark ready, files), teachers'
comments, the resume and cover letter, the progress page and the PDF export. Teachers of the
student's school, staff in scope and the assigned reviewers read them (an employer sees a
portfolio only as its assigned reviewer)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from jinja2 import TemplateNotFound

from wbl.access import Role, policy
from wbl.clock import local_today
from wbl.downloads import attachment, slug
from wbl.errors import DomainError, Forbidden, NotFound, field_error, flash_refusal
from wbl.extensions import db
from wbl.portfolio import queries, services
from wbl.portfolio.forms import (
    ActionForm,
    ArtifactForm,
    CommentForm,
    DocumentForm,
    artifact_form,
    commentary_field_name,
    outcome_field_name,
)
from wbl.portfolio.models import Artifact, ArtifactStatus, DocumentKind
from wbl.reference.models import PogOutcome
from wbl.reference.services import active_outcomes
from wbl.students import services as students
from wbl.students.models import StudentProfile

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")

READERS = (Role.STUDENT, Role.TEACHER, Role.STAFF, Role.EMPLOYER)
OTHERS = (Role.TEACHER, Role.STAFF, Role.EMPLOYER)


def _has_letters_summary() -> bool:
    """The letters' summary (``templates/letters/_summary.html``) is included when it
    exists; a placeholder otherwise."""
    try:
        current_app.jinja_env.get_template("letters/_summary.html")
    except TemplateNotFound:
        return False
    return True


# --- the list --------------------------------------------------------------------------------


@bp.get("/")
@policy(Role.STUDENT)
def index() -> ResponseReturnValue:
    student = students.own_profile(current_user)
    artifacts = list(db.session.scalars(queries.artifacts_of(student.id)))
    return render_template(
        "portfolio/index.html", student=student, artifacts=artifacts, is_owner=True
    )


@bp.get("/students/<int:student_id>")
@policy(*OTHERS)
def student(student_id: int) -> ResponseReturnValue:
    profile = services.get_portfolio_student(current_user, student_id)
    artifacts = list(db.session.scalars(queries.artifacts_of(profile.id)))
    return render_template(
        "portfolio/index.html", student=profile, artifacts=artifacts, is_owner=False
    )


# --- artifacts -------------------------------------------------------------------------------


def _form_outcomes(artifact: Artifact | None) -> list[PogOutcome]:
    """The active outcomes, and any retired one the artifact still shows, in order."""
    outcomes = {o.id: o for o in active_outcomes()}
    for link in artifact.outcomes if artifact is not None else []:
        outcomes.setdefault(link.outcome_id, link.outcome)
    return sorted(outcomes.values(), key=lambda o: (o.position, o.id))


def _render_form(
    form: ArtifactForm,
    outcomes: list[PogOutcome],
    artifact: Artifact | None,
    error: DomainError | None = None,
    problem: str | None = None,
) -> ResponseReturnValue:
    """The artifact form; a refusal goes on its field (the outcomes' group has its own
    place), anything else above the form."""
    outcomes_error = None
    if error is not None:
        if error.field == "outcomes":
            outcomes_error = error.message
        else:
            problem = field_error(form, error)
    failed = bool(problem or outcomes_error or form.errors)
    return render_template(
        "portfolio/artifact_form.html",
        form=form,
        outcomes=outcomes,
        artifact=artifact,
        problem=problem,
        outcomes_error=outcomes_error,
        outcome_field_name=outcome_field_name,
        commentary_field_name=commentary_field_name,
    ), (422 if failed else 200)


@bp.route("/artifacts/new", methods=["GET", "POST"])
@policy(Role.STUDENT)
def new_artifact() -> ResponseReturnValue:
    student = students.own_profile(current_user)
    outcomes = _form_outcomes(None)
    form = artifact_form(outcomes, services.completed_placements(student.id))
    problem = None
    if form.validate_on_submit():
        marking = bool(form.ready.data)
        try:
            created = services.create_artifact(current_user, form.edit(outcomes), ready=marking)
        except DomainError as error:
            return _render_form(form, outcomes, None, error)
        else:
            flash(
                gettext("The artifact is added and marked ready.")
                if marking
                else gettext("The artifact is saved as a draft."),
                "success",
            )
            return redirect(url_for("portfolio.artifact", artifact_id=created.id))
    elif "csrf_token" in form.errors:
        problem = "The form has expired. Reload the page and try again."
    return _render_form(form, outcomes, None, problem=problem)


def _prefilled(artifact: Artifact, outcomes: list[PogOutcome]) -> ArtifactForm:
    form = artifact_form(outcomes, services.completed_placements(artifact.student_id))
    if not form.is_submitted():
        form.title.data, form.body.data = artifact.title, artifact.body
        form.kind.data, form.url.data = artifact.kind.value, artifact.url
        form.source.data = artifact.source.value
        form.placement_id.data = str(artifact.placement_id or "")
        form.source_note.data = artifact.source_note
        for link in artifact.outcomes:
            form[outcome_field_name(link.outcome_id)].data = True
            form[commentary_field_name(link.outcome_id)].data = link.commentary
    return form


@bp.route("/artifacts/<int:artifact_id>", methods=["GET", "POST"])
@policy(*READERS)
def artifact(artifact_id: int) -> ResponseReturnValue:
    current = services.get_artifact(current_user, artifact_id)
    is_owner = services.is_owner(current_user, current.student)
    if request.method == "POST" and not is_owner:
        raise Forbidden(gettext("Only the student changes their portfolio."))
    if is_owner and (current.status is ArtifactStatus.DRAFT or request.method == "POST"):
        outcomes = _form_outcomes(current)
        form = _prefilled(current, outcomes)
        problem = None
        if form.validate_on_submit():
            marking = bool(form.ready.data)
            try:
                if marking:
                    services.mark_ready(current_user, current.id, form.edit(outcomes))
                else:
                    services.update_artifact(current_user, current.id, form.edit(outcomes))
            except DomainError as error:
                return _render_form(form, outcomes, current, error)
            else:
                flash(
                    gettext("The artifact is marked ready.")
                    if marking
                    else gettext("Your draft is saved."),
                    "success",
                )
                return redirect(url_for("portfolio.artifact", artifact_id=current.id))
        elif "csrf_token" in form.errors:
            problem = "The form has expired. Reload the page and try again."
        return _render_form(form, outcomes, current, problem=problem)
    return _render_artifact(current, is_owner)


def _render_artifact(
    current: Artifact, is_owner: bool, comment_form: CommentForm | None = None
) -> ResponseReturnValue:
    may_comment = services.may_comment(current_user, current.student)
    if may_comment and comment_form is None:
        comment_form = CommentForm()
    return render_template(
        "portfolio/artifact.html",
        artifact=current,
        links=services.ordered_outcomes(current),
        is_owner=is_owner,
        sees_records=students.sees_student(current_user, current.student),
        comment_form=comment_form if may_comment else None,
        action_form=ActionForm(),
    ), (422 if comment_form is not None and comment_form.errors else 200)


@bp.post("/artifacts/<int:artifact_id>/comments")
@policy(Role.TEACHER, Role.STAFF, Role.EMPLOYER)
def comment(artifact_id: int) -> ResponseReturnValue:
    current = services.get_artifact(current_user, artifact_id)
    if not services.may_comment(current_user, current.student):
        raise Forbidden("Teachers of the student's school and staff comment on artifacts.")
    form = CommentForm()
    if form.validate_on_submit():
        try:
            services.add_comment(current_user, current.id, form.body.data or "")
        except DomainError as error:
            problem = field_error(form, error)
            if problem:
                flash(problem, "warning")
        else:
            flash("Your comment is sent to the student.", "success")
            return redirect(url_for("portfolio.artifact", artifact_id=current.id) + "#comments")
    elif "csrf_token" in form.errors:
        flash(gettext("The form has expired. Reload the page and try again."), "warning")
        return redirect(url_for("portfolio.artifact", artifact_id=current.id))
    current = services.get_artifact(current_user, artifact_id)
    return _render_artifact(current, False, form)


@bp.post("/artifacts/<int:artifact_id>/reopen")
@policy(Role.STUDENT)
def reopen(artifact_id: int) -> ResponseReturnValue:
    current = services.get_artifact(current_user, artifact_id)
    form = ActionForm()
    if form.validate_on_submit():
        with flash_refusal("info") as attempt:
            services.reopen(current_user, current.id)
        if attempt.ok:
            flash(
                gettext("The artifact is a draft again: change it, then mark it ready."), "success"
            )
    return redirect(url_for("portfolio.artifact", artifact_id=current.id))


def download(stored: services.StoredFile) -> Response:
    """A stored upload (artifact, document, externship project) as an attachment."""
    return attachment(stored.data, stored.name or "file", stored.content_type)


@bp.get("/artifacts/<int:artifact_id>/file")
@policy(*READERS)
def artifact_file(artifact_id: int) -> ResponseReturnValue:
    return download(services.artifact_file(current_user, artifact_id))


# --- the resume and the cover letter ---------------------------------------------------------


def _document_forms() -> dict[DocumentKind, DocumentForm]:
    return {kind: DocumentForm(prefix=kind.value) for kind in DocumentKind}


def _render_documents(
    student: StudentProfile, forms: dict[DocumentKind, DocumentForm], status: int = 200
) -> ResponseReturnValue:
    return render_template(
        "portfolio/documents.html",
        student=student,
        documents=services.documents_of(student.id),
        forms=forms,
        kinds=list(DocumentKind),
        has_letters_summary=_has_letters_summary(),
    ), status


@bp.get("/documents")
@policy(Role.STUDENT)
def documents() -> ResponseReturnValue:
    return _render_documents(students.own_profile(current_user), _document_forms())


@bp.post("/documents/<kind>")
@policy(Role.STUDENT)
def upload_document(kind: str) -> ResponseReturnValue:
    student = students.own_profile(current_user)
    try:
        document_kind = DocumentKind(kind)
    except ValueError:
        raise NotFound() from None
    forms = _document_forms()
    form = forms[document_kind]
    if form.validate_on_submit():
        upload = form.upload()
        try:
            if upload is None:
                raise DomainError(gettext("Choose the file to upload."), field="file")
            services.upload_document(current_user, document_kind, upload)
        except DomainError as error:
            problem = field_error(form, error)
            if problem:
                form.file.errors = [*form.file.errors, problem]
        else:
            flash(
                gettext("Your %(document)s is uploaded.", document=document_kind.label.lower()),
                "success",
            )
            return redirect(url_for("portfolio.documents"))
    elif "csrf_token" in form.errors:
        form.file.errors = ["The form has expired. Reload the page and try again."]
    return _render_documents(student, forms, 422)


@bp.get("/documents/<int:document_id>/file")
@policy(*READERS)
def document_file(document_id: int) -> ResponseReturnValue:
    return download(services.document_file(current_user, document_id))


# --- progress and export ---------------------------------------------------------------------


def _render_progress(student: StudentProfile, is_owner: bool) -> ResponseReturnValue:
    progress = queries.progress_of(student)
    return render_template(
        "portfolio/progress.html",
        student=student,
        progress=progress,
        checklist=services.checklist(student),
        is_owner=is_owner,
        has_letters_summary=_has_letters_summary(),
    )


@bp.get("/progress")
@policy(Role.STUDENT)
def progress() -> ResponseReturnValue:
    return _render_progress(students.own_profile(current_user), True)


@bp.get("/students/<int:student_id>/progress")
@policy(*OTHERS)
def student_progress(student_id: int) -> ResponseReturnValue:
    return _render_progress(services.get_portfolio_student(current_user, student_id), False)


def _pdf(student: StudentProfile) -> Response:
    # The export needs fpdf2 and pypdf, a second or more to import: loaded by the first export.
    from wbl.portfolio import export

    data = export.render_portfolio(
        student, include_letters=services.may_read_letters(current_user, student)
    )
    name = f"portfolio-{student.user.full_name}-{local_today():%Y-%m-%d}"
    return attachment(data, f"{slug(name, 'portfolio')}.pdf", "application/pdf")


@bp.get("/export.pdf")
@policy(Role.STUDENT)
def export_pdf() -> ResponseReturnValue:
    return _pdf(students.own_profile(current_user))


@bp.get("/students/<int:student_id>/export.pdf")
@policy(*OTHERS)
def student_export_pdf(student_id: int) -> ResponseReturnValue:
    return _pdf(services.get_portfolio_student(current_user, student_id))
