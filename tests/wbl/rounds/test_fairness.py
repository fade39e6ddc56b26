"""The fairness report of an allocation round (wbl/rounds/fairness.py): exact rates on a
constructed round, small cells hidden, the "systematically left unmatched" flag, priority
tiers, the page (its access, its download, a constant number of statements)."""

from __future__ import annotations

import csv
import io

import pytest
from flask import current_app

from tests.support.builders import make_district, make_school, make_student, make_user
from tests.support.round_data import County, choose, make_county, open_for
from wbl.access import Role
from wbl.errors import Forbidden
from wbl.extensions import db
from wbl.roster.demographics import Hidden
from wbl.roster.models import StudentDemographics
from wbl.rounds import allocation, fairness
from wbl.rounds.models import AllocationMode

STABLE = AllocationMode.STABLE
WELFARE = AllocationMode.WELFARE


@pytest.fixture
def county(app) -> County:
    return make_county(capacities=(25, 15))


def _student(school, grade: int, sex: str, **flags: bool):  # type: ignore[no-untyped-def]
    profile = make_student(school=school, grade=grade)
    db.session.add(StudentDemographics(student_id=profile.id, sex=sex, **flags))
    return profile


def seniors_and_juniors(county: County):  # type: ignore[no-untyped-def]
    """40 seniors (school A, female) who rank only X (25 seats); 40 juniors (school B, male,
    English learners, 5 with a disability) who rank X then Y (15 seats); seniors first.
    Stable: 25 seniors placed at X, 15 juniors at Y, every other student unplaced."""
    x, y = county.offerings
    a, b = make_school(name="Alpha High"), make_school(name="Beta High")
    round_ = open_for(county, priority_rules=["grade_desc"], max_choices=2)
    for _ in range(40):
        choose(round_, _student(a, 12, "female"), [x])
    for i in range(40):
        choose(round_, _student(b, 11, "male", english_learner=True, disability=i < 5), [x, y])
    allocation.run_round(county.staff, round_.id)
    return round_


def row(rows, label):  # type: ignore[no-untyped-def]
    return next(r for r in rows if r.label == label)


def test_exact_rates_by_school_group_and_tier(county: County) -> None:
    round_ = seniors_and_juniors(county)
    report = fairness.fairness_report(county.staff, round_.id)
    assert report.modes == [STABLE, WELFARE]
    assert report.chosen is STABLE
    total = report.total.figures[STABLE]
    assert (total.students.value, total.placed.value, total.first_choice.value) == (80, 40, 25)
    assert total.placement_rate == 0.5
    # Welfare places as many (every seat), and as many first choices (every seat of X).
    assert report.total.figures[WELFARE].placed.value == 40
    assert report.total.figures[WELFARE].first_choice.value == 25

    alpha = row(report.schools, "Alpha High").figures[STABLE]
    assert (alpha.students.value, alpha.placed.value) == (40, 25)
    assert alpha.placement_rate == pytest.approx(0.625)
    beta = row(report.schools, "Beta High").figures[STABLE]
    assert (beta.students.value, beta.placed.value) == (40, 15)
    assert beta.placement_rate == pytest.approx(0.375)
    # No junior got a first choice: 0 is under 11, and Alpha's 25 would give it away (25 of 25).
    assert beta.first_choice.hidden is Hidden.SMALL
    assert beta.first_choice.value is None
    assert alpha.first_choice.hidden is Hidden.COMPLEMENT
    assert alpha.first_choice_share is None

    # Nobody is "other or not reported" (0: hidden), so one of the two other sexes goes with
    # it in each column (the sexes add up to the totals shown): the smaller one.
    female = row(report.groups, "Female").figures[STABLE]
    assert female.students.hidden is Hidden.COMPLEMENT
    assert female.placement_rate is None
    assert (female.placed.value, female.first_choice.value) == (25, 25)
    male = row(report.groups, "Male").figures[STABLE]
    assert male.students.value == 40
    assert male.placed.hidden is Hidden.COMPLEMENT
    assert male.placement_rate is None
    learners = row(report.groups, "English learners").figures[STABLE]
    assert (learners.students.value, learners.placed.value) == (40, 15)
    assert learners.placement_rate == pytest.approx(0.375)

    assert [t.label for t in report.tiers] == ["Grade 12", "Grade 11"]  # seniors first
    assert report.tier_rule == "grade_desc"
    assert row(report.tiers, "Grade 12").figures[STABLE].placed.value == 25
    assert row(report.tiers, "Grade 11").figures[STABLE].placed.value == 15


def test_a_small_group_is_hidden_everywhere(client, login_as, county: County) -> None:
    round_ = seniors_and_juniors(county)
    report = fairness.fairness_report(county.staff, round_.id)
    disabled = row(report.groups, "Students with disabilities")
    for mode in report.modes:
        f = disabled.figures[mode]
        assert f.students.value is None
        assert f.students.hidden is Hidden.SMALL
        assert f.placed.value is None
        assert f.placement_rate is None
        assert not f.flagged
    other = row(report.groups, "Other or not reported").figures[STABLE]
    assert other.students.hidden is Hidden.SMALL  # nobody: 0 is under 11 too
    assert report.any_hidden
    login_as(county.staff)
    body = client.get(f"/rounds/{round_.id}/fairness/download").get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    line = next(r for r in lines if r[1] == "Students with disabilities")
    assert line[2:4] == ["fewer than 11", "fewer than 11"]
    assert "5" not in line


def test_the_juniors_are_flagged_systematically_left_unmatched(county: County) -> None:
    round_ = seniors_and_juniors(county)
    report = fairness.fairness_report(county.staff, round_.id)
    beta = row(report.schools, "Beta High").figures[STABLE]
    assert beta.flagged
    assert beta.p_value is not None
    assert beta.p_value < fairness.ALPHA
    assert not row(report.schools, "Alpha High").figures[STABLE].flagged
    assert row(report.groups, "Male").figures[STABLE].flagged
    assert row(report.groups, "English learners").figures[STABLE].flagged
    assert not row(report.groups, "Female").figures[STABLE].flagged
    assert not any(t.figures[STABLE].flagged for t in report.tiers)  # the rule, not a bias
    assert (row(report.schools, "Beta High"), STABLE) in report.flagged


@pytest.mark.parametrize(
    ("figures", "flagged"),
    [
        ((100, 40, 100, 60), True),  # 20 points, 100 each: not chance
        ((12, 6, 12, 8), False),  # 17 points of 12 students: chance explains it
        ((10, 0, 100, 100), False),  # too few students to call it a pattern
        ((2000, 1000, 2000, 1100), False),  # "significant", but 5 points
        ((40, 15, 40, 25), True),
    ],
)
def test_the_flag_rule(figures: tuple[int, int, int, int], flagged: bool) -> None:
    assert (fairness.flag(*figures) is not None) is flagged


def test_suppress_table_hides_complements_and_lone_cells() -> None:
    rows = [
        {"students": 40, "placed_stable": 35, "first_choice_stable": 20},
        {"students": 30, "placed_stable": 12, "first_choice_stable": 12},
        {"students": 25, "placed_stable": 15, "first_choice_stable": 11},
    ]
    hidden = fairness.suppress_table(
        rows,
        [
            ("placed_stable", "not_placed_stable"),
            ("first_choice_stable", "not_first_choice_stable"),
        ],
    )
    # 40 - 35 = 5 and 25 - 15 = 10 not placed: both under 11, so the 35 and the 15 go (the
    # students shown would give the 5 and the 10 away); two hidden in the column, none lone.
    assert hidden[0]["not_placed_stable"] is Hidden.SMALL
    assert hidden[0]["placed_stable"] is Hidden.COMPLEMENT
    assert hidden[2]["placed_stable"] is Hidden.COMPLEMENT
    assert "placed_stable" not in hidden[1]
    assert "first_choice_stable" not in hidden[2]  # 11 of 25: 11 and 14 both shown
    assert not any("students" in h for h in hidden)


def test_only_county_staff_see_it(county: County) -> None:
    round_ = seniors_and_juniors(county)
    for user in (
        make_user(roles={Role.STAFF}, district=make_district()),
        make_user(roles={Role.TEACHER}),
    ):
        with pytest.raises(Forbidden):
            fairness.fairness_report(user, round_.id)


@pytest.mark.parametrize("role", [Role.STUDENT, Role.EMPLOYER, Role.TEACHER])
def test_the_page_refuses_other_roles(client, login_as, county: County, role: Role) -> None:
    round_ = open_for(county)
    login_as(make_user(roles={role}))
    assert client.get(f"/rounds/{round_.id}/fairness").status_code == 403
    assert client.get(f"/rounds/{round_.id}/fairness/download").status_code == 403


def test_the_page_before_the_run_and_for_a_missing_round(client, login_as, county) -> None:
    round_ = open_for(county)
    login_as(county.staff)
    page = client.get(f"/rounds/{round_.id}/fairness").get_data(as_text=True)
    assert "has not been run yet" in page
    assert client.get("/rounds/987654/fairness").status_code == 404


def test_the_page_and_the_link_from_the_round(client, login_as, county: County) -> None:
    round_ = seniors_and_juniors(county)
    login_as(county.staff)
    detail = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert f'href="/rounds/{round_.id}/fairness"' in detail
    page = client.get(f"/rounds/{round_.id}/fairness").get_data(as_text=True)
    assert 'id="fairness-schools"' in page
    assert 'id="fairness-groups"' in page
    assert "Beta High under the stable (deferred acceptance) result" in page
    assert "62%" in page
    assert "38%" in page
    xlsx = client.get(f"/rounds/{round_.id}/fairness/download?format=xlsx")
    assert xlsx.status_code == 200
    assert xlsx.mimetype.endswith("sheet")
    # Published: still there, the published mode marked.
    with current_app.test_request_context():
        allocation.publish_round(county.staff, round_.id)
    page = client.get(f"/rounds/{round_.id}/fairness").get_data(as_text=True)
    assert "Published" in page


def test_the_page_runs_the_same_statements_however_many_schools(
    client, login_as, count_queries, county: County
) -> None:
    x, y = county.offerings
    round_ = open_for(county, priority_rules=["grade_desc"])
    choose(round_, _student(make_school(), 12, "female"), [x])
    allocation.run_round(county.staff, round_.id)
    login_as(county.staff)
    url = f"/rounds/{round_.id}/fairness"
    client.get(url)
    db.session.expire_all()
    with count_queries() as one:
        assert client.get(url).status_code == 200
    round_ = open_for(county, priority_rules=["grade_desc"])
    for grade in (9, 10, 11, 12, 12, 11):
        choose(round_, _student(make_school(), grade, "male", white=True), [x, y])
    allocation.run_round(county.staff, round_.id)
    url = f"/rounds/{round_.id}/fairness"
    client.get(url)
    db.session.expire_all()
    with count_queries() as six:
        assert client.get(url).status_code == 200
    assert six.count == one.count, (one.statements, six.statements)
