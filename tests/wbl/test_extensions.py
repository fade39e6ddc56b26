"""``atomic``: a use case that says no leaves nothing behind and a session that still works."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.support.builders import make_user
from wbl.auth.models import User
from wbl.errors import DomainError
from wbl.extensions import atomic, db


class Taken(DomainError):
    message = "That e-mail address is taken."


@atomic
def _rename_then_add(user_id: int, email: str) -> None:
    """Changes a row, then inserts one that a unique index refuses (the race a second tab or
    a second worker wins): the shape of every 'already done' refusal."""
    user = db.session.get(User, user_id)
    assert user is not None
    user.full_name = "Changed before the refusal"
    db.session.add(User(email=email, full_name="Second", active=True))
    try:
        db.session.flush()
    except IntegrityError:
        raise Taken() from None
    db.session.commit()


def test_a_refusal_made_by_a_unique_index_leaves_the_session_usable(app) -> None:
    first = make_user(email="taken@example.org", full_name="First")
    users = db.session.scalar(select(func.count(User.id)))
    with pytest.raises(Taken):
        _rename_then_add(first.id, "taken@example.org")
    # The view goes on (flashes, looks up what exists): no PendingRollbackError.
    assert db.session.scalar(select(func.count(User.id))) == users
    assert db.session.scalar(select(User.full_name).where(User.id == first.id)) == "First"


def test_a_use_case_that_goes_through_still_commits(app) -> None:
    first = make_user()
    _rename_then_add(first.id, "free@example.org")
    assert db.session.scalar(select(User.id).where(User.email == "free@example.org"))
    assert db.session.get(User, first.id).full_name == "Changed before the refusal"  # type: ignore[union-attr]


@atomic
def _roll_back_then_refuse() -> None:
    db.session.rollback()  # the use case ended the transaction itself (Example B's shape)
    raise Taken()


def test_a_use_case_that_rolled_back_itself_is_left_alone(app) -> None:
    with pytest.raises(Taken):
        _roll_back_then_refuse()
    assert db.session.scalar(select(func.count(User.id))) is not None
