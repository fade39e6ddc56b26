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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from flask import Response, request
from flask_smorest import Blueprint, abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wbl.api import schemas
from wbl.api.core import (
    TokenMethods,
    actor,
    add_rate_headers,
    answer_with_problems,
    token_policy,
)
from wbl.auth.models import User
from wbl.catalog import manage_offerings, rules, search
from wbl.catalog import services as catalog_services
from wbl.catalog.manage_offerings import OfferingData
from wbl.catalog.models import Offering, Partner
from wbl.certificates import services as certificate_services
from wbl.clock import local_today
from wbl.credentials import queries as credential_queries
from wbl.credentials.models import EarnedStatus, StudentCredential, valid_on
from wbl.errors import DomainError, NotFound
from wbl.evaluations import services as evaluation_services
from wbl.extensions import db
from wbl.hours import queries as hour_queries
from wbl.hours import services as hour_services
from wbl.hours.logs import summarize
from wbl.hours.models import Channel, HourEntry
from wbl.http import DB_INT_MAX
from wbl.placements import queries as placement_queries
from wbl.placements.models import Placement
from wbl.reference.models import ExperienceKind
from wbl.scopes import is_staff, teaches
from wbl.students import queries as student_queries
from wbl.students import services as student_services
from wbl.students.models import StudentProfile

bp = Blueprint(
    "api_v1",
    __name__,
    url_prefix="/api/v1",
    description="The catalog, placements and hours, evaluations, credentials and "
    "certificates; hour entries, their confirmation, and employers' proposals.",
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


# --- writes ----------------------------------------------------------------------------------
# Each asks the service the page asks, which checks who may do it (404 outside the account's
# scope, 403 for an action that is not theirs) and every rule (422 with the field), and runs
# atomically: a refusal leaves nothing behind.


@bp.after_request
def _never_cached(response: Response) -> Response:
    if request.method not in ("GET", "HEAD"):
        response.headers["Cache-Control"] = "no-store"
    return response


@contextmanager
def fields_named(names: Mapping[str, str]) -> Iterator[None]:
    """A service's refusal named by the API's field (the web form's field is ``hours``; the
    API, like its answers, counts ``minutes``)."""
    try:
        yield
    except DomainError as error:
        if error.field is not None and error.field in names:
            error.field = names[error.field]
        raise


def _entry(entry: HourEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "placement_id": entry.placement_id,
        "student_id": entry.student_id,
        "work_date": entry.work_date,
        "minutes": entry.minutes,
        "description": entry.description,
        "status": entry.status.value,
        "decided_at": entry.decided_at,
        "reject_reason": entry.reject_reason or "",
    }


@bp.route("/placements/<int:placement_id>/hours", endpoint="placement_hours")
class PlacementHours(TokenMethods):
    """One rule for both methods (two rules on one path would answer an id past the
    database's range with 405 rather than 404: Werkzeug checks the method first)."""

    @token_policy("hours:read")
    @bp.arguments(schemas.HoursArgs, location="query", as_kwargs=True)
    @bp.response(200, schemas.HourPage)
    def get(self, limit: int, cursor: str | None, since: Any, placement_id: int) -> dict[str, Any]:
        """Confirmed hours of one placement (404 outside the account's scope)."""
        placement = _visible_placement(placement_id)
        return _hours_page(
            select(Placement.id).where(Placement.id == placement.id), limit, cursor, since
        )

    @token_policy("hours:write")
    @bp.arguments(schemas.HourIn)
    @bp.response(201, schemas.EntryOut)
    def post(self, body: dict[str, Any], placement_id: int) -> dict[str, Any]:
        """Log hours on the token's student's own active placement, with the web form's rules
        (quarter hours, at most 12 hours a day, inside the placement's dates, no duplicate);
        the entry waits for the supervisor."""
        with fields_named({"hours": "minutes"}):
            entry = hour_services.log_hours(
                actor(), placement_id, body["work_date"], body["minutes"], body["description"]
            )
        return _entry(entry)


@bp.route("/hours/<int:entry_id>/confirm", methods=["POST"])
@token_policy("hours:write")
@bp.response(200, schemas.EntryOut)
def confirm_hours(entry_id: int) -> dict[str, Any]:
    """The supervisor (a contact of the placement's partner) confirms a pending entry; one
    decided already is 422 and stays as it is."""
    if hour_services.confirm(actor(), [entry_id], via=Channel.API) == 0:
        raise hour_services.AlreadyDecided()
    return _entry(hour_services.get_entry(actor(), entry_id))


@bp.route("/hours/<int:entry_id>/reject", methods=["POST"])
@token_policy("hours:write")
@bp.arguments(schemas.RejectIn)
@bp.response(200, schemas.EntryOut)
def reject_hours(body: dict[str, Any], entry_id: int) -> dict[str, Any]:
    """The supervisor rejects a pending entry with a reason the student sees."""
    return _entry(hour_services.reject(actor(), entry_id, body["reason"], via=Channel.API))


@bp.route("/offerings/proposals", methods=["POST"])
@token_policy("offerings:write")
@bp.arguments(schemas.OfferingIn)
@bp.response(201, schemas.ProposalOut)
def propose_offering(body: dict[str, Any]) -> dict[str, Any]:
    """An employer proposes an opportunity for its organization, as on its proposal form: it
    waits as ``pending`` for the CTE staff's review (and is not in the catalog until then)."""
    data = OfferingData(
        **{
            **body,
            "kind": ExperienceKind(body["kind"]),
            "pathway_ids": frozenset(body["pathway_ids"]),
            "outcome_ids": frozenset(body["outcome_ids"]),
            "prerequisite_ids": frozenset(body["prerequisite_ids"]),
        }
    )
    problems = rules.offering_problems(data.rule_fields())  # all of them, as the form shows
    if problems:
        abort(422, errors={"json": {field: [message] for field, message in problems.items()}})
    offering = manage_offerings.create_offering(actor(), data)
    return {**_offering(offering), "status": offering.status.value}


# --- evaluations, credentials, certificates --------------------------------------------------


def _ratings(rows: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    return [
        {"code": str(r.get("code", "")), "name": str(r.get("name", "")), "rating": r.get("rating")}
        for r in rows or []
    ]


@bp.route("/placements/<int:placement_id>/evaluation")
@token_policy("evaluations:read")
@bp.response(200, schemas.EvaluationOut)
def placement_evaluation(placement_id: int) -> dict[str, Any]:
    """The supervisor's evaluation of one placement, as its page shows it to the account:
    the student, their teachers, staff in scope, and the placement's own supervisors (404
    for anyone else). ``evaluated`` is false until the supervisor has sent it."""
    placement = evaluation_services.get_placement(actor(), placement_id)
    evaluation = evaluation_services.get_evaluation(placement.id)
    summary = summarize(evaluation) if evaluation is not None else None
    return {
        "placement_id": placement.id,
        "placement_status": placement.status.value,
        "evaluated": evaluation is not None,
        "submitted_at": evaluation.submitted_at if evaluation else None,
        "evaluator": evaluation.evaluator.full_name if evaluation else None,
        "average": summary.average if summary else None,
        "ratings": _ratings(evaluation.ratings if evaluation else None),
        "outcome_ratings": _ratings(evaluation.outcome_ratings if evaluation else None),
        "comment": evaluation.comment if evaluation else "",
    }


def _earned(row: StudentCredential, today: date) -> dict[str, Any]:
    return {
        "id": row.id,
        "student_id": row.student_id,
        "credential": {
            "id": row.credential.id,
            "name": row.credential.name,
            "issuer": row.credential.issuer,
        },
        "earned_on": row.earned_on,
        "expires_on": row.expires_on,
        "status": row.status.value,
        "counts": valid_on(row.status, row.expires_on, today),
    }


@bp.route("/credentials")
@token_policy("credentials:read")
@bp.arguments(schemas.EarnedArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.EarnedPage)
def list_credentials(limit: int, cursor: str | None, status: str | None) -> dict[str, Any]:
    """The recorded credentials of every student the token's account sees (the students
    list's own scope: a district's for its staff, a school's for its teachers)."""
    visible = student_queries.students_visible_to(actor()).with_only_columns(StudentProfile.id)
    query = (
        select(StudentCredential)
        .where(
            StudentCredential.student_id.in_(visible.scalar_subquery()),
            StudentCredential.id > decode_cursor(cursor),
        )
        .options(selectinload(StudentCredential.credential))
        .order_by(StudentCredential.id)
        .limit(limit + 1)
    )
    if status is not None:
        query = query.where(StudentCredential.status == EarnedStatus(status))
    rows = list(db.session.scalars(query))
    today = local_today()
    return page([_earned(r, today) for r in rows], limit, len(rows))


@bp.route("/students/<int:student_id>/credentials")
@token_policy("credentials:read")
@bp.response(200, schemas.EarnedList)
def student_credentials(student_id: int) -> dict[str, Any]:
    """A student's recorded credentials, as their credentials page lists them (newest
    first); only ``counts`` ones count towards pathways and incentives."""
    student = student_services.get_student(actor(), student_id)
    today = local_today()
    rows = db.session.scalars(credential_queries.student_records(student.id))
    return {"items": [_earned(row, today) for row in rows]}


@bp.route("/students/<int:student_id>/certificates")
@token_policy("credentials:read")
@bp.response(200, schemas.CertificatesOut)
def student_certificates(student_id: int) -> dict[str, Any]:
    """A student's Work Ready Certificate, as their certificate page shows it: what is still
    missing, and each certificate issued with its public verification URL."""
    found = certificate_services.student_certificates(actor(), student_id)
    return {
        "student_id": found.student.id,
        "eligible": found.eligibility.eligible,
        "missing": list(found.eligibility.missing),
        "certificates": [
            {
                "id": c.id,
                "code": c.code,
                "issued_at": c.issued_at,
                "revoked_at": c.revoked_at,
                "valid": c.revoked_at is None,
                "verify_url": certificate_services.verify_url(c),
            }
            for c in found.certificates
        ],
    }
