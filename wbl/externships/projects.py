"""The classroom project a placed teacher builds from their externship, and completing it.

The placed teacher attaches the classroom project (title, summary, an optional file); with a
project attached they mark the externship completed (staff may complete it at any time).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from wbl.access import require
from wbl.auth.models import User
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import atomic, db, move_status, utcnow
from wbl.externships.models import ON_TEAM, ExternshipApplication, TeacherApplicationStatus
from wbl.externships.policies import is_teacher_of
from wbl.externships.services import MAX_TEXT, MAX_TITLE, get_application
from wbl.portfolio.files import clean_upload
from wbl.portfolio.services import StoredFile, Upload
from wbl.scopes import is_staff
from wbl.storage import storage

FOLDER = "externships"


# --- the classroom project -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProjectEdit:
    title: str
    summary: str
    upload: Upload | None = None
    remove_file: bool = False


@atomic
def save_project(actor: User, application_id: int, edit: ProjectEdit) -> ExternshipApplication:
    """Attach (or change) the classroom project; a new file replaces the old one, which is
    deleted once the change is committed (and a new file is deleted if it is not)."""
    application = get_application(actor, application_id)
    if not is_teacher_of(actor, application):
        raise Forbidden("Only the teacher attaches their classroom project.")
    if application.status not in ON_TEAM:
        raise DomainError("Attach a project once you are placed on the externship.")
    title = " ".join((edit.title or "").split())
    summary = (edit.summary or "").strip()
    if not title:
        raise DomainError("Give the project a title.", field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(f"Keep the title under {MAX_TITLE} characters.", field="title")
    if not summary:
        raise DomainError(
            "Summarise the project: what students do and what they learn.", field="summary"
        )
    if len(summary) > MAX_TEXT:
        raise DomainError(f"Keep the summary under {MAX_TEXT} characters.", field="summary")
    cleaned = clean_upload(edit.upload.data, edit.upload.filename) if edit.upload else None
    old_key = application.project_file_key if (cleaned or edit.remove_file) else None
    new_key = None
    if cleaned is not None:
        new_key = storage().save(cleaned.data, folder=FOLDER, extension=cleaned.extension)
        application.project_file_key, application.project_file_name = new_key, cleaned.name
        application.project_content_type = cleaned.content_type
        application.project_file_size = cleaned.size
    elif edit.remove_file:
        application.project_file_key, application.project_file_name = None, ""
        application.project_content_type, application.project_file_size = "", None
    application.project_title, application.project_summary = title, summary
    application.project_submitted_at = utcnow()
    try:
        db.session.flush()
        db.session.commit()
    except BaseException:
        if new_key:
            storage().delete(new_key)
        raise
    if old_key:
        with suppress(NotFound):
            storage().delete(old_key)
    return application


def project_file(actor: User, application_id: int) -> StoredFile:
    """The project's file, for the teacher, staff and the partner's contacts."""
    application = get_application(actor, application_id)
    if not application.project_file_key:
        raise NotFound()
    return StoredFile(
        storage().read(application.project_file_key),
        application.project_file_name,
        application.project_content_type,
    )


@atomic
def complete(actor: User, application_id: int) -> ExternshipApplication:
    """The teacher marks their externship completed once the project is attached; staff may
    complete it at any time."""
    application = get_application(actor, application_id)
    teacher = is_teacher_of(actor, application)
    require(teacher or is_staff(actor))
    if teacher and application.project_submitted_at is None:
        raise DomainError("Attach your classroom project first, then mark it completed.")
    if not move_status(
        application,
        TeacherApplicationStatus.PLACED,
        status=TeacherApplicationStatus.COMPLETED,
        updated_at=utcnow(),
    ):
        raise DomainError("Only a placed teacher's externship can be completed.")
    db.session.commit()
    return application
