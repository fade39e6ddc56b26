"""Reference data: loading the defaults, and staff edits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import select

from wbl.access import require
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db
from wbl.reference import defaults
from wbl.reference.models import (
    EvaluationCategory,
    ExperienceType,
    IndustrySector,
    Pathway,
    PogOutcome,
    PreparatoryActivity,
    _Editable,
)
from wbl.scopes import is_county_wide

if TYPE_CHECKING:
    from wbl.auth.models import User

# the tables of reference data, each keyed by a stable ``code``
_Coded = TypeVar(
    "_Coded",
    IndustrySector,
    Pathway,
    PogOutcome,
    PreparatoryActivity,
    ExperienceType,
    EvaluationCategory,
)

EDITABLE: dict[str, type[Any]] = {
    "sectors": IndustrySector,
    "pathways": Pathway,
    "outcomes": PogOutcome,
    "activities": PreparatoryActivity,
    "experience-types": ExperienceType,
    "evaluation-categories": EvaluationCategory,
}


def active_outcomes() -> list[PogOutcome]:
    """The Portrait of a Graduate outcomes in use, in the county's order."""
    return list(
        db.session.scalars(
            select(PogOutcome)
            .where(PogOutcome.active.is_(True))
            .order_by(PogOutcome.position, PogOutcome.id)
        )
    )


@dataclass(frozen=True, slots=True)
class SeedCounts:
    added: int
    kept: int


def add_defaults() -> SeedCounts:
    """Add the default reference data. Idempotent: rows are matched by code, and a row that
    exists is left as staff have edited it (names, order, active). Flushes, never commits:
    ``wbl.seeding.seed_reference`` does, with the features' defaults."""
    added = kept = 0

    def upsert(model: type[_Coded], code: str, **values: object) -> _Coded:
        nonlocal added, kept
        row = db.session.scalar(select(model).where(model.code == code))
        if row is None:
            row = model(code=code, **values)
            db.session.add(row)
            added += 1
        else:
            kept += 1
        return row

    for s_pos, (code, name, pathways) in enumerate(defaults.SECTORS, start=1):
        sector = upsert(IndustrySector, code, name=name, position=s_pos)
        db.session.flush()
        for p_pos, pathway_name in enumerate(pathways, start=1):
            upsert(
                Pathway,
                defaults.pathway_code(code, pathway_name),
                name=pathway_name,
                position=p_pos,
                sector=sector,
            )
    for pos, (code, name, text) in enumerate(defaults.POG_OUTCOMES, start=1):
        upsert(PogOutcome, code, name=name, description=text, position=pos)
    for pos, (code, name, text) in enumerate(defaults.PREPARATORY_ACTIVITIES, start=1):
        upsert(PreparatoryActivity, code, name=name, description=text, position=pos)
    for pos, (kind, name, stage, is_event, text) in enumerate(defaults.EXPERIENCE_TYPES, start=1):
        upsert(
            ExperienceType,
            kind,
            name=name,
            stage=stage,
            is_class_event=is_event,
            description=text,
            position=pos,
        )
    for pos, (code, name, text) in enumerate(defaults.EVALUATION_CATEGORIES, start=1):
        upsert(EvaluationCategory, code, name=name, description=text, position=pos)
    db.session.flush()
    return SeedCounts(added=added, kept=kept)


@dataclass(frozen=True, slots=True)
class ReferenceEdit:
    name: str
    description: str
    position: int
    active: bool


def keeps_reference(user: User) -> bool:
    """County staff and administrators keep the reference data: the lists are the county's,
    the same in every district (district staff read them)."""
    return is_county_wide(user)


@atomic
def update_reference_row(actor: User, kind: str, row_id: int, edit: ReferenceEdit) -> object:
    """County staff rename, describe, reorder or retire a reference row. Codes never change,
    so data that points at a row keeps its meaning."""
    require(keeps_reference(actor))
    model = EDITABLE.get(kind)
    if model is None:
        raise NotFound()
    found = db.session.get(model, row_id)
    if found is None:
        raise NotFound()
    row = cast(_Editable, found)
    name = edit.name.strip()
    if not name:
        raise DomainError("A name is required.", field="name")
    clash = db.session.scalar(
        select(model.id).where(model.name == name, model.id != row_id).limit(1)
    )
    if clash is not None and model is not Pathway:
        raise DomainError(f"Another entry is already called “{name}”.", field="name")
    row.name = name
    row.description = edit.description.strip()
    row.position = edit.position
    row.active = edit.active
    db.session.commit()
    return row
