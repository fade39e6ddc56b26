"""The shapes ``/api/v1`` reads and answers: the OpenAPI document is built from these."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from wbl.catalog.search import MAX_TERMS
from wbl.http import DB_INT_MAX
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


class PartnerOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
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


class StudentOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
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


class HourOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    placement_id = ma.fields.Integer(required=True)
    student_id = ma.fields.Integer(required=True)
    work_date = ma.fields.Date(required=True)
    minutes = ma.fields.Integer(required=True)
    description = ma.fields.String(required=True)
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
