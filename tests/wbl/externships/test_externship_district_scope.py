"""District scope: a district's staff see and act on their district's teachers only.

Externships and their seat counts stay visible to every staff member (partners are the
county's shared catalog), but another district's applicants, placed teachers and their
hours are not found (404), and the lists leave them out.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.support.builders import make_district, make_employer, make_school, make_user
from tests.support.externship_data import (
    make_application,
    make_hour,
    make_ongoing_externship,
    make_placed_team,
    make_staff,
    make_teacher,
)
from wbl.access import Role
from wbl.errors import NotFound
from wbl.extensions import db
from wbl.externships import policies, projects, selection, services, teacher_hours
from wbl.externships.models import (
    ExternshipHourStatus,
    ExternshipTeam,
    TeacherApplicationStatus,
)

APPLIED = TeacherApplicationStatus.APPLIED
PLACED = TeacherApplicationStatus.PLACED


@pytest.fixture
def two_districts():
    """Staff of district A; an ongoing externship with a placed team and an applicant from
    each district (the team from district B has pending hours)."""
    district_a, district_b = make_district(name="Alder"), make_district(name="Birch")
    school_a = make_school(district=district_a, name="Alder High")
    school_b = make_school(district=district_b, name="Birch High")
    externship = make_ongoing_externship(title="Summer at the mill", seats=8)
    placed_a = make_placed_team(
        externship=externship,
        teachers=[
            make_teacher(school=school_a, name="Ada Alder"),
            make_teacher(school=school_a, name="Abe Alder"),
        ],
    )
    placed_b = make_placed_team(
        externship=externship,
        teachers=[
            make_teacher(school=school_b, name="Bea Birch"),
            make_teacher(school=school_b, name="Bob Birch"),
        ],
    )
    return {
        "externship": externship,
        "staff_a": make_user(roles={Role.STAFF}, district=district_a),
        "school_a": school_a,
        "school_b": school_b,
        "placed_a": placed_a,
        "placed_b": placed_b,
        "hour_b": make_hour(application=placed_b[0]),
        "applicant_a": make_application(
            externship=externship, teacher=make_teacher(school=school_a, name="Amy Alder")
        ),
        "applicant_b": make_application(
            externship=externship, teacher=make_teacher(school=school_b, name="Ben Birch")
        ),
    }


# --- the predicate ---------------------------------------------------------------------------


def test_staff_sees_teacher_by_district(two_districts) -> None:
    w = two_districts
    teacher_a, teacher_b = w["placed_a"][0].teacher, w["placed_b"][0].teacher
    assert policies.staff_sees_teacher(w["staff_a"], teacher_a)
    assert not policies.staff_sees_teacher(w["staff_a"], teacher_b)
    assert not policies.staff_sees_teacher(w["staff_a"], make_user(roles={Role.TEACHER}))
    county = make_staff()
    assert policies.staff_sees_teacher(county, teacher_a)
    assert policies.staff_sees_teacher(county, teacher_b)
    admin = make_user(roles={Role.ADMIN}, district=w["school_a"].district)
    assert policies.staff_sees_teacher(admin, teacher_b)
    assert not policies.staff_sees_teacher(make_employer(), teacher_a)


# --- services --------------------------------------------------------------------------------


def test_district_staff_get_only_their_districts_applications(two_districts) -> None:
    w = two_districts
    assert services.get_application(w["staff_a"], w["placed_a"][0].id) == w["placed_a"][0]
    with pytest.raises(NotFound):
        services.get_application(w["staff_a"], w["placed_b"][0].id)
    with pytest.raises(NotFound):
        teacher_hours.get_hour(w["staff_a"], w["hour_b"].id)
    assert services.get_application(make_staff(), w["placed_b"][0].id) == w["placed_b"][0]


def test_district_staff_cannot_decide_other_districts_hours(two_districts) -> None:
    w = two_districts
    assert policies.can_decide(w["staff_a"], w["placed_a"][0])
    assert not policies.can_decide(w["staff_a"], w["placed_b"][0])
    with pytest.raises(NotFound):
        teacher_hours.confirm_hours(w["staff_a"], w["hour_b"].id)
    with pytest.raises(NotFound):
        teacher_hours.reject_hours(w["staff_a"], w["hour_b"].id, "Not on the rota.")
    assert w["hour_b"].status is ExternshipHourStatus.PENDING
    # The partner's contact is county-wide for their own externship.
    contact = make_employer(partner=w["externship"].partner)
    assert policies.can_decide(contact, w["placed_b"][0])


def test_district_staff_cannot_decline_or_complete_other_districts(two_districts) -> None:
    w = two_districts
    with pytest.raises(NotFound):
        selection.decline(w["staff_a"], w["applicant_b"].id, "No room.")
    with pytest.raises(NotFound):
        projects.complete(w["staff_a"], w["placed_b"][0].id)
    assert w["applicant_b"].status is APPLIED
    assert w["placed_b"][0].status is PLACED
    selection.decline(w["staff_a"], w["applicant_a"].id, "No room this summer.")
    assert w["applicant_a"].status is TeacherApplicationStatus.DECLINED


def test_district_staff_cannot_place_other_districts_teachers(two_districts) -> None:
    w = two_districts
    externship = w["externship"]
    other_a = make_application(externship=externship, teacher=make_teacher(school=w["school_a"]))
    teams = db.session.scalar(select(func.count()).select_from(ExternshipTeam))
    with pytest.raises(NotFound):
        selection.place_team(
            w["staff_a"], externship.id, [w["applicant_a"].id, w["applicant_b"].id]
        )
    assert db.session.scalar(select(func.count()).select_from(ExternshipTeam)) == teams
    assert w["applicant_b"].status is APPLIED
    assert externship.seats_taken == 4
    team = selection.place_team(w["staff_a"], externship.id, [w["applicant_a"].id, other_a.id])
    assert {m.id for m in team.members} == {w["applicant_a"].id, other_a.id}


# --- pages -----------------------------------------------------------------------------------


def test_district_staff_get_404_on_other_districts_teacher(
    two_districts, client, login_as, post_form
) -> None:
    w = two_districts
    login_as(w["staff_a"])
    b, hour = w["placed_b"][0], w["hour_b"]
    assert client.get(f"/externships/applications/{w['placed_a'][0].id}").status_code == 200
    assert client.get(f"/externships/applications/{b.id}").status_code == 404
    page = "/externships/"
    posts = {
        f"/externships/hours/{hour.id}/confirm": {},
        f"/externships/hours/{hour.id}/reject": {"reason": "Not on the rota."},
        f"/externships/applications/{w['applicant_b'].id}/decline": {"note": "No room."},
        f"/externships/applications/{b.id}/complete": {},
        f"/externships/{w['externship'].id}/place": {
            "application_ids": [w["applicant_a"].id, w["applicant_b"].id]
        },
    }
    for url, data in posts.items():
        assert post_form(url, data, page=page).status_code == 404, url
    assert hour.status is ExternshipHourStatus.PENDING
    assert w["applicant_b"].status is APPLIED
    assert b.status is PLACED


def test_externship_page_lists_only_the_districts_teachers(two_districts, client, login_as) -> None:
    w = two_districts
    login_as(w["staff_a"])
    html = client.get(f"/externships/{w['externship'].id}").get_data(as_text=True)
    assert "Summer at the mill" in html
    assert "Ada Alder" in html
    assert "Amy Alder" in html
    assert "Birch" not in html
    login_as(make_staff())
    html = client.get(f"/externships/{w['externship'].id}").get_data(as_text=True)
    assert "Bea Birch" in html
    assert "Ben Birch" in html


def test_by_partner_lists_only_the_districts_teachers(two_districts, client, login_as) -> None:
    w = two_districts
    login_as(w["staff_a"])
    html = client.get("/externships/by-partner").get_data(as_text=True)
    assert "Summer at the mill" in html  # the externship and its seats stay visible
    assert "4 of 8 seats taken" in html
    assert "Ada Alder" in html
    assert "Bea Birch" not in html
    csv = client.get("/externships/by-partner?format=csv").get_data(as_text=True)
    assert "Ada Alder" in csv
    assert "Bea Birch" not in csv
    login_as(make_staff())
    html = client.get("/externships/by-partner").get_data(as_text=True)
    assert "Bea Birch" in html
