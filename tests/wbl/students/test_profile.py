"""Students edit their matching profile; bad input is explained and changes nothing."""

from __future__ import annotations

import pytest

from tests.support.builders import make_offering, make_student, make_user, pathway
from wbl.access import Role


def _form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "home_zip": "95476",
        "max_travel_miles": 30,
        "transportation": "car",
        "pathway_ids": [pathway("ict.software_and_systems_development").id],
        "interests": "I build apps and like robotics",
        "availability": ["after_school", "summer"],
    }
    data.update(overrides)
    return data


def test_student_saves_their_profile_and_recommendations_follow(
    client, login_as, post_form
) -> None:
    student = make_student()
    make_offering(
        title="Shadow a software developer",
        pathways=[pathway("ict.software_and_systems_development")],
    )
    login_as(student.user)
    response = post_form("/profile", _form(), follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "Your profile is saved." in body
    assert student.home_zip == "95476"
    assert 38.2 < student.home_latitude < 38.4  # Sonoma's ZIP centre
    assert [p.name for p in student.pathways] == ["Software and Systems Development"]
    assert student.availability == ["after_school", "summer"]
    assert "Part of your Software and Systems Development pathway" in body


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"home_zip": "00000"}, "not a ZIP code we know"),
        ({"home_zip": "95a01"}, "Enter a five-digit ZIP code."),
        ({"max_travel_miles": 0}, "Number must be between 1 and 100."),
        ({"max_travel_miles": "far"}, "Not a valid integer value."),
        ({"transportation": "rocket"}, "Not a valid choice"),
        ({"pathway_ids": [999999]}, "is not a valid choice"),
        ({"availability": ["midnight"]}, "is not a valid choice"),
        ({"interests": "x" * 1001}, "Field cannot be longer than 1000 characters."),
    ],
)
def test_bad_profile_input_is_explained_and_nothing_changes(
    login_as, post_form, overrides, problem
) -> None:
    student = make_student()
    before = (student.home_zip, student.max_travel_miles, student.interests)
    login_as(student.user)
    response = post_form("/profile", _form(**overrides))
    assert response.status_code == 200
    assert problem in response.get_data(as_text=True).replace("&#39;", "'")
    assert (student.home_zip, student.max_travel_miles, student.interests) == before


def test_more_than_three_pathways_is_refused(login_as, post_form) -> None:
    student = make_student()
    login_as(student.user)
    four = [
        pathway(code).id
        for code in (
            "health.patient_care",
            "health.biotechnology",
            "ict.networking",
            "agriculture.animal_science",
        )
    ]
    response = post_form("/profile", _form(pathway_ids=four))
    assert "Choose up to 3 pathways." in response.get_data(as_text=True)
    assert [p.code for p in student.pathways] == ["health.patient_care"]


@pytest.mark.parametrize("role", [Role.TEACHER, Role.EMPLOYER, Role.STAFF])
def test_only_students_have_a_profile_page(client, login_as, role) -> None:
    login_as(make_user(roles={role}))
    assert client.get("/profile").status_code == 403


def test_a_student_without_a_profile_gets_a_clear_404(client, login_as) -> None:
    login_as(make_user(roles={Role.STUDENT}))
    response = client.get("/profile")
    assert response.status_code == 404
    assert "Ask your teacher" in response.get_data(as_text=True)
