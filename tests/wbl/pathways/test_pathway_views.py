"""Pathway pages: a student's progress (student, teachers of the school, staff in scope),
a school's list grouped by status with a fixed number of queries, and staff configuring a
district's rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.builders import make_district, make_school, make_student, make_user
from tests.support.credential_data import make_credential, make_earned, make_workkeys
from tests.support.pathway_data import make_experience
from wbl.access import Role
from wbl.credentials.models import WorkKeysTest
from wbl.extensions import db
from wbl.pathways import services
from wbl.pathways.models import PathwayRule

SUMMARY = (
    "9 of 12 points in Health Science and Medical Technology; WorkKeys 12 of 14: "
    "Applied Math 4, Graphic Literacy 4, Workplace Documents 4"
)


def _close_student(school=None):  # type: ignore[no-untyped-def]
    student = make_student(school=school)
    make_earned(student, make_credential(name=f"Nursing Assistant {student.id}", points=6))
    make_earned(student, make_credential(name=f"CPR and First Aid {student.id}", points=3))
    make_earned(
        student, make_credential(name=f"CompTIA A+ {student.id}", points=6, sector_code="ict")
    )
    for test in WorkKeysTest:
        make_workkeys(student, test=test, level=4)
    services.seed_default_rules(student.school.district)
    return student


def test_a_student_sees_their_progress_exactly(client, login_as) -> None:
    student = _close_student()
    make_credential(name="Phlebotomy Technician", issuer="NHA", points=4)
    login_as(student.user)
    body = client.get("/pathways/mine").get_data(as_text=True)
    assert SUMMARY in body
    assert "3 more points in Health Science and Medical Technology" in body
    assert "2 more WorkKeys levels for a total of 14" in body
    assert "Phlebotomy Technician" in body
    assert "NHA" in body
    assert "CompTIA A+" not in body.split("Credentials in")[1]  # another field: not suggested
    assert "Industry certificate for English" in body
    assert "250 hours of work-based learning" in body
    assert "before 2020" not in body  # the class of 2028 is not under the older rule


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("teacher_same_school", 200),
        ("teacher_other_school", 404),
        ("staff_same_district", 200),
        ("staff_other_district", 404),
        ("county_staff", 200),
        ("other_student", 404),
        ("employer", 403),
    ],
)
def test_who_sees_a_students_progress(client, login_as, who, expected) -> None:
    student = _close_student()
    users = {
        "teacher_same_school": lambda: make_user(roles={Role.TEACHER}, school=student.school),
        "teacher_other_school": lambda: make_user(roles={Role.TEACHER}, school=make_school()),
        "staff_same_district": lambda: make_user(
            roles={Role.STAFF}, district=student.school.district
        ),
        "staff_other_district": lambda: make_user(roles={Role.STAFF}, district=make_district()),
        "county_staff": lambda: make_user(roles={Role.STAFF}),
        "other_student": lambda: make_student().user,
        "employer": lambda: make_user(roles={Role.EMPLOYER}),
    }
    login_as(users[who]())
    response = client.get(f"/pathways/students/{student.id}")
    assert response.status_code == expected
    if expected == 200:
        assert SUMMARY in response.get_data(as_text=True)


def test_the_school_list_groups_students_and_filters_by_class(client, login_as) -> None:
    school = make_school()
    close = _close_student(school)
    met = make_student(school=school)
    make_experience(met, 250)
    idle = make_student(school=school, grade=12)  # class of 2027
    login_as(make_user(roles={Role.TEACHER}, school=school))
    body = client.get(f"/pathways/schools/{school.id}").get_data(as_text=True)
    assert 'data-testid="count-met">1<' in body
    assert 'data-testid="count-close">1<' in body
    assert 'data-testid="count-not_started">1<' in body
    assert f"/pathways/students/{close.id}" in body
    assert f"/pathways/students/{idle.id}" in body
    body = client.get(f"/pathways/schools/{school.id}?graduation_year=2027").get_data(as_text=True)
    assert f"/pathways/students/{idle.id}" in body
    assert f"/pathways/students/{close.id}" not in body
    assert 'data-testid="count-close">0<' in body


def test_a_school_list_is_out_of_scope_for_other_teachers_and_districts(client, login_as) -> None:
    school = make_school()
    login_as(make_user(roles={Role.TEACHER}, school=make_school()))
    assert client.get(f"/pathways/schools/{school.id}").status_code == 404
    login_as(make_user(roles={Role.STAFF}, district=make_district()))
    assert client.get(f"/pathways/schools/{school.id}").status_code == 404
    login_as(make_user(roles={Role.STUDENT}))
    assert client.get(f"/pathways/schools/{school.id}").status_code == 403


def test_the_school_list_does_not_grow_queries_with_students(
    client, login_as, count_queries
) -> None:
    school = make_school()
    _close_student(school)
    make_experience(make_student(school=school), 100)
    login_as(make_user(roles={Role.STAFF}, district=school.district))
    url = f"/pathways/schools/{school.id}"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for hours in (10, 200, 260):
        make_experience(_close_student(school), hours)
    client.get(url)  # the builders committed: the same warm-up as before the first count
    with count_queries() as many:
        body = client.get(url).get_data(as_text=True)
    assert body.count("/pathways/students/") == 5
    assert many.count == few.count


def test_index_sends_each_role_to_its_page(client, login_as) -> None:
    school = make_school()
    login_as(make_user(roles={Role.TEACHER}, school=school))
    assert client.get("/pathways/").headers["Location"].endswith(f"/pathways/schools/{school.id}")
    assert (
        client.get("/pathways/schools")
        .headers["Location"]
        .endswith(f"/pathways/schools/{school.id}")
    )
    login_as(make_user(roles={Role.STAFF}))
    assert client.get("/pathways/").headers["Location"].endswith("/pathways/schools")
    assert school.name in client.get("/pathways/schools").get_data(as_text=True)
    login_as(make_student().user)
    assert client.get("/pathways/").headers["Location"].endswith("/pathways/mine")


# --- rules ---------------------------------------------------------------------------------


def _rule(district, preset: str = "ohio_points_14") -> PathwayRule:  # type: ignore[no-untyped-def]
    rule = db.session.scalar(
        select(PathwayRule).where(
            PathwayRule.district_id == district.id, PathwayRule.preset == preset
        )
    )
    assert rule is not None
    return rule


def test_district_staff_see_and_edit_their_rules(client, login_as, post_form) -> None:
    district = make_district()
    services.seed_default_rules(district)
    login_as(make_user(roles={Role.STAFF}, district=district))
    body = client.get("/pathways/rules").get_data(as_text=True)
    assert "Industry credentials and WorkKeys" in body
    assert "12 points in one career field; WorkKeys: a total of 14 or more" in body
    assert "2020 and later" in body
    rule = _rule(district)
    response = post_form(
        f"/pathways/rules/{rule.id}/edit",
        {
            "name": "Credentials (each 4)",
            "description": "Newer rule",
            "active": "y",
            "classes_from": "2027",
            "classes_to": "",
            "points": "12",
            "workkeys": "each_4",
        },
    )
    assert response.status_code == 302
    assert rule.name == "Credentials (each 4)"
    assert rule.params == {"points": 12, "workkeys": "each_4"}
    assert (rule.classes_from, rule.classes_to) == (2027, None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"points": "0"}, "Points must be from 1 to 100."),
        ({"classes_from": "2030", "classes_to": "2020"}, "The first class must not come after"),
        ({"name": ""}, "This field is required."),
        ({"workkeys": "total_99"}, "Not a valid choice."),
    ],
)
def test_bad_rule_edits_show_the_problem_and_save_nothing(
    client, login_as, post_form, data, message
) -> None:
    district = make_district()
    services.seed_default_rules(district)
    login_as(make_user(roles={Role.STAFF}, district=district))
    rule = _rule(district)
    form = {"name": "Changed", "active": "y", "points": "12", "workkeys": "total_13"}
    form.update(data)
    response = post_form(f"/pathways/rules/{rule.id}/edit", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.refresh(rule)
    assert rule.name == "Industry credentials and WorkKeys"
    assert rule.params["workkeys"] == "total_14"


def test_another_districts_rule_is_404(client, login_as) -> None:
    theirs = make_district()
    services.seed_default_rules(theirs)
    login_as(make_user(roles={Role.STAFF}, district=make_district()))
    assert client.get(f"/pathways/rules/{_rule(theirs).id}/edit").status_code == 404
    assert client.get(f"/pathways/rules/{theirs.id}/new/wbl_hours").status_code == 404
    assert client.get(f"/pathways/rules/{theirs.id}/reset").status_code == 404
    assert client.get(f"/pathways/rules?district={theirs.id}").status_code == 404


def test_county_staff_choose_the_district(client, login_as) -> None:
    first, second = make_district(name="Aardvark Unified"), make_district(name="Zebra Unified")
    services.seed_default_rules(second)
    login_as(make_user(roles={Role.STAFF}))
    body = client.get(f"/pathways/rules?district={second.id}").get_data(as_text=True)
    assert "Graduation pathway rules: Zebra Unified" in body
    assert 'name="district"' in body
    assert "Aardvark Unified" in body
    assert first.id


def test_staff_add_a_rule_and_reset_to_defaults(client, login_as, post_form) -> None:
    district = make_district()
    login_as(make_user(roles={Role.STAFF}, district=district))
    assert "has no rules yet" in client.get("/pathways/rules").get_data(as_text=True)
    response = post_form(
        f"/pathways/rules/{district.id}/new/wbl_hours",
        {"name": "120 hours in one place", "active": "y", "hours": "120", "single_experience": "y"},
    )
    assert response.status_code == 302
    added = db.session.scalar(select(PathwayRule).where(PathwayRule.district_id == district.id))
    assert added is not None
    assert added.params == {"hours": 120, "single_experience": True}
    bad = post_form(f"/pathways/rules/{district.id}/new/wbl_hours", {"name": "x", "hours": "0"})
    assert bad.status_code == 422
    assert "Hours must be from 1 to 5000." in bad.get_data(as_text=True)
    assert client.get(f"/pathways/rules/{district.id}/new/nonsense").status_code == 404
    assert "Reset" in client.get(f"/pathways/rules/{district.id}/reset").get_data(as_text=True)
    response = post_form(f"/pathways/rules/{district.id}/reset", {})
    assert response.status_code == 302
    names = set(
        db.session.scalars(select(PathwayRule.name).where(PathwayRule.district_id == district.id))
    )
    assert "120 hours in one place" not in names
    assert len(names) == len(services.DEFAULT_RULES)
