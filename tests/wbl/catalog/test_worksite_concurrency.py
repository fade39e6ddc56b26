"""The signatory double-submits the signing form (or two tabs sign at once) on PostgreSQL,
separate connections: signing is a compare-and-set ``sent → signed`` on the agreement (its
nonce in the condition too), so exactly one signature is recorded, and the others are told
the link was already used. Staff withdrawing while the signatory signs: one of them wins."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.builders import make_partner, make_user
from tests.support.concurrency import at_once
from tests.support.worksite_data import send
from wbl.access import Role
from wbl.catalog import worksite_agreements as agreements
from wbl.catalog.models import Partner
from wbl.catalog.worksite_models import WorksiteAgreement, WorksiteAgreementStatus
from wbl.extensions import db


def _setting(app: Flask) -> tuple[int, str, int, int]:
    with app.app_context(), app.test_request_context():
        staff = make_user(roles={Role.STAFF})
        partner = make_partner(worksite_agreement_date=None)
        agreement = send(staff, partner)
        assert agreement.nonce is not None
        ids = agreement.id, agreement.nonce, partner.id, staff.id
        db.session.commit()
        db.session.remove()
    return ids


def _signer(agreement_id: int, nonce: str, name: str) -> Callable[[], object]:
    return lambda: agreements.sign(
        agreement_id,
        nonce,
        typed_name=name,
        agreed=True,
        different_name=True,
        ip_address="192.0.2.1",
    )


@pytest.mark.postgres_only
def test_of_simultaneous_signings_exactly_one_is_recorded(
    busy_app: Flask, no_isolation: None
) -> None:
    app = busy_app
    agreement_id, nonce, partner_id, _ = _setting(app)
    names = [f"Signer {n}" for n in range(4)]
    won, refused = at_once(app, [_signer(agreement_id, nonce, name) for name in names])
    assert len(won) == 1
    assert refused == [agreements.AlreadySigned.message] * (len(names) - 1)
    with app.app_context():
        agreement = db.session.get(WorksiteAgreement, agreement_id)
        assert agreement is not None
        assert agreement.status is WorksiteAgreementStatus.SIGNED
        assert agreement.typed_name in names
        assert agreement.pdf_key is not None
        partner = db.session.get(Partner, partner_id)
        assert partner is not None
        assert partner.worksite_agreement_expiry == agreement.end_date
        signed = db.session.scalar(
            select(func.count(WorksiteAgreement.id)).where(
                WorksiteAgreement.status == WorksiteAgreementStatus.SIGNED
            )
        )
        assert signed == 1
        db.session.remove()


@pytest.mark.postgres_only
def test_withdrawing_while_the_signatory_signs_leaves_one_outcome(
    busy_app: Flask, no_isolation: None
) -> None:
    app = busy_app
    agreement_id, nonce, partner_id, staff_id = _setting(app)

    def withdraw() -> object:
        from wbl.auth.models import User

        staff = db.session.get(User, staff_id)
        assert staff is not None
        return agreements.withdraw(staff, agreement_id)

    won, refused = at_once(app, [_signer(agreement_id, nonce, "Dana Signer"), withdraw])
    assert len(won) == 1
    assert len(refused) == 1
    with app.app_context():
        agreement = db.session.get(WorksiteAgreement, agreement_id)
        partner = db.session.get(Partner, partner_id)
        assert agreement is not None
        assert partner is not None
        if agreement.status is WorksiteAgreementStatus.SIGNED:
            assert partner.worksite_agreement_date == agreement.start_date
        else:
            assert agreement.status is WorksiteAgreementStatus.WITHDRAWN
            assert partner.worksite_agreement_date is None
        db.session.remove()
