from __future__ import annotations

from sqlalchemy import Select, select

from wbl.auth.models import User
from wbl.schools.models import District, School


def schools_visible_to(actor: User) -> Select[School]:
    """County-wide users see every school; district staff their district's; others their own."""
    query = select(School).where(School.active.is_(True)).order_by(School.name)
    if actor.is_county_wide:
        return query
    if actor.district_id is not None and actor.school_id is None:
        return query.where(School.district_id == actor.district_id)
    return query.where(School.id == actor.school_id)


def districts_visible_to(actor: User) -> Select[District]:
    query = select(District).where(District.active.is_(True)).order_by(District.name)
    if actor.is_county_wide:
        return query
    return query.where(District.id == actor.district_id)
