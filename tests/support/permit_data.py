"""Test data for work permits: a minor's paid placement under way (placed through the real
services, the guardian consenting from the service), the links the parties were e-mailed,
and each party's part given through the service."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from tests.support.placement_data import Cast, accepted, make_cast
from wbl.clock import local_today
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.placements import consent_answers, permits
from wbl.placements.models import (
    GuardianConsent,
    PermitPart,
    PermitParty,
    Placement,
    WorkPermit,
)

# 16 years old in 2026 (born 2010-03-01): the 16-17 limits.
SIXTEEN = date(2010, 3, 1)

ANSWERS = {
    PermitParty.STUDENT: permits.PartAnswer(
        typed_name="Sam Student", school_name="Elsie Allen High", grade="11"
    ),
    PermitParty.GUARDIAN: permits.PartAnswer(typed_name="Pat Guardian", consents=True),
    PermitParty.EMPLOYER: permits.PartAnswer(
        typed_name="Erin Employer",
        job_title="Kennel assistant",
        duties="Feeding and walking boarded dogs, cleaning kennels.",
        hours_per_day=4,
        hours_per_week=12,
        pay_rate="$17.50 an hour",
    ),
}


def paid_cast(*, born: date = SIXTEEN) -> Cast:
    cast = make_cast(born=born)
    cast.offering.paid = True
    db.session.flush()
    return cast


def place_paid(cast: Cast, *, days_before: int = 10, days_after: int = 30) -> Placement:
    """The cast's minor placed on the paid offering, running from ``days_before`` days ago."""
    today = local_today()
    cast.offering.start_date = today - timedelta(days=days_before)
    cast.offering.end_date = today + timedelta(days=days_after)
    db.session.flush()
    application = accepted(cast)
    consent = db.session.scalar(
        select(GuardianConsent).where(GuardianConsent.application_id == application.id)
    )
    if consent is not None:
        assert consent.nonce is not None
        with current_app.test_request_context():
            consent_answers.answer_consent(
                consent.id, consent.nonce, give=True, typed_name="Pat Guardian", ip_address=""
            )
    placement = db.session.scalar(
        select(Placement).where(Placement.application_id == application.id)
    )
    assert placement is not None
    return placement


def permit_of(placement: Placement) -> WorkPermit:
    db.session.expire_all()
    found = permits.permit_of(placement.id)
    assert found is not None
    return found


def part_of(permit: WorkPermit, party: PermitParty) -> PermitPart:
    return next(p for p in permit.parts if p.party is party)


def give_all(placement: Placement) -> WorkPermit:
    """Every party gives their part through the service (as from their links)."""
    permit = permit_of(placement)
    for party, answer in ANSWERS.items():
        part = part_of(permit, party)
        assert part.nonce is not None
        with current_app.test_request_context():
            permits.give_part(part.id, part.nonce, answer, ip_address="203.0.113.9")
    return permit_of(placement)


def mails(kind: str, to: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == kind)
    if to is not None:
        query = query.where(OutboxMessage.to_email == to)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def link_path(to: str) -> str:
    """The path of the latest permit link e-mailed to ``to``."""
    found = mails("work_permit_part", to)
    assert found, f"no permit e-mail to {to}"
    line = next(line.strip() for line in found[-1].body_text.splitlines() if "/permits/" in line)
    return urlsplit(line).path
