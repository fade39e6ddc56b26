"""``/api/v1``: the published catalog, and the placements and confirmed hours a token's
account sees. Every read asks the feature's own search, query or service, the ones its pages
ask (``wbl.catalog.search``, ``wbl.placements.queries``, ``wbl.hours.queries``): an object
outside the account's scope is 404, as on the pages.

Lists are pages of ``limit`` items in id order with an opaque ``next_cursor`` (a keyset: the
last id of the page, so a page does not shift when rows are added or removed before it).
The catalog's lists carry an ``ETag``; ``If-None-Match`` with it answers 304.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from flask_smorest import Blueprint, abort
from sqlalchemy import select

from wbl.api import schemas
from wbl.api.core import actor, add_rate_headers, answer_with_problems, token_policy
from wbl.auth.models import User
from wbl.catalog import search
from wbl.catalog import services as catalog_services
from wbl.catalog.models import Offering, Partner
from wbl.clock import local_today
from wbl.errors import NotFound
from wbl.extensions import db
from wbl.hours import queries as hour_queries
from wbl.hours.models import HourEntry
from wbl.http import DB_INT_MAX
from wbl.placements import queries as placement_queries
from wbl.placements.models import Placement
from wbl.reference.models import ExperienceKind
from wbl.scopes import is_staff, teaches

bp = Blueprint(
    "api_v1",
    __name__,
    url_prefix="/api/v1",
    description="The catalog, placements and confirmed hours.",
)
bp.after_request(add_rate_headers)
answer_with_problems(bp)


# --- cursors ---------------------------------------------------------------------------------


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The id a page starts after; 422 for a cursor this API did not make."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        label, _, number = text.partition(":")
        value = int(number)
        if label != "after" or not 0 <= value <= DB_INT_MAX or number != str(value):
            raise ValueError(text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        abort(422, errors={"query": {"cursor": ["Not a cursor from this API."]}})
    return value


def page(items: Sequence[Any], limit: int, fetched: int) -> dict[str, Any]:
    """A page of ``items``; ``fetched`` rows were read for ``limit`` (one more: is there more?)."""
    shown = list(items[:limit])
    more = fetched > limit
    return {"items": shown, "next_cursor": encode_cursor(shown[-1]["id"]) if more else None}


# --- catalog ---------------------------------------------------------------------------------


def _coded(row: Any) -> dict[str, Any]:
    return {"id": row.id, "code": row.code, "name": row.name}


def _partner(partner: Partner) -> dict[str, Any]:
    return {
        "id": partner.id,
        "name": partner.name,
        "sector": _coded(partner.sector),
        "city": partner.city,
        "zip": partner.zip,
        "website": partner.website,
        "description": partner.description,
        "endorses_certificate": partner.endorses_certificate,
    }


def _offering(offering: Offering) -> dict[str, Any]:
    return {
        "id": offering.id,
        "title": offering.title,
        "kind": offering.kind.value,
        "partner": {"id": offering.partner.id, "name": offering.partner.name},
        "description": offering.description,
        "schedule": offering.schedule,
        "location": offering.location,
        "zip": offering.zip,
        "is_virtual": offering.is_virtual,
        "paid": offering.paid,
        "capacity": offering.capacity,
        "seats_left": max(offering.capacity - offering.seats_taken, 0),
        "start_date": offering.start_date,
        "end_date": offering.end_date,
        "application_deadline": offering.application_deadline,
        "expected_hours": offering.expected_hours,
        "pathways": [_coded(p) for p in offering.pathways],
        "outcomes": [_coded(o) for o in offering.outcomes],
    }


@bp.route("/offerings")
@token_policy("catalog:read")
@bp.etag
@bp.arguments(schemas.CatalogArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.OfferingPage)
def list_offerings(limit: int, cursor: str | None, **args: Any) -> dict[str, Any]:
    """The published catalog, as students see it, with the catalog page's filters."""
    filters = search.CatalogFilters(
        q=args["q"],
        kinds=frozenset(ExperienceKind(k) for k in args["kind"]),
        sector_id=args["sector_id"],
        pathway_id=args["pathway_id"],
        outcome_id=args["outcome_id"],
        starts_after=args["starts_after"],
        starts_before=args["starts_before"],
        virtual=args["virtual"],
        paid=args["paid"],
        include_closed=args["include_closed"],
    )
    ids = search.catalog_ids_after(
        filters, local_today(), after=decode_cursor(cursor), limit=limit + 1
    )
    loaded = {o.id: o for o in db.session.scalars(search.offerings_by_id(ids[:limit]))}
    items = [_offering(loaded[i]) for i in ids[:limit] if i in loaded]
    return page(items, limit, len(ids))


@bp.route("/offerings/<int:offering_id>")
@token_policy("catalog:read")
@bp.etag
@bp.response(200, schemas.OfferingOut)
def get_offering(offering_id: int) -> dict[str, Any]:
    """One offering, as its page shows it to the token's account (404 outside its scope)."""
    return _offering(catalog_services.get_offering(actor(), offering_id))


@bp.route("/partners")
@token_policy("catalog:read")
@bp.etag
@bp.arguments(schemas.PageArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.PartnerPage)
def list_partners(limit: int, cursor: str | None) -> dict[str, Any]:
    """The county's active partners."""
    rows = list(db.session.scalars(search.active_partners_after(decode_cursor(cursor), limit + 1)))
    return page([_partner(p) for p in rows], limit, len(rows))


@bp.route("/partners/<int:partner_id>")
@token_policy("catalog:read")
@bp.etag
@bp.response(200, schemas.PartnerOut)
def get_partner(partner_id: int) -> dict[str, Any]:
    """One active partner (404 otherwise)."""
    return _partner(catalog_services.get_partner_page(partner_id, local_today()).card.partner)


# --- placements and hours --------------------------------------------------------------------


def _student_of(placement: Placement, viewer: User) -> dict[str, Any]:
    """Name and id; the student information system's id for staff and teachers only (an
    employer sees the students it hosts by name, nothing more)."""
    student = placement.student
    internal = is_staff(viewer) or teaches(viewer, student) or student.user_id == viewer.id
    return {
        "id": student.id,
        "name": student.user.full_name,
        "sis_id": student.user.sourced_id if internal else None,
    }


def _placement(placement: Placement, viewer: User) -> dict[str, Any]:
    return {
        "id": placement.id,
        "status": placement.status.value,
        "student": _student_of(placement, viewer),
        "offering": {"id": placement.offering.id, "name": placement.offering.title},
        "partner": {"id": placement.offering.partner.id, "name": placement.offering.partner.name},
        "start_date": placement.start_date,
        "end_date": placement.end_date,
        "expected_hours": placement.expected_hours,
    }


def _hour(entry: HourEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "placement_id": entry.placement_id,
        "student_id": entry.student_id,
        "work_date": entry.work_date,
        "minutes": entry.minutes,
        "description": entry.description,
        "confirmed_at": entry.decided_at,
    }


def _visible_placement(placement_id: int) -> Placement:
    found = db.session.scalar(
        placement_queries.placements_visible_to(actor()).where(Placement.id == placement_id)
    )
    if found is None:
        raise NotFound()
    return found


@bp.route("/placements")
@token_policy("placements:read")
@bp.arguments(schemas.PageArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.PlacementPage)
def list_placements(limit: int, cursor: str | None) -> dict[str, Any]:
    """The placements of the students the token's account sees (an employer: those it hosts)."""
    viewer = actor()
    query = (
        placement_queries.placements_visible_to(viewer)
        .where(Placement.id > decode_cursor(cursor))
        .order_by(Placement.id)
        .limit(limit + 1)
    )
    rows = list(db.session.scalars(query))
    return page([_placement(p, viewer) for p in rows], limit, len(rows))


@bp.route("/placements/<int:placement_id>")
@token_policy("placements:read")
@bp.response(200, schemas.PlacementOut)
def get_placement(placement_id: int) -> dict[str, Any]:
    """One placement (404 outside the account's scope)."""
    return _placement(_visible_placement(placement_id), actor())


def _hours_page(placement_ids: Any, limit: int, cursor: str | None, since: Any) -> dict[str, Any]:
    query = hour_queries.confirmed_in(placement_ids).where(HourEntry.id > decode_cursor(cursor))
    if since is not None:
        query = query.where(HourEntry.work_date >= since)
    rows = list(db.session.scalars(query.limit(limit + 1)))
    return page([_hour(e) for e in rows], limit, len(rows))


@bp.route("/hours")
@token_policy("hours:read")
@bp.arguments(schemas.HoursArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.HourPage)
def list_hours(limit: int, cursor: str | None, since: Any) -> dict[str, Any]:
    """Confirmed hours on the placements the token's account sees."""
    visible = placement_queries.placements_visible_to(actor()).with_only_columns(Placement.id)
    return _hours_page(visible, limit, cursor, since)


@bp.route("/placements/<int:placement_id>/hours")
@token_policy("hours:read")
@bp.arguments(schemas.HoursArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.HourPage)
def placement_hours(
    limit: int, cursor: str | None, since: Any, placement_id: int
) -> dict[str, Any]:
    """Confirmed hours of one placement (404 outside the account's scope)."""
    placement = _visible_placement(placement_id)
    return _hours_page(
        select(Placement.id).where(Placement.id == placement.id), limit, cursor, since
    )
