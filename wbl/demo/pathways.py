"""The demo county's graduation pathway rules: every demo district gets the shipped defaults
(Ohio-style credential points with WorkKeys and 250 hours, Colorado-style certificates for
English and math), so the progress pages have rules to show. Rows are added and flushed;
``seed_demo`` commits."""

from __future__ import annotations

from sqlalchemy import select

from wbl.extensions import db
from wbl.pathways.services import missing_default_rules
from wbl.schools.models import District


def add_pathway_rules() -> int:
    """Add the default rules each district lacks; returns how many were added."""
    rows = [
        row
        for district_id in db.session.scalars(select(District.id).order_by(District.id))
        for row in missing_default_rules(district_id)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return len(rows)
