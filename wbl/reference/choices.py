"""Reference rows as form choices: only active rows, in the county's order."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from wbl.extensions import db
from wbl.i18n import data_name
from wbl.reference.models import IndustrySector, PogOutcome, PreparatoryActivity


def pathway_choices() -> list[SelectChoice]:
    """Active pathways, grouped under their sector (shipped names in the reader's language,
    as every list here: ``data_name``)."""
    sectors = db.session.scalars(
        select(IndustrySector)
        .where(IndustrySector.active.is_(True))
        .options(selectinload(IndustrySector.pathways))
        .order_by(IndustrySector.position)
    )
    return [
        SelectChoice(p.id, data_name(p.name), optgroup=data_name(s.name))
        for s in sectors
        for p in s.pathways
        if p.active
    ]


def sector_choices() -> list[SelectChoice]:
    rows = db.session.execute(
        select(IndustrySector.id, IndustrySector.name)
        .where(IndustrySector.active.is_(True))
        .order_by(IndustrySector.position)
    )
    return [SelectChoice(row.id, data_name(row.name)) for row in rows]


def _ordered_choices(model: type[PogOutcome] | type[PreparatoryActivity]) -> list[SelectChoice]:
    rows = db.session.execute(
        select(model.id, model.name).where(model.active.is_(True)).order_by(model.position)
    )
    return [SelectChoice(row.id, data_name(row.name)) for row in rows]


def outcome_choices() -> list[SelectChoice]:
    return _ordered_choices(PogOutcome)


def activity_choices() -> list[SelectChoice]:
    return _ordered_choices(PreparatoryActivity)
