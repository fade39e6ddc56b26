"""The student's portfolio: artifacts tied to Portrait of a Graduate outcomes.

An artifact shows one or more PoG outcomes, and the student explains, for each, how it shows
it (the Work Ready Certificate asks for that commentary: DOMAIN.md). A completed placement
gives the student a draft (its evaluation and reflection, see ``wbl.evaluations``); the
student edits it and marks it ready once every outcome has a commentary.

Who sees an artifact: its student, the teachers of the student's school, and staff of the
student's district (county staff: all). Only the student changes it. Anyone else is told it
does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, rows_affected, utcnow
from wbl.hours.models import EntryStatus, HourEntry
from wbl.placements.models import Placement
from wbl.portfolio.models import (
    Artifact,
    ArtifactOutcome,
    ArtifactSource,
    ArtifactStatus,
    DocumentKind,
    LetterStatus,
    PortfolioDocument,
    Recommendation,
)
from wbl.reference.models import PogOutcome
from wbl.students.models import StudentProfile
from wbl.students.services import sees_student

MAX_TITLE = 200
MAX_BODY = 20000
MAX_COMMENTARY = 2000
MIN_PER_OUTCOME, MAX_PER_OUTCOME = 1, 3
LETTERS_NEEDED = 2


class AlreadyReady(DomainError):
    message = "This artifact is already marked ready; nothing was changed."


# --- who may see and do what -----------------------------------------------------------------


def is_owner(user: User, student: StudentProfile) -> bool:
    return user.has_role(Role.STUDENT) and student.user_id == user.id


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
        )
    )
    if artifact is None or not sees_student(actor, artifact.student):
        raise NotFound()
    return artifact


def ordered_outcomes(artifact: Artifact) -> list[ArtifactOutcome]:
    return sorted(artifact.outcomes, key=lambda link: (link.outcome.position, link.outcome_id))


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


# --- the student's edits ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArtifactEdit:
    title: str
    body: str
    # The commentary on each outcome, by outcome id (outcomes not on the artifact are ignored).
    commentaries: Mapping[int, str] = field(default_factory=dict)


def _own_draft(actor: User, artifact_id: int) -> Artifact:
    artifact = get_artifact(actor, artifact_id)
    require(is_owner(actor, artifact.student))
    if artifact.status is not ArtifactStatus.DRAFT:
        raise AlreadyReady(
            "This artifact is marked ready; move it back to draft to change it.",
        )
    return artifact


def _apply(artifact: Artifact, edit: ArtifactEdit) -> None:
    title, body = (edit.title or "").strip(), (edit.body or "").strip()
    if not title:
        raise DomainError("Give the artifact a title.", field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(f"Keep the title under {MAX_TITLE} characters.", field="title")
    if len(body) > MAX_BODY:
        raise DomainError(f"Keep the text under {MAX_BODY} characters.", field="body")
    for link in artifact.outcomes:
        commentary = (edit.commentaries.get(link.outcome_id) or "").strip()
        if len(commentary) > MAX_COMMENTARY:
            raise DomainError(
                f"Keep the commentary under {MAX_COMMENTARY} characters.",
                field=f"commentary_{link.outcome_id}",
            )
        link.commentary = commentary
    artifact.title, artifact.body = title, body
    artifact.updated_at = utcnow()


@atomic
def update_artifact(actor: User, artifact_id: int, edit: ArtifactEdit) -> Artifact:
    artifact = _own_draft(actor, artifact_id)
    _apply(artifact, edit)
    db.session.commit()
    return artifact


@atomic
def mark_ready(actor: User, artifact_id: int, edit: ArtifactEdit) -> Artifact:
    """Save the student's last edits and mark the artifact ready: every outcome it shows
    needs the student's commentary on how it shows it (the Work Ready Certificate's rule)."""
    artifact = _own_draft(actor, artifact_id)
    _apply(artifact, edit)
    for link in ordered_outcomes(artifact):
        if not link.commentary:
            raise DomainError(
                f"Explain how this artifact shows “{link.outcome.name}” before marking it ready.",
                field=f"commentary_{link.outcome_id}",
            )
    db.session.flush()
    changed = rows_affected(
        db.session.execute(
            update(Artifact)
            .where(Artifact.id == artifact.id, Artifact.status == ArtifactStatus.DRAFT)
            .values(status=ArtifactStatus.READY, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    if changed != 1:
        raise AlreadyReady()
    db.session.expire(artifact, ["status", "updated_at"])
    db.session.commit()
    return artifact


@atomic
def reopen(actor: User, artifact_id: int) -> Artifact:
    """Back to draft, to change it again (a ready artifact is not edited in place)."""
    artifact = get_artifact(actor, artifact_id)
    require(is_owner(actor, artifact.student))
    changed = rows_affected(
        db.session.execute(
            update(Artifact)
            .where(Artifact.id == artifact.id, Artifact.status == ArtifactStatus.READY)
            .values(status=ArtifactStatus.DRAFT, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    if changed != 1:
        raise DomainError("This artifact is already a draft; nothing was changed.")
    db.session.expire(artifact, ["status", "updated_at"])
    db.session.commit()
    return artifact


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
                    f"{name}: 1 to 3 ready artifacts with commentary",
                    False,
                    f"{name}: add an artifact (1 to 3) with commentary",
                )
            )
        elif count.ready > MAX_PER_OUTCOME:
            items.append(
                CheckItem(
                    f"{name}: {count.ready} ready artifacts (1 to 3)",
                    False,
                    f"{name}: at most 3 artifacts",
                )
            )
        else:
            items.append(CheckItem(f"{name}: {count.ready} of at most 3 ready artifacts", True))
    kinds = set(
        db.session.scalars(
            select(PortfolioDocument.kind).where(PortfolioDocument.student_id == student.id)
        )
    )
    for kind, missing in (
        (DocumentKind.RESUME, "Upload your resume"),
        (DocumentKind.COVER_LETTER, "Upload your cover letter"),
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
    letters = (
        f"Letters of recommendation: {min(received, LETTERS_NEEDED)} of {LETTERS_NEEDED} received"
    )
    done = received >= LETTERS_NEEDED
    items.append(CheckItem(letters, done, "" if done else letters))
    return items


def what_is_missing(student: StudentProfile) -> list[str]:
    """What the student still needs for a complete portfolio, in sentences for people
    (empty when complete). Three queries."""
    return [item.missing for item in checklist(student) if not item.done]
