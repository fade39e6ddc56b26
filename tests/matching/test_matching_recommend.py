"""Recommendations: never ineligible, complete, sorted, explained by true reasons."""

from __future__ import annotations

import gc
import math
import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from geopy.distance import great_circle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching import (
    AVAILABILITY_SLOTS,
    EXPERIENCE_TYPES,
    TRANSPORT_MAX_MILES,
    Offering,
    OfferingIndex,
    Recommendation,
    Student,
    Weights,
    effective_schedule,
    eligibility_problems,
)

TODAY = date(2025, 3, 1)
PATHWAYS = {
    1: "Patient Care",
    2: "Software and Systems Development",
    3: "Animal Science",
    4: "Welding and Materials Joining",
}
SECTORS = {
    10: "Health Science and Medical Technology",
    20: "Information and Communication Technologies",
    30: "Agriculture and Natural Resources",
    40: "Manufacturing and Product Development",
}
PATHWAY_SECTOR = {1: 10, 2: 20, 3: 30, 4: 40}
WORDS = [
    "nurse", "patient", "hospital", "software", "python", "coding", "cattle", "farm",
    "veterinary", "welding", "metal", "fabrication", "teamwork", "communication", "the",
]  # fmt: skip
PREREQS = ["survey", "resume", "interview"]
TRANSPORTS = ["car", "transit", "walk_bike", "none", "bus_pass"]
MILES_REASON = re.compile(r"^(\d+\.\d) miles from home$")
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

coords = st.one_of(st.none(), st.tuples(st.floats(38.2, 38.8), st.floats(-123.1, -122.4)))
days = st.integers(-40, 120).map(lambda n: TODAY + timedelta(days=n))
text = st.lists(st.sampled_from(WORDS), max_size=6).map(" ".join)


def subsets(items: list[str] | list[int]) -> st.SearchStrategy[frozenset]:  # type: ignore[type-arg]
    return st.frozensets(st.sampled_from(items))


@st.composite
def offering_fields(draw: st.DrawFn) -> dict[str, object]:
    place = draw(coords)
    start = draw(st.one_of(st.none(), days))
    return {
        "type": draw(st.sampled_from(EXPERIENCE_TYPES)),
        "title": draw(text),
        "text": draw(text),
        "pathway_ids": draw(subsets([1, 2, 3, 4])),
        "sector_id": draw(st.one_of(st.none(), st.sampled_from([10, 20, 30, 40]))),
        "latitude": None if place is None else place[0],
        "longitude": None if place is None else place[1],
        "virtual": draw(st.booleans()),
        "seats_left": draw(st.integers(-1, 3)),
        "start_date": start,
        "end_date": draw(st.one_of(st.none(), days)) if start else None,
        "application_deadline": draw(st.one_of(st.none(), days)),
        "minimum_age": draw(st.one_of(st.none(), st.integers(13, 18))),
        "min_grade": draw(st.one_of(st.none(), st.integers(9, 12))),
        "prerequisites": draw(subsets(PREREQS)),
        "schedule": draw(subsets(list(AVAILABILITY_SLOTS))),
    }


@st.composite
def catalogs(draw: st.DrawFn) -> list[Offering]:
    fields = draw(st.lists(offering_fields(), max_size=14))
    ids = draw(st.permutations(range(1, len(fields) + 1)))
    return [Offering(id=i, **f) for i, f in zip(ids, fields, strict=True)]  # type: ignore[arg-type]


@st.composite
def students(draw: st.DrawFn, student_id: int = 1) -> Student:
    home = draw(coords)
    return Student(
        id=student_id,
        grade=draw(st.integers(9, 12)),
        interests=draw(text),
        pathway_ids=draw(subsets([1, 2, 3, 4])),
        latitude=None if home is None else home[0],
        longitude=None if home is None else home[1],
        max_travel_miles=draw(st.sampled_from([None, 0.5, 2.0, 5.0, 10.0, 30.0])),
        transportation=draw(st.sampled_from(TRANSPORTS)),
        date_of_birth=draw(st.one_of(st.none(), st.dates(date(2006, 1, 1), date(2012, 12, 31)))),
        completed_prerequisites=draw(subsets(PREREQS)),
        experience_types_done=draw(subsets(list(EXPERIENCE_TYPES))),
        availability=draw(subsets(list(AVAILABILITY_SLOTS))),
        offerings_taken=draw(st.frozensets(st.integers(1, 16), max_size=4)),
    )


def build(offerings: list[Offering], weights: Weights | None = None) -> OfferingIndex:
    return OfferingIndex(
        offerings,
        pathway_names=PATHWAYS,
        sector_names=SECTORS,
        pathway_sectors=PATHWAY_SECTOR,
        today=TODAY,
        **({} if weights is None else {"weights": weights}),
    )


def true_miles(s: Student, o: Offering) -> float | None:
    if o.virtual or None in (s.latitude, s.longitude, o.latitude, o.longitude):
        return None
    return float(great_circle((s.latitude, s.longitude), (o.latitude, o.longitude)).miles)


def eligible(s: Student, o: Offering) -> bool:
    """The business rules, restated independently of the library's code."""
    if o.id in s.offerings_taken:
        return False
    if o.seats_left <= 0:
        return False
    if o.application_deadline is not None and o.application_deadline < TODAY:
        return False
    last_day = o.end_date or o.start_date
    if last_day is not None and last_day < TODAY:
        return False
    if o.minimum_age is not None:
        if s.date_of_birth is None:
            return False
        on, born = o.start_date or TODAY, s.date_of_birth
        age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        if age < o.minimum_age:
            return False
    if o.min_grade is not None and s.grade < o.min_grade:
        return False
    if not o.prerequisites <= s.completed_prerequisites:
        return False
    miles = true_miles(s, o)
    limit = min(
        math.inf if s.max_travel_miles is None else s.max_travel_miles,
        TRANSPORT_MAX_MILES.get(s.transportation, math.inf),
    )
    return miles is None or miles <= limit


def check_sorted(recs: list[Recommendation]) -> None:
    keys = [(-r.score, r.offering_id) for r in recs]
    assert keys == sorted(keys)
    assert all(0.0 <= r.score <= 1.0 for r in recs)


@PROPERTY
@given(catalogs(), students(), st.integers(1, 6))
def test_recommendations_are_exactly_the_eligible_offerings(
    catalog: list[Offering], student: Student, k: int
) -> None:
    index = build(catalog)
    everything = index.recommend(student, k=len(catalog) + 1)
    expected = {o.id for o in catalog if eligible(student, o)}
    assert {r.offering_id for r in everything} == expected
    # the scalar statement of the rules agrees (the app uses it to explain a refusal)
    scalar = {
        o.id for o in catalog if not eligibility_problems(student, o, TODAY, true_miles(student, o))
    }
    assert scalar == expected
    check_sorted(everything)
    top = index.recommend(student, k=k)
    assert top == everything[:k]


@PROPERTY
@given(catalogs(), students())
def test_reasons_state_true_facts(catalog: list[Offering], student: Student) -> None:
    by_id = {o.id: o for o in catalog}
    for rec in build(catalog).recommend(student, k=len(catalog)):
        offering = by_id[rec.offering_id]
        assert rec.reasons  # never a recommendation without a reason
        miles = true_miles(student, offering)
        quoted = [m.group(1) for r in rec.reasons if (m := MILES_REASON.match(r))]
        if miles is None:
            assert rec.distance_miles is None
            assert quoted == []
        else:
            assert rec.distance_miles is not None
            assert rec.distance_miles == pytest.approx(miles, abs=1e-6)
            assert quoted == [f"{round(rec.distance_miles, 1):.1f}"]
            assert abs(float(quoted[0]) - miles) <= 0.05 + 1e-6
        assert ("Virtual — no travel needed" in rec.reasons) == offering.virtual
        pathway = [r for r in rec.reasons if r.startswith("Part of your ")]
        shared = student.pathway_ids & offering.pathway_ids
        assert pathway == ([f"Part of your {PATHWAYS[min(shared)]} pathway"] if shared else [])
        for r in rec.reasons:
            if r.startswith("Matches your interest in "):
                assert offering.sector_id in {PATHWAY_SECTOR[p] for p in student.pathway_ids}
                assert r.endswith(SECTORS[offering.sector_id])
            if r.startswith("A good next step after your "):
                done = r.removeprefix("A good next step after your ").replace(" ", "_")
                assert done.replace("-", "_") in student.experience_types_done
            if r.startswith("Apply by"):
                deadline = offering.application_deadline
                assert deadline is not None
                assert 0 <= (deadline - TODAY).days <= 14
        fits = any(r.startswith("Fits your ") for r in rec.reasons)
        assert fits == bool(student.availability & effective_schedule(offering))


@PROPERTY
@given(catalogs(), st.lists(students(), min_size=1, max_size=4))
def test_batch_equals_single_and_students_for_agrees(
    catalog: list[Offering], people: list[Student]
) -> None:
    people = [replace(s, id=i) for i, s in enumerate(people)]
    index = build(catalog)
    batch = index.recommend_many(people, k=5)
    assert batch == {s.id: index.recommend(s, k=5) for s in people}
    for offering in catalog:
        fits = index.students_for(offering.id, people, k=len(people))
        assert {f.student_id for f in fits} == {s.id for s in people if eligible(s, offering)}
        assert [(-f.score, f.student_id) for f in fits] == sorted(
            (-f.score, f.student_id) for f in fits
        )
        for fit in fits:
            student = people[fit.student_id]
            mine = {r.offering_id: r for r in index.recommend(student, k=len(catalog))}
            assert fit.score == pytest.approx(mine[offering.id].score, abs=1e-12)
            assert "from home" not in " ".join(fit.reasons)  # the employer view says "away"


@PROPERTY
@given(catalogs(), students(), st.randoms(use_true_random=False))
def test_catalog_order_does_not_matter(
    catalog: list[Offering], student: Student, rnd: object
) -> None:
    shuffled = list(catalog)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert build(catalog).recommend(student, k=5) == build(shuffled).recommend(student, k=5)


# ---------------------------------------------------------------- worked examples

HOME = (38.44, -122.71)


def offering(oid: int, kind: str = "job_shadow", **fields: object) -> Offering:
    base: dict[str, object] = {
        "title": "Hospital job shadow",
        "text": "Shadow a nurse caring for patients at the hospital",
        "pathway_ids": frozenset({1}),
        "sector_id": 10,
        "latitude": 38.45,
        "longitude": -122.70,
        "seats_left": 2,
        "start_date": TODAY + timedelta(days=30),
    }
    base.update(fields)
    return Offering(id=oid, type=kind, **base)  # type: ignore[arg-type]


def student(**fields: object) -> Student:
    base: dict[str, object] = {
        "id": 1,
        "grade": 11,
        "interests": "nursing, helping patients",
        "pathway_ids": frozenset({1}),
        "latitude": HOME[0],
        "longitude": HOME[1],
        "max_travel_miles": 15.0,
        "date_of_birth": date(2008, 5, 1),
    }
    base.update(fields)
    return Student(**base)  # type: ignore[arg-type]


def score_of(index: OfferingIndex, s: Student, oid: int) -> float:
    recs = {r.offering_id: r for r in index.recommend(s, k=100)}
    return recs[oid].score


def test_continuum_next_steps_rise_after_a_guest_speaker() -> None:
    index = build(
        [offering(1, "workplace_visit"), offering(2, "job_shadow"), offering(3, "internship")]
    )
    after_speaker = student(experience_types_done=frozenset({"guest_speaker"}))
    visit, shadow, internship = (score_of(index, after_speaker, i) for i in (1, 2, 3))
    assert shadow > internship
    assert visit > internship
    recs = index.recommend(after_speaker, k=3)
    assert recs[0].offering_id == 2
    assert "A good next step after your guest speaker" in recs[0].reasons
    # once a job shadow is done, the internship becomes the next step
    after_shadow = student(experience_types_done=frozenset({"guest_speaker", "job_shadow"}))
    assert score_of(index, after_shadow, 3) > score_of(index, after_shadow, 2)


def test_closer_scores_higher_and_virtual_and_unknown_places() -> None:
    near = offering(1, latitude=38.445, longitude=-122.71)
    far = offering(2, latitude=38.60, longitude=-122.71)
    virtual = offering(3, virtual=True, latitude=None, longitude=None)
    nowhere = offering(4, latitude=None, longitude=None)
    recs = {r.offering_id: r for r in build([near, far, virtual, nowhere]).recommend(student())}
    assert recs[1].score > recs[2].score
    assert recs[3].distance_miles is None
    assert "Virtual — no travel needed" in recs[3].reasons
    # unknown place: still eligible, no distance claim, no distance bonus
    assert recs[4].distance_miles is None
    assert not any("miles" in r for r in recs[4].reasons)
    assert recs[4].score < recs[2].score
    quoted = next(r for r in recs[2].reasons if r.endswith("miles from home"))
    assert quoted == f"{great_circle(HOME, (38.60, -122.71)).miles:.1f} miles from home"


def test_travel_limit_and_transport() -> None:
    far = offering(1, latitude=38.60, longitude=-122.71)  # about 11 miles
    index = build([far, offering(2, virtual=True)])

    def ids(s: Student) -> set[int]:
        return {r.offering_id for r in index.recommend(s)}

    assert ids(student(max_travel_miles=20.0)) == {1, 2}
    assert ids(student(max_travel_miles=5.0)) == {2}
    assert ids(student(transportation="none")) == {2}
    assert ids(student(transportation="transit")) == {1, 2}  # transit: up to 15 miles
    assert ids(student(max_travel_miles=None, transportation="walk_bike")) == {2}
    assert ids(student(max_travel_miles=None)) == {1, 2}


def test_age_grade_prerequisites_seats_and_dates() -> None:
    start = TODAY + timedelta(days=30)
    sixteen_on_start = date(start.year - 16, start.month, start.day)
    catalog = [
        offering(1, minimum_age=16),
        offering(2, min_grade=12),
        offering(3, prerequisites=frozenset({"resume"})),
        offering(4, seats_left=0),
        offering(5, application_deadline=TODAY),
        offering(6, application_deadline=TODAY - timedelta(days=1)),
        offering(7, start_date=TODAY - timedelta(days=10), end_date=TODAY - timedelta(days=1)),
        offering(8, start_date=TODAY - timedelta(days=10), end_date=TODAY + timedelta(days=5)),
    ]
    index = build(catalog)

    def ids(s: Student) -> set[int]:
        return {r.offering_id for r in index.recommend(s, k=20)}

    assert ids(student(date_of_birth=sixteen_on_start)) == {1, 5, 8}
    assert ids(student(date_of_birth=sixteen_on_start + timedelta(days=1))) == {5, 8}
    assert ids(student(date_of_birth=None)) == {5, 8}
    assert ids(student(grade=12, completed_prerequisites=frozenset({"resume"}))) >= {2, 3}
    # a later day: the deadline of 5 has passed; the index answers for any day
    later = {r.offering_id for r in index.recommend(student(), today=TODAY + timedelta(days=1))}
    assert 5 not in later


def test_offerings_taken_are_never_recommended_and_the_next_best_fill_in() -> None:
    """A student's application, placement or completed placement is not offered to them
    again, in the batch and in the offering's view alike; k is still filled."""
    index = build([offering(i) for i in (1, 2, 3, 4)])
    free, busy = student(id=1), student(id=2, offerings_taken=frozenset({2, 3, 99}))
    assert [r.offering_id for r in index.recommend(free, k=2)] == [1, 2]
    assert [r.offering_id for r in index.recommend(busy, k=2)] == [1, 4]
    assert index.recommend_many([free, busy], k=4) == {
        1: index.recommend(free, k=4),
        2: index.recommend(busy, k=4),
    }
    assert [f.student_id for f in index.students_for(2, [free, busy])] == [1]
    assert eligibility_problems(busy, offering(3), TODAY) == ("taken",)


def test_ties_are_broken_by_offering_id() -> None:
    twins = [offering(i) for i in (9, 3, 5)]
    assert [r.offering_id for r in build(twins).recommend(student())] == [3, 5, 9]
    fits = build(twins).students_for(5, [student(id=8), student(id=2)])
    assert [f.student_id for f in fits] == [2, 8]


def test_reasons_for_a_strong_match() -> None:
    index = build([offering(1, application_deadline=TODAY + timedelta(days=3))])
    (rec,) = index.recommend(student(availability=frozenset({"after_school"})), k=5)
    assert rec.reasons[0] == "Part of your Patient Care pathway"
    assert any(r.startswith("Related to your interests: ") and "patients" in r for r in rec.reasons)
    assert "Apply by Mar 4 (3 days left)" in rec.reasons


ANA = (  # the demo student of issue 14, §6.2
    "I want to become a nurse. I like helping people feel better and I'm curious how labs "
    "test samples; I volunteer at a senior center on weekends."
)


WROTE_REASON = re.compile(r"^You wrote “(.+)” → (.+)$")


def _interests(reasons: tuple[str, ...]) -> list[str]:
    """The student's words the reasons name: quoted ("You wrote “nurse” → Patient Care")
    or listed ("Related to your interests: nurse")."""
    prefix = "Related to your interests: "
    named = [m.group(1) for r in reasons if (m := WROTE_REASON.match(r))]
    return named + [r.removeprefix(prefix) for r in reasons if r.startswith(prefix)]


def test_shared_interests_name_telling_words_only() -> None:
    """Issue 14 §6.2: "Related to your interests: samples, want, nurse". Filler ("want",
    "like", "samples" as in work samples) is no interest, and a word most of the catalog
    uses ("questions" here) tells the student nothing about this offering."""
    clinic = offering(
        1,
        title="Clinic job shadow",
        text="Shadow a nurse. Students who want to bring work samples and like questions.",
    )
    others = [
        offering(
            i,
            title=f"Shadow {i}",
            text=f"Shadow a {trade} and ask questions.",
            pathway_ids=frozenset(),
            sector_id=None,
        )
        for i, trade in enumerate(["welder", "coder", "farmer", "baker"] * 3, start=2)
    ]
    ana = student(interests=ANA + " I have lots of questions.", pathway_ids=frozenset())
    (rec,) = [r for r in build([clinic, *others]).recommend(ana, k=20) if r.offering_id == 1]
    assert _interests(rec.reasons) == ["nurse"]


def test_a_word_of_a_small_catalog_is_not_too_common_to_name() -> None:
    """The share rule needs enough offerings to mean something: in a catalog of three, the
    word two of them use is still a reason."""
    catalog = [
        offering(1, text="Shadow a nurse"),
        offering(2, text="Intern with a nurse"),
        offering(3, text="Weld metal", pathway_ids=frozenset(), sector_id=None),
    ]
    recs = build(catalog).recommend(student(interests="nurse", pathway_ids=frozenset()), k=3)
    assert all(_interests(r.reasons) == ["nurse"] for r in recs if r.offering_id in (1, 2))


def test_degenerate_catalogs() -> None:
    assert build([]).recommend(student()) == []
    assert build([]).recommend_many([student()]) == {1: []}
    only_stop_words = build([offering(1, title="the", text="and the of")])
    assert [r.offering_id for r in only_stop_words.recommend(student())] == [1]
    with pytest.raises(KeyError):
        only_stop_words.students_for(99, [student()])
    assert build([offering(1, seats_left=0)]).students_for(1, [student()]) == []
    with pytest.raises(ValueError, match="unique"):
        build([offering(1), offering(1)])


def test_validation() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        Weights(distance=-1.0)
    with pytest.raises(ValueError, match="common_word_share"):
        Weights(common_word_share=0.0)
    with pytest.raises(ValueError, match="experience type"):
        Offering(id=1, type="apprenticeship")
    with pytest.raises(ValueError, match="slot"):
        Student(id=1, grade=9, availability=frozenset({"evenings"}))


def test_weights_steer_the_ranking() -> None:
    text_match = offering(1, pathway_ids=frozenset(), sector_id=None, latitude=38.6)
    close_by = offering(
        2, text="Welding metal fabrication", pathway_ids=frozenset(), sector_id=None
    )
    s = student(pathway_ids=frozenset())
    by_text = build([text_match, close_by], Weights(distance=0.0))
    # the words read as pathways are relevance too: off as well
    by_distance = build([text_match, close_by], Weights(interest_text=0.0, understood_factor=0.0))
    assert by_text.recommend(s)[0].offering_id == 1
    assert by_distance.recommend(s)[0].offering_id == 2


def test_large_batch_matches_single_requests_and_restores_the_collector() -> None:
    catalog = [
        offering(i, kind, latitude=38.40 + i * 0.003, text=f"nurse patient clinic {i}")
        for i, kind in enumerate(EXPERIENCE_TYPES * 8, start=1)
    ]
    people = [
        student(id=i, latitude=38.40 + (i % 50) * 0.004, grade=9 + i % 4) for i in range(1200)
    ]
    index = build(catalog)
    assert gc.isenabled()
    batch = index.recommend_many(people, k=3)
    assert gc.isenabled()
    assert len(batch) == len(people)
    for s in people[::97]:
        assert batch[s.id] == index.recommend(s, k=3)
