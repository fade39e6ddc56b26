"""The school deciding one work permit twice at once (PostgreSQL, separate connections): one
staff member issues it while another refuses it. Each decision is a compare-and-set on the
permit's status (``move_status``), so exactly one wins, only its e-mails are queued, and the
other is told the school has already decided. The three parties giving their parts at the
same moment complete the request exactly once (the last one in, under the permit's row lock)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.builders import make_user
from tests.support.concurrency import at_once, each
from tests.support.permit_data import ANSWERS, give_all, paid_cast, place_paid
from wbl.access import Role
from wbl.auth.models import User
from wbl.clock import local_today
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.placements import permits
from wbl.placements.models import PermitPart, PermitStatus, WorkPermit


def _setting(app: Flask, *, give: bool = True) -> tuple[int, list[int]]:
    with app.app_context(), app.test_request_context():
        cast = paid_cast()
        placement = place_paid(cast)
        if give:
            give_all(placement)
        staff = [cast.staff.id, make_user(roles={Role.STAFF}).id]
        db.session.commit()
        ids = placement.id, staff
        db.session.remove()
    return ids


@pytest.mark.postgres_only
def test_issue_and_refuse_at_once_exactly_one_decides(busy_app: Flask, no_isolation: None) -> None:
    app = busy_app
    placement_id, staff = _setting(app)
    with app.app_context():
        today = local_today()
    issuer = staff[0]

    def decide(user_id: int) -> object:
        actor = db.session.get(User, user_id)
        assert actor is not None
        if user_id == issuer:
            return permits.issue(
                actor,
                placement_id,
                permits.Issue(today - timedelta(days=1), today + timedelta(days=200), "N-1"),
            )
        return permits.refuse(actor, placement_id, "The job needs a forklift licence.")

    won, refused = at_once(app, each(staff, decide))
    assert len(won) == 1
    assert refused == [permits.AlreadyDecided.message]
    with app.app_context():
        permit = db.session.scalar(
            select(WorkPermit).where(WorkPermit.placement_id == placement_id)
        )
        assert permit is not None
        assert permit.decided_by_id == won[0]
        expected = PermitStatus.ISSUED if won[0] == issuer else PermitStatus.REFUSED
        assert permit.status is expected
        kinds = set(
            db.session.scalars(
                select(OutboxMessage.kind).where(OutboxMessage.kind.like("work_permit_%ed"))
            )
        )
        assert kinds == {f"work_permit_{expected.value}"}
        db.session.remove()


@pytest.mark.postgres_only
def test_the_three_parts_at_once_complete_the_request_once(
    busy_app: Flask, no_isolation: None
) -> None:
    app = busy_app
    placement_id, _staff = _setting(app, give=False)
    with app.app_context():
        parts = list(
            db.session.scalars(
                select(PermitPart)
                .join(WorkPermit)
                .where(WorkPermit.placement_id == placement_id)
                .order_by(PermitPart.id)
            )
        )
        links = {part.id: (part.nonce, part.party) for part in parts}
        db.session.remove()
    part_ids = list(links)

    def give(part_id: int) -> object:
        nonce, party = links[part_id]
        assert nonce is not None
        return permits.give_part(part_id, nonce, ANSWERS[party], ip_address="")

    won, refused = at_once(app, each(part_ids, give))
    assert sorted(won) == sorted(part_ids)
    assert refused == []
    with app.app_context():
        permit = db.session.scalar(
            select(WorkPermit).where(WorkPermit.placement_id == placement_id)
        )
        assert permit is not None
        assert permit.status is PermitStatus.COMPLETE
        missing = db.session.scalar(
            select(func.count(PermitPart.id)).where(
                PermitPart.permit_id == permit.id, PermitPart.signed_at.is_(None)
            )
        )
        assert missing == 0
        db.session.remove()
