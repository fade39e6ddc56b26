"""The shapes ``/api/v1`` reads and answers: the OpenAPI document is built from these."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from wbl.catalog.search import MAX_TERMS
from wbl.credentials.models import EarnedStatus
from wbl.http import DB_INT_MAX, NUL
from wbl.reference.models import ExperienceKind

MAX_LIMIT = 100
DEFAULT_LIMIT = 50

Id = ma.fields.Integer


def _id(**kwargs: object) -> ma.fields.Integer:
    return ma.fields.Integer(
        validate=validate.Range(min=1, max=DB_INT_MAX),
        metadata={"format": "int32"},
        **kwargs,  # type: ignore[arg-type]
    )


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Items on a page, 1 to {MAX_LIMIT}"},
    )
    cursor = ma.fields.String(
        load_default=None,
        validate=validate.Length(max=200),
        metadata={"description": "The next_cursor of the page before (opaque)"},
    )


class CatalogArgs(PageArgs):
    """The catalog page's filters (``wbl.catalog.search.CatalogFilters``), distance aside."""

    q = ma.fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": f"Search words (at most {MAX_TERMS} are used)"},
    )
    kind = ma.fields.List(
        ma.fields.String(validate=validate.OneOf([k.value for k in ExperienceKind])),
        load_default=list,
        metadata={"description": "Kinds of experience (repeat the parameter for several)"},
    )
    sector_id = _id(load_default=None)
    pathway_id = _id(load_default=None)
    outcome_id = _id(load_default=None)
    starts_after = ma.fields.Date(load_default=None)
    starts_before = ma.fields.Date(load_default=None)
    virtual = ma.fields.Boolean(load_default=None)
    paid = ma.fields.Boolean(load_default=None)
    include_closed = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Also offerings whose application deadline has passed"},
    )


class HoursArgs(PageArgs):
    since = ma.fields.Date(
        load_default=None, metadata={"description": "Only hours worked on or after this day"}
    )


class Named(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class Coded(Named):
    code = ma.fields.String(required=True)


class PartnerOut(Named):
    sector = ma.fields.Nested(Coded, required=True)
    city = ma.fields.String(required=True)
    zip = ma.fields.String(required=True)
    website = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    endorses_certificate = ma.fields.Boolean(required=True)


class OfferingOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    kind = ma.fields.String(
        required=True, validate=validate.OneOf([k.value for k in ExperienceKind])
    )
    partner = ma.fields.Nested(Named, required=True)
    description = ma.fields.String(required=True)
    schedule = ma.fields.String(required=True)
    location = ma.fields.String(required=True)
    zip = ma.fields.String(required=True)
    is_virtual = ma.fields.Boolean(required=True)
    paid = ma.fields.Boolean(required=True)
    capacity = ma.fields.Integer(required=True)
    seats_left = ma.fields.Integer(required=True)
    start_date = ma.fields.Date(required=True, allow_none=True)
    end_date = ma.fields.Date(required=True, allow_none=True)
    application_deadline = ma.fields.Date(required=True, allow_none=True)
    expected_hours = ma.fields.Integer(required=True, allow_none=True)
    pathways = ma.fields.List(ma.fields.Nested(Coded), required=True)
    outcomes = ma.fields.List(ma.fields.Nested(Coded), required=True)


class StudentOut(Named):
    sis_id = ma.fields.String(
        allow_none=True,
        metadata={"description": "The student information system's id (not for employers)"},
    )


class PlacementOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    student = ma.fields.Nested(StudentOut, required=True)
    offering = ma.fields.Nested(Named, required=True)
    partner = ma.fields.Nested(Named, required=True)
    start_date = ma.fields.Date(required=True, allow_none=True)
    end_date = ma.fields.Date(required=True, allow_none=True)
    expected_hours = ma.fields.Integer(required=True, allow_none=True)


class EntryFields(ma.Schema):
    """What every answer about an hour entry says of it."""

    id = ma.fields.Integer(required=True)
    placement_id = ma.fields.Integer(required=True)
    student_id = ma.fields.Integer(required=True)
    work_date = ma.fields.Date(required=True)
    minutes = ma.fields.Integer(required=True)
    description = ma.fields.String(required=True)


class HourOut(EntryFields):
    confirmed_at = ma.fields.DateTime(required=True, allow_none=True)


def page_of(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item), required=True),
            "next_cursor": ma.fields.String(
                required=True,
                allow_none=True,
                metadata={"description": "Pass as cursor for the next page; null at the end"},
            ),
        },
        name=name,
    )


PartnerPage = page_of(PartnerOut, "PartnerPage")
OfferingPage = page_of(OfferingOut, "OfferingPage")
PlacementPage = page_of(PlacementOut, "PlacementPage")
HourPage = page_of(HourOut, "HourPage")


# --- writes ----------------------------------------------------------------------------------
# The bodies are only shaped here (types, and bounds that keep a value inside a database
# column); every rule of what may be written is the feature service's, as for the pages.


def _int(description: str = "", **kwargs: object) -> ma.fields.Integer:
    """A whole number a database column can hold (the service decides what is sensible)."""
    metadata = {"format": "int32", **({"description": description} if description else {})}
    return ma.fields.Integer(
        validate=validate.Range(min=-DB_INT_MAX, max=DB_INT_MAX),
        metadata=metadata,
        **kwargs,  # type: ignore[arg-type]
    )


MAX_TEXT = 20_000  # far above every field's own limit: the service says what is too long
MAX_IDS = 100


def _no_nul(value: str) -> None:
    """NUL is the one character PostgreSQL cannot store in text (``wbl.http`` leaves it out of
    forms; a JSON body is refused instead: a script should know what it sent)."""
    if NUL in value:
        raise ma.ValidationError("Text cannot hold the NUL character (U+0000).")


def _text(*, min_length: int = 0, max_length: int = MAX_TEXT, **kwargs: object) -> ma.fields.String:
    return ma.fields.String(
        validate=[validate.Length(min=min_length, max=max_length), _no_nul],
        **kwargs,  # type: ignore[arg-type]
    )


class HourIn(ma.Schema):
    """A student's hour entry, as the web form takes it (``wbl.hours.forms.EntryForm``)."""

    work_date = ma.fields.Date(required=True, metadata={"description": "The day worked"})
    minutes = _int("Quarter hours: 15, 30, …, at most 720 a day", required=True)
    description = _text(required=True, metadata={"description": "What you did"})


class RejectIn(ma.Schema):
    reason = _text(required=True, metadata={"description": "Why: the student sees this"})


class EntryOut(EntryFields):
    """An hour entry and where it stands."""

    status = ma.fields.String(
        required=True, metadata={"description": "pending, confirmed, rejected, corrected, deleted"}
    )
    decided_at = ma.fields.DateTime(required=True, allow_none=True)
    reject_reason = ma.fields.String(required=True)


class OfferingIn(ma.Schema):
    """An employer's proposal, with the fields of its proposal form
    (``wbl.catalog.manage_forms.OfferingForm``); it waits for staff review."""

    partner_id = _id(required=True)
    kind = ma.fields.String(
        required=True, validate=validate.OneOf([k.value for k in ExperienceKind])
    )
    title = _text(required=True)
    description = _text(  # the form requires it too
        required=True, min_length=1, metadata={"description": "What students will do"}
    )
    skills = _text(load_default="")
    requirements = _text(load_default="")
    schedule = _text(load_default="")
    location = _text(load_default="")
    zip = _text(max_length=10, load_default="")
    is_virtual = ma.fields.Boolean(load_default=False)
    capacity = _int("Seats", load_default=1)
    start_date = ma.fields.Date(load_default=None, allow_none=True)
    end_date = ma.fields.Date(load_default=None, allow_none=True)
    application_deadline = ma.fields.Date(load_default=None, allow_none=True)
    minimum_age = _int(load_default=None, allow_none=True)
    min_grade = _int(load_default=None, allow_none=True)
    paid = ma.fields.Boolean(load_default=False)
    expected_hours = _int(load_default=None, allow_none=True)
    pathway_ids = ma.fields.List(_id(), load_default=list, validate=validate.Length(max=MAX_IDS))
    outcome_ids = ma.fields.List(_id(), load_default=list, validate=validate.Length(max=MAX_IDS))
    prerequisite_ids = ma.fields.List(
        _id(), load_default=list, validate=validate.Length(max=MAX_IDS)
    )


class ProposalOut(OfferingOut):
    status = ma.fields.String(
        required=True, metadata={"description": "pending: waiting for staff review"}
    )


# --- evaluations, credentials, certificates --------------------------------------------------


class Rating(ma.Schema):
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    rating = ma.fields.Integer(
        required=True, allow_none=True, metadata={"description": "1 to 4; null: N/A"}
    )


class EvaluationOut(ma.Schema):
    """The supervisor's evaluation of a placement, as its page shows it."""

    placement_id = ma.fields.Integer(required=True)
    placement_status = ma.fields.String(required=True)
    evaluated = ma.fields.Boolean(required=True)
    submitted_at = ma.fields.DateTime(required=True, allow_none=True)
    evaluator = ma.fields.String(required=True, allow_none=True)
    average = ma.fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "Of the rated categories (N/A left out), 1 to 4"},
    )
    ratings = ma.fields.List(ma.fields.Nested(Rating), required=True)
    outcome_ratings = ma.fields.List(ma.fields.Nested(Rating), required=True)
    comment = ma.fields.String(required=True)


class CredentialRef(Named):
    issuer = ma.fields.String(required=True)


class EarnedOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    student_id = ma.fields.Integer(required=True)
    credential = ma.fields.Nested(CredentialRef, required=True)
    earned_on = ma.fields.Date(required=True)
    expires_on = ma.fields.Date(required=True, allow_none=True)
    status = ma.fields.String(
        required=True, metadata={"description": "pending, verified, rejected"}
    )
    counts = ma.fields.Boolean(
        required=True, metadata={"description": "Verified and not expired today"}
    )


class EarnedList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(EarnedOut), required=True)


class EarnedArgs(PageArgs):
    status = ma.fields.String(
        load_default=None,
        validate=validate.OneOf([s.value for s in EarnedStatus]),
        metadata={"description": "Only records in this status (verified: the ones that count)"},
    )


class CertificateOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    issued_at = ma.fields.DateTime(required=True)
    revoked_at = ma.fields.DateTime(required=True, allow_none=True)
    valid = ma.fields.Boolean(required=True)
    verify_url = ma.fields.String(required=True, metadata={"description": "Public verification"})


class CertificatesOut(ma.Schema):
    """A student's Work Ready Certificate: what is missing towards it, and every one issued
    (the latest first; a revoked one is not valid)."""

    student_id = ma.fields.Integer(required=True)
    eligible = ma.fields.Boolean(required=True)
    missing = ma.fields.List(ma.fields.String(), required=True)
    certificates = ma.fields.List(ma.fields.Nested(CertificateOut), required=True)


EarnedPage = page_of(EarnedOut, "EarnedPage")
