"""Read-side selects for the portfolio: a student's artifacts with what their list shows, and
the progress page's outcomes, artifacts and documents."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from wbl.catalog.models import Offering
from wbl.extensions import db
from wbl.placements.models import Placement
from wbl.portfolio.models import Artifact, ArtifactOutcome, DocumentKind, PortfolioDocument
from wbl.reference.models import PogOutcome
from wbl.reference.services import active_outcomes
from wbl.students.models import StudentProfile


def artifacts_of(student_id: int) -> Select[Artifact]:
    """A student's artifacts, drafts first, then the most recently changed, with their
    outcomes and the placement they come from (a fixed number of queries)."""
    return (
        select(Artifact)
        .where(Artifact.student_id == student_id)
        .options(
            selectinload(Artifact.outcomes).selectinload(ArtifactOutcome.outcome),
            selectinload(Artifact.placement)
            .selectinload(Placement.offering)
            .selectinload(Offering.partner),
        )
        .order_by(Artifact.status, Artifact.updated_at.desc(), Artifact.id.desc())
    )


@dataclass(frozen=True, slots=True)
class Shown:
    artifact: Artifact
    commentary: str


@dataclass(frozen=True, slots=True)
class OutcomeArtifacts:
    outcome: PogOutcome
    links: list[Shown]  # the student's artifacts showing it, with the commentary


@dataclass(frozen=True, slots=True)
class Progress:
    outcomes: list[OutcomeArtifacts]  # every active outcome, in order
    others: list[Artifact]  # artifacts that show no active outcome
    documents: dict[DocumentKind, PortfolioDocument]


def progress_of(student: StudentProfile) -> Progress:
    """Each active PoG outcome with the student's artifacts showing it (ready ones first),
    the artifacts that show none, and the documents: four queries, whatever the portfolio
    holds."""
    outcomes = active_outcomes()
    artifacts = list(
        db.session.scalars(
            select(Artifact)
            .where(Artifact.student_id == student.id)
            .options(selectinload(Artifact.outcomes))
            .order_by(Artifact.status.desc(), Artifact.title, Artifact.id)
        )
    )
    by_outcome: dict[int, list[Shown]] = {o.id: [] for o in outcomes}
    others = []
    for artifact in artifacts:
        shown = [link for link in artifact.outcomes if link.outcome_id in by_outcome]
        for link in shown:
            by_outcome[link.outcome_id].append(Shown(artifact, link.commentary))
        if not shown:
            others.append(artifact)
    documents = {
        document.kind: document
        for document in db.session.scalars(
            select(PortfolioDocument).where(PortfolioDocument.student_id == student.id)
        )
    }
    return Progress([OutcomeArtifacts(o, by_outcome[o.id]) for o in outcomes], others, documents)
