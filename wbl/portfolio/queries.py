"""Read-side selects for the portfolio: a student's artifacts with what their list shows."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from wbl.catalog.models import Offering
from wbl.placements.models import Placement
from wbl.portfolio.models import Artifact, ArtifactOutcome


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
