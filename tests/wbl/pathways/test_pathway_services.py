"""Pathway services on the database: default rules, staff editing rules in their district's
scope, and students' snapshots built in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.builders import make_district, make_school, make_student, make_user
from tests.support.credential_data import make_credential, make_earned, make_policy, make_workkeys
from tests.support.pathway_data import add_default_rules, make_experience
from wbl.access import Role
from wbl.clock import local_today
from wbl.credentials.models import EarnedStatus, Subject, WorkKeysTest
from wbl.errors import DomainError, NotFound
from wbl.extensions import db
from wbl.pathways import queries, rules, services
from wbl.pathways.models import PathwayRule, RuleKind
from wbl.pathways.rules import Status
from wbl.students.models import StudentProfile


def _rule_count(district_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(PathwayRule.id)).where(PathwayRule.district_id == district_id)
        )
        or 0
    )


def test_default_rules_are_seeded_once_and_staff_edits_are_kept() -> None:
    district = make_district()
    services.seed_all_districts()
    assert _rule_count(district.id) == len(services.DEFAULT_RULES)
    row = db.session.scalar(
        select(PathwayRule).where(
            PathwayRule.district_id == district.id, PathwayRule.preset == "ohio_wbl_250"
        )
    )
    assert row is not None
    row.name = "Our 250 hours"
    db.session.flush()
    assert services.seed_all_districts().added == 0
    assert _rule_count(district.id) == len(services.DEFAULT_RULES)
    assert row.name == "Our 250 hours"


def test_seed_all_districts_covers_every_district() -> None:
    a, b = make_district(), make_district()
    add_default_rules(a)
    services.seed_all_districts()
    assert _rule_count(a.id) == _rule_count(b.id) == len(services.DEFAULT_RULES)


@pytest.mark.parametrize(
    ("year", "names"),
    [
        (2019, ["ohio_points_13", "ohio_wbl_250", "colorado_cert_english", "colorado_cert_math"]),
        (2027, ["ohio_points_14", "ohio_wbl_250", "colorado_cert_english", "colorado_cert_math"]),
    ],
)
def test_rules_for_a_class_are_the_active_ones_that_apply(year: int, names: list[str]) -> None:
    district = make_district()
    add_default_rules(district)
    presets = {r.id: r.preset for r in db.session.scalars(select(PathwayRule))}
    assert [presets[r.id] for r in services.rules_for(district, year)] == names


def _staff(district=None):  # type: ignore[no-untyped-def]
    return make_user(roles={Role.STAFF}, district=district)


def _change(**overrides: object) -> services.RuleChange:
    values: dict[str, object] = {
        "name": "Credentials",
        "description": "",
        "active": True,
        "classes_from": 2027,
        "classes_to": None,
        "params": {"points": 10, "workkeys": "each_4"},
    }
    values.update(overrides)
    return services.RuleChange(**values)  # type: ignore[arg-type]


def test_district_staff_edit_their_districts_rule() -> None:
    district = make_district()
    add_default_rules(district)
    rule = db.session.scalar(select(PathwayRule).where(PathwayRule.preset == "ohio_points_14"))
    assert rule is not None
    staff = _staff(district)
    services.update_rule(staff, rule.id, _change())
    assert rule.params == {"points": 10, "workkeys": "each_4"}
    assert (rule.classes_from, rule.updated_by_id) == (2027, staff.id)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (_change(name="  "), "name", "Give the rule a name."),
        (_change(classes_from=2030, classes_to=2029), "classes_to", "The first class"),
        (_change(classes_from=1200), "classes_from", "Enter a graduating class from 1990"),
        (_change(params={"points": 0, "workkeys": "each_4"}), "points", "Points must be"),
        (_change(params={"points": 12, "workkeys": "x"}), "workkeys", "Choose workkeys"),
    ],
)
def test_bad_rule_changes_are_refused_and_nothing_is_saved(
    change: services.RuleChange, field: str, message: str
) -> None:
    district = make_district()
    add_default_rules(district)
    rule = db.session.scalar(select(PathwayRule).where(PathwayRule.preset == "ohio_points_14"))
    assert rule is not None
    with pytest.raises(DomainError) as caught:
        services.update_rule(_staff(district), rule.id, change)
    assert caught.value.field == field
    assert caught.value.message.startswith(message)
    db.session.refresh(rule)
    assert rule.params == {"points": 12, "workkeys": "total_14"}
    assert rule.name == "Industry credentials and WorkKeys"


def test_another_districts_rule_is_not_found() -> None:
    mine, theirs = make_district(), make_district()
    add_default_rules(theirs)
    rule = db.session.scalar(select(PathwayRule).where(PathwayRule.district_id == theirs.id))
    assert rule is not None
    with pytest.raises(NotFound):
        services.update_rule(_staff(mine), rule.id, _change())
    with pytest.raises(NotFound):
        services.add_rule(_staff(mine), theirs.id, RuleKind.WBL_HOURS, _change(params={}))
    with pytest.raises(NotFound):
        services.get_rule(make_user(roles={Role.TEACHER}), rule.id)
    services.get_rule(_staff(), rule.id)  # county staff: any district


def test_add_and_reset_rules() -> None:
    district = make_district()
    staff = _staff(district)
    added = services.add_rule(
        staff, district.id, RuleKind.WBL_HOURS, _change(name="120 hours", params={"hours": 120})
    )
    assert added.params == {"hours": 120, "single_experience": False}
    assert services.reset_rules(staff, district.id) == len(services.DEFAULT_RULES)
    names = set(
        db.session.scalars(select(PathwayRule.name).where(PathwayRule.district_id == district.id))
    )
    assert "120 hours" not in names
    assert _rule_count(district.id) == len(services.DEFAULT_RULES)


def test_only_a_rule_staff_added_can_be_deleted_in_scope() -> None:
    district = make_district()
    add_default_rules(district)
    staff = _staff(district)
    added = services.add_rule(
        staff, district.id, RuleKind.WBL_HOURS, _change(name="120 hours", params={"hours": 120})
    )
    with pytest.raises(NotFound):
        services.delete_rule(_staff(make_district()), added.id)
    preset = db.session.scalar(
        select(PathwayRule).where(
            PathwayRule.district_id == district.id, PathwayRule.preset == "ohio_wbl_250"
        )
    )
    assert preset is not None
    with pytest.raises(DomainError, match=r"cannot be deleted\. Switch it off instead"):
        services.delete_rule(staff, preset.id)
    assert services.delete_rule(_staff(), added.id) == "120 hours"  # county staff: any district
    assert _rule_count(district.id) == len(services.DEFAULT_RULES)
    with pytest.raises(NotFound):
        services.delete_rule(staff, added.id)


def _student_with_everything(school=None) -> StudentProfile:  # type: ignore[no-untyped-def]
    student = make_student(school=school)
    for points in (6, 3):
        make_earned(student, make_credential(points=points))
    make_earned(student, make_credential(points=6, sector_code="ict"))
    for test in WorkKeysTest:
        make_workkeys(student, test=test, level=4)
    make_experience(student, 40)
    return student


def test_a_students_progress_from_the_database() -> None:
    student = _student_with_everything()
    make_earned(student, make_credential(points=5), status=EarnedStatus.REJECTED)
    make_earned(
        student,
        make_credential(points=5, validity_months=1),
        earned_on=local_today() - timedelta(days=90),
    )
    accepted = make_credential(name="CompTIA A+", points=1, sector_code="ict")
    make_earned(student, accepted)
    make_policy(district=student.school.district, credential=accepted, counts_toward=Subject.MATH)
    add_default_rules(student.school.district)
    progress = {p.rule.name: p for p in services.student_progress(student, local_today())}
    points = progress["Industry credentials and WorkKeys"]
    assert points.summary == (
        "9 of 12 points in Health Science and Medical Technology; WorkKeys 12 of 14: "
        "Applied Math 4, Graphic Literacy 4, Workplace Documents 4"
    )
    assert points.status is Status.CLOSE
    assert progress["250 hours of work-based learning"].summary.startswith("40 of 250 hours")
    assert progress["Industry certificate for math"].met
    assert not progress["Industry certificate for English"].met


def test_hours_need_a_completed_placement_with_a_positive_evaluation() -> None:
    student = make_student()
    make_experience(student, 100)
    make_experience(student, 100, rating=2)  # below Meets
    make_experience(student, 100, outcome_rating=None)  # N/A outcome: still positive
    make_experience(student, 100, evaluated=False)
    make_experience(student, 100, completed=False, pending_hours=5)
    _, records = queries.student_records(
        select(StudentProfile.id).where(StudentProfile.id == student.id)
    )
    record = records[student.id]
    rule = rules.Rule(1, RuleKind.WBL_HOURS, "h", rules.HoursParams(250))
    progress = rules.evaluate(rule, record, local_today())
    assert progress.parts[0].have == 200
    assert progress.status is Status.CLOSE


def test_records_for_a_school_take_the_same_queries_for_one_or_many(count_queries) -> None:  # type: ignore[no-untyped-def]
    school = make_school()
    _student_with_everything(school)
    ids = select(StudentProfile.id).where(StudentProfile.school_id == school.id)
    with count_queries() as one:
        lines, records = queries.student_records(ids)
    assert len(records) == 1
    for _ in range(4):
        _student_with_everything(school)
    with count_queries() as five:
        lines, records = queries.student_records(ids)
    assert len(lines) == 5
    assert all(len(r.credentials) == 3 and len(r.workkeys) == 3 for r in records.values())
    assert five.count == one.count


def test_seed_reference_gives_every_district_the_default_rules(app) -> None:  # type: ignore[no-untyped-def]
    district = make_district()
    result = app.test_cli_runner().invoke(args=["seed-reference"])
    assert result.exit_code == 0
    added = len(services.DEFAULT_RULES)
    assert f"Graduation pathway rules (defaults): {added} added to 1 district(s)." in result.output
    assert _rule_count(district.id) == len(services.DEFAULT_RULES)
    again = app.test_cli_runner().invoke(args=["seed-reference"])
    assert (
        "Graduation pathway rules (defaults): all 1 district(s) have them already." in again.output
    )


def _bad_rule(district) -> PathwayRule:  # type: ignore[no-untyped-def]
    """A rule whose stored settings no longer parse (written directly, as an old release or
    a hand edit could leave it)."""
    row = PathwayRule(
        district_id=district.id,
        kind=RuleKind.WBL_HOURS,
        name="Broken hours",
        params={"hours": "lots"},
        position=0,
        active=True,
    )
    db.session.add(row)
    db.session.flush()
    return row


def test_a_rule_with_bad_settings_is_skipped_and_the_others_still_count(caplog) -> None:  # type: ignore[no-untyped-def]
    student = make_student()
    make_experience(student, 250)
    add_default_rules(student.school.district)
    bad = _bad_rule(student.school.district)
    names = [r.name for r in services.rules_for(student.school.district, 2028)]
    assert "Broken hours" not in names
    assert "250 hours of work-based learning" in names
    assert f"Pathway rule {bad.id} (Broken hours)" in caplog.text
    progress = services.student_progress(student, local_today())
    assert {p.rule.name for p in progress} == set(names)
    result = services.school_progress(student.school, None, local_today())
    assert len(result.groups[Status.MET]) == 1


def test_a_school_list_is_evaluated_without_suggestions() -> None:
    student = make_student()
    make_earned(student, make_credential(points=6))
    make_credential(points=6)  # in the same field: what the student page suggests
    add_default_rules(student.school.district)
    [standing] = services.school_progress(student.school, None, local_today()).groups[
        Status.ON_TRACK
    ]
    assert standing.progress
    assert all(not p.candidates for p in standing.progress)
    assert any(p.candidates for p in services.student_progress(student, local_today()))


def test_hours_on_an_active_placement_show_the_student_close() -> None:
    student = make_student()
    make_experience(student, 240, completed=False, evaluated=False)
    add_default_rules(student.school.district)
    progress = {p.rule.name: p for p in services.student_progress(student, local_today())}
    hours = progress["250 hours of work-based learning"]
    assert hours.status is Status.CLOSE
    assert hours.summary.endswith("; 240 confirmed hours waiting")
