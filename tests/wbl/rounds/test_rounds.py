"""Allocation rounds: opening, students' choices, employers' rankings, the run with its
statistics and stored lottery seed, the review, publishing through the seat and consent
path, the deadline job, and the pages (access per role, forms, bad input)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from tests.support.builders import make_district, make_employer, make_offering, make_user
from tests.support.round_data import (
    ADULT,
    MINOR,
    County,
    bulk_choices,
    bulk_county,
    choose,
    in_days,
    make_county,
    open_for,
    students,
)
from wbl.access import Role
from wbl.catalog.models import Offering, OfferingStatus
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.placements.models import Application, ApplicationStatus, GuardianConsent, Placement
from wbl.reference.models import ExperienceKind
from wbl.rounds import allocation, opening, proposal, ranking
from wbl.rounds.models import (
    AllocationRound,
    RoundChoice,
    RoundEmployerRank,
    RoundRanking,
    RoundStatus,
)


@pytest.fixture
def county(app) -> County:
    return make_county()


def publish(actor, round_id: int) -> dict[str, int]:
    """Publishing runs inside a request (the e-mails carry links), as the web view does."""
    with current_app.test_request_context():
        return allocation.publish_round(actor, round_id)


def fresh(round_: AllocationRound) -> AllocationRound:
    db.session.expire_all()
    found = db.session.get(AllocationRound, round_.id)
    assert found is not None
    return found


# --- opening -------------------------------------------------------------------------------


def test_staff_open_a_round_with_a_stored_seed(county: County) -> None:
    round_ = open_for(county, priority_rules=["lottery", "grade_desc"], max_choices=5)
    round_ = fresh(round_)
    assert round_.status is RoundStatus.OPEN
    assert 0 <= round_.seed < 2**31
    assert round_.priority_rules == ["grade_desc", "lottery"]  # the lottery always last
    assert {o.id for o in round_.offerings} == {o.id for o in county.offerings}
    assert round_.max_choices == 5


@pytest.mark.parametrize("role", [Role.STUDENT, Role.EMPLOYER, Role.TEACHER])
def test_only_staff_open_rounds(county: County, role: Role) -> None:
    with pytest.raises(Forbidden):
        opening.open_round(
            make_user(roles={role}),
            name="X",
            deadline=in_days(3),
            offering_ids=[county.offerings[0].id],
        )


def test_district_staff_do_not_manage_county_rounds(county: County) -> None:
    district_staff = make_user(roles={Role.STAFF}, district=make_district())
    with pytest.raises(Forbidden):
        opening.open_round(
            district_staff, name="X", deadline=in_days(3), offering_ids=[county.offerings[0].id]
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"deadline": in_days(-1)}, "deadline_date"),
        ({"max_choices": 0}, "max_choices"),
        ({"max_choices": 11}, "max_choices"),
        ({"offering_ids": []}, "offering_ids"),
        ({"offering_ids": [987654]}, "offering_ids"),
        ({"priority_rules": ["alphabetical"]}, "priority"),
        ({"priority_rules": ["grade_desc", "grade_asc"]}, "priority"),
    ],
)
def test_opening_refuses_bad_input(county: County, overrides: dict, field: str) -> None:
    before = db.session.scalar(select(func.count(AllocationRound.id)))
    with pytest.raises(DomainError) as caught:
        open_for(county, **overrides)
    assert caught.value.field == field
    assert db.session.scalar(select(func.count(AllocationRound.id))) == before


@pytest.mark.parametrize(
    "offering_kwargs",
    [
        {"kind": ExperienceKind.GUEST_SPEAKER},
        {"status": OfferingStatus.DRAFT},
        {"capacity": 0},
    ],
)
def test_only_published_individual_offerings_with_seats(county: County, offering_kwargs) -> None:
    odd = make_offering(partner=county.partners[0], **offering_kwargs)
    with pytest.raises(DomainError) as caught:
        open_for(county, offering_ids=[county.offerings[0].id, odd.id])
    assert caught.value.field == "offering_ids"


def test_eligible_offerings_filter_by_kind_and_text(county: County) -> None:
    make_offering(partner=county.partners[0], kind=ExperienceKind.JOB_SHADOW, title="Shadow Z")
    full = make_offering(partner=county.partners[0], kind=ExperienceKind.INTERNSHIP, capacity=1)
    full.seats_taken = 1
    db.session.flush()
    ids = set(
        db.session.scalars(
            opening.eligible_offerings(ExperienceKind.INTERNSHIP).with_only_columns(Offering.id)
        )
    )
    assert {o.id for o in county.offerings} <= ids
    assert full.id not in ids
    titles = list(db.session.scalars(opening.eligible_offerings(None, "shadow z")))
    assert [o.title for o in titles] == ["Shadow Z"]


# --- students' choices ---------------------------------------------------------------------


def test_student_ranks_and_replaces_choices(county: County) -> None:
    round_ = open_for(county)
    (student,) = students(county, 1)
    a, b, c = county.offerings
    choose(round_, student, [b, a])
    choose(round_, student, [c, a, b])
    saved = db.session.execute(
        select(RoundChoice.offering_id, RoundChoice.rank)
        .where(RoundChoice.student_id == student.id)
        .order_by(RoundChoice.rank)
    ).all()
    assert saved == [(c.id, 1), (a.id, 2), (b.id, 3)]
    choose(round_, student, [])
    assert db.session.scalar(select(func.count(RoundChoice.id))) == 0


def test_duplicate_choice_is_refused_and_nothing_changes(county: County) -> None:
    round_ = open_for(county)
    (student,) = students(county, 1)
    a, b, _c = county.offerings
    choose(round_, student, [a])
    with pytest.raises(DomainError) as caught:
        choose(round_, student, [b, a, b])
    assert caught.value.field == "choice_3"
    assert list(db.session.scalars(select(RoundChoice.offering_id))) == [a.id]


def test_too_many_choices_are_refused(county: County) -> None:
    round_ = open_for(county, max_choices=2)
    (student,) = students(county, 1)
    with pytest.raises(DomainError, match="at most 2"):
        choose(round_, student, county.offerings)


def test_a_foreign_offering_is_refused(county: County) -> None:
    round_ = open_for(county, offering_ids=[county.offerings[0].id])
    (student,) = students(county, 1)
    with pytest.raises(DomainError, match="not part of this round") as caught:
        choose(round_, student, [county.offerings[0], county.offerings[1]])
    assert caught.value.field == "choice_2"


def test_choices_close_at_the_deadline(county: County) -> None:
    round_ = open_for(county)
    (student,) = students(county, 1)
    round_.deadline = in_days(-0.01)
    db.session.flush()
    with pytest.raises(ranking.RoundClosed):
        choose(round_, student, [county.offerings[0]])


def test_choices_close_once_run(county: County) -> None:
    round_ = open_for(county)
    (student,) = students(county, 1)
    allocation.run_round(county.staff, round_.id)
    with pytest.raises(ranking.RoundClosed):
        choose(round_, student, [county.offerings[0]])


def test_offerings_the_student_is_not_eligible_for(county: County) -> None:
    county.offerings[1].min_grade = 12
    db.session.flush()
    round_ = open_for(county)
    (student,) = students(county, 1, grade=10)
    with pytest.raises(DomainError, match="grade 12"):
        choose(round_, student, [county.offerings[1]])
    page = ranking.student_round(student.user, round_.id)
    problems = {o.offering.id: o.problem for o in page.options}
    assert "grade 12" in problems[county.offerings[1].id]
    assert problems[county.offerings[0].id] == ""


def test_only_students_rank_choices(county: County) -> None:
    round_ = open_for(county)
    with pytest.raises(Forbidden):
        ranking.rank_choices(county.employers[0], round_.id, [county.offerings[0].id])


# --- employers' rankings -------------------------------------------------------------------


def test_employer_ranks_students_who_chose_their_offering(county: County) -> None:
    round_ = open_for(county, ranking=RoundRanking.EMPLOYER)
    s1, s2, s3 = students(county, 3)
    a = county.offerings[0]
    for s in (s1, s2):
        choose(round_, s, [a])
    choose(round_, s3, [county.offerings[1]])
    employer = county.employers[0]
    page = ranking.employer_ranking(employer, round_.id, a.id)
    assert {c.student.id for c in page.candidates} == {s1.id, s2.id}
    ranking.rank_students(employer, round_.id, a.id, [s2.id, s1.id])
    assert list(
        db.session.scalars(select(RoundEmployerRank.student_id).order_by(RoundEmployerRank.rank))
    ) == [s2.id, s1.id]
    with pytest.raises(DomainError, match="only students who chose"):
        ranking.rank_students(employer, round_.id, a.id, [s3.id])
    with pytest.raises(DomainError, match="only once"):
        ranking.rank_students(employer, round_.id, a.id, [s1.id, s1.id])
    listed = ranking.employer_rounds(employer)
    assert [(r.offering.id, r.choosers) for r in listed] == [(a.id, 2)]


def test_employer_of_another_partner_gets_not_found(county: County) -> None:
    round_ = open_for(county, ranking=RoundRanking.EMPLOYER)
    other = county.employers[1]
    with pytest.raises(NotFound):
        ranking.employer_ranking(other, round_.id, county.offerings[0].id)
    with pytest.raises(NotFound):
        ranking.rank_students(other, round_.id, county.offerings[0].id, [])


def test_priority_rounds_have_no_employer_ranking(county: County) -> None:
    round_ = open_for(county, ranking=RoundRanking.PRIORITY)
    with pytest.raises(NotFound):
        ranking.employer_ranking(county.employers[0], round_.id, county.offerings[0].id)


# --- running -------------------------------------------------------------------------------


def test_statistics_on_a_hand_made_case(app) -> None:
    """Four students, offerings A (1 seat), B (1 seat), C (2 seats, one already taken).
    s1, s2 and s3 all want A first; grade decides (seniors first): s1 (12) gets A, s2 (11)
    gets B (2nd), s3 (10) has A, B, C and gets C (3rd); s4 (9) wants only A and B: unmatched."""
    county = make_county(capacities=(1, 1, 2))
    a, b, c = county.offerings
    c.seats_taken = 1
    db.session.flush()
    round_ = open_for(county, priority_rules=["grade_desc"])
    s1, s2, s3, s4 = (students(county, 1, grade=g)[0] for g in (12, 11, 10, 9))
    choose(round_, s1, [a, b])
    choose(round_, s2, [a, b])
    choose(round_, s3, [a, b, c])
    choose(round_, s4, [a, b])
    allocation.run_round(county.staff, round_.id)
    result = fresh(round_).result
    assert fresh(round_).status is RoundStatus.PROPOSED
    assert result["assignments"] == {str(s1.id): a.id, str(s2.id): b.id, str(s3.id): c.id}
    assert result["unmatched"] == [s4.id]
    stats = result["stats"]
    assert stats["students"] == 4
    assert stats["first_choice"] == 1
    assert stats["first_choice_share"] == 0.25
    assert stats["top3"] == 3
    assert stats["top3_share"] == 0.75
    assert stats["unmatched"] == 1
    assert stats["seats_left"] == {str(a.id): 0, str(b.id): 0, str(c.id): 0}
    assert stats["seats_left_total"] == 0

    review = proposal.round_review(county.staff, round_.id)
    assert [(r.student.id, r.offering.id, r.rank) for r in review.assignments] == sorted(
        [(s1.id, a.id, 1), (s2.id, b.id, 2), (s3.id, c.id, 3)],
        key=lambda t: next(
            x.student.user.full_name for x in review.assignments if x.student.id == t[0]
        ),
    )
    assert len(review.unmatched) == 1
    assert review.unmatched[0].student.id == s4.id
    assert review.unmatched[0].options == []  # every seat went


def test_unmatched_students_see_their_best_remaining_options(app) -> None:
    county = make_county(capacities=(1, 3, 1))
    a, b, c = county.offerings
    round_ = open_for(county, offering_ids=[a.id, b.id])
    s1, s2 = students(county, 2)
    choose(round_, s1, [a])
    choose(round_, s2, [a])
    allocation.run_round(county.staff, round_.id)
    review = proposal.round_review(county.staff, round_.id)
    (row,) = review.unmatched
    assert row.from_list is False
    assert [o.id for o in row.options] == [b.id]  # seats left in the round, eligible
    assert c.id not in [o.id for o in row.options]


def test_same_inputs_give_the_same_result(app) -> None:
    county = make_county(capacities=(2, 2, 2))
    round_ = open_for(county, priority_rules=["lottery"])
    group = students(county, 12)
    for i, s in enumerate(group):
        choose(round_, s, [county.offerings[i % 2], county.offerings[2]])
    allocation.run_round(county.staff, round_.id)
    first = fresh(round_).result
    allocation.run_round(county.staff, round_.id)  # staff may run a proposal again
    assert fresh(round_).result == first
    # the lottery really decided: another seed gives another (valid) result
    results = set()
    for seed in range(20):
        fresh(round_).seed = seed
        db.session.flush()
        allocation.run_round(county.staff, round_.id)
        results.add(tuple(sorted(fresh(round_).result["assignments"].items())))
    assert len(results) > 1


def test_employer_ranking_decides_then_the_lottery(app) -> None:
    county = make_county(capacities=(1, 1, 1))
    a = county.offerings[0]
    round_ = open_for(county, ranking=RoundRanking.EMPLOYER, offering_ids=[a.id])
    group = students(county, 5)
    for s in group:
        choose(round_, s, [a])
    ranking.rank_students(county.employers[0], round_.id, a.id, [group[3].id])
    allocation.run_round(county.staff, round_.id)
    assert fresh(round_).result["assignments"] == {str(group[3].id): a.id}


def test_an_offering_closed_since_opening_gets_nobody(app) -> None:
    county = make_county(capacities=(1, 1))
    a, b = county.offerings
    round_ = open_for(county)
    (student,) = students(county, 1)
    choose(round_, student, [a, b])
    a.status = OfferingStatus.CLOSED
    db.session.commit()
    allocation.run_round(county.staff, round_.id)
    assert fresh(round_).result["assignments"] == {str(student.id): b.id}


def test_seniors_first(app) -> None:
    county = make_county(capacities=(2,))
    round_ = open_for(county, priority_rules=["grade_desc", "lottery"])
    juniors = students(county, 4, grade=11)
    seniors = students(county, 2, grade=12)
    for s in juniors + seniors:
        choose(round_, s, county.offerings)
    allocation.run_round(county.staff, round_.id)
    assert set(fresh(round_).result["assignments"]) == {str(s.id) for s in seniors}


def test_only_staff_run_and_nothing_runs_after_publishing(county: County) -> None:
    round_ = open_for(county)
    with pytest.raises(Forbidden):
        allocation.run_round(make_user(roles={Role.STUDENT}), round_.id)
    with pytest.raises(NotFound):
        allocation.run_round(county.staff, 987654)
    allocation.run_round(county.staff, round_.id)
    publish(county.staff, round_.id)
    with pytest.raises(DomainError, match="published"):
        allocation.run_round(county.staff, round_.id)


def test_the_deadline_job_runs_due_rounds_once(county: County) -> None:
    due = open_for(county, name="Due")
    later = open_for(county, name="Later", deadline=in_days(10))
    (student,) = students(county, 1)
    choose(due, student, [county.offerings[0]])
    due.deadline = in_days(-0.001)
    db.session.commit()
    assert allocation.run_due_rounds(in_days(0)) == 1
    assert fresh(due).status is RoundStatus.PROPOSED
    assert fresh(later).status is RoundStatus.OPEN
    run_at = fresh(due).run_at
    assert allocation.run_due_rounds(in_days(0)) == 0  # idempotent
    assert fresh(due).run_at == run_at


def test_a_due_round_that_fails_is_rolled_back_and_the_others_still_run(
    county: County, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Each due round is its own transaction: the failing one stays open (its half-stored
    result rolled back) and is logged; the rounds before and after it are run and kept; the
    job's run is marked failed, naming it."""
    first, bad, last = (open_for(county, name=name) for name in ("First", "Bad", "Last"))
    for n, round_ in enumerate((first, bad, last)):
        round_.deadline = in_days(-1 + n / 100)
    db.session.commit()
    real_run = allocation._run

    def failing_run(round_, *, allowed):
        stored = real_run(round_, allowed=allowed)
        if round_.id == bad.id:
            raise RuntimeError("the matching ran out of memory")
        return stored

    monkeypatch.setattr(allocation, "_run", failing_run)
    with pytest.raises(allocation.DueRoundsFailed, match=f"2 round.s. run; 1 failed .*{bad.id}"):
        allocation.run_due_rounds(in_days(0))
    assert fresh(first).status is RoundStatus.PROPOSED
    assert fresh(bad).status is RoundStatus.OPEN
    assert fresh(bad).run_at is None
    assert fresh(last).status is RoundStatus.PROPOSED
    assert f"allocation round {bad.id} could not be run" in caplog.text
    assert "the matching ran out of memory" in caplog.text
    monkeypatch.setattr(allocation, "_run", real_run)
    assert allocation.run_due_rounds(in_days(0)) == 1  # the next run tries it again
    assert fresh(bad).status is RoundStatus.PROPOSED


def test_the_cli_says_which_due_rounds_failed(
    app, county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    round_ = open_for(county)
    round_.deadline = in_days(-1)
    db.session.commit()

    def failing_run(round_, *, allowed):
        raise RuntimeError("boom")

    monkeypatch.setattr(allocation, "_run", failing_run)
    result = app.test_cli_runner().invoke(args=["rounds", "run-due"])
    assert result.exit_code == 1
    assert f"0 round(s) run; 1 failed and stay open (round id {round_.id})" in result.output


# --- publishing ----------------------------------------------------------------------------


def test_publish_places_adults_asks_guardians_of_minors_and_tells_the_unmatched(app) -> None:
    county = make_county(capacities=(1, 1, 1))
    a, b, _c = county.offerings
    round_ = open_for(county, offering_ids=[a.id, b.id])
    (adult,) = students(county, 1, grade=12, born=ADULT)
    (minor,) = students(county, 1, grade=12, born=MINOR)
    (left_out,) = students(county, 1, grade=9)
    choose(round_, adult, [a])
    choose(round_, minor, [b])
    choose(round_, left_out, [a, b])
    allocation.run_round(county.staff, round_.id)
    # (the lottery might favour the 9th grader; fix the order with seniors first)
    fresh(round_).priority_rules = ["grade_desc", "lottery"]
    db.session.flush()
    allocation.run_round(county.staff, round_.id)
    counts = publish(county.staff, round_.id)
    assert counts == {"placed": 1, "awaiting_consent": 1, "waitlisted": 0, "unmatched": 1}
    round_ = fresh(round_)
    assert round_.status is RoundStatus.PUBLISHED
    assert round_.published_at is not None
    placement = db.session.scalar(select(Placement).where(Placement.student_id == adult.id))
    assert placement is not None
    assert placement.offering_id == a.id
    application = db.session.scalar(select(Application).where(Application.student_id == minor.id))
    assert application is not None
    assert application.status is ApplicationStatus.ACCEPTED
    assert db.session.scalar(
        select(GuardianConsent).where(GuardianConsent.application_id == application.id)
    )
    assert "Allocated in Summer internships" in application.statement
    mail = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.to_email == left_out.user.email, OutboxMessage.kind == "round_unmatched"
        )
    )
    assert mail is not None
    assert "not placed" in mail.subject
    # ... with the link to the round's page, where they read why and what is still open
    assert f"/rounds/{round_.id}/choose" in mail.body_text
    for offering in (a, b):
        db.session.refresh(offering)
        assert offering.seats_taken <= offering.capacity
    assert a.seats_taken == 1
    assert b.seats_taken == 1


def test_publishing_twice_or_before_running_is_refused(county: County) -> None:
    round_ = open_for(county)
    with pytest.raises(DomainError, match="Run the round first"):
        publish(county.staff, round_.id)
    allocation.run_round(county.staff, round_.id)
    publish(county.staff, round_.id)
    with pytest.raises(DomainError, match="already been published"):
        publish(county.staff, round_.id)
    with pytest.raises(Forbidden):
        publish(county.employers[0], round_.id)


def test_a_seat_taken_meanwhile_goes_to_the_waitlist_not_over_capacity(app) -> None:
    county = make_county(capacities=(1,))
    (a,) = county.offerings
    round_ = open_for(county)
    (student,) = students(county, 1, born=ADULT)
    choose(round_, student, [a])
    allocation.run_round(county.staff, round_.id)
    a.seats_taken = 1  # someone was accepted directly after the run
    db.session.commit()
    counts = publish(county.staff, round_.id)
    assert counts["waitlisted"] == 1
    db.session.refresh(a)
    assert a.seats_taken == 1


def test_student_sees_their_result(app) -> None:
    county = make_county(capacities=(1,))
    round_ = open_for(county)
    (student,) = students(county, 1, born=ADULT)
    choose(round_, student, county.offerings)
    allocation.run_round(county.staff, round_.id)
    publish(county.staff, round_.id)
    page = ranking.student_round(student.user, round_.id)
    assert page.outcome is not None
    assert page.outcome.id == county.offerings[0].id
    [(listed, count, given)] = ranking.student_rounds(student.user)
    assert listed.id == round_.id
    assert count == 1
    assert given is not None


# --- scale ---------------------------------------------------------------------------------


def test_a_county_sized_round_runs_and_publishes(app) -> None:
    """Correctness at county scale (520 students, 100+ offerings). How long it takes is
    measured in ``make bench`` (tests/benchmarks/bench_round.py), not asserted here."""
    staff = make_user(roles={Role.STAFF})
    student_ids, offering_ids = bulk_county(students=520, offerings=110, capacity=3)
    round_ = opening.open_round(
        staff,
        name="County summer internships",
        deadline=in_days(3),
        offering_ids=offering_ids,
        max_choices=5,
        priority_rules=["grade_desc"],
    )
    bulk_choices(round_.id, student_ids, offering_ids, per_student=5)
    allocation.run_round(staff, round_.id)
    stats = fresh(round_).result["stats"]
    assert stats["students"] == 520
    assert stats["assigned"] + stats["unmatched"] == 520
    assert stats["assigned"] <= 330
    review = proposal.round_review(staff, round_.id)
    assert len(review.assignments) == stats["assigned"]
    counts = publish(staff, round_.id)
    assert counts["placed"] + counts["awaiting_consent"] == stats["assigned"]
    assert counts["waitlisted"] == 0
    over = db.session.scalar(
        select(func.count(Offering.id)).where(
            Offering.id.in_(offering_ids), Offering.seats_taken > Offering.capacity
        )
    )
    assert over == 0
    taken = db.session.scalar(
        select(func.sum(Offering.seats_taken)).where(Offering.id.in_(offering_ids))
    )
    assert taken == stats["assigned"]


def test_the_review_loads_in_constant_queries(app, count_queries) -> None:
    def queries_for(n: int) -> int:
        staff = make_user(roles={Role.STAFF})
        student_ids, offering_ids = bulk_county(students=n, offerings=5, capacity=1, seed=n)
        round_ = opening.open_round(
            staff, name=f"R{n}", deadline=in_days(3), offering_ids=offering_ids
        )
        bulk_choices(round_.id, student_ids, offering_ids, per_student=2, seed=n)
        allocation.run_round(staff, round_.id)
        db.session.expire_all()
        with count_queries() as counter:
            proposal.round_review(staff, round_.id)
        return counter.count

    assert queries_for(6) == queries_for(30)


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, 302),
        (Role.STUDENT, 403),
        (Role.EMPLOYER, 403),
        (Role.TEACHER, 403),
        (Role.STAFF, 200),
    ],
)
def test_staff_pages_access(client, login_as, county: County, role, expected) -> None:
    round_ = open_for(county)
    if role:
        login_as(make_user(roles={role}))
    assert client.get("/rounds/").status_code == expected
    assert client.get(f"/rounds/{round_.id}").status_code == expected


def test_district_staff_get_403_on_a_round(client, login_as, county: County) -> None:
    round_ = open_for(county)
    login_as(make_user(roles={Role.STAFF}, district=make_district()))
    assert client.get(f"/rounds/{round_.id}").status_code == 403


def test_student_and_employer_pages_access(client, login_as, county: County) -> None:
    round_ = open_for(county, ranking=RoundRanking.EMPLOYER)
    (student,) = students(county, 1)
    login_as(county.staff)
    assert client.get(f"/rounds/{round_.id}/choose").status_code == 403
    assert client.get("/rounds/employer").status_code == 403
    login_as(student.user)
    assert client.get("/rounds/mine").status_code == 200
    assert client.get(f"/rounds/{round_.id}/choose").status_code == 200
    assert client.get(f"/rounds/{round_.id + 999}/choose").status_code == 404
    login_as(county.employers[0])
    assert client.get("/rounds/employer").status_code == 200
    url = f"/rounds/{round_.id}/offerings/{county.offerings[0].id}/rank"
    assert client.get(url).status_code == 200
    login_as(county.employers[1])
    assert client.get(url).status_code == 404
    login_as(make_employer())
    assert client.get(url).status_code == 404


def _open_form(county: County, **overrides: object) -> dict[str, object]:
    deadline = in_days(5)
    data: dict[str, object] = {
        "name": "Summer 2027",
        "deadline_date": deadline.date().isoformat(),
        "deadline_time": "17:00",
        "max_choices": "4",
        "ranking": "priority",
        "priority": "grade_desc",
        "offering_ids": [str(county.offerings[0].id), str(county.offerings[1].id)],
    }
    data.update(overrides)
    return data


def test_staff_open_a_round_from_the_page(client, login_as, post_form, county: County) -> None:
    login_as(county.staff)
    page = client.get("/rounds/").get_data(as_text=True)
    assert "Internship A" in page
    assert 'name="offering_ids"' in page
    response = post_form("/rounds/", _open_form(county))
    assert response.status_code == 302
    round_ = db.session.scalar(select(AllocationRound).where(AllocationRound.name == "Summer 2027"))
    assert round_ is not None
    assert round_.priority_rules == ["grade_desc", "lottery"]
    assert {o.id for o in round_.offerings} == {county.offerings[0].id, county.offerings[1].id}


def test_select_all_filtered_offerings(client, login_as, post_form, county: County) -> None:
    make_offering(partner=county.partners[0], kind=ExperienceKind.JOB_SHADOW, title="Shadow S")
    login_as(county.staff)
    page = client.get("/rounds/?kind=internship").get_data(as_text=True)
    assert "Shadow S" not in page
    assert "Internship A" in page
    response = post_form(
        "/rounds/?kind=internship&q=Internship",
        _open_form(county, offering_ids=[], all_filtered="y"),
    )
    assert response.status_code == 302
    round_ = db.session.scalar(select(AllocationRound).where(AllocationRound.name == "Summer 2027"))
    assert round_ is not None
    assert {o.id for o in round_.offerings} >= {o.id for o in county.offerings}
    assert all(o.kind is ExperienceKind.INTERNSHIP for o in round_.offerings)


def test_open_form_shows_errors_next_to_fields(client, login_as, post_form, county: County) -> None:
    login_as(county.staff)
    past = in_days(-2)
    response = post_form(
        "/rounds/", _open_form(county, deadline_date=past.date().isoformat(), offering_ids=[])
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The deadline must be in the future." in html
    assert db.session.scalar(select(func.count(AllocationRound.id))) == 0


def test_student_ranks_from_the_page(client, login_as, post_form, county: County) -> None:
    round_ = open_for(county)
    (student,) = students(county, 1)
    login_as(student.user)
    url = f"/rounds/{round_.id}/choose"
    page = client.get(url).get_data(as_text=True)
    assert "1st choice" in page
    assert "3rd choice" in page
    a, b, _c = county.offerings
    response = post_form(url, {"choice_1": str(b.id), "choice_2": "0", "choice_3": str(a.id)})
    assert response.status_code == 302
    assert list(
        db.session.scalars(
            select(RoundChoice.offering_id)
            .where(RoundChoice.student_id == student.id)
            .order_by(RoundChoice.rank)
        )
    ) == [b.id, a.id]
    response = post_form(url, {"choice_1": str(a.id), "choice_2": str(a.id), "choice_3": "0"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "more than once" in html
    assert 'id="choice_2-error"' in html


def test_employer_ranks_from_the_page(client, login_as, post_form, county: County) -> None:
    round_ = open_for(county, ranking=RoundRanking.EMPLOYER)
    s1, s2 = students(county, 2)
    a = county.offerings[0]
    for s in (s1, s2):
        choose(round_, s, [a])
    login_as(county.employers[0])
    url = f"/rounds/{round_.id}/offerings/{a.id}/rank"
    page = client.get(url).get_data(as_text=True)
    assert s1.user.full_name in page
    assert str(s1.date_of_birth.year) not in page  # name, school and grade only
    response = post_form(url, {f"rank_{s1.id}": "1", f"rank_{s2.id}": "1"})
    assert "already has rank 1" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(RoundEmployerRank.id))) == 0
    response = post_form(url, {f"rank_{s1.id}": "2", f"rank_{s2.id}": "1"})
    assert response.status_code == 302
    assert list(
        db.session.scalars(select(RoundEmployerRank.student_id).order_by(RoundEmployerRank.rank))
    ) == [s2.id, s1.id]


def test_staff_run_and_publish_from_the_page(client, login_as, post_form, county: County) -> None:
    round_ = open_for(county)
    group = students(county, 4, born=ADULT)
    for s in group:
        choose(round_, s, county.offerings[:2])
    login_as(county.staff)
    detail = f"/rounds/{round_.id}"
    response = post_form(f"{detail}/run", {}, page=detail, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Got their 1st choice" in html
    assert "Students not placed" in html
    response = post_form(f"{detail}/publish", {}, page=detail, follow_redirects=True)
    assert "Published: 2 placed" in response.get_data(as_text=True)
    response = post_form(f"{detail}/publish", {}, page=detail, follow_redirects=True)
    assert "already been published" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Placement.id))) == 2
    login_as(group[0].user)
    assert client.get("/rounds/mine").status_code == 200


def test_run_without_csrf_is_refused(client, login_as, county: County) -> None:
    round_ = open_for(county)
    login_as(county.staff)
    assert client.post(f"/rounds/{round_.id}/run").status_code == 400
    assert fresh(round_).status is RoundStatus.OPEN


def test_cli_runs_due_rounds(app, county: County) -> None:
    round_ = open_for(county)
    round_.deadline = in_days(-1) + timedelta(hours=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["rounds", "run-due"])
    assert result.exit_code == 0, result.output
    assert "1 allocation round(s) run" in result.output
    assert fresh(round_).status is RoundStatus.PROPOSED
