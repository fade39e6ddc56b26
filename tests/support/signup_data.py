"""Test data for sign-ups: what a business or a volunteer types, and requests in each status
(made by the real services, then moved along as a click would)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from tests.support.builders import sector
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.reference.models import ExperienceKind
from wbl.signup import services
from wbl.signup.models import Background, SignupRequest, SignupStatus
from wbl.signup.services import PartnerRequestData, VolunteerRequestData


def partner_request(**overrides: Any) -> PartnerRequestData:
    """A valid "Become a partner" form: a bakery in Santa Rosa."""
    values: dict[str, Any] = {
        "name": "Laguna Bread Company",
        "sector_id": sector("hospitality").id,
        "zip": "95401",
        "full_name": "Rosa Delgado",
        "email": "rosa@lagunabread.example.com",
        "street_address": "120 Fourth St",
        "city": "Santa Rosa",
        "website": "https://www.lagunabread.example.com",
        "phone": "707-555-0140",
        "description": "A bakery and café: students see a kitchen run at dawn.",
        "kinds": frozenset({ExperienceKind.WORKPLACE_VISIT, ExperienceKind.JOB_SHADOW}),
        "endorses_certificate": True,
        "contact_phone": "707-555-0141",
        "job_title": "Owner",
    }
    return PartnerRequestData(**{**values, **overrides})


def volunteer_request(**overrides: Any) -> VolunteerRequestData:
    values: dict[str, Any] = {
        "full_name": "Ken Ito",
        "email": "ken.ito@example.net",
        "organisation": "Ito Engineering",
        "background": Background.EMPLOYER,
        "reviews": True,
        "interviews": True,
        "phone": "707-555-0190",
        "job_title": "Civil engineer",
        "note": "Free on Friday afternoons.",
    }
    return VolunteerRequestData(**{**values, **overrides})


def _through(request: SignupRequest, status: SignupStatus) -> SignupRequest:
    if status is not SignupStatus.SUBMITTED:
        with current_app.test_request_context():
            services.confirm_email(token_of(request))
    return request


def submitted_partner(
    status: SignupStatus = SignupStatus.CONFIRMED, **overrides: Any
) -> SignupRequest:
    """A business's request, confirmed unless told otherwise (decide it with the services)."""
    with current_app.test_request_context():
        request = services.submit_partner_request(partner_request(**overrides))
    return _through(request, status)


def submitted_volunteer(
    status: SignupStatus = SignupStatus.CONFIRMED, **overrides: Any
) -> SignupRequest:
    with current_app.test_request_context():
        request = services.submit_volunteer_request(volunteer_request(**overrides))
    return _through(request, status)


def token_of(request: SignupRequest) -> str:
    """The token of the request's confirmation link, as e-mailed."""
    return link_of(request).rsplit("/", 1)[1]


def link_of(request: SignupRequest) -> str:
    body = db.session.scalar(
        select(OutboxMessage.body_text)
        .where(OutboxMessage.kind == "signup_confirm", OutboxMessage.to_email == request.email)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    assert body is not None, f"no confirmation e-mail to {request.email}"
    return next(line.strip() for line in body.splitlines() if "/join/confirm/" in line)


def mail(kind: str, to: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == kind)
    if to is not None:
        query = query.where(OutboxMessage.to_email == to)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))
