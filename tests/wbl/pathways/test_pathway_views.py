"""Pathway pages: a student's progress (student, teachers of the school, staff in scope),
a school's list grouped by status with a fixed number of queries, and staff configuring a
district's rules."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from tests.support.builders import make_district, make_school, make_student, make_user
from tests.support.credential_data import make_credential, make_earned, make_workkeys
from tests.support.pathway_data import add_default_rules, make_experience
from wbl.access import Role
from wbl.credentials.models import WorkKeysTest
from wbl.extensions import db
from wbl.pathways import services
from wbl.pathways.models import PathwayRule, RuleKind

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
    add_default_rules(student.school.district)
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


def _someone(who: str, student):  # type: ignore[no-untyped-def]
    """A user who stands in ``who`` relation to ``student``."""
    school = student.school
    users = {
        "teacher_same_school": lambda: make_user(roles={Role.TEACHER}, school=school),
        "teacher_other_school": lambda: make_user(roles={Role.TEACHER}, school=make_school()),
        "staff_same_district": lambda: make_user(roles={Role.STAFF}, district=school.district),
        "staff_other_district": lambda: make_user(roles={Role.STAFF}, district=make_district()),
        "county_staff": lambda: make_user(roles={Role.STAFF}),
        "the_student": lambda: student.user,
        "other_student": lambda: make_student().user,
        "employer": lambda: make_user(roles={Role.EMPLOYER}),
    }
    return users[who]()


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
    login_as(_someone(who, student))
    response = client.get(f"/pathways/students/{student.id}")
    assert response.status_code == expected
    if expected == 200:
        assert SUMMARY in response.get_data(as_text=True)


def _close_met_and_idle(school):  # type: ignore[no-untyped-def]
    """A close student and one who has met a rule (class of 2028), and one not started
    (class of 2027)."""
    close = _close_student(school)
    met = make_student(school=school)
    make_experience(met, 250)
    idle = make_student(school=school, grade=12)
    return close, met, idle


def test_the_school_list_groups_students_and_filters_by_class(client, login_as) -> None:
    school = make_school()
    close, _met, idle = _close_met_and_idle(school)
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


def _links(body: str) -> int:
    return body.count("/pathways/students/")


def _csv_lines(body: str) -> int:
    return len(body.strip().splitlines()) - 1  # the header


@pytest.mark.parametrize(
    ("query", "measure", "before", "after"),
    [
        ("", _links, 2, 5),
        ("?status=close", _links, 1, 3),  # two of the three added are close, one has met
        ("?grade=11&q=%20&page=2", _links, 2, 5),  # page 2 of 1 is page 1
        ("?format=csv", _csv_lines, 8, 20),  # four rules apply to each student
        ("?format=csv&status=close", _csv_lines, 4, 12),
    ],
)
def test_the_school_list_does_not_grow_queries_with_students(
    client, login_as, count_queries, query, measure, before, after
) -> None:
    school = make_school()
    _close_student(school)
    make_experience(make_student(school=school), 100)
    login_as(make_user(roles={Role.STAFF}, district=school.district))
    url = f"/pathways/schools/{school.id}{query}"
    client.get(url)
    db.session.expire_all()  # each count starts cold, as a real request's session does
    with count_queries() as few:
        body = client.get(url).get_data(as_text=True)
    assert measure(body) == before
    for hours in (10, 200, 260):
        make_experience(_close_student(school), hours)
    client.get(url)  # the builders committed: the same warm-up as before the first count
    db.session.expire_all()
    with count_queries() as many:
        body = client.get(url).get_data(as_text=True)
    assert measure(body) == after
    assert many.count == few.count


def test_a_teacher_filters_the_school_list_by_status_and_class(client, login_as) -> None:
    school = make_school()
    close, met, idle = _close_met_and_idle(school)
    login_as(make_user(roles={Role.TEACHER}, school=school))
    body = client.get(f"/pathways/schools/{school.id}?status=close").get_data(as_text=True)
    assert f"/pathways/students/{close.id}" in body
    assert f"/pathways/students/{met.id}" not in body
    assert f"/pathways/students/{idle.id}" not in body
    assert 'id="group-close"' in body
    assert 'id="group-met"' not in body
    assert 'data-testid="count-met">1<' in body  # every group is still counted
    assert '<option selected value="close">Close</option>' in body
    assert "format=csv&amp;status=close" in body  # the download keeps the filter
    body = client.get(
        f"/pathways/schools/{school.id}?graduation_year=2027&status=not_started"
    ).get_data(as_text=True)
    assert f"/pathways/students/{idle.id}" in body
    assert f"/pathways/students/{close.id}" not in body
    body = client.get(f"/pathways/schools/{school.id}?graduation_year=2027&status=met").get_data(
        as_text=True
    )
    assert "No students here." in body
    assert f"/pathways/students/{met.id}" not in body
    response = client.get(f"/pathways/schools/{school.id}?status=everyone")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Not a valid choice." in body  # shown next to the filter, which is ignored
    assert all(f"/pathways/students/{s.id}" in body for s in (close, met, idle))


# --- the school list as CSV ----------------------------------------------------------------


def _csv(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_school_list_downloads_as_csv_a_row_per_student_and_rule(client, login_as) -> None:
    school = make_school(name="Elsie Allen High")
    close = _close_student(school)
    staff = make_user(roles={Role.STAFF}, district=school.district)
    services.add_rule(
        staff,
        school.district_id,
        RuleKind.WBL_HOURS,
        services.RuleChange("-40 hours", "", True, None, None, {"hours": 40}),
    )
    formula = make_user(roles={Role.STUDENT}, school=school, full_name='=HYPERLINK("x","y")')
    make_student(user=formula, school=school, grade=12)
    at = make_user(roles={Role.STUDENT}, school=school, full_name="@Sam +Lee")
    make_student(user=at, school=school, grade=12)
    login_as(make_user(roles={Role.TEACHER}, school=school))
    response = client.get(f"/pathways/schools/{school.id}?format=csv")
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=pathways-elsie-allen-high.csv"
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = _csv(response)
    assert list(rows[0]) == services.SCHOOL_CSV_HEADER
    assert len(rows) == 3 * 5  # five rules apply to each of the three students
    mine = {r["Rule"]: r for r in rows if r["Student"] == close.user.full_name}
    points = mine["Industry credentials and WorkKeys"]
    assert (points["Grade"], points["Class"], points["Status"]) == ("11", "2028", "Close")
    assert points["Summary"] == SUMMARY
    assert points["Missing"] == (
        "3 more points in Health Science and Medical Technology (credentials in other career "
        "fields do not add up). 2 more WorkKeys levels for a total of 14 across Applied Math, "
        "Graphic Literacy and Workplace Documents."
    )
    assert mine["'-40 hours"]["Status"] == "Not started"  # the rule's name, disarmed
    names = {r["Student"] for r in rows}
    assert {'\'=HYPERLINK("x","y")', "'@Sam +Lee"} <= names
    assert not [c for r in rows for c in r.values() if c.startswith(("=", "+", "-", "@"))]
    filtered = _csv(client.get(f"/pathways/schools/{school.id}?format=csv&graduation_year=2027"))
    assert {r["Student"] for r in filtered} == names - {close.user.full_name}
    filtered = _csv(client.get(f"/pathways/schools/{school.id}?format=csv&status=close"))
    assert {r["Student"] for r in filtered} == {close.user.full_name}


def test_a_student_no_rule_applies_to_gets_one_csv_row(client, login_as) -> None:
    school = make_school()  # a district without rules
    student = make_student(school=school)
    login_as(make_user(roles={Role.STAFF}))
    rows = _csv(client.get(f"/pathways/schools/{school.id}?format=csv"))
    assert rows == [
        {
            "Student": student.user.full_name,
            "Grade": "11",
            "Class": "2028",
            "Rule": "",
            "Status": "No rule applies",
            "Summary": "",
            "Missing": "",
        }
    ]
    assert _csv(client.get(f"/pathways/schools/{school.id}?format=csv&status=met")) == []


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("teacher_same_school", 200),
        ("staff_same_district", 200),
        ("teacher_other_school", 404),
        ("staff_other_district", 404),
        ("employer", 403),
        ("the_student", 403),
    ],
)
def test_who_downloads_a_schools_csv(client, login_as, who, expected) -> None:
    student = _close_student()
    login_as(_someone(who, student))
    response = client.get(f"/pathways/schools/{student.school_id}?format=csv")
    assert response.status_code == expected
    if expected == 200:
        assert student.user.full_name in response.get_data(as_text=True)
    else:
        assert "text/csv" not in response.headers["Content-Type"]


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
    add_default_rules(district)
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
    add_default_rules(district)
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
    add_default_rules(theirs)
    login_as(make_user(roles={Role.STAFF}, district=make_district()))
    assert client.get(f"/pathways/rules/{_rule(theirs).id}/edit").status_code == 404
    assert client.get(f"/pathways/rules/{theirs.id}/new/wbl_hours").status_code == 404
    assert client.get(f"/pathways/rules/{theirs.id}/reset").status_code == 404
    assert client.get(f"/pathways/rules?district={theirs.id}").status_code == 404


def test_county_staff_choose_the_district(client, login_as) -> None:
    first, second = make_district(name="Aardvark Unified"), make_district(name="Zebra Unified")
    add_default_rules(second)
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


def _added_rule(staff, district) -> PathwayRule:  # type: ignore[no-untyped-def]
    return services.add_rule(
        staff,
        district.id,
        RuleKind.WBL_HOURS,
        services.RuleChange("120 hours in one place", "", True, None, None, {"hours": 120}),
    )


def _count(district) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(
        select(func.count(PathwayRule.id)).where(PathwayRule.district_id == district.id)
    )


def test_staff_delete_a_rule_they_added_after_confirming(client, login_as, post_form) -> None:
    district = make_district()
    add_default_rules(district)
    staff = make_user(roles={Role.STAFF}, district=district)
    added = _added_rule(staff, district)
    login_as(staff)
    listing = client.get("/pathways/rules").get_data(as_text=True)
    assert f"/pathways/rules/{added.id}/delete" in listing
    assert f"/pathways/rules/{_rule(district).id}/delete" not in listing  # a preset: no button
    url = f"/pathways/rules/{added.id}/delete"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Delete 120 hours in one place?" in confirm.get_data(as_text=True)
    assert _count(district) == len(services.DEFAULT_RULES) + 1  # asking deletes nothing
    response = post_form(url, {}, follow_redirects=True)
    assert "120 hours in one place has been deleted." in response.get_data(as_text=True)
    assert _count(district) == len(services.DEFAULT_RULES)
    assert client.get(url).status_code == 404
    assert post_form(url, {}, page="/home").status_code == 404


def test_a_shipped_rule_cannot_be_deleted_only_switched_off(client, login_as, post_form) -> None:
    district = make_district()
    add_default_rules(district)
    login_as(make_user(roles={Role.STAFF}, district=district))
    rule = _rule(district)
    url = f"/pathways/rules/{rule.id}/delete"
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/pathways/rules/{rule.id}/edit")
    body = client.get(f"/pathways/rules/{rule.id}/edit").get_data(as_text=True)
    assert "is one of the shipped default rules: it cannot be deleted." in body
    assert "Switch it off instead (untick Active and save)." in body
    response = post_form(url, {}, page=f"/pathways/rules/{rule.id}/edit")
    assert response.status_code == 302
    assert _count(district) == len(services.DEFAULT_RULES)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("staff_other_district", 404), ("teacher", 403), ("employer", 403), ("county_staff", 200)],
)
def test_who_may_delete_a_rule(client, login_as, post_form, who, expected) -> None:
    district = make_district()
    added = _added_rule(make_user(roles={Role.STAFF}, district=district), district)
    users = {
        "staff_other_district": lambda: make_user(roles={Role.STAFF}, district=make_district()),
        "teacher": lambda: make_user(roles={Role.TEACHER}, school=make_school(district=district)),
        "employer": lambda: make_user(roles={Role.EMPLOYER}),
        "county_staff": lambda: make_user(roles={Role.STAFF}),
    }
    login_as(users[who]())
    url = f"/pathways/rules/{added.id}/delete"
    assert client.get(url).status_code == expected
    if expected != 200:
        assert post_form(url, {}, page="/home").status_code == expected
        assert _count(district) == 1
    else:
        assert post_form(url, {}).status_code == 302
        assert _count(district) == 0


def test_pages_still_show_when_a_stored_rule_has_bad_settings(client, login_as) -> None:
    student = _close_student()
    db.session.add(
        PathwayRule(
            district_id=student.school.district_id,
            kind=RuleKind.CREDENTIAL_POINTS,
            name="Broken points",
            params={"points": 0, "colour": "blue"},
            position=0,
            active=True,
        )
    )
    db.session.flush()
    login_as(student.user)
    for url in ("/pathways/mine", "/home"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Broken points" not in response.get_data(as_text=True)
    assert SUMMARY in client.get("/pathways/mine").get_data(as_text=True)
    login_as(make_user(roles={Role.STAFF}, district=student.school.district))
    for url in (f"/pathways/students/{student.id}", f"/pathways/schools/{student.school_id}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SUMMARY in response.get_data(as_text=True)
    rules_page = client.get("/pathways/rules").get_data(as_text=True)
    assert "Settings need attention" in rules_page


def test_a_teacher_without_a_school_is_told_why_the_list_is_empty(client, login_as) -> None:
    login_as(make_user(roles={Role.TEACHER}))
    response = client.get("/pathways/", follow_redirects=True)
    assert response.status_code == 200
    assert "not linked to a school" in response.get_data(as_text=True)
    response = client.get("/pathways/schools")
    assert response.status_code == 200
    assert "not linked to a school" in response.get_data(as_text=True)


# --- the school list in pages ----------------------------------------------------------------


def _pupils(school, count: int, *, grade: int = 11) -> list:  # type: ignore[no-untyped-def]
    """``count`` students named "Pupil 00", "Pupil 01"... (not started on every rule)."""
    return [
        make_student(
            school=school,
            grade=grade,
            user=make_user(roles={Role.STUDENT}, school=school, full_name=f"Pupil {n:02d}"),
        )
        for n in range(count)
    ]


def test_the_school_list_shows_fifty_students_a_page_in_status_then_name_order(
    client, login_as
) -> None:
    school = make_school()
    add_default_rules(school.district)
    pupils = _pupils(school, services.PER_PAGE + 4)
    met = make_student(
        school=school, user=make_user(roles={Role.STUDENT}, school=school, full_name="Zoe Met")
    )
    make_experience(met, 250)
    login_as(make_user(roles={Role.TEACHER}, school=school))
    first = client.get(f"/pathways/schools/{school.id}").get_data(as_text=True)
    assert _links(first) == services.PER_PAGE
    assert first.index("Zoe Met") < first.index("Pupil 00")  # met first, then by name
    assert f"/pathways/students/{pupils[48].id}" in first
    assert f"/pathways/students/{pupils[49].id}" not in first
    assert 'data-testid="count-not_started">54<' in first  # counted over every page
    assert 'data-testid="count-met">1<' in first
    assert "Students 1–50 of 55" in first
    assert f"/pathways/schools/{school.id}?page=2" in first  # the pager
    second = client.get(f"/pathways/schools/{school.id}?page=2").get_data(as_text=True)
    assert _links(second) == 5
    assert "Students 51–55 of 55" in second
    assert "Not started (54, continued)" in second  # the heading counts all of the group
    assert "Not started (54)" in first
    assert "Zoe Met" not in second


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("abc", "Students 1–50"),
        ("0", "Students 1–50"),
        ("-3", "Students 1–50"),
        ("99", "Students 51–52"),
        ("9" * 40, "Students 51–52"),
        ("2.5", "Students 1–50"),
    ],
)
def test_a_bad_or_out_of_range_page_shows_the_first_or_last_page(
    client, login_as, page: str, shown: str
) -> None:
    school = make_school()
    add_default_rules(school.district)
    _pupils(school, services.PER_PAGE + 2)
    login_as(make_user(roles={Role.TEACHER}, school=school))
    response = client.get(f"/pathways/schools/{school.id}?page={page}")
    assert response.status_code == 200
    assert shown in response.get_data(as_text=True)


def test_the_school_list_filters_by_name_and_grade_and_keeps_them_in_its_links(
    client, login_as
) -> None:
    school = make_school()
    add_default_rules(school.district)
    juniors = _pupils(school, 3)
    senior = make_student(
        school=school,
        grade=12,
        user=make_user(roles={Role.STUDENT}, school=school, full_name="Ana 100% Ortiz_Lee"),
    )
    login_as(make_user(roles={Role.TEACHER}, school=school))
    body = client.get(f"/pathways/schools/{school.id}?q=pupil+01").get_data(as_text=True)
    assert _links(body) == 1
    assert f"/pathways/students/{juniors[1].id}" in body
    assert 'data-testid="count-not_started">1<' in body  # the counts follow the filters
    assert "q=pupil+01" in body.replace("%20", "+")  # counts and download keep the search
    body = client.get(f"/pathways/schools/{school.id}?q=100%25").get_data(as_text=True)
    assert [f"/pathways/students/{senior.id}" in body, _links(body)] == [True, 1]
    body = client.get(f"/pathways/schools/{school.id}?q=z_l").get_data(as_text=True)
    assert _links(body) == 1
    body = client.get(f"/pathways/schools/{school.id}?q=p_p").get_data(as_text=True)
    assert _links(body) == 0  # "_" is itself here, not any letter ("Pup")
    body = client.get(f"/pathways/schools/{school.id}?grade=12").get_data(as_text=True)
    assert _links(body) == 1
    assert '<option selected value="12">Grade 12</option>' in body
    body = client.get(f"/pathways/schools/{school.id}?q=nobody").get_data(as_text=True)
    assert "No students here." in body
    response = client.get(f"/pathways/schools/{school.id}?grade=nine&q=" + "x" * 101)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Invalid Choice: could not coerce" in body
    assert "Field cannot be longer than 100 characters." in body
    assert _links(body) == 4  # both filters ignored


def test_students_no_rule_applies_to_come_last_and_only_without_a_status_filter(
    client, login_as
) -> None:
    school = make_school()
    [pupil] = _pupils(school, 1)
    login_as(make_user(roles={Role.TEACHER}, school=school))
    body = client.get(f"/pathways/schools/{school.id}").get_data(as_text=True)
    assert "No rule applies (1)" in body
    assert 'data-testid="count-none">1<' in body
    assert f"/pathways/students/{pupil.id}" in body
    body = client.get(f"/pathways/schools/{school.id}?status=met").get_data(as_text=True)
    assert f"/pathways/students/{pupil.id}" not in body
    assert "No students here." in body
