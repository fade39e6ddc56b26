"""Scramble rounds: from a published round, staff open a short round over its leftover seats
for its unplaced students who took part; they rank, it runs (both modes) and is published
through the usual path, never touching a placed student; repeatable until seats or students
run out; the pages (staff chain and form, the student's list and choice page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import current_app
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.support.builders import make_district, make_offering, make_user
from tests.support.round_data import ADULT, County, choose, in_days, make_county, open_for, students
from tests.support.smtp import smtp_server
from wbl.access import Role
from wbl.catalog.models import Offering, OfferingStatus
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db, utcnow
from wbl.notifications.delivery import deliver_pending
from wbl.notifications.models import OutboxMessage, OutboxStatus
from wbl.placements.lifecycle import Outcome, admit_allocated
from wbl.placements.models import Application, ApplicationStatus
from wbl.reference.models import ExperienceKind
from wbl.rounds import allocation, ranking, scramble
from wbl.rounds.models import (
    AllocationMode,
    AllocationRound,
    RoundEmployerRank,
    RoundRanking,
    RoundStatus,
    round_invitee,
)
from wbl.students.models import StudentProfile


def publish(actor, round_id: int, mode: AllocationMode | None = None) -> dict[str, int]:
    with current_app.test_request_context():
        return allocation.publish_round(actor, round_id, mode)


def open_scramble(county: County, parent: AllocationRound, **overrides: object):
    args: dict[str, object] = {"deadline": in_days(3)}
    args.update(overrides)
    with current_app.test_request_context():
        return scramble.open_scramble(county.staff, parent.id, **args)  # type: ignore[arg-type]


def fresh(round_: AllocationRound) -> AllocationRound:
    db.session.expire_all()
    found = db.session.get(AllocationRound, round_.id)
    assert found is not None
    return found


def place_directly(county: County, student: StudentProfile, offering: Offering) -> None:
    """The student is placed outside the rounds (an employer accepted them)."""
    with current_app.test_request_context():
        assert admit_allocated(county.staff, student.id, offering.id, "direct") is Outcome.PLACED
    db.session.commit()


def seat_holdings(ids: list[int]) -> set[tuple[int, int, str]]:
    return {
        (a.student_id, a.offering_id, a.status.value)
        for a in db.session.scalars(select(Application).where(Application.student_id.in_(ids)))
    }


@dataclass
class Published:
    """A published round over A (1 seat) and B (2 seats): the senior s1 got A, s3 got B,
    the junior s2 (who ranked only A) was not placed; s4 took no part. B has a seat left."""

    county: County
    parent: AllocationRound
    a: Offering
    b: Offering
    c: Offering  # not in the round
    s1: StudentProfile
    s2: StudentProfile
    s3: StudentProfile
    s4: StudentProfile


def published(ranking_: RoundRanking = RoundRanking.PRIORITY) -> Published:
    county = make_county(capacities=(1, 2, 1))
    a, b, c = county.offerings
    parent = open_for(
        county, offering_ids=[a.id, b.id], priority_rules=["grade_desc"], ranking=ranking_
    )
    (s1,) = students(county, 1, grade=12, born=ADULT)
    s2, s3, s4 = students(county, 3, grade=11, born=ADULT)
    choose(parent, s1, [a])
    choose(parent, s2, [a])
    choose(parent, s3, [b])
    if ranking_ is RoundRanking.EMPLOYER:
        ranking.rank_students(county.employers[0], parent.id, a.id, [s1.id, s2.id])
    allocation.run_round(county.staff, parent.id)
    publish(county.staff, parent.id)
    assert fresh(parent).result["unmatched"] == [s2.id]
    return Published(county, parent, a, b, c, s1, s2, s3, s4)


def invitees(round_: AllocationRound) -> set[int]:
    return set(
        db.session.scalars(
            select(round_invitee.c.student_id).where(round_invitee.c.round_id == round_.id)
        )
    )


# --- opening -------------------------------------------------------------------------------


def test_a_scramble_is_over_the_seats_left_for_the_unplaced_who_took_part(app) -> None:
    p = published()
    round_ = fresh(open_scramble(p.county, p.parent))
    assert round_.scramble_of_id == p.parent.id
    assert round_.status is RoundStatus.OPEN
    assert round_.name == "Summer internships — second chance"
    assert [o.id for o in round_.offerings] == [p.b.id]  # A is full, C was not in the round
    assert invitees(round_) == {p.s2.id}  # not the placed s1, s3, nor s4 who took no part
    assert round_.ranking is p.parent.ranking
    assert round_.priority_rules == p.parent.priority_rules
    assert round_.max_choices == 1  # as the round, but only one opportunity has seats
    assert 0 <= round_.seed < 2**31
    mails = list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "round_scramble"))
    )
    assert [m.to_email for m in mails] == [p.s2.user.email]
    assert "you can still get a seat" in mails[0].subject
    assert f"/rounds/{round_.id}/choose" in mails[0].body_text
    assert p.parent.name in mails[0].body_text


def test_the_invitation_is_in_the_students_language(app) -> None:
    p = published()
    p.s2.user.language = "es"
    db.session.commit()
    open_scramble(p.county, p.parent)
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "round_scramble"))
    assert mail is not None
    assert "todavía puedes conseguir un lugar" in mail.subject
    assert "Hola" in mail.body_text


def test_a_student_who_may_take_no_seat_left_is_not_invited(app) -> None:
    p = published()
    p.b.min_grade = 12  # s2 is in 11th grade
    db.session.commit()
    with pytest.raises(DomainError, match="nobody to invite"):
        open_scramble(p.county, p.parent)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"deadline": in_days(-0.01)}, "deadline_date", "in the future"),
        ({"deadline": in_days(14.1)}, "deadline_date", "within 14 days"),
        ({"deadline": in_days(3).replace(tzinfo=None)}, "deadline_date", "in the future"),
        ({"max_choices": 0}, "max_choices", "between 1 and"),
        ({"max_choices": 11}, "max_choices", "between 1 and"),
        ({"name": "x" * 161}, "name", "under 160"),
    ],
)
def test_opening_refuses_bad_input(app, overrides: dict, field: str, message: str) -> None:
    p = published()
    before = db.session.scalar(select(func.count(AllocationRound.id)))
    with pytest.raises(DomainError, match=message) as caught:
        open_scramble(p.county, p.parent, **overrides)
    assert caught.value.field == field
    assert db.session.scalar(select(func.count(AllocationRound.id))) == before
    assert db.session.scalar(select(func.count()).select_from(round_invitee)) == 0


def test_only_a_published_round_has_a_scramble(app) -> None:
    county = make_county()
    round_ = open_for(county)
    with pytest.raises(DomainError, match="Publish this round first"):
        open_scramble(county, round_)
    allocation.run_round(county.staff, round_.id)
    with pytest.raises(DomainError, match="Publish this round first"):
        open_scramble(county, round_)


def test_one_scramble_per_round(app) -> None:
    p = published()
    open_scramble(p.county, p.parent)
    with pytest.raises(DomainError, match="already has a scramble"):
        open_scramble(p.county, p.parent)


def test_no_scramble_without_seats_or_without_unplaced_students(app) -> None:
    p = published()
    p.b.seats_taken = p.b.capacity
    db.session.commit()
    with pytest.raises(DomainError, match="has a seat left") as caught:
        open_scramble(p.county, p.parent)
    assert caught.value.field is None
    p.b.seats_taken = 1
    db.session.commit()
    place_directly(p.county, p.s2, p.c)  # the only unplaced student found a place
    with pytest.raises(DomainError, match="nobody to invite"):
        open_scramble(p.county, p.parent)
    assert scramble.scramble_of(p.parent.id) is None


def test_only_county_staff_open_a_scramble(app) -> None:
    p = published()
    for actor in (
        p.s2.user,
        p.county.employers[0],
        make_user(roles={Role.TEACHER}),
        make_user(roles={Role.STAFF}, district=make_district()),
    ):
        with pytest.raises(Forbidden):
            scramble.open_scramble(actor, p.parent.id, deadline=in_days(3))
    with pytest.raises(NotFound):
        scramble.open_scramble(p.county.staff, 987654, deadline=in_days(3))


def test_employer_rankings_of_the_invited_carry_over(app) -> None:
    county = make_county(capacities=(1, 1))
    a, b = county.offerings
    parent = open_for(county, ranking=RoundRanking.EMPLOYER)
    s1, s2, s3 = students(county, 3, born=ADULT)
    for s in (s1, s2, s3):
        choose(parent, s, [a, b])
    ranking.rank_students(county.employers[0], parent.id, a.id, [s1.id, s2.id, s3.id])
    ranking.rank_students(county.employers[1], parent.id, b.id, [s2.id, s3.id, s1.id])
    allocation.run_round(county.staff, parent.id)
    publish(county.staff, parent.id)  # A takes s1, B takes s2: s3 is left
    assert fresh(parent).result["unmatched"] == [s3.id]
    b.capacity = 2  # a seat more in B
    db.session.commit()
    round_ = open_scramble(county, parent)
    assert fresh(round_).ranking is RoundRanking.EMPLOYER
    copied = db.session.execute(
        select(
            RoundEmployerRank.offering_id, RoundEmployerRank.student_id, RoundEmployerRank.rank
        ).where(RoundEmployerRank.round_id == round_.id)
    ).all()
    assert [tuple(row) for row in copied] == [(b.id, s3.id, 1)]  # renumbered; A is full
    assert [e.offering.id for e in ranking.employer_rounds(county.employers[1])] == [b.id]
    page = ranking.employer_ranking(county.employers[1], round_.id, b.id)
    assert page.candidates == []  # nobody has chosen B in the scramble yet
    choose(round_, s3, [b])
    page = ranking.employer_ranking(county.employers[1], round_.id, b.id)
    assert [(c.student.id, c.rank) for c in page.candidates] == [(s3.id, 1)]


def test_the_employer_ranks_in_the_scramble(app) -> None:
    county = make_county(capacities=(1, 3))
    a, b = county.offerings
    parent = open_for(county, ranking=RoundRanking.EMPLOYER, offering_ids=[a.id, b.id])
    s1, s2, s3 = students(county, 3, born=ADULT)
    for s in (s1, s2, s3):
        choose(parent, s, [a])
    ranking.rank_students(county.employers[0], parent.id, a.id, [s1.id, s2.id, s3.id])
    allocation.run_round(county.staff, parent.id)
    publish(county.staff, parent.id)
    assert sorted(fresh(parent).result["unmatched"]) == sorted([s2.id, s3.id])
    round_ = open_scramble(county, parent)
    assert invitees(round_) == {s2.id, s3.id}
    for s in (s3, s2):
        choose(round_, s, [b])
    ranking.rank_students(county.employers[1], round_.id, b.id, [s3.id])
    b.capacity = 1
    db.session.commit()
    allocation.run_round(county.staff, round_.id)
    assert fresh(round_).result["assignments"] == {str(s3.id): b.id}


# --- who sees and ranks it -----------------------------------------------------------------


def test_only_the_invited_see_and_rank_the_scramble(app) -> None:
    p = published()
    round_ = open_scramble(p.county, p.parent)
    rows = ranking.student_rounds(p.s2.user)
    assert {r.id for r, _count, _given in rows} == {round_.id, p.parent.id}
    assert ranking.student_round(p.s2.user, round_.id).accepting
    choose(round_, p.s2, [p.b])
    for outsider in (p.s1, p.s3, p.s4):
        assert round_.id not in [r.id for r, _c, _g in ranking.student_rounds(outsider.user)]
        with pytest.raises(NotFound):
            ranking.student_round(outsider.user, round_.id)
        with pytest.raises(NotFound):
            ranking.rank_choices(outsider.user, round_.id, [p.b.id])
    with pytest.raises(DomainError, match="not part of this round"):
        ranking.rank_choices(p.s2.user, round_.id, [p.a.id])  # A is full: not in the scramble


# --- running and publishing ----------------------------------------------------------------


def test_a_scramble_places_the_unplaced_and_leaves_the_placed_alone(app) -> None:
    p = published()
    before = seat_holdings([p.s1.id, p.s3.id])
    round_ = open_scramble(p.county, p.parent)
    choose(round_, p.s2, [p.b])
    allocation.run_round(p.county.staff, round_.id)
    result = fresh(round_).result
    assert result["assignments"] == {str(p.s2.id): p.b.id}
    assert result["stats"]["seats_at_run"] == {str(p.b.id): 1}
    assert result["alternative"]["mode"] == "welfare"
    counts = publish(p.county.staff, round_.id, AllocationMode.WELFARE)
    assert counts == {"placed": 1, "awaiting_consent": 0, "waitlisted": 0, "unmatched": 0}
    assert seat_holdings([p.s1.id, p.s3.id]) == before
    assert seat_holdings([p.s2.id]) == {(p.s2.id, p.b.id, ApplicationStatus.PLACED.value)}
    db.session.refresh(p.b)
    assert p.b.seats_taken == p.b.capacity == 2
    [(_listed, count, given)] = [
        row for row in ranking.student_rounds(p.s2.user) if row[0].id == round_.id
    ]
    assert count == 1
    assert given is not None
    assert given.id == p.b.id


def test_a_student_placed_before_the_run_is_left_out(app) -> None:
    p = published()
    round_ = open_scramble(p.county, p.parent)
    choose(round_, p.s2, [p.b])
    place_directly(p.county, p.s2, p.c)
    allocation.run_round(p.county.staff, round_.id)
    result = fresh(round_).result
    assert result["assignments"] == {}
    assert result["unmatched"] == []
    assert result["stats"]["students"] == 0
    publish(p.county.staff, round_.id)
    assert seat_holdings([p.s2.id]) == {(p.s2.id, p.c.id, ApplicationStatus.PLACED.value)}
    db.session.refresh(p.b)
    assert p.b.seats_taken == 1


def test_a_student_placed_after_the_run_stops_publishing_until_it_runs_again(app) -> None:
    p = published()
    round_ = open_scramble(p.county, p.parent)
    choose(round_, p.s2, [p.b])
    allocation.run_round(p.county.staff, round_.id)
    place_directly(p.county, p.s2, p.c)
    with pytest.raises(DomainError, match="placed since it was run"):
        publish(p.county.staff, round_.id)
    assert fresh(round_).status is RoundStatus.PROPOSED
    assert seat_holdings([p.s2.id]) == {(p.s2.id, p.c.id, ApplicationStatus.PLACED.value)}
    allocation.run_round(p.county.staff, round_.id)
    assert publish(p.county.staff, round_.id)["placed"] == 0
    assert seat_holdings([p.s2.id]) == {(p.s2.id, p.c.id, ApplicationStatus.PLACED.value)}


def test_a_seat_taken_after_the_run_stops_publishing_until_it_runs_again(app) -> None:
    p = published()
    round_ = open_scramble(p.county, p.parent)
    choose(round_, p.s2, [p.b])
    allocation.run_round(p.county.staff, round_.id)
    p.b.seats_taken = 2  # someone was accepted directly after the run
    db.session.commit()
    with pytest.raises(DomainError, match="Seats have been taken"):
        publish(p.county.staff, round_.id)
    allocation.run_round(p.county.staff, round_.id)  # over what is left now: nothing
    assert fresh(round_).result["unmatched"] == [p.s2.id]
    assert publish(p.county.staff, round_.id)["unmatched"] == 1
    db.session.refresh(p.b)
    assert p.b.seats_taken == 2
    assert not seat_holdings([p.s2.id])


def test_a_scramble_of_a_scramble_until_the_seats_run_out(app) -> None:
    county = make_county(capacities=(1, 1, 1))
    a, b, c = county.offerings
    parent = open_for(county, priority_rules=["grade_desc"])
    s1, s2, s3, s4 = (students(county, 1, grade=g, born=ADULT)[0] for g in (12, 11, 10, 9))
    for s in (s1, s2, s3, s4):
        choose(parent, s, [a])
    allocation.run_round(county.staff, parent.id)
    publish(county.staff, parent.id)  # s1 gets A; B and C stay empty
    first = open_scramble(county, parent)
    assert invitees(first) == {s2.id, s3.id, s4.id}
    assert {o.id for o in first.offerings} == {b.id, c.id}
    choose(first, s2, [b])
    choose(first, s3, [b])  # s4 does not take part
    allocation.run_round(county.staff, first.id)
    publish(county.staff, first.id)  # s2 (senior first) gets B
    second = open_scramble(county, first)
    assert fresh(second).name == "Summer internships — third chance"
    assert invitees(second) == {s3.id}  # s4 took no part in the first scramble
    assert [o.id for o in second.offerings] == [c.id]
    choose(second, s3, [c])
    allocation.run_round(county.staff, second.id)
    publish(county.staff, second.id)
    assert [r.id for r in scramble.chain(fresh(first))] == [parent.id, first.id, second.id]
    assert scramble.default_name(fresh(second)) == "Summer internships — fourth chance"
    with pytest.raises(DomainError, match="has a seat left"):
        open_scramble(county, second)


def test_same_inputs_and_seed_give_the_same_result(app) -> None:
    county = make_county(capacities=(1,))
    (a,) = county.offerings
    parent = open_for(county, offering_ids=[a.id], priority_rules=["lottery"])
    group = students(county, 9, born=ADULT)
    for s in group:
        choose(parent, s, [a])
    allocation.run_round(county.staff, parent.id)
    publish(county.staff, parent.id)
    a.capacity = 4  # three more seats in A after publishing
    db.session.commit()
    round_ = open_scramble(county, parent)
    unplaced = [s for s in group if s.id in invitees(round_)]
    assert len(unplaced) == 8
    for s in unplaced:
        choose(round_, s, [a])
    allocation.run_round(county.staff, round_.id)
    first = fresh(round_).result
    assert first["stats"]["assigned"] == 3
    allocation.run_round(county.staff, round_.id)
    assert fresh(round_).result == first
    results = set()
    for seed in range(12):
        fresh(round_).seed = seed
        db.session.flush()
        allocation.run_round(county.staff, round_.id)
        results.add(tuple(sorted(fresh(round_).result["assignments"])))
    assert len(results) > 1  # the scramble's own lottery decides the ties


# --- pages ---------------------------------------------------------------------------------


def _scramble_form(**overrides: object) -> dict[str, object]:
    deadline = in_days(3)
    data: dict[str, object] = {
        "name": "",
        "deadline_date": deadline.date().isoformat(),
        "deadline_time": "17:00",
        "max_choices": "",
    }
    data.update(overrides)
    return data


def test_staff_open_a_scramble_from_the_round_page(client, login_as, post_form, app) -> None:
    p = published()
    login_as(p.county.staff)
    detail = f"/rounds/{p.parent.id}"
    html = client.get(detail).get_data(as_text=True)
    assert "Scramble: a second chance" in html
    assert "1 seat left in 1 of this round" in html
    assert "1 student who took part holds no seat" in html
    response = post_form(f"{detail}/scramble", _scramble_form(), page=detail)
    assert response.status_code == 302
    round_ = scramble.scramble_of(p.parent.id)
    assert round_ is not None
    assert response.headers["Location"].endswith(f"/rounds/{round_.id}")
    html = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "is open to 1 student(s)" in html
    assert "Rounds in this chain" in html
    assert "A scramble of" in html
    assert "Open the scramble" not in html
    html = client.get(detail).get_data(as_text=True)
    assert "Rounds in this chain" in html
    assert "Open the scramble" not in html  # one scramble per round
    html = client.get("/rounds/").get_data(as_text=True)
    assert html.count('badge text-bg-info">Scramble<') == 1


def test_the_scramble_form_shows_errors_next_to_fields(client, login_as, post_form, app) -> None:
    p = published()
    login_as(p.county.staff)
    detail = f"/rounds/{p.parent.id}"
    late = in_days(20)
    response = post_form(
        f"{detail}/scramble",
        _scramble_form(deadline_date=late.date().isoformat(), max_choices="12"),
        page=detail,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="max_choices-error"' in html
    response = post_form(
        f"{detail}/scramble", _scramble_form(deadline_date=late.date().isoformat()), page=detail
    )
    html = response.get_data(as_text=True)
    assert 'id="deadline_date-error"' in html
    assert "within 14 days" in html
    assert scramble.scramble_of(p.parent.id) is None


def test_a_refusal_without_a_field_is_flashed(client, login_as, post_form, app) -> None:
    p = published()
    login_as(p.county.staff)
    detail = f"/rounds/{p.parent.id}"
    page = client.get(detail)
    assert page.status_code == 200
    p.b.seats_taken = 2
    db.session.commit()
    response = post_form(f"{detail}/scramble", _scramble_form(), page=detail, follow_redirects=True)
    assert "nothing to scramble for" in response.get_data(as_text=True)
    assert "No scramble: every seat" in response.get_data(as_text=True)


def test_the_scramble_pages_access(client, login_as, post_form, app) -> None:
    p = published()
    url = f"/rounds/{p.parent.id}/scramble"
    detail = f"/rounds/{p.parent.id}"
    login_as(p.county.staff)
    assert client.post(url, data=_scramble_form()).status_code == 400  # no CSRF token
    token = csrf_from(client.get(detail).get_data(as_text=True))  # the session's, kept below
    for user in (
        p.s2.user,
        p.county.employers[0],
        make_user(roles={Role.STAFF}, district=make_district()),
    ):
        login_as(user)
        response = client.post(url, data={**_scramble_form(), "csrf_token": token})
        assert response.status_code == 403, (user.email, response.headers.get("Location"))
    login_as(p.county.staff)
    assert post_form("/rounds/987654/scramble", _scramble_form(), page=detail).status_code == 404
    assert scramble.scramble_of(p.parent.id) is None


def test_the_invited_student_sees_the_scramble(client, login_as, post_form, app) -> None:
    p = published()
    round_ = open_scramble(p.county, p.parent)
    login_as(p.s2.user)
    html = client.get("/rounds/mine").get_data(as_text=True)
    assert round_.name in html
    assert "Second chance" in html
    url = f"/rounds/{round_.id}/choose"
    html = client.get(url).get_data(as_text=True)
    assert "A second chance" in html
    assert "1 seat left" in html
    response = post_form(url, {"choice_1": str(p.b.id)})
    assert response.status_code == 302
    login_as(p.s1.user)
    assert round_.name not in client.get("/rounds/mine").get_data(as_text=True)
    assert client.get(url).status_code == 404


def test_a_closed_offering_gives_no_seat_to_a_scramble(app) -> None:
    p = published()
    p.b.status = OfferingStatus.CLOSED
    db.session.commit()
    with pytest.raises(DomainError, match="has a seat left"):
        open_scramble(p.county, p.parent)


def test_the_deadline_job_runs_a_due_scramble(app) -> None:
    p = published()
    round_ = open_scramble(p.county, p.parent)
    choose(round_, p.s2, [p.b])
    fresh(round_).deadline = in_days(-0.001)
    db.session.commit()
    assert allocation.run_due_rounds(in_days(0)) == 1
    assert fresh(round_).result["assignments"] == {str(p.s2.id): p.b.id}
    assert fresh(round_).deadline < in_days(0) + timedelta(seconds=1)


def test_the_invitation_reaches_the_smtp_server_through_the_outbox(app) -> None:
    p = published()
    round_ = open_scramble(p.county, p.parent)
    with smtp_server() as (smtp, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        try:
            deliver_pending(utcnow())  # the parent round's e-mails go too
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    sent = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "round_scramble"))
    assert sent is not None
    assert sent.status is OutboxStatus.SENT
    (received,) = [r for r in smtp.messages if "still get a seat" in r.email["Subject"]]
    assert received.recipients == [p.s2.user.email]
    assert received.email.is_multipart()
    assert f"/rounds/{round_.id}/choose" in received.email.get_body(("plain",)).get_content()


# --- the property: placed students and seats ----------------------------------------------


@st.composite
def markets(draw: st.DrawFn) -> dict[str, object]:
    """A small parent round (2-3 offerings of 1-2 seats, 3-7 students ranking one or two),
    what happens after it is published (seats added, students placed elsewhere, seats taken), the
    scramble's choices, what happens between its run and publishing, and the mode."""
    n_offerings = draw(st.integers(2, 3))
    n_students = draw(st.integers(3, 7))
    offerings = list(range(n_offerings))
    prefs = st.lists(st.sampled_from(offerings), unique=True, max_size=n_offerings)
    took_part = st.lists(st.sampled_from(offerings), unique=True, min_size=1, max_size=2)
    students_ = list(range(n_students))
    return {
        "capacities": draw(st.lists(st.integers(1, 2), min_size=n_offerings, max_size=n_offerings)),
        "parent_prefs": [draw(took_part) for _ in students_],
        "grades": [draw(st.integers(9, 12)) for _ in students_],
        "placed_after_parent": draw(st.sets(st.sampled_from(students_), max_size=2)),
        "added_after_parent": draw(st.lists(st.sampled_from(offerings), max_size=3)),
        "taken_after_parent": draw(st.lists(st.sampled_from(offerings), max_size=1)),
        "scramble_prefs": [draw(prefs) for _ in students_],
        "placed_after_run": draw(st.sets(st.sampled_from(students_), max_size=1)),
        "taken_after_run": draw(st.lists(st.sampled_from(offerings), max_size=1)),
        "mode": draw(st.sampled_from(list(AllocationMode))),
    }


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(market=markets())
def test_a_scramble_never_moves_a_placed_student_nor_fills_more_than_the_seats_left(
    app, market: dict
) -> None:
    """Whatever the parent round gave, whoever was placed or whichever seat was taken
    before the scramble opened, before it ran or before it was published: every student
    holding a seat keeps exactly the applications they had, and the scramble fills at most
    the seats left (no offering over capacity)."""
    county = make_county(capacities=tuple(market["capacities"]))
    offerings = county.offerings
    outside = make_offering(partner=county.partners[0], kind=ExperienceKind.INTERNSHIP, capacity=9)
    group = [students(county, 1, grade=g, born=ADULT)[0] for g in market["grades"]]
    parent = open_for(county, priority_rules=["grade_desc"])
    for s, prefs in zip(group, market["parent_prefs"], strict=True):
        choose(parent, s, [offerings[i] for i in prefs])
    allocation.run_round(county.staff, parent.id)
    publish(county.staff, parent.id)

    def take(indexes: list[int]) -> None:
        for i in indexes:
            o = db.session.get(Offering, offerings[i].id)
            assert o is not None
            o.seats_taken = min(o.capacity, o.seats_taken + 1)
        db.session.commit()

    def place(indexes: set[int]) -> None:
        for i in sorted(indexes):
            if not scramble.students_holding_a_seat([group[i].id]):
                place_directly(county, group[i], outside)

    for i in market["added_after_parent"]:  # an employer offers one more seat
        offerings[i].capacity += 1
    db.session.commit()
    place(market["placed_after_parent"])
    take(market["taken_after_parent"])
    candidates = scramble.scramble_candidates(fresh(parent))
    if not (candidates.offerings and candidates.students):
        with pytest.raises(DomainError, match=r"nothing to scramble for|nobody to invite"):
            open_scramble(county, parent)  # a clear refusal, nothing made
        assert scramble.scramble_of(parent.id) is None
        event("no scramble: no seat left or nobody to invite")
        return
    round_ = open_scramble(county, parent)
    ids = [s.id for s in group]
    holding = scramble.students_holding_a_seat(ids)
    assert not invitees(round_) & holding
    seats_left = {o.id: o.seats_left for o in fresh(round_).offerings}
    for i, prefs in enumerate(market["scramble_prefs"]):
        if group[i].id in invitees(round_):
            allowed = [offerings[j] for j in prefs if offerings[j].id in seats_left]
            choose(round_, group[i], allowed[: round_.max_choices])
    allocation.run_round(county.staff, round_.id)
    place(market["placed_after_run"])
    take(market["taken_after_run"])
    holding = scramble.students_holding_a_seat(ids)
    before = seat_holdings(sorted(holding))
    in_round = select(Offering).where(Offering.id.in_(seats_left))
    taken_before = {o.id: o.seats_taken for o in db.session.scalars(in_round)}
    proposal = allocation.chosen_result(fresh(round_).result, market["mode"])
    if scramble.stale_result(fresh(round_), proposal):
        event("publishing refused: run again")
        with pytest.raises(DomainError, match="Run the round again"):
            publish(county.staff, round_.id, market["mode"])
        allocation.run_round(county.staff, round_.id)
    publish(county.staff, round_.id, market["mode"])
    db.session.expire_all()
    assert seat_holdings(sorted(holding)) == before  # the placed: not moved, not touched
    filled = 0
    for o in db.session.scalars(in_round):
        assert o.seats_taken <= o.capacity
        filled += o.seats_taken - taken_before[o.id]
        assert o.seats_taken - taken_before[o.id] <= seats_left[o.id]
    result = fresh(round_).result
    assert set(map(int, result["assignments"])) <= invitees(round_) - holding
    assert filled == result["published"]["placed"]
    event(f"published: {filled} placed by the scramble")
