"""Lookups of reference data that every feature shows (no scope: reference data is the
county's, the same for everyone)."""

from __future__ import annotations

from sqlalchemy import select

from wbl.extensions import db
from wbl.i18n import data_name
from wbl.reference.models import ExperienceKind, ExperienceType


def experience_type_names() -> dict[str, str]:
    """The county's own names for the five experience types, keyed by code (the shipped
    ones in the reader's language)."""
    rows = db.session.execute(select(ExperienceType.code, ExperienceType.name)).all()
    names = {code.value: data_name(name) for code, name in rows}
    return {
        k.value: names.get(k.value, k.value.replace("_", " ").capitalize()) for k in ExperienceKind
    }
