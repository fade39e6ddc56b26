"""Administration ▸ Districts and schools: the county office adds, edits, deactivates and
reactivates them with their CDS codes; a district's staff read their own; bad input is shown
at its field and saves nothing; deactivating keeps every record."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.support.builders import make_school, make_student, make_user
from wbl.access import Role
from wbl.extensions import db
from wbl.schools import rules
from wbl.schools.models import District, School
from wbl.schools.queries import districts_visible_to, schools_visible_to
from wbl.students.models import StudentProfile

KEEPERS = [{Role.ADMIN}, {Role.STAFF}]


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _district(name: str, code: str) -> District:
    district = District(name=name, code=code)
    db.session.add(district)
    db.session.flush()
    return district


def _school_form(**overrides: str) -> dict[str, str]:
    return {
        "name": "Davis Senior High",
        "cds_code": "57 72694 5730405",
        "zip": "95616",
        "city": "",
        **overrides,
    }


def _press(client, page_url: str, action_url: str):
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(action_url, data={"csrf_token": token})


# --- who sees what ---------------------------------------------------------------------


@pytest.mark.parametrize("roles", KEEPERS)
def test_the_county_office_sees_every_district_and_may_add_one(client, login_as, roles) -> None:
    login_as(make_user(roles=roles))
    _district("Davis Joint Unified", "5772694")
    _district("Woodland Joint Unified", "5772736")
    page = client.get("/admin/districts").get_data(as_text=True)
    assert "Davis Joint Unified" in page
    assert "Woodland Joint Unified" in page
    assert "Add a district" in page


def test_district_staff_read_their_own_district_only(client, login_as) -> None:
    own, other = _district("Davis Joint Unified", "5772694"), _district("Woodland", "5772736")
    school = make_school(district=own)
    login_as(make_user(roles={Role.STAFF}, district=own))
    page = client.get("/admin/districts").get_data(as_text=True)
    assert "Davis Joint Unified" in page
    assert "Woodland" not in page
    assert "Add a district" not in page
    assert "The county office keeps them" in page
    detail = client.get(f"/admin/districts/{own.id}").get_data(as_text=True)
    assert school.name in detail
    assert "Edit district" not in detail
    assert "Deactivate" not in detail
    assert client.get(f"/admin/districts/{other.id}").status_code == 404
    for url in (
        "/admin/districts/new",
        f"/admin/districts/{own.id}/edit",
        f"/admin/districts/{own.id}/schools/new",
        f"/admin/districts/schools/{school.id}/edit",
    ):
        assert client.get(url).status_code == 403, url
    token = csrf_from(page)
    for url in (
        "/admin/districts/new",
        f"/admin/districts/{own.id}/deactivate",
        f"/admin/districts/schools/{school.id}/deactivate",
    ):
        assert (
            client.post(url, data={"csrf_token": token, "name": "X", "code": "5700000"}).status_code
            == 403
        )
    assert own.active
    assert school.active
    assert _count(District) == 2


@pytest.mark.parametrize("roles", [{Role.TEACHER}, {Role.STUDENT}, {Role.EMPLOYER}])
def test_nobody_else_opens_them(client, login_as, roles) -> None:
    login_as(make_user(roles=roles))
    assert client.get("/admin/districts").status_code == 403


def test_unknown_ids_are_not_found(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    for url in ("/admin/districts/999999", "/admin/districts/schools/999999/edit"):
        assert client.get(url).status_code == 404


# --- districts -------------------------------------------------------------------------


@pytest.mark.parametrize("roles", KEEPERS)
def test_adding_a_district(client, login_as, post_form, roles) -> None:
    login_as(make_user(roles=roles))
    page = client.get("/admin/districts/new").get_data(as_text=True)
    assert "7 digits, the county&#39;s 2 then the district&#39;s 5" in page  # the help text
    response = post_form(
        "/admin/districts/new", {"name": " Davis Joint Unified ", "code": "57-72694"}
    )
    district = db.session.scalar(select(District).where(District.name == "Davis Joint Unified"))
    assert district is not None
    assert district.code == "5772694"
    assert district.active
    assert response.headers["Location"] == f"/admin/districts/{district.id}"


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"name": "", "code": "5772694"}, "name", rules.NAME_NEEDED),
        ({"name": "Davis", "code": ""}, "code", rules.DISTRICT_CODE_WRONG),
        ({"name": "Davis", "code": "577269"}, "code", rules.DISTRICT_CODE_WRONG),
        ({"name": "Davis", "code": "57726944"}, "code", rules.DISTRICT_CODE_WRONG),
        ({"name": "Davis", "code": "57 7269A"}, "code", rules.DISTRICT_CODE_WRONG),
        ({"name": "Davis", "code": "５７７２６９４"}, "code", rules.DISTRICT_CODE_WRONG),
        ({"name": "x" * 121, "code": "5772694"}, "name", rules.NAME_TOO_LONG),
        (
            {"name": "woodland joint unified", "code": "5772694"},
            "name",
            "There is already a district called “Woodland Joint Unified”.",
        ),
        (
            {"name": "Davis", "code": "5772736"},
            "code",
            "Woodland Joint Unified already has the code 5772736.",
        ),
    ],
)
def test_a_bad_district_is_refused_at_its_field(
    client, login_as, post_form, form, field, message
) -> None:
    _district("Woodland Joint Unified", "5772736")
    login_as(make_user(roles={Role.ADMIN}))
    response = post_form("/admin/districts/new", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<div id="{field}-error" class="invalid-feedback d-block">' in page
    assert message in page.replace("&#39;", "'")
    assert _count(District) == 1


def test_editing_a_district(client, login_as, post_form) -> None:
    district = _district("Davis JUSD", "5772694")
    login_as(make_user(roles={Role.STAFF}))
    url = f"/admin/districts/{district.id}/edit"
    assert 'value="Davis JUSD"' in client.get(url).get_data(as_text=True)
    post_form(url, {"name": "Davis Joint Unified", "code": "5772694"})
    assert district.name == "Davis Joint Unified"  # keeping its own code is no clash


def test_deactivating_a_district_deactivates_its_schools_and_keeps_every_record(
    client, login_as
) -> None:
    district = _district("Davis Joint Unified", "5772694")
    school = make_school(district=district)
    student = make_student(school=school)
    login_as(make_user(roles={Role.STAFF}))
    page = f"/admin/districts/{district.id}"
    response = _press(client, page, f"{page}/deactivate")
    assert response.headers["Location"] == page
    assert "Davis Joint Unified and its 1 active school are deactivated" in client.get(
        page
    ).get_data(as_text=True).replace("&#39;", "'")
    db.session.expire_all()
    assert not district.active
    assert not school.active
    assert db.session.get(StudentProfile, student.id).school_id == school.id  # kept
    county_staff = make_user(roles={Role.STAFF})
    assert district not in db.session.scalars(districts_visible_to(county_staff)).all()
    assert school not in db.session.scalars(schools_visible_to(county_staff)).all()
    # A school cannot come back while its district is inactive; the district comes back alone.
    refused = _press(client, page, f"/admin/districts/schools/{school.id}/reactivate")
    assert refused.status_code == 302
    assert "reactivate the district first" in client.get(page).get_data(as_text=True)
    _press(client, page, f"{page}/reactivate")
    db.session.expire_all()
    assert district.active
    assert not school.active
    _press(client, page, f"/admin/districts/schools/{school.id}/reactivate")
    db.session.expire_all()
    assert school.active


def test_a_button_without_its_form_token_changes_nothing(client, login_as) -> None:
    district = _district("Davis Joint Unified", "5772694")
    login_as(make_user(roles={Role.STAFF}))
    assert client.post(f"/admin/districts/{district.id}/deactivate").status_code == 400
    assert district.active


# --- schools ---------------------------------------------------------------------------


def test_adding_a_school_places_it_by_its_zip(client, login_as, post_form) -> None:
    district = _district("Davis Joint Unified", "5772694")
    login_as(make_user(roles={Role.ADMIN}))
    url = f"/admin/districts/{district.id}/schools/new"
    page = client.get(url).get_data(as_text=True)
    assert 'value="5772694"' in page  # the CDS code starts with the district's
    assert "14 digits, its district&#39;s 7-digit code then the school&#39;s 7" in page
    response = post_form(url, _school_form())
    assert response.headers["Location"] == f"/admin/districts/{district.id}"
    school = db.session.scalar(select(School).where(School.name == "Davis Senior High"))
    assert school is not None
    assert (school.cds_code, school.city, school.zip) == ("57726945730405", "Davis", "95616")
    assert school.latitude == pytest.approx(38.55, abs=0.01)
    assert school.district_id == district.id
    assert school.active


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": " "}, "name", rules.NAME_NEEDED),
        ({"cds_code": "5772694573040"}, "cds_code", rules.CDS_CODE_WRONG),
        ({"cds_code": "577269457304055"}, "cds_code", rules.CDS_CODE_WRONG),
        ({"cds_code": ""}, "cds_code", rules.CDS_CODE_WRONG),
        (
            {"cds_code": "57727365730405"},
            "cds_code",
            "A school's CDS code starts with its district's code, 5772694",
        ),
        ({"zip": "00000"}, "zip", "That is not a ZIP code we know."),
        ({"zip": "Davis"}, "zip", "Enter a five-digit ZIP code."),
        ({"city": "x" * 81}, "city", rules.CITY_TOO_LONG),
        (
            {"name": "davis senior high school"},
            "name",
            "There is already a school called “Davis Senior High School”.",
        ),
        (
            {"cds_code": "57726940000001"},
            "cds_code",
            "Davis Senior High School already has the CDS code 57726940000001.",
        ),
    ],
)
def test_a_bad_school_is_refused_at_its_field(
    client, login_as, post_form, overrides, field, message
) -> None:
    district = _district("Davis Joint Unified", "5772694")
    existing = School(
        district_id=district.id, name="Davis Senior High School", cds_code="57726940000001"
    )
    db.session.add(existing)
    db.session.flush()
    login_as(make_user(roles={Role.STAFF}))
    response = post_form(f"/admin/districts/{district.id}/schools/new", _school_form(**overrides))
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 200
    assert f'<div id="{field}-error" class="invalid-feedback d-block">' in page
    assert message in page
    assert _count(School) == 1


def test_editing_a_school_moves_it_with_its_zip(client, login_as, post_form) -> None:
    district = _district("Woodland Joint Unified", "5772736")
    school = make_school(district=district, name="Pioneer High")
    login_as(make_user(roles={Role.STAFF}))
    url = f"/admin/districts/schools/{school.id}/edit"
    post_form(url, _school_form(name="Pioneer High", cds_code="57727365735550", zip="95695"))
    assert (school.cds_code, school.zip, school.city) == ("57727365735550", "95695", "Woodland")
    assert school.latitude == pytest.approx(38.68, abs=0.01)


def test_no_school_joins_an_inactive_district(client, login_as, post_form) -> None:
    district = _district("Davis Joint Unified", "5772694")
    district.active = False
    login_as(make_user(roles={Role.STAFF}))
    response = post_form(f"/admin/districts/{district.id}/schools/new", _school_form())
    assert "Davis Joint Unified is inactive: reactivate it first." in response.get_data(
        as_text=True
    )
    assert _count(School) == 0


def test_a_district_from_elsewhere_takes_any_fourteen_digit_code(login_as) -> None:
    """A district whose code is not a county-district code (a roster's, say) does not hold
    its schools to a prefix it does not have."""
    assert rules.school_code_problem("12345678901234", "D00042") is None
    assert rules.school_code_problem("12345678901234", "5772694") is not None


def test_the_pages_are_paged(client, login_as) -> None:
    for n in range(30):
        _district(f"District {n:02d}", f"57{n:05d}")
    login_as(make_user(roles={Role.STAFF}))
    first = client.get("/admin/districts").get_data(as_text=True)
    assert "30 districts" in first
    assert "District 24" in first
    assert "District 25" not in first
    last = client.get("/admin/districts?page=99").get_data(as_text=True)
    assert "District 29" in last
