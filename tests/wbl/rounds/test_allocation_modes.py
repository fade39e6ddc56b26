"""Allocation rounds in two modes (issue 22): every run stores the stable and the
welfare-optimal allocation with the figures staff compare; staff publish either one through
the same seat, consent and e-mail path."""

from __future__ import annotations

import re

import pytest
from flask import current_app
from sqlalchemy import select

from tests.support.round_data import ADULT, MINOR, County, choose, make_county, open_for, students
from wbl.errors import DomainError
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.placements.models import Application, ApplicationStatus, GuardianConsent, Placement
from wbl.rounds import allocation, proposal
from wbl.rounds.models import AllocationMode, AllocationRound, RoundStatus
from wbl.students.models import StudentProfile


def fresh(round_: AllocationRound) -> AllocationRound:
    db.session.expire_all()
    found = db.session.get(AllocationRound, round_.id)
    assert found is not None
    return found


def a_round_where_the_modes_differ(
    *, born: object = ADULT, extra: int = 0
) -> tuple[County, AllocationRound, StudentProfile, StudentProfile, list[StudentProfile]]:
    """A (1 seat) and B (1 seat), seniors first. The senior wants A then B, the junior only A:
    deferred acceptance gives A to the senior and nobody to the junior; the welfare-optimal
    allocation places both (junior at A, senior at B), so the senior, who outranks the
    junior at A, is a blocking pair. ``extra`` 9th graders want only A and stay unplaced."""
    county = make_county(capacities=(1, 1))
    a, b = county.offerings
    round_ = open_for(county, priority_rules=["grade_desc", "lottery"])
    (senior,) = students(county, 1, grade=12, born=born)  # type: ignore[arg-type]
    (junior,) = students(county, 1, grade=11, born=born)  # type: ignore[arg-type]
    others = students(county, extra, grade=9, born=born) if extra else []  # type: ignore[arg-type]
    choose(round_, senior, [a, b])
    choose(round_, junior, [a])
    for s in others:
        choose(round_, s, [a])
    allocation.run_round(county.staff, round_.id)
    return county, round_, senior, junior, others


def test_a_run_stores_both_allocations_and_the_figures_to_compare(app) -> None:
    county, round_, senior, junior, _ = a_round_where_the_modes_differ()
    a, b = county.offerings
    result = fresh(round_).result
    assert result["mode"] == "stable"
    assert result["assignments"] == {str(senior.id): a.id}
    assert result["unmatched"] == [junior.id]
    welfare = result["alternative"]
    assert welfare["mode"] == "welfare"
    assert welfare["assignments"] == {str(senior.id): b.id, str(junior.id): a.id}
    assert welfare["ranks"] == {str(senior.id): 2, str(junior.id): 1}
    assert welfare["unmatched"] == []
    stable_stats, welfare_stats = result["stats"], welfare["stats"]
    assert (stable_stats["assigned"], welfare_stats["assigned"]) == (1, 2)
    assert (stable_stats["blocking_pairs"], welfare_stats["blocking_pairs"]) == (0, 1)
    assert welfare_stats["blocking_students"] == 1
    # the junior is better off under the welfare result, the senior worse off
    assert (welfare_stats["better_than_other"], welfare_stats["worse_than_other"]) == (1, 1)
    assert (stable_stats["better_than_other"], stable_stats["worse_than_other"]) == (1, 1)
    assert welfare_stats["seats_left_total"] == 0
    assert stable_stats["seats_left_total"] == 1

    review = proposal.round_review(county.staff, round_.id)
    assert review.mode is AllocationMode.STABLE
    assert [(m.mode, m.proposed) for m in review.modes] == [
        (AllocationMode.STABLE, True),
        (AllocationMode.WELFARE, False),
    ]


def test_publishing_the_welfare_result_goes_through_the_seat_and_consent_path(app) -> None:
    county, round_, senior, junior, _ = a_round_where_the_modes_differ(born=MINOR)
    a, b = county.offerings
    with current_app.test_request_context():
        counts = allocation.publish_round(county.staff, round_.id, AllocationMode.WELFARE)
    assert counts == {"placed": 0, "awaiting_consent": 2, "waitlisted": 0, "unmatched": 0}
    round_ = fresh(round_)
    assert round_.status is RoundStatus.PUBLISHED
    # what was published is at the top, for every later page; the stable one is kept
    assert round_.result["mode"] == "welfare"
    assert round_.result["assignments"] == {str(senior.id): b.id, str(junior.id): a.id}
    assert round_.result["alternative"]["mode"] == "stable"
    assert round_.result["published"]["awaiting_consent"] == 2
    got = dict(
        db.session.execute(
            select(Application.student_id, Application.offering_id).where(
                Application.status == ApplicationStatus.ACCEPTED
            )
        ).all()
    )
    assert got == {senior.id: b.id, junior.id: a.id}
    consents = db.session.scalars(select(GuardianConsent)).all()
    assert len(consents) == 2
    assert (
        db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "round_unmatched"))
        is None
    )  # everybody was placed
    for offering in (a, b):
        db.session.refresh(offering)
        assert offering.seats_taken == offering.capacity == 1
    review = proposal.round_review(county.staff, round_.id)
    assert review.mode is AllocationMode.WELFARE
    assert {(r.student.id, r.offering.id) for r in review.assignments} == {
        (senior.id, b.id),
        (junior.id, a.id),
    }


def test_publishing_without_a_mode_publishes_the_stable_result(app) -> None:
    county, round_, senior, junior, _ = a_round_where_the_modes_differ()
    a, _b = county.offerings
    with current_app.test_request_context():
        counts = allocation.publish_round(county.staff, round_.id)
    mail = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.to_email == junior.user.email, OutboxMessage.kind == "round_unmatched"
        )
    )
    assert mail is not None
    assert counts == {"placed": 1, "awaiting_consent": 0, "waitlisted": 0, "unmatched": 1}
    assert fresh(round_).result["mode"] == "stable"
    placement = db.session.scalar(select(Placement).where(Placement.student_id == senior.id))
    assert placement is not None
    assert placement.offering_id == a.id


def test_a_result_without_the_welfare_allocation_cannot_publish_it(app) -> None:
    county, round_, *_ = a_round_where_the_modes_differ()
    stored = fresh(round_)
    stored.result = {k: v for k, v in stored.result.items() if k != "alternative"}
    db.session.commit()
    with (
        current_app.test_request_context(),
        pytest.raises(DomainError, match="no welfare-optimal result"),
    ):
        allocation.publish_round(county.staff, round_.id, AllocationMode.WELFARE)
    assert fresh(round_).status is RoundStatus.PROPOSED  # nothing changed
    assert proposal.round_review(county.staff, round_.id).modes == []


def test_running_again_gives_both_results_again(app) -> None:
    county, round_, *_ = a_round_where_the_modes_differ()
    first = fresh(round_).result
    allocation.run_round(county.staff, round_.id)
    assert fresh(round_).result == first


# --- the page ------------------------------------------------------------------------------


def test_staff_compare_both_results_and_publish_the_welfare_one(
    client, login_as, post_form, app
) -> None:
    county, round_, senior, junior, _ = a_round_where_the_modes_differ()
    a, b = county.offerings
    login_as(county.staff)
    detail = f"/rounds/{round_.id}"
    html = client.get(detail).get_data(as_text=True)
    assert "The two allocations side by side" in html
    assert "Stable (deferred acceptance)" in html
    assert "Welfare-optimal" in html
    assert "Students in a blocking pair" in html
    radios = dict(re.findall(r'(<input[^>]*name="mode"[^>]*value="(\w+)"[^>]*>)', html))
    inputs = {value: tag for tag, value in radios.items()}
    assert set(inputs) == {"stable", "welfare"}
    assert "checked" in inputs["stable"]  # the stable result is proposed
    assert "checked" not in inputs["welfare"]
    response = post_form(
        f"{detail}/publish", {"mode": "welfare"}, page=detail, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert "Published the welfare-optimal result: 2 placed" in html
    assert "Published</span>" in html  # the badge on the published column
    assert "Result: welfare-optimal" in html
    placed = dict(db.session.execute(select(Placement.student_id, Placement.offering_id)).all())
    assert placed == {senior.id: b.id, junior.id: a.id}
    response = post_form(
        f"{detail}/publish", {"mode": "stable"}, page=detail, follow_redirects=True
    )
    assert "already been published" in response.get_data(as_text=True)


def test_an_unknown_mode_or_no_csrf_is_refused(client, login_as, post_form, app) -> None:
    county, round_, *_ = a_round_where_the_modes_differ()
    login_as(county.staff)
    detail = f"/rounds/{round_.id}"
    assert post_form(f"{detail}/publish", {"mode": "best"}, page=detail).status_code == 400
    assert client.post(f"{detail}/publish", data={"mode": "welfare"}).status_code == 400
    assert fresh(round_).status is RoundStatus.PROPOSED
