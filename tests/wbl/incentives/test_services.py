"""Incentive services under a race: the unique constraints decide, and the services turn a
lost race into an update or a message (never an IntegrityError page).

The race is played in one transaction: a session event lets the service's own read run,
then writes the row "the other request" saved meanwhile, so the read saw nothing and the
service's insert hits the constraint."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select

from tests.support.builders import make_district, make_school, make_student, make_user
from tests.support.incentive_data import IN_YEAR, make_year
from wbl.access import Role
from wbl.errors import DomainError
from wbl.extensions import db
from wbl.incentives import services
from wbl.incentives.models import Appropriation, CompletionType, StaffCompletion


@contextmanager
def meanwhile(table: str, write: Callable[[], Any]) -> Iterator[None]:
    """Run ``write`` just after the first SELECT on ``table`` (once)."""
    done: list[bool] = []

    def interleave(state: Any) -> Any:
        if done or not state.is_select or table not in str(state.statement):
            return None
        done.append(True)
        frozen = state.invoke_statement().freeze()
        state.session.connection().execute(write())
        return frozen()

    session = db.session()
    event.listen(session, "do_orm_execute", interleave)
    try:
        yield
    finally:
        event.remove(session, "do_orm_execute", interleave)
    assert done, f"no SELECT on {table}"


def test_two_first_saves_of_an_appropriation_end_in_one_row() -> None:
    year = make_year()
    district = make_district()
    actor = make_user(roles={Role.STAFF}, district=district)
    other = insert(Appropriation).values(
        program_year_id=year.id, district_id=district.id, amount_cents=1, updated_by_id=actor.id
    )
    with meanwhile("incentive_appropriation", lambda: other):
        row = services.set_appropriation(actor, year.id, district.id, 2_500_000)
    rows = db.session.scalars(select(Appropriation)).all()
    assert [(r.id, r.amount_cents) for r in rows] == [(row.id, 2_500_000)]


def test_a_completion_entered_twice_at_once_is_a_message() -> None:
    district = make_district()
    student = make_student(school=make_school(district=district))
    actor = make_user(roles={Role.STAFF}, district=district)
    other = insert(StaffCompletion).values(
        student_id=student.id,
        completion_type=CompletionType.AP_COURSE,
        name="AP Biology",
        name_key="ap biology",
        completed_on=IN_YEAR,
        note="",
        entered_by_id=actor.id,
    )
    data = services.CompletionInput(CompletionType.AP_COURSE, "AP BIOLOGY", IN_YEAR)
    with (
        meanwhile("incentive_completion", lambda: other),
        pytest.raises(DomainError, match="already entered") as refused,
    ):
        services.add_completion(actor, student.id, data)
    assert refused.value.field == "name"
    # The other request's row stands in for a concurrent transaction, but it went through
    # this session, inside the use case's SAVEPOINT (@atomic): the refusal rolls both back.
    # In a real race the other transaction's row stays; here the session is usable after.
    assert db.session.scalar(select(func.count()).select_from(StaffCompletion)) == 0


def test_the_same_completion_is_refused_before_the_database_says_so() -> None:
    district = make_district()
    student = make_student(school=make_school(district=district))
    actor = make_user(roles={Role.STAFF}, district=district)
    data = services.CompletionInput(CompletionType.APPRENTICESHIP, "Electrician", IN_YEAR)
    services.add_completion(actor, student.id, data)
    with pytest.raises(DomainError, match="already entered"):
        services.add_completion(
            actor,
            student.id,
            services.CompletionInput(CompletionType.APPRENTICESHIP, " electrician ", IN_YEAR),
        )
    other_kind = services.CompletionInput(CompletionType.PRE_APPRENTICESHIP, "Electrician", IN_YEAR)
    services.add_completion(actor, student.id, other_kind)
    assert db.session.scalar(select(func.count()).select_from(StaffCompletion)) == 2
