"""The pathway rule engine on plain snapshots (no database): every shipped rule kind, its
parameters, its edge cases and its status bands."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wbl.credentials.models import EarnedStatus, Subject, WorkKeysTest
from wbl.pathways.models import RuleKind
from wbl.pathways.rules import (
    CatalogCredential,
    CertificateParams,
    CertificateSubject,
    EarnedCredential,
    Experience,
    HoursParams,
    ParamsError,
    PointsParams,
    Policy,
    Rule,
    Status,
    StudentRecord,
    WorkKeysResult,
    WorkKeysRule,
    applicable,
    evaluate,
    evaluate_all,
    overall,
    overall_status,
    params_json,
    parse_params,
    status,
)

TODAY = date(2026, 11, 24)
HEALTH, IT = 1, 2
DISTRICT, OTHER_DISTRICT = 10, 11

CNA = CatalogCredential(1, "Certified Nursing Assistant", "State Board", HEALTH, "Health", 6)
CPR = CatalogCredential(2, "CPR and First Aid", "American Heart Association", HEALTH, "Health", 3)
PHLEB = CatalogCredential(3, "Phlebotomy Technician", "NHA", HEALTH, "Health", 4)
EKG = CatalogCredential(4, "EKG Technician", "NHA", HEALTH, "Health", 1)
APLUS = CatalogCredential(5, "CompTIA A+", "CompTIA", IT, "Information Technology", 6)
NETP = CatalogCredential(6, "CompTIA Network+", "CompTIA", IT, "Information Technology", 6)
CATALOG = (CNA, CPR, PHLEB, EKG, APLUS, NETP)

ALL_4 = {
    WorkKeysTest.APPLIED_MATH: 4,
    WorkKeysTest.GRAPHIC_LITERACY: 4,
    WorkKeysTest.WORKPLACE_DOCUMENTS: 4,
}


def earned(
    credential: CatalogCredential,
    status: EarnedStatus = EarnedStatus.VERIFIED,
    expires_on: date | None = None,
) -> EarnedCredential:
    return EarnedCredential(credential, status, TODAY - timedelta(days=100), expires_on)


def scores(levels: dict[WorkKeysTest, int]) -> tuple[WorkKeysResult, ...]:
    return tuple(
        WorkKeysResult(t, level, TODAY - timedelta(days=30)) for t, level in levels.items()
    )


def record(**overrides: object) -> StudentRecord:
    values: dict[str, object] = {
        "student_id": 1,
        "district_id": DISTRICT,
        "graduation_year": 2027,
        "catalog": CATALOG,
    }
    values.update(overrides)
    return StudentRecord(**values)  # type: ignore[arg-type]


def points_rule(workkeys: WorkKeysRule = WorkKeysRule.TOTAL_14, points: int = 12) -> Rule:
    return Rule(1, RuleKind.CREDENTIAL_POINTS, "Credentials", PointsParams(points, workkeys))


def hours_rule(hours: int = 250, *, single: bool = False) -> Rule:
    return Rule(2, RuleKind.WBL_HOURS, "Hours", HoursParams(hours, single))


def cert_rule(subject: CertificateSubject) -> Rule:
    return Rule(3, RuleKind.DISTRICT_CERTIFICATE, "Certificate", CertificateParams(subject))


# --- credential points ---------------------------------------------------------------------


def test_the_summary_reads_points_in_the_field_and_the_workkeys_total() -> None:
    student = record(credentials=(earned(CNA), earned(CPR), earned(APLUS)), workkeys=scores(ALL_4))
    progress = evaluate(points_rule(), student, TODAY)
    assert progress.summary == (
        "9 of 12 points in Health; WorkKeys 12 of 14: "
        "Applied Math 4, Graphic Literacy 4, Workplace Documents 4"
    )
    assert not progress.met
    assert progress.status is Status.CLOSE  # 75 % of the points, WorkKeys within 2
    assert progress.field_name == "Health"
    assert [(p.have, p.need) for p in progress.parts] == [(9, 12), (12, 14)]
    assert progress.missing[0].startswith("3 more points in Health")
    assert "2 more WorkKeys levels for a total of 14" in progress.missing[1]
    # Phlebotomy (4) closes the 3-point gap alone; then the others by points.
    assert [c.name for c in progress.candidates] == ["Phlebotomy Technician", "EKG Technician"]
    assert progress.fewest_needed == 1


def test_bundling_across_two_career_fields_does_not_count() -> None:
    student = record(credentials=(earned(CNA), earned(APLUS)), workkeys=scores(ALL_4))
    progress = evaluate(points_rule(WorkKeysRule.TOTAL_13, points=12), student, TODAY)
    assert not progress.met  # 6 + 6 in two fields
    assert progress.summary.startswith("6 of 12 points in ")


def test_twelve_points_in_one_field_and_workkeys_meet_the_rule() -> None:
    student = record(
        credentials=(earned(APLUS), earned(NETP), earned(CPR)),
        workkeys=scores(
            {
                WorkKeysTest.APPLIED_MATH: 5,
                WorkKeysTest.GRAPHIC_LITERACY: 5,
                WorkKeysTest.WORKPLACE_DOCUMENTS: 4,
            }
        ),
    )
    progress = evaluate(points_rule(), student, TODAY)
    assert progress.met
    assert progress.status is Status.MET
    assert progress.summary.startswith("12 of 12 points in Information Technology; WorkKeys 14")
    assert progress.missing == ()
    assert progress.candidates == ()


def test_an_expired_credential_does_not_count_but_one_expiring_today_does() -> None:
    rule = points_rule()
    base = (earned(CNA), earned(CPR))
    today_ok = record(credentials=(*base, earned(PHLEB, expires_on=TODAY)))
    yesterday = record(credentials=(*base, earned(PHLEB, expires_on=TODAY - timedelta(days=1))))
    assert evaluate(rule, today_ok, TODAY).parts[0].have == 13
    late = evaluate(rule, yesterday, TODAY)
    assert late.parts[0].have == 9
    assert any("Phlebotomy Technician expired on November 23, 2026" in m for m in late.missing)
    assert PHLEB in late.candidates  # renewing it closes the gap


@pytest.mark.parametrize("status", [EarnedStatus.REJECTED, EarnedStatus.PENDING])
def test_a_rejected_or_pending_credential_does_not_count(status: EarnedStatus) -> None:
    student = record(credentials=(earned(CNA), earned(PHLEB, status), earned(CPR)))
    progress = evaluate(points_rule(), student, TODAY)
    assert progress.parts[0].have == 9
    waiting = [m for m in progress.missing if "waiting for verification" in m]
    assert bool(waiting) is (status is EarnedStatus.PENDING)
    if status is EarnedStatus.PENDING:
        assert PHLEB not in progress.candidates  # already on its way


def test_the_same_credential_recorded_twice_counts_once() -> None:
    student = record(credentials=(earned(CNA), earned(CNA)))
    assert evaluate(points_rule(), student, TODAY).parts[0].have == 6


@pytest.mark.parametrize(
    ("levels", "rule", "met"),
    [
        ((4, 4, 5), WorkKeysRule.TOTAL_13, True),
        ((4, 4, 4), WorkKeysRule.TOTAL_13, False),
        ((3, 5, 5), WorkKeysRule.TOTAL_13, True),
        ((4, 5, 5), WorkKeysRule.TOTAL_14, True),
        ((4, 4, 5), WorkKeysRule.TOTAL_14, False),
        ((3, 5, 6), WorkKeysRule.TOTAL_14, True),
        ((3, 5, 6), WorkKeysRule.EACH_4, False),  # a total of 14 is not 4 on each
        ((4, 4, 4), WorkKeysRule.EACH_4, True),
        ((7, 7, 3), WorkKeysRule.EACH_4, False),
    ],
)
def test_workkeys_score_rules(levels: tuple[int, int, int], rule: WorkKeysRule, met: bool) -> None:
    tests = (
        WorkKeysTest.APPLIED_MATH,
        WorkKeysTest.GRAPHIC_LITERACY,
        WorkKeysTest.WORKPLACE_DOCUMENTS,
    )
    student = record(
        credentials=(earned(CNA), earned(PHLEB), earned(CPR)),
        workkeys=scores(dict(zip(tests, levels, strict=True))),
    )
    assert evaluate(points_rule(rule), student, TODAY).met is met


def test_each_4_summary_marks_short_and_missing_tests() -> None:
    student = record(
        credentials=(earned(CNA),),
        workkeys=scores({WorkKeysTest.APPLIED_MATH: 4, WorkKeysTest.GRAPHIC_LITERACY: 3}),
    )
    progress = evaluate(points_rule(WorkKeysRule.EACH_4), student, TODAY)
    assert progress.summary == (
        "6 of 12 points in Health; WorkKeys: Applied Math 4, Graphic Literacy 3 (needs 4), "
        "Workplace Documents not taken"
    )
    assert "WorkKeys Graphic Literacy at level 4 (best so far 3)." in progress.missing
    assert "Take the WorkKeys Workplace Documents test and reach level 4." in progress.missing


def test_a_missing_test_reads_not_taken_in_a_total_rule() -> None:
    student = record(workkeys=scores({WorkKeysTest.APPLIED_MATH: 5}))
    progress = evaluate(points_rule(), student, TODAY)
    assert progress.summary.endswith(
        "WorkKeys 5 of 14: Applied Math 5, Graphic Literacy not taken, "
        "Workplace Documents not taken"
    )


def test_the_best_score_per_test_counts_across_attempts() -> None:
    attempts = (
        WorkKeysResult(WorkKeysTest.APPLIED_MATH, 3, date(2025, 1, 10)),
        WorkKeysResult(WorkKeysTest.APPLIED_MATH, 6, date(2025, 5, 10)),
        WorkKeysResult(WorkKeysTest.APPLIED_MATH, 4, date(2026, 1, 10)),  # a later, worse try
        WorkKeysResult(WorkKeysTest.GRAPHIC_LITERACY, 4, date(2025, 5, 10)),
        WorkKeysResult(WorkKeysTest.WORKPLACE_DOCUMENTS, 4, date(2025, 5, 10)),
    )
    progress = evaluate(points_rule(), record(workkeys=attempts), TODAY)
    assert "WorkKeys 14 of 14: Applied Math 6," in progress.summary


def test_a_student_with_nothing_has_not_started_and_sees_their_own_field() -> None:
    progress = evaluate(points_rule(), record(career_field_ids=(IT,)), TODAY)
    assert progress.status is Status.NOT_STARTED
    assert progress.summary.startswith("0 of 12 points in Information Technology;")
    assert [c.name for c in progress.candidates] == ["CompTIA A+", "CompTIA Network+"]
    assert progress.fewest_needed == 2


def test_a_tie_between_fields_goes_to_the_students_chosen_field() -> None:
    student = record(credentials=(earned(CNA), earned(APLUS)), career_field_ids=(IT,))
    assert evaluate(points_rule(), student, TODAY).field_name == "Information Technology"


def test_some_points_without_workkeys_is_on_track() -> None:
    student = record(credentials=(earned(CNA), earned(PHLEB)))
    assert evaluate(points_rule(), student, TODAY).status is Status.ON_TRACK


@given(
    st.lists(
        st.tuples(st.sampled_from([HEALTH, IT]), st.integers(min_value=0, max_value=12)),
        max_size=8,
    )
)
def test_points_never_add_up_across_fields(held: list[tuple[int, int]]) -> None:
    credentials = tuple(
        earned(
            CatalogCredential(
                100 + i, f"C{i}", "Issuer", sector, "Health" if sector == HEALTH else "IT", pts
            )
        )
        for i, (sector, pts) in enumerate(held)
    )
    progress = evaluate(points_rule(), record(credentials=credentials, catalog=()), TODAY)
    per_field = {sector: sum(p for s, p in held if s == sector) for sector in (HEALTH, IT)}
    assert progress.parts[0].have == max(per_field.values())
    assert (progress.parts[0].have >= 12) is any(v >= 12 for v in per_field.values())


# --- work-based learning hours -------------------------------------------------------------


def experience(
    n: int,
    hours: float,
    ratings: tuple[int | None, ...] | None = (3, 4, None),
    *,
    done: bool = True,
) -> Experience:
    return Experience(n, f"Internship {n}", done, int(hours * 60), ratings)


def test_hours_of_positive_completed_placements_add_up() -> None:
    student = record(experiences=(experience(1, 150), experience(2, 100)))
    progress = evaluate(hours_rule(), student, TODAY)
    assert progress.met
    assert progress.summary == "250 of 250 hours of work-based learning with positive evaluations"


def test_hours_with_a_negative_evaluation_do_not_count() -> None:
    student = record(experiences=(experience(1, 200), experience(2, 100, (4, 2, 3))))
    progress = evaluate(hours_rule(), student, TODAY)
    assert not progress.met
    assert progress.parts[0].have == 200
    assert progress.status is Status.CLOSE  # 200 of 250 is 80 %
    assert progress.missing == (
        "50 more confirmed hours on a completed placement with a positive evaluation.",
        "Internship 2 (100 hours) does not count: its evaluation rates something below Meets.",
    )


@pytest.mark.parametrize(
    ("ratings", "done", "counts"),
    [
        (None, True, False),  # not evaluated yet
        ((3, 3), False, False),  # still active
        ((None, None), True, False),  # nothing rated: no positive evidence
        ((3, None, 4), True, True),  # N/A ignored
        ((3, 3, 1), True, False),  # an outcome rated "does not meet"
    ],
)
def test_what_makes_a_placement_qualify(
    ratings: tuple[int | None, ...] | None, done: bool, counts: bool
) -> None:
    student = record(experiences=(experience(1, 250, ratings, done=done),))
    assert evaluate(hours_rule(), student, TODAY).met is counts


def test_single_experience_needs_one_placement_to_reach_the_hours() -> None:
    student = record(experiences=(experience(1, 150), experience(2, 120.5)))
    assert evaluate(hours_rule(), student, TODAY).met
    single = evaluate(hours_rule(single=True), student, TODAY)
    assert not single.met
    assert single.summary.startswith("150 of 250 hours in one work-based learning experience")
    assert single.missing[0].startswith("100 more confirmed hours in that one experience")
    assert evaluate(hours_rule(150, single=True), student, TODAY).met


def test_hours_status_bands() -> None:
    assert evaluate(hours_rule(), record(), TODAY).status is Status.NOT_STARTED
    some = record(experiences=(experience(1, 100.5),))
    assert evaluate(hours_rule(), some, TODAY).status is Status.ON_TRACK
    assert evaluate(hours_rule(), some, TODAY).summary.startswith("100.5 of 250 hours")


# --- district certificate ------------------------------------------------------------------


def policy(
    credential: CatalogCredential,
    subject: Subject,
    *,
    accepted: bool = True,
    district: int = DISTRICT,
) -> Policy:
    return Policy(district, credential.credential_id, accepted, subject)


@pytest.mark.parametrize(
    ("policy_subject", "wanted", "met"),
    [
        (Subject.ENGLISH, CertificateSubject.ENGLISH, True),
        (Subject.ENGLISH, CertificateSubject.MATH, False),
        (Subject.BOTH, CertificateSubject.ENGLISH, True),
        (Subject.BOTH, CertificateSubject.MATH, True),
        (Subject.MATH, CertificateSubject.EITHER, True),
        (Subject.NEITHER, CertificateSubject.EITHER, False),  # accepted, counts for neither
        (Subject.NEITHER, CertificateSubject.ENGLISH, False),
    ],
)
def test_a_district_accepted_certificate_counts_for_its_subject(
    policy_subject: Subject, wanted: CertificateSubject, met: bool
) -> None:
    student = record(credentials=(earned(APLUS),), policies=(policy(APLUS, policy_subject),))
    progress = evaluate(cert_rule(wanted), student, TODAY)
    assert progress.met is met
    if met:
        assert progress.summary == f"Met for {wanted.label} with CompTIA A+"


def test_students_sharing_a_districts_policies_each_get_their_own_answer() -> None:
    """The accepted credentials are remembered per tuple of policies: students sharing the
    tuple get the same answer, a new tuple (the district changed its mind) a fresh one."""
    shared = (policy(APLUS, Subject.MATH),)
    holder = record(credentials=(earned(APLUS),), policies=shared)
    other = record(student_id=2, policies=shared)
    rule = cert_rule(CertificateSubject.MATH)
    assert evaluate(rule, holder, TODAY).met
    assert not evaluate(rule, other, TODAY).met
    assert evaluate(rule, holder, TODAY).met
    changed = record(credentials=(earned(APLUS),), policies=(policy(APLUS, Subject.ENGLISH),))
    assert not evaluate(rule, changed, TODAY).met
    assert evaluate(cert_rule(CertificateSubject.ENGLISH), changed, TODAY).met


def test_a_certificate_not_accepted_for_graduation_does_not_count() -> None:
    student = record(
        credentials=(earned(APLUS),), policies=(policy(APLUS, Subject.MATH, accepted=False),)
    )
    assert not evaluate(cert_rule(CertificateSubject.MATH), student, TODAY).met


def test_another_districts_policy_does_not_count() -> None:
    student = record(
        credentials=(earned(APLUS),),
        policies=(policy(APLUS, Subject.MATH, district=OTHER_DISTRICT),),
    )
    progress = evaluate(cert_rule(CertificateSubject.MATH), student, TODAY)
    assert not progress.met
    assert progress.candidates == ()  # nothing the student's district accepts


@pytest.mark.parametrize(
    ("status", "expires_on", "expected"),
    [
        (EarnedStatus.VERIFIED, TODAY, Status.MET),
        (EarnedStatus.VERIFIED, TODAY - timedelta(days=1), Status.NOT_STARTED),
        (EarnedStatus.REJECTED, None, Status.NOT_STARTED),
        (EarnedStatus.PENDING, None, Status.CLOSE),
    ],
)
def test_a_certificate_must_be_verified_and_current(
    status: EarnedStatus, expires_on: date | None, expected: Status
) -> None:
    student = record(
        credentials=(earned(APLUS, status, expires_on),),
        policies=(policy(APLUS, Subject.ENGLISH),),
    )
    assert evaluate(cert_rule(CertificateSubject.ENGLISH), student, TODAY).status is expected


def test_missing_certificate_suggests_what_the_district_accepts_own_field_first() -> None:
    student = record(
        career_field_ids=(HEALTH,),
        policies=(
            policy(APLUS, Subject.MATH),
            policy(CNA, Subject.BOTH),
            policy(NETP, Subject.ENGLISH),
        ),
    )
    progress = evaluate(cert_rule(CertificateSubject.MATH), student, TODAY)
    assert progress.summary == "No district-accepted certificate for math yet"
    assert [c.name for c in progress.candidates] == ["Certified Nursing Assistant", "CompTIA A+"]


# --- classes, parameters, overall ----------------------------------------------------------


def test_rules_apply_to_their_graduating_classes_only() -> None:
    before = Rule(
        1, RuleKind.CREDENTIAL_POINTS, "13", PointsParams(12, WorkKeysRule.TOTAL_13), None, 2019
    )
    after = Rule(2, RuleKind.CREDENTIAL_POINTS, "14", PointsParams(), 2020, None)
    window = Rule(3, RuleKind.WBL_HOURS, "h", HoursParams(), 2026, 2027)
    assert [r.id for r in applicable([before, after, window], 2019)] == [1]
    assert [r.id for r in applicable([before, after, window], 2020)] == [2]
    assert [r.id for r in applicable([before, after, window], 2027)] == [2, 3]
    assert [
        p.rule.id
        for p in evaluate_all([before, after, window], record(graduation_year=2028), TODAY)
    ] == [2]


def test_overall_is_the_best_status() -> None:
    rules = [points_rule(), hours_rule()]
    student = record(experiences=(experience(1, 250),))
    progress = evaluate_all(rules, student, TODAY)
    assert [p.status for p in progress] == [Status.NOT_STARTED, Status.MET]
    assert overall(progress) is Status.MET
    assert overall([]) is None


def test_params_default_and_round_trip() -> None:
    assert parse_params(RuleKind.CREDENTIAL_POINTS, {}) == PointsParams(12, WorkKeysRule.TOTAL_14)
    assert parse_params(RuleKind.WBL_HOURS, {}) == HoursParams(250, False)
    for kind, params in [
        (RuleKind.CREDENTIAL_POINTS, PointsParams(10, WorkKeysRule.EACH_4)),
        (RuleKind.WBL_HOURS, HoursParams(120, True)),
        (RuleKind.DISTRICT_CERTIFICATE, CertificateParams(CertificateSubject.MATH)),
    ]:
        assert parse_params(kind, params_json(params)) == params


@pytest.mark.parametrize(
    ("kind", "raw", "message", "field"),
    [
        (RuleKind.CREDENTIAL_POINTS, {"points": 0}, "Points must be from 1 to 100.", "points"),
        (RuleKind.CREDENTIAL_POINTS, {"points": "12"}, "Points must be a whole number.", "points"),
        (RuleKind.CREDENTIAL_POINTS, {"points": True}, "Points must be a whole number.", "points"),
        (
            RuleKind.CREDENTIAL_POINTS,
            {"workkeys": "total_15"},
            "Choose workkeys from: total_13, total_14, each_4.",
            "workkeys",
        ),
        (RuleKind.WBL_HOURS, {"hours": -5}, "Hours must be from 1 to 5000.", "hours"),
        (
            RuleKind.WBL_HOURS,
            {"single_experience": "yes"},
            "Single experience must be yes or no.",
            "single_experience",
        ),
        (
            RuleKind.DISTRICT_CERTIFICATE,
            {"subject": "both"},
            "Choose subject from: english, math, either.",
            "subject",
        ),
        (
            RuleKind.DISTRICT_CERTIFICATE,
            {"subject": "math", "hours": 3},
            "Unknown setting for this kind of rule: hours.",
            "hours",
        ),
    ],
)
def test_bad_params_are_refused_clearly(
    kind: RuleKind, raw: dict[str, object], message: str, field: str
) -> None:
    with pytest.raises(ParamsError) as caught:
        parse_params(kind, raw)
    assert caught.value.message == message
    assert caught.value.field == field


# --- hours waiting to count, pending certificates, expired-only fields, lists ---------------


@pytest.mark.parametrize(
    ("placement", "waiting"),
    [
        (experience(1, 240, None, done=False), "wait for the placement to end with a positive"),
        (experience(1, 240, (3, 4), done=False), "wait for the placement to end."),
        (experience(1, 240, None), "wait for the supervisor's positive evaluation"),
    ],
)
def test_confirmed_hours_not_yet_counted_show_how_close_the_student_is(
    placement: Experience, waiting: str
) -> None:
    progress = evaluate(hours_rule(), record(experiences=(placement,)), TODAY)
    assert not progress.met
    assert progress.status is Status.CLOSE  # 240 of 250 confirmed, waiting to count
    assert progress.parts[0].have == 0
    assert progress.summary == (
        "0 of 250 hours of work-based learning with positive evaluations; "
        "240 confirmed hours waiting"
    )
    assert any(f"240 confirmed hours {waiting}" in line for line in progress.missing)


def test_waiting_hours_band_the_status_but_negative_evaluations_do_not() -> None:
    waiting = record(experiences=(experience(1, 100, None, done=False),))
    assert evaluate(hours_rule(), waiting, TODAY).status is Status.ON_TRACK
    negative = record(experiences=(experience(1, 240, (3, 2)),))
    assert evaluate(hours_rule(), negative, TODAY).status is Status.NOT_STARTED
    assert evaluate(hours_rule(), negative, TODAY).summary == (
        "0 of 250 hours of work-based learning with positive evaluations"
    )
    mixed = record(experiences=(experience(1, 150), experience(2, 60, None, done=False)))
    progress = evaluate(hours_rule(), mixed, TODAY)
    assert progress.status is Status.CLOSE  # 210 of 250 once the second one counts
    assert progress.summary.startswith("150 of 250 hours")
    single = evaluate(hours_rule(single=True), mixed, TODAY)
    assert single.status is Status.ON_TRACK  # one experience: 150, the best of the two
    assert single.summary.endswith("with a positive evaluation; 60 confirmed hours waiting")


def test_a_certificate_already_pending_is_not_suggested() -> None:
    student = record(
        credentials=(earned(APLUS, EarnedStatus.PENDING),),
        policies=(policy(APLUS, Subject.MATH), policy(NETP, Subject.MATH)),
    )
    progress = evaluate(cert_rule(CertificateSubject.MATH), student, TODAY)
    assert progress.status is Status.CLOSE
    assert [c.name for c in progress.candidates] == ["CompTIA Network+"]


def test_only_expired_credentials_still_pick_the_field_and_ask_to_renew() -> None:
    student = record(credentials=(earned(CNA, expires_on=TODAY - timedelta(days=1)),))
    progress = evaluate(points_rule(), student, TODAY)
    assert progress.field_name == "Health"
    assert progress.summary.startswith("0 of 12 points in Health;")
    assert (
        "Certified Nursing Assistant expired on November 23, 2026; renew it to count it again."
        in progress.missing
    )


def test_only_pending_credentials_still_pick_the_field() -> None:
    student = record(credentials=(earned(APLUS, EarnedStatus.PENDING),))
    progress = evaluate(points_rule(), student, TODAY)
    assert progress.field_name == "Information Technology"
    assert "1 credential in Information Technology waiting for verification (6 points)." in (
        progress.missing
    )
    assert [c.name for c in progress.candidates] == ["CompTIA Network+"]


def test_a_rejected_credential_does_not_pick_the_field() -> None:
    student = record(credentials=(earned(APLUS, EarnedStatus.REJECTED),))
    assert evaluate(points_rule(), student, TODAY).field_name == ""


def test_lists_evaluate_without_suggestions() -> None:
    student = record(career_field_ids=(IT,), policies=(policy(APLUS, Subject.MATH),))
    rules_ = [points_rule(), cert_rule(CertificateSubject.MATH)]
    full = evaluate_all(rules_, student, TODAY)
    bare = evaluate_all(rules_, student, TODAY, suggest=False)
    assert all(p.candidates for p in full)
    assert all(not p.candidates and not p.fewest_needed for p in bare)
    assert [(p.status, p.summary, p.missing) for p in bare] == [
        (p.status, p.summary, p.missing) for p in full
    ]


# --- status without the progress (school lists) --------------------------------------------

_credentials = st.builds(
    earned,
    st.sampled_from(CATALOG),
    st.sampled_from(list(EarnedStatus)),
    st.sampled_from([None, TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1)]),
)
_experiences = st.builds(
    Experience,
    st.integers(min_value=1, max_value=5),
    st.just("Internship"),
    st.booleans(),
    st.sampled_from([0, 30, 60 * 50, 60 * 190, 60 * 250, 60 * 300]),
    st.one_of(st.none(), st.lists(st.one_of(st.none(), st.integers(1, 4)), max_size=3).map(tuple)),
)
_workkeys = st.builds(
    WorkKeysResult,
    st.sampled_from(list(WorkKeysTest)),
    st.integers(min_value=1, max_value=7),
    st.just(TODAY),
)
_policies = st.builds(
    Policy,
    st.sampled_from([DISTRICT, OTHER_DISTRICT]),
    st.sampled_from([c.credential_id for c in CATALOG]),
    st.booleans(),
    st.sampled_from(list(Subject)),
)
_rules = st.one_of(
    st.builds(
        points_rule, st.sampled_from(list(WorkKeysRule)), st.integers(min_value=1, max_value=20)
    ),
    st.builds(hours_rule, st.sampled_from([1, 50, 250]), single=st.booleans()),
    st.builds(cert_rule, st.sampled_from(list(CertificateSubject))),
)


@given(
    st.lists(_rules, min_size=0, max_size=4),
    st.lists(_credentials, max_size=6).map(tuple),
    st.lists(_experiences, max_size=4).map(tuple),
    st.lists(_workkeys, max_size=5).map(tuple),
    st.lists(_policies, max_size=6).map(tuple),
    st.lists(st.sampled_from([HEALTH, IT]), max_size=2).map(tuple),
)
def test_the_status_alone_is_the_status_of_the_full_evaluation(
    rules: list[Rule],
    credentials: tuple[EarnedCredential, ...],
    experiences: tuple[Experience, ...],
    workkeys: tuple[WorkKeysResult, ...],
    policies: tuple[Policy, ...],
    fields: tuple[int, ...],
) -> None:
    """A school list counts every student with ``status`` and evaluates only its page in
    full: the two must never disagree."""
    student = record(
        credentials=credentials,
        experiences=experiences,
        workkeys=workkeys,
        policies=policies,
        career_field_ids=fields,
    )
    for rule in rules:
        assert status(rule, student, TODAY) is evaluate(rule, student, TODAY).status
    assert overall_status(rules, student, TODAY) is overall(evaluate_all(rules, student, TODAY))
