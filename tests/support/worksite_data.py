"""Worksite agreements for tests: send one through the service, find its link in the outbox,
sign it through the service."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from wbl.auth.models import User
from wbl.catalog import worksite_agreements as agreements
from wbl.catalog.models import Partner, PartnerContact
from wbl.catalog.worksite_models import WorksiteAgreement
from wbl.clock import local_today
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage


def contact_of(partner: Partner, user: User) -> PartnerContact:
    found = db.session.scalar(
        select(PartnerContact).where(
            PartnerContact.partner_id == partner.id, PartnerContact.user_id == user.id
        )
    )
    assert found is not None
    return found


def send(
    staff: User,
    partner: Partner,
    *,
    contact: PartnerContact | None = None,
    name: str = "Dana Signer",
    email: str = "dana.signer@example.org",
    start: date | None = None,
    end: date | None = None,
) -> WorksiteAgreement:
    start = start or local_today()
    end = end or start + timedelta(days=364)
    data = agreements.SendInput(
        start_date=start,
        end_date=end,
        contact_id=contact.id if contact else None,
        name="" if contact else name,
        email="" if contact else email,
    )
    with current_app.test_request_context():
        return agreements.send_agreement(staff, partner.id, data)


def mails(to: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "worksite_agreement", OutboxMessage.to_email == to)
            .order_by(OutboxMessage.id)
        )
    )


def link_path(to: str) -> str:
    """The path of the latest signing link e-mailed to ``to``."""
    found = mails(to)
    assert found, f"no worksite agreement e-mail to {to}"
    line = next(
        line.strip() for line in found[-1].body_text.splitlines() if "/worksite-agreements/" in line
    )
    return urlsplit(line).path


def sign(agreement: WorksiteAgreement, name: str | None = None) -> WorksiteAgreement:
    assert agreement.nonce is not None
    return agreements.sign(
        agreement.id,
        agreement.nonce,
        typed_name=name or agreement.signatory_name,
        agreed=True,
        different_name=False,
        ip_address="192.0.2.7",
    )
