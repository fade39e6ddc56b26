"""Two staff approve the same sign-up at the same moment (PostgreSQL, separate connections):
one partner, one account, one contact, one invitation; the other is told it was decided.

Each thread has its own app context, session and connection. The approval moves the request
from ``confirmed`` by an UPDATE that names that status, first thing in its transaction: the
second UPDATE waits for the first transaction's row lock, then finds the status changed and
moves nothing, so its use case stops before it creates anything.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from tests.support.builders import make_user
from tests.support.signup_data import submitted_partner
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Partner, PartnerContact
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.signup import services
from wbl.signup.models import SignupRequest, SignupStatus

THREADS = 8
NAME = "Concurrency Bakery"


@pytest.fixture
def no_isolation(busy_app: Flask) -> Iterator[None]:
    """This test commits for real (threads cannot see a test transaction); it cleans up."""
    yield
    with busy_app.app_context():
        db.session.rollback()
        db.session.execute(delete(SignupRequest))
        partners = select(Partner.id).where(Partner.name == NAME)
        db.session.execute(delete(PartnerContact).where(PartnerContact.partner_id.in_(partners)))
        db.session.execute(delete(Partner).where(Partner.name == NAME))
        db.session.execute(delete(OutboxMessage))
        db.session.execute(delete(User).where(User.email.like("concurrency-%")))
        db.session.commit()
        db.session.remove()


@pytest.mark.postgres_only
def test_staff_approving_at_once_approve_once(busy_app: Flask, no_isolation: None) -> None:
    app = busy_app
    with app.app_context(), app.test_request_context():
        request = submitted_partner(name=NAME, email="concurrency-owner@example.org")
        staff_ids = [
            make_user(roles={Role.STAFF}, email=f"concurrency-staff{n}@example.org").id
            for n in range(THREADS)
        ]
        db.session.commit()
        request_id = request.id

    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def approve(staff_id: int) -> None:
        try:
            with app.app_context(), app.test_request_context():
                actor = db.session.get(User, staff_id)
                assert actor is not None
                start.wait(timeout=30)
                try:
                    services.approve_partner(
                        actor, request_id, services.PartnerApproval(None, True)
                    )
                except services.AlreadyDecided:
                    outcome = "already decided"
                else:
                    outcome = "approved"
                with lock:
                    outcomes.append(outcome)
                db.session.remove()
        except BaseException as error:  # reported below, never swallowed
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=approve, args=(i,)) for i in staff_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert Counter(outcomes) == {"approved": 1, "already decided": THREADS - 1}
    with app.app_context():
        found = db.session.get(SignupRequest, request_id)
        assert found is not None
        assert found.status is SignupStatus.APPROVED
        assert found.decided_by_id in staff_ids
        assert db.session.scalar(select(func.count()).where(Partner.name == NAME)) == 1
        owner = select(User.id).where(User.email == "concurrency-owner@example.org")
        assert db.session.scalar(select(func.count()).select_from(owner.subquery())) == 1
        contacts = select(func.count()).where(PartnerContact.user_id.in_(owner))
        assert db.session.scalar(contacts) == 1
        invitations = select(func.count()).where(
            OutboxMessage.kind == "invitation",
            OutboxMessage.to_email == "concurrency-owner@example.org",
        )
        assert db.session.scalar(invitations) == 1
