"""Lookups of reference data that every feature shows (no scope: reference data is the
county's, the same for everyone)."""

from __future__ import annotations

from sqlalchemy import select

from wbl.extensions import db
from wbl.reference.models import ExperienceKind, ExperienceType


def experience_type_names() -> dict[str, str]:
    """The county's own names for the five experience types, keyed by code."""
    rows = db.session.execute(select(ExperienceType.code, ExperienceType.name)).all()
    names = {code.value: name for code, name in rows}
    return {
        k.value: names.get(k.value, k.value.replace("_", " ").capitalize()) for k in ExperienceKind
    }
