"""Staff review the same employer proposal at the same moment (PostgreSQL, separate
connections), some approving and some sending it back: one review wins, the others are told
it was already reviewed, and the employer gets one e-mail.

Each review moves the proposal from ``pending`` by an UPDATE that names that status
(``move_status``), first thing in its transaction: the second UPDATE waits for the first
transaction's row lock, then finds the status changed and moves nothing.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from tests.support.builders import make_partner, make_user, pathway
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog import manage_offerings, proposal_review
from wbl.catalog.models import Offering, OfferingStatus, Partner, PartnerContact
from wbl.clock import local_today
from wbl.errors import DomainError
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.reference.models import ExperienceKind

THREADS = 8
NAME = "Concurrency Review Partner"
TITLE = "Concurrency review shadow"


@pytest.fixture
def no_isolation(busy_app: Flask) -> Iterator[None]:
    """This test commits for real (threads cannot see a test transaction); it cleans up."""
    yield
    with busy_app.app_context():
        db.session.rollback()
        db.session.execute(delete(OutboxMessage))
        db.session.execute(delete(Offering).where(Offering.title == TITLE))
        partners = select(Partner.id).where(Partner.name == NAME)
        db.session.execute(delete(PartnerContact).where(PartnerContact.partner_id.in_(partners)))
        db.session.execute(delete(Partner).where(Partner.name == NAME))
        db.session.execute(delete(User).where(User.email.like("concurrency-%")))
        db.session.commit()
        db.session.remove()


def _data(partner_id: int) -> manage_offerings.OfferingData:
    start = local_today() + timedelta(days=20)
    return manage_offerings.OfferingData(
        partner_id=partner_id,
        kind=ExperienceKind.JOB_SHADOW,
        title=TITLE,
        description="A morning on the respiratory care team.",
        capacity=3,
        start_date=start,
        end_date=start + timedelta(days=1),
        pathway_ids=frozenset({pathway().id}),
    )


@pytest.mark.postgres_only
def test_staff_reviewing_at_once_review_once(busy_app: Flask, no_isolation: None) -> None:
    app = busy_app
    with app.app_context(), app.test_request_context():
        partner = make_partner(name=NAME)
        employer = make_user(roles={Role.EMPLOYER}, email="concurrency-employer@example.org")
        db.session.add(PartnerContact(partner=partner, user=employer, is_primary=True))
        staff_ids = [
            make_user(roles={Role.STAFF}, email=f"concurrency-staff{n}@example.org").id
            for n in range(THREADS)
        ]
        offering = manage_offerings.create_offering(employer, _data(partner.id))
        offering_id, partner_id = offering.id, partner.id
        db.session.commit()

    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def review(n: int, staff_id: int) -> None:
        try:
            with app.app_context(), app.test_request_context():
                actor = db.session.get(User, staff_id)
                assert actor is not None
                start.wait(timeout=30)
                try:
                    if n % 2:
                        proposal_review.return_offering(actor, offering_id, "Add the dress code.")
                    else:
                        proposal_review.approve_offering(actor, offering_id, _data(partner_id))
                except DomainError as refusal:
                    outcome = refusal.message
                else:
                    outcome = "reviewed"
                with lock:
                    outcomes.append(outcome)
                db.session.remove()
        except BaseException as error:  # reported below, never swallowed
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=review, args=pair) for pair in enumerate(staff_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    already = "This proposal has already been reviewed."
    assert Counter(outcomes) == {"reviewed": 1, already: THREADS - 1}
    with app.app_context():
        found = db.session.get(Offering, offering_id)
        assert found is not None
        assert found.status in (OfferingStatus.PUBLISHED, OfferingStatus.RETURNED)
        assert found.reviewed_by_id in staff_ids
        to_employer = select(func.count()).where(
            OutboxMessage.to_email == "concurrency-employer@example.org"
        )
        assert db.session.scalar(to_employer) == 1
