"""The student's portfolio: artifacts tied to Portrait of a Graduate outcomes, teachers'
comments on them, and the required documents (resume, cover letter).

An artifact is a text, an uploaded file (PDF, Word, PNG or JPEG: ``wbl.portfolio.files``) or
a link; it shows one or more PoG outcomes, and the student explains, for each, how it shows
it (the Work Ready Certificate asks for that commentary: DOMAIN.md). It comes from a
placement (one of the student's completed placements), a class, or elsewhere. A completed
placement gives the student a draft (its evaluation and reflection, see
``wbl.evaluations``); the student edits it and marks it ready once every outcome has a
commentary. A ready artifact is changed only after moving it back to draft.

Who sees a portfolio (artifacts, their files, comments, documents): its student, the
teachers of the student's school, staff of the student's district (county staff: all), and
the reviewers assigned to an open review of it (``wbl.reviews.policies``). Only the student
changes it; teachers and staff comment. Anyone else is told it does not exist.

Files are checked (``clean_upload``) before anything is stored, stored under a generated key,
and removed again when the database part fails; a replaced file is deleted after the commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import url_for
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.catalog.services import website_url
from wbl.errors import N_, DomainError, NotFound
from wbl.extensions import atomic, db, move_status, utcnow
from wbl.hours.models import EntryStatus, HourEntry
from wbl.notifications.services import queue_email
from wbl.placements.models import Placement, PlacementStatus
from wbl.portfolio.files import CleanFile, clean_upload
from wbl.portfolio.models import (
    Artifact,
    ArtifactComment,
    ArtifactKind,
    ArtifactOutcome,
    ArtifactSource,
    ArtifactStatus,
    DocumentKind,
    LetterStatus,
    PortfolioDocument,
    Recommendation,
)
from wbl.reference.models import PogOutcome
from wbl.reviews.policies import is_reviewer_of
from wbl.scopes import is_staff
from wbl.storage import storage
from wbl.students.models import StudentProfile
from wbl.students.services import own_profile, sees_student

MAX_TITLE = 200
MAX_BODY = 20000
MAX_COMMENTARY = 2000
MAX_URL = 500
MAX_SOURCE_NOTE = 200
MAX_COMMENT = 4000
MIN_PER_OUTCOME, MAX_PER_OUTCOME = 1, 3
LETTERS_NEEDED = 2
FOLDER = "portfolio"


class AlreadyReady(DomainError):
    message = N_("This artifact is already marked ready; nothing was changed.")


# --- who may see and do what -----------------------------------------------------------------


def is_owner(user: User, student: StudentProfile) -> bool:
    return user.has_role(Role.STUDENT) and student.user_id == user.id


def may_view(user: User, student: StudentProfile) -> bool:
    """The student, their teachers, staff in scope (``sees_student``), and the reviewers
    assigned to an open review of the portfolio."""
    return sees_student(user, student) or is_reviewer_of(user, student.id)


def may_comment(user: User, student: StudentProfile) -> bool:
    """Teachers of the student's school and staff in scope give feedback on artifacts."""
    if not (user.has_role(Role.TEACHER) or is_staff(user)):
        return False
    return not is_owner(user, student) and sees_student(user, student)


def may_read_letters(user: User, student: StudentProfile) -> bool:
    """Letters of recommendation are confidential to reviewers and staff: not the student,
    not their teachers."""
    if is_owner(user, student):
        return False
    staff = is_staff(user)
    return (staff and sees_student(user, student)) or is_reviewer_of(user, student.id)


def get_portfolio_student(actor: User, student_id: int) -> StudentProfile:
    """A student whose portfolio the actor may see (anyone else's: not found)."""
    student = db.session.scalar(
        select(StudentProfile)
        .where(StudentProfile.id == student_id)
        .options(selectinload(StudentProfile.user), selectinload(StudentProfile.school))
    )
    if student is None or not may_view(actor, student):
        raise NotFound()
    return student


def get_artifact(actor: User, artifact_id: int) -> Artifact:
    artifact = db.session.scalar(
        select(Artifact)
        .where(Artifact.id == artifact_id)
        .options(
            selectinload(Artifact.student).selectinload(StudentProfile.user),
            selectinload(Artifact.student).selectinload(StudentProfile.school),
            selectinload(Artifact.outcomes).selectinload(ArtifactOutcome.outcome),
            selectinload(Artifact.placement)
            .selectinload(Placement.offering)
            .selectinload(Offering.partner),
            selectinload(Artifact.comments).selectinload(ArtifactComment.author),
        )
    )
    if artifact is None or not may_view(actor, artifact.student):
        raise NotFound()
    return artifact


def ordered_outcomes(artifact: Artifact) -> list[ArtifactOutcome]:
    return sorted(artifact.outcomes, key=lambda link: (link.outcome.position, link.outcome_id))


def completed_placements(student_id: int) -> list[Placement]:
    """The placements an artifact may come from: the student's completed ones."""
    return list(
        db.session.scalars(
            select(Placement)
            .where(
                Placement.student_id == student_id,
                Placement.status == PlacementStatus.COMPLETED,
            )
            .options(selectinload(Placement.offering).selectinload(Offering.partner))
            .order_by(Placement.completed_at.desc(), Placement.id.desc())
        )
    )


# --- drafts from completed placements --------------------------------------------------------


def confirmed_minutes(placement_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(HourEntry.minutes), 0)).where(
                HourEntry.placement_id == placement_id,
                HourEntry.status == EntryStatus.CONFIRMED,
            )
        )
        or 0
    )


def _hours(minutes: int) -> str:
    value = f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
    return f"{value} hour" if value == "1" else f"{value} hours"


def placement_artifact(placement_id: int) -> Artifact | None:
    return db.session.scalar(
        select(Artifact)
        .where(Artifact.placement_id == placement_id, Artifact.source == ArtifactSource.PLACEMENT)
        .order_by(Artifact.id)
        .limit(1)
    )


def placement_artifact_is_ready(placement_id: int) -> bool:
    artifact = placement_artifact(placement_id)
    return artifact is not None and artifact.status is ArtifactStatus.READY


def create_placement_draft(
    placement: Placement,
    *,
    reflection: str,
    supervisor_comment: str,
    supervisor_name: str,
    outcomes: Sequence[PogOutcome],
) -> Artifact | None:
    """The draft a completed placement gives its student: the reflection, the confirmed
    hours and the supervisor's comment, tied to the outcomes the offering develops (the
    student writes the commentary). Inside the caller's transaction, which holds the
    placement's row lock; returns None when the placement already has its artifact."""
    if placement_artifact(placement.id) is not None:
        return None
    offering = placement.offering
    parts = [reflection.strip(), f"Confirmed hours: {_hours(confirmed_minutes(placement.id))}."]
    if supervisor_comment.strip():
        parts.append(f"My supervisor's comment ({supervisor_name}): “{supervisor_comment.strip()}”")
    artifact = Artifact(
        student_id=placement.student_id,
        title=f"{offering.title} at {offering.partner.name}"[:MAX_TITLE],
        body="\n\n".join(parts),
        source=ArtifactSource.PLACEMENT,
        placement_id=placement.id,
        status=ArtifactStatus.DRAFT,
        outcomes=[ArtifactOutcome(outcome_id=outcome.id, commentary="") for outcome in outcomes],
    )
    db.session.add(artifact)
    db.session.flush()
    return artifact


# --- the student's artifacts -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Upload:
    data: bytes
    filename: str = ""


@dataclass(frozen=True, slots=True)
class ArtifactEdit:
    """What the student sends. ``None`` keeps what the artifact has, so a title-and-text
    edit of a placement's draft is ``ArtifactEdit(title, body, commentaries)``."""

    title: str
    body: str
    # The commentary on each outcome, by outcome id (outcomes not on the artifact are ignored).
    commentaries: Mapping[int, str] = field(default_factory=dict)
    kind: ArtifactKind | None = None
    url: str = ""
    upload: Upload | None = None  # a new file (kind FILE); None keeps the stored one
    outcome_ids: frozenset[int] | None = None
    source: ArtifactSource | None = None
    placement_id: int | None = None
    source_note: str = ""


def _own(actor: User, artifact_id: int) -> Artifact:
    artifact = get_artifact(actor, artifact_id)
    require(is_owner(actor, artifact.student))
    return artifact


def _own_draft(actor: User, artifact_id: int) -> Artifact:
    artifact = _own(actor, artifact_id)
    if artifact.status is not ArtifactStatus.DRAFT:
        raise AlreadyReady(
            "This artifact is marked ready; move it back to draft to change it.",
        )
    return artifact


def safe_link(text: str, *, field: str = "url") -> str:
    """An http(s) link (a bare domain gets https), or a DomainError on ``field``."""
    link = website_url(text)
    if link is None or not urlsplit(link).hostname or any(c.isspace() for c in link):
        raise DomainError(
            gettext("Enter a web address starting with https:// (or http://)."), field=field
        )
    if len(link) > MAX_URL:
        raise DomainError(
            gettext("Keep the web address under %(MAX_URL)s characters.", MAX_URL=MAX_URL),
            field=field,
        )
    return link


def _outcomes_for(artifact: Artifact, wanted: frozenset[int]) -> dict[int, PogOutcome]:
    """The chosen outcomes: active ones, or ones the artifact already shows (an outcome
    retired since keeps its commentary)."""
    if not wanted:
        raise DomainError(
            gettext("Choose at least one Portrait of a Graduate outcome this artifact shows."),
            field="outcomes",
        )
    kept = {link.outcome_id for link in artifact.outcomes}
    found = {
        outcome.id: outcome
        for outcome in db.session.scalars(select(PogOutcome).where(PogOutcome.id.in_(wanted)))
        if outcome.active or outcome.id in kept
    }
    if set(found) != set(wanted):
        raise DomainError(gettext("Choose outcomes from the list."), field="outcomes")
    return found


@dataclass(slots=True)
class _Plan:
    """What an edit will do to the stored files, decided before anything is stored."""

    new_file: CleanFile | None = None
    new_key: str | None = None
    old_key: str | None = None


def _apply(artifact: Artifact, edit: ArtifactEdit, student: StudentProfile) -> _Plan:
    """Check the edit and apply it to ``artifact`` (the caller's savepoint undoes it on a
    DomainError); nothing is stored yet: the plan says which file to store and which to
    delete once the transaction commits."""
    plan = _Plan()
    title, body = (edit.title or "").strip(), (edit.body or "").strip()
    if not title:
        raise DomainError(gettext("Give the artifact a title."), field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(
            gettext("Keep the title under %(MAX_TITLE)s characters.", MAX_TITLE=MAX_TITLE),
            field="title",
        )
    if len(body) > MAX_BODY:
        raise DomainError(
            gettext("Keep the text under %(MAX_BODY)s characters.", MAX_BODY=MAX_BODY), field="body"
        )
    kind = edit.kind or artifact.kind or ArtifactKind.TEXT
    if kind is ArtifactKind.TEXT:
        if edit.kind is not None and not body:
            raise DomainError(gettext("Write the artifact's text."), field="body")
        artifact.url = ""
    elif kind is ArtifactKind.LINK:
        artifact.url = safe_link(edit.url) if edit.kind is not None else artifact.url
    else:
        if edit.upload is not None:
            plan.new_file = clean_upload(edit.upload.data, edit.upload.filename, field="file")
        elif not artifact.file_key:
            raise DomainError(
                gettext("Choose the file: a PDF, a Word document (.docx), or a PNG or JPEG image."),
                field="file",
            )
        artifact.url = ""
    if artifact.file_key and (kind is not ArtifactKind.FILE or plan.new_file is not None):
        plan.old_key = artifact.file_key
    if kind is not ArtifactKind.FILE:
        artifact.file_key, artifact.file_name = None, ""
        artifact.content_type, artifact.file_size = "", None
    if edit.outcome_ids is not None:
        chosen = _outcomes_for(artifact, edit.outcome_ids)
        artifact.outcomes = [link for link in artifact.outcomes if link.outcome_id in chosen] + [
            ArtifactOutcome(outcome_id=outcome_id, outcome=chosen[outcome_id], commentary="")
            for outcome_id in sorted(chosen)
            if outcome_id not in {link.outcome_id for link in artifact.outcomes}
        ]
    for link in artifact.outcomes:
        commentary = (edit.commentaries.get(link.outcome_id) or "").strip()
        if len(commentary) > MAX_COMMENTARY:
            raise DomainError(
                gettext(
                    "Keep the commentary under %(MAX_COMMENTARY)s characters.",
                    MAX_COMMENTARY=MAX_COMMENTARY,
                ),
                field=f"commentary_{link.outcome_id}",
            )
        link.commentary = commentary
    if edit.source is not None:
        _apply_source(artifact, edit.source, edit, student)
    artifact.title, artifact.body, artifact.kind = title, body, kind
    artifact.updated_at = utcnow()
    return plan


def _apply_source(
    artifact: Artifact, source: ArtifactSource, edit: ArtifactEdit, student: StudentProfile
) -> None:
    note = " ".join((edit.source_note or "").split())
    if len(note) > MAX_SOURCE_NOTE:
        raise DomainError(
            gettext(
                "Keep this under %(MAX_SOURCE_NOTE)s characters.", MAX_SOURCE_NOTE=MAX_SOURCE_NOTE
            ),
            field="source_note",
        )
    placement_id = None
    if source is ArtifactSource.PLACEMENT:
        ids = {p.id for p in completed_placements(student.id)}
        if edit.placement_id not in ids:
            raise DomainError(
                gettext("Choose one of your completed placements."), field="placement_id"
            )
        placement_id = edit.placement_id
    elif source is ArtifactSource.CLASS and not note:
        raise DomainError(gettext("Name the class this artifact comes from."), field="source_note")
    artifact.source, artifact.placement_id, artifact.source_note = source, placement_id, note


@contextmanager
def _storing(artifact: Artifact, plan: _Plan) -> Iterator[None]:
    """Store the plan's new file on the artifact, run the block (which commits), and keep
    no stored file the database does not know about: the new one goes if the block fails,
    the replaced one once it has succeeded."""
    if plan.new_file is not None:
        cleaned = plan.new_file
        plan.new_key = storage().save(cleaned.data, folder=FOLDER, extension=cleaned.extension)
        artifact.file_key, artifact.file_name = plan.new_key, cleaned.name
        artifact.content_type, artifact.file_size = cleaned.content_type, cleaned.size
    try:
        yield
    except BaseException:
        if plan.new_key:
            storage().delete(plan.new_key)
        raise
    if plan.old_key and plan.old_key != artifact.file_key:
        storage().delete(plan.old_key)


def _check_ready(artifact: Artifact) -> None:
    for link in ordered_outcomes(artifact):
        if not link.commentary:
            raise DomainError(
                gettext(
                    "Explain how this artifact shows “%(name)s” before marking it ready.",
                    name=link.outcome.name,
                ),
                field=f"commentary_{link.outcome_id}",
            )


@atomic
def create_artifact(actor: User, edit: ArtifactEdit, *, ready: bool = False) -> Artifact:
    """A new artifact of the student's own: a text, a file or a link, the outcomes it shows
    with a commentary each, and where it comes from. ``ready`` marks it ready at once (every
    outcome then needs its commentary)."""
    student = own_profile(actor)
    if edit.kind is None or edit.outcome_ids is None or edit.source is None:
        raise DomainError(
            gettext("Say what kind of artifact this is, what it shows and where it is from.")
        )
    artifact = Artifact(student_id=student.id, student=student, outcomes=[])
    plan = _apply(artifact, edit, student)
    if ready:
        _check_ready(artifact)
        artifact.status = ArtifactStatus.READY
    with _storing(artifact, plan):
        db.session.add(artifact)
        db.session.flush()
        db.session.commit()
    return artifact


@atomic
def update_artifact(actor: User, artifact_id: int, edit: ArtifactEdit) -> Artifact:
    artifact = _own_draft(actor, artifact_id)
    plan = _apply(artifact, edit, artifact.student)
    with _storing(artifact, plan):
        db.session.flush()
        db.session.commit()
    return artifact


@atomic
def mark_ready(actor: User, artifact_id: int, edit: ArtifactEdit) -> Artifact:
    """Save the student's last edits and mark the artifact ready: every outcome it shows
    needs the student's commentary on how it shows it (the Work Ready Certificate's rule)."""
    artifact = _own_draft(actor, artifact_id)
    plan = _apply(artifact, edit, artifact.student)
    _check_ready(artifact)
    with _storing(artifact, plan):
        db.session.flush()
        if not move_status(
            artifact, ArtifactStatus.DRAFT, status=ArtifactStatus.READY, updated_at=utcnow()
        ):
            raise AlreadyReady()
        db.session.commit()
    return artifact


@atomic
def reopen(actor: User, artifact_id: int) -> Artifact:
    """Back to draft, to change it again (a ready artifact is not edited in place)."""
    artifact = _own(actor, artifact_id)
    if not move_status(
        artifact, ArtifactStatus.READY, status=ArtifactStatus.DRAFT, updated_at=utcnow()
    ):
        raise DomainError(gettext("This artifact is already a draft; nothing was changed."))
    db.session.commit()
    return artifact


@dataclass(frozen=True, slots=True)
class StoredFile:
    data: bytes
    name: str
    content_type: str


def artifact_file(actor: User, artifact_id: int) -> StoredFile:
    """An artifact's uploaded file, for whoever may see the artifact."""
    artifact = get_artifact(actor, artifact_id)
    if artifact.kind is not ArtifactKind.FILE or not artifact.file_key:
        raise NotFound()
    return StoredFile(storage().read(artifact.file_key), artifact.file_name, artifact.content_type)


# --- teachers' comments ----------------------------------------------------------------------


@atomic
def add_comment(actor: User, artifact_id: int, body: str) -> ArtifactComment:
    """A teacher of the student's school (or staff in scope) comments on an artifact; the
    student is told by e-mail and revises."""
    artifact = get_artifact(actor, artifact_id)
    require(may_comment(actor, artifact.student))
    text = (body or "").strip()
    if not text:
        raise DomainError(gettext("Write your comment."), field="body")
    if len(text) > MAX_COMMENT:
        raise DomainError(
            gettext("Keep the comment under %(MAX_COMMENT)s characters.", MAX_COMMENT=MAX_COMMENT),
            field="body",
        )
    comment = ArtifactComment(artifact=artifact, author_id=actor.id, body=text)
    db.session.add(comment)
    db.session.flush()
    student = artifact.student.user
    link = url_for("portfolio.artifact", artifact_id=artifact.id, _external=True)
    queue_email(
        kind="portfolio_comment",
        to=student.email,
        template="portfolio/comment",
        context={
            "student": student,
            "actor": actor,
            "artifact": artifact,
            "text": text,
            "link": link,
        },
    )
    db.session.commit()
    return comment


# --- the resume and the cover letter ---------------------------------------------------------


def documents_of(student_id: int) -> dict[DocumentKind, PortfolioDocument]:
    return {
        document.kind: document
        for document in db.session.scalars(
            select(PortfolioDocument).where(PortfolioDocument.student_id == student_id)
        )
    }


@atomic
def upload_document(actor: User, kind: DocumentKind, upload: Upload) -> PortfolioDocument:
    """The student's resume or cover letter: a first upload, or a replacement (the row is
    updated and the old stored file deleted after the commit)."""
    student = own_profile(actor)
    cleaned = clean_upload(upload.data, upload.filename, field="file")
    document = db.session.scalar(
        select(PortfolioDocument).where(
            PortfolioDocument.student_id == student.id, PortfolioDocument.kind == kind
        )
    )
    old_key = document.file_key if document is not None else None
    key = storage().save(cleaned.data, folder=FOLDER, extension=cleaned.extension)
    try:
        if document is None:
            document = PortfolioDocument(student_id=student.id, kind=kind)
            db.session.add(document)
        document.file_key, document.file_name = key, cleaned.name
        document.content_type, document.file_size = cleaned.content_type, cleaned.size
        document.uploaded_at = utcnow()
        db.session.flush()
        db.session.commit()
    except BaseException:
        storage().delete(key)
        raise
    if old_key:
        storage().delete(old_key)
    return document


def document_file(actor: User, document_id: int) -> StoredFile:
    """The resume or cover letter, for whoever may see the student's portfolio."""
    document = db.session.scalar(
        select(PortfolioDocument)
        .where(PortfolioDocument.id == document_id)
        .options(selectinload(PortfolioDocument.student).selectinload(StudentProfile.school))
    )
    if document is None or not may_view(actor, document.student):
        raise NotFound()
    return StoredFile(storage().read(document.file_key), document.file_name, document.content_type)


# --- the portfolio-complete rule -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutcomeCount:
    outcome: PogOutcome
    ready: int  # READY artifacts of the student linked to it with a commentary


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One line of the checklist: what it asks for, whether it is done, and (when not) what
    to do, in the words ``what_is_missing`` uses."""

    label: str
    done: bool
    missing: str = ""


def outcome_counts(student_id: int) -> list[OutcomeCount]:
    """Every active PoG outcome (in order) with the number of the student's READY artifacts
    linked to it with a non-empty commentary (one query)."""
    counted = (
        select(ArtifactOutcome.outcome_id, func.count(Artifact.id).label("ready"))
        .join(Artifact, Artifact.id == ArtifactOutcome.artifact_id)
        .where(
            Artifact.student_id == student_id,
            Artifact.status == ArtifactStatus.READY,
            func.length(func.trim(ArtifactOutcome.commentary)) > 0,
        )
        .group_by(ArtifactOutcome.outcome_id)
        .subquery()
    )
    rows = db.session.execute(
        select(PogOutcome, func.coalesce(counted.c.ready, 0))
        .outerjoin(counted, counted.c.outcome_id == PogOutcome.id)
        .where(PogOutcome.active.is_(True))
        .order_by(PogOutcome.position, PogOutcome.id)
    ).all()
    return [OutcomeCount(outcome, int(ready)) for outcome, ready in rows]


def checklist(student: StudentProfile) -> list[CheckItem]:
    """THE PORTFOLIO-COMPLETE RULE, line by line: for every active PoG outcome 1 to 3 READY
    artifacts linked to it with a commentary; a resume and a cover letter; at least two
    letters of recommendation received. Three queries, whatever the portfolio holds."""
    items: list[CheckItem] = []
    for count in outcome_counts(student.id):
        name = count.outcome.name
        if count.ready < MIN_PER_OUTCOME:
            items.append(
                CheckItem(
                    gettext("%(outcome)s: 1 to 3 ready artifacts with commentary", outcome=name),
                    False,
                    gettext("%(outcome)s: add an artifact (1 to 3) with commentary", outcome=name),
                )
            )
        elif count.ready > MAX_PER_OUTCOME:
            items.append(
                CheckItem(
                    gettext(
                        "%(outcome)s: %(count)s ready artifacts (1 to 3)",
                        outcome=name,
                        count=count.ready,
                    ),
                    False,
                    gettext("%(outcome)s: at most 3 artifacts", outcome=name),
                )
            )
        else:
            items.append(
                CheckItem(
                    gettext(
                        "%(outcome)s: %(count)s of at most 3 ready artifacts",
                        outcome=name,
                        count=count.ready,
                    ),
                    True,
                )
            )
    kinds = set(
        db.session.scalars(
            select(PortfolioDocument.kind).where(PortfolioDocument.student_id == student.id)
        )
    )
    for kind, missing in (
        (DocumentKind.RESUME, gettext("Upload your resume")),
        (DocumentKind.COVER_LETTER, gettext("Upload your cover letter")),
    ):
        done = kind in kinds
        items.append(CheckItem(kind.label, done, "" if done else missing))
    received = int(
        db.session.scalar(
            select(func.count(Recommendation.id)).where(
                Recommendation.student_id == student.id,
                Recommendation.status == LetterStatus.RECEIVED,
            )
        )
        or 0
    )
    letters = gettext(
        "Letters of recommendation: %(received)s of %(needed)s received",
        received=min(received, LETTERS_NEEDED),
        needed=LETTERS_NEEDED,
    )
    done = received >= LETTERS_NEEDED
    items.append(CheckItem(letters, done, "" if done else letters))
    return items


def what_is_missing(student: StudentProfile) -> list[str]:
    """What the student still needs for a complete portfolio, in sentences for people
    (empty when complete). Three queries."""
    return [item.missing for item in checklist(student) if not item.done]
