"""Builders for catalog browsing tests. Like tests/support/builders.py: keyword-only, flush,
never commit."""

from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image

from tests.support.builders import make_offering, make_partner, sector
from wbl.catalog.models import Offering, OfferingStatus, Partner
from wbl.clock import local_today
from wbl.extensions import db
from wbl.reference.models import ExperienceKind, Pathway, PogOutcome
from wbl.storage import storage

# Places in Sonoma County (ZIP centres, near enough): the tests measure from Santa Rosa.
SANTA_ROSA = (38.44, -122.71)
PETALUMA = (38.25, -122.64)  # about 13 miles south
GUERNEVILLE = (38.50, -122.99)  # about 15 miles west
HEALDSBURG = (38.61, -122.87)  # about 15 miles north-west
CLOVERDALE = (38.80, -123.02)  # about 30 miles north


def place_partner(partner: Partner, where: tuple[float, float], city: str = "") -> Partner:
    partner.latitude, partner.longitude = where
    if city:
        partner.city = city
    db.session.flush()
    return partner


def make_listing(
    *,
    title: str | None = None,
    partner: Partner | None = None,
    kind: ExperienceKind = ExperienceKind.JOB_SHADOW,
    where: tuple[float, float] | None = None,
    start_in_days: int = 30,
    description: str = "Learn on the job.",
    skills: str = "",
    paid: bool = False,
    is_virtual: bool = False,
    status: OfferingStatus = OfferingStatus.PUBLISHED,
    pathways: list[Pathway] | None = None,
    outcomes: list[PogOutcome] | None = None,
    capacity: int = 5,
) -> Offering:
    """A published offering starting ``start_in_days`` from today, optionally at a place of
    its own (else its partner's)."""
    offering = make_offering(
        partner=partner,
        kind=kind,
        title=title,
        status=status,
        capacity=capacity,
        start_date=local_today() + timedelta(days=start_in_days),
        pathways=pathways,
    )
    offering.description, offering.skills = description, skills
    offering.paid, offering.is_virtual = paid, is_virtual
    if where is not None:
        offering.latitude, offering.longitude = where
    if outcomes:
        offering.outcomes = outcomes
    db.session.flush()
    return offering


def make_noncompliant_partner(*, name: str | None = None) -> Partner:
    """A partner whose liability insurance ran out yesterday."""
    return make_partner(name=name, insurance_expiry=local_today() - timedelta(days=1))


def png_bytes(size: tuple[int, int] = (24, 12), colour: str = "#0b5f80") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def give_logo(partner: Partner) -> Partner:
    """Store a small real PNG through the storage service as the partner's logo."""
    partner.logo_key = storage().save(png_bytes(), folder="logos", extension="png")
    partner.logo_content_type = "image/png"
    db.session.flush()
    return partner


def days(n: int) -> date:
    return local_today() + timedelta(days=n)


def partner_form(**overrides: object) -> dict[str, object]:
    """A valid staff partner form, as the browser posts it (without the CSRF token)."""
    form: dict[str, object] = {
        "name": "Sebastopol Community Garden",
        "sector_id": sector("agriculture").id,
        "street_address": "1 Garden Way",
        "city": "Sebastopol",
        "zip": "95472",
        "worksite_agreement_date": "2026-01-05",
        "worksite_agreement_expiry": "2029-01-05",
        "insurance_expiry": "2027-06-30",
    }
    form.update(overrides)
    return form


FORM_START_IN_DAYS = 21  # the offering form's start date: three weeks from today


def offering_form(partner: Partner, **overrides: object) -> dict[str, object]:
    """A valid offering form (a two-day job shadow in three weeks), as the browser posts it."""
    start = local_today() + timedelta(days=FORM_START_IN_DAYS)
    form: dict[str, object] = {
        "partner_id": partner.id,
        "kind": ExperienceKind.JOB_SHADOW.value,
        "title": "Shadow a line cook",
        "description": "Prep and plate beside our chefs during lunch service.",
        "capacity": "2",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=1)).isoformat(),
        "min_grade": "11",
    }
    form.update(overrides)
    return form
