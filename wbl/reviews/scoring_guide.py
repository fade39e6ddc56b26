"""The scoring guide portfolios are reviewed with (issue 7, DOMAIN.md "Work Ready
Certificate").

The scoring guide is the county's: levels ranked 1..N (Emerging, Developing, Proficient,
Advanced by default), a descriptor per level and active Portrait of a Graduate outcome, and
the passing rule: every outcome at ``pass_rank`` or above.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from wbl.access import require
from wbl.auth.models import User
from wbl.errors import DomainError
from wbl.extensions import atomic, db, utcnow
from wbl.reference.services import active_outcomes
from wbl.reviews.models import ScoringDescriptor, ScoringGuide, ScoringLevel
from wbl.scopes import is_staff

MAX_LEVEL_NAME = 60
MAX_DESCRIPTOR = 2000


def levels() -> list[ScoringLevel]:
    return list(db.session.scalars(select(ScoringLevel).order_by(ScoringLevel.rank)))


def guide() -> ScoringGuide:
    """The passing rule (one row; seeded, and made here if a database has none)."""
    row = db.session.scalar(select(ScoringGuide).order_by(ScoringGuide.id).limit(1))
    if row is None:
        row = ScoringGuide(pass_rank=3)
        db.session.add(row)
        db.session.flush()
    return row


def pass_rank() -> int:
    return guide().pass_rank


def descriptors() -> dict[tuple[int, int], str]:
    """``(rank, outcome_id) -> descriptor`` for the whole guide, in one query."""
    rows = db.session.execute(
        select(ScoringLevel.rank, ScoringDescriptor.outcome_id, ScoringDescriptor.text).join(
            ScoringLevel, ScoringLevel.id == ScoringDescriptor.level_id
        )
    )
    return {(rank, outcome_id): text for rank, outcome_id, text in rows}


def level_names() -> dict[int, str]:
    return {level.rank: level.name for level in levels()}


@dataclass(frozen=True, slots=True)
class GuideEdit:
    """Level names by rank (1..N, ranks never change), descriptors by ``(rank, outcome_id)``,
    and the passing level."""

    names: Mapping[int, str]
    texts: Mapping[tuple[int, int], str]
    pass_rank: int


@atomic
def save_guide(actor: User, edit: GuideEdit) -> ScoringGuide:
    """Staff rename levels, describe each level for each active outcome, and set the passing
    level. Level names are required and unique (case-insensitively): reviewers choose by name."""
    require(is_staff(actor))
    current = levels()
    seen: dict[str, int] = {}
    for level in current:
        name = (edit.names.get(level.rank) or "").strip()
        if not name:
            raise DomainError("Give the level a name.", field=f"level_{level.rank}")
        if len(name) > MAX_LEVEL_NAME:
            raise DomainError(
                f"Keep a level's name under {MAX_LEVEL_NAME} characters.",
                field=f"level_{level.rank}",
            )
        if name.casefold() in seen:
            raise DomainError(
                f"Level {seen[name.casefold()]} is already called “{name}”.",
                field=f"level_{level.rank}",
            )
        seen[name.casefold()] = level.rank
        level.name = name
    if edit.pass_rank not in {level.rank for level in current}:
        raise DomainError("Choose the passing level from the list.", field="pass_rank")
    existing = {
        (d.level_id, d.outcome_id): d for d in db.session.scalars(select(ScoringDescriptor))
    }
    by_rank = {level.rank: level for level in current}
    outcome_ids = {o.id for o in active_outcomes()}
    for (rank, outcome_id), raw in edit.texts.items():
        target = by_rank.get(rank)
        if target is None or outcome_id not in outcome_ids:
            continue
        text = (raw or "").strip()
        if len(text) > MAX_DESCRIPTOR:
            raise DomainError(
                f"Keep a descriptor under {MAX_DESCRIPTOR} characters.",
                field=f"text_{rank}_{outcome_id}",
            )
        row = existing.get((target.id, outcome_id))
        if row is None:
            db.session.add(ScoringDescriptor(level_id=target.id, outcome_id=outcome_id, text=text))
        else:
            row.text = text
    rule = guide()
    rule.pass_rank = edit.pass_rank
    rule.updated_by_id = actor.id
    rule.updated_at = utcnow()
    db.session.commit()
    return rule
