"""End-of-placement pages: ending early, the evaluation form and who sees it, the reflection,
and the staff list of completed placements."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.builders import make_district, make_employer, make_school, make_user
from tests.support.evaluation_data import (
    REFLECTION,
    active_placement,
    category,
    ended_placement,
    evaluate,
    outcome,
    reflect,
)
from tests.support.hour_data import ADULT
from tests.support.placement_data import make_cast
from wbl.access import Role
from wbl.evaluations import services
from wbl.extensions import db
from wbl.placements.models import PlacementStatus
from wbl.portfolio.models import Artifact


@pytest.fixture
def cast():
    return make_cast(born=ADULT)


def url(placement, tail: str = "") -> str:
    return f"/evaluations/placements/{placement.id}{tail}"


def rating_data(placement, value: str = "3", **overrides: str) -> dict[str, str]:
    data = {f"category_{c.id}": value for c in services.active_categories()}
    data |= {f"outcome_{o.id}": value for o in services.offering_outcomes(placement.offering_id)}
    return {**data, "comment": "Curious and kind.", **overrides}


# --- ending early ----------------------------------------------------------------------------


def test_the_supervisor_ends_the_placement_from_a_confirmation_page(
    client, login_as, post_form, cast
):
    placement = active_placement(cast)
    login_as(cast.employer)
    page = client.get(url(placement, "/complete"))
    assert page.status_code == 200
    assert "End the placement now?" in page.get_data(as_text=True)
    response = post_form(url(placement, "/complete"), {})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(placement))
    assert placement.status is PlacementStatus.COMPLETED
    html = client.get(url(placement)).get_data(as_text=True)
    assert "The placement has ended" in html
    assert "Send the evaluation" in html
    again = post_form(url(placement, "/complete"), {}, follow_redirects=True)
    assert "already ended" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "expected"), [("student", 403), ("teacher", 403), ("stranger", 404)]
)
def test_who_may_not_end_a_placement(client, login_as, cast, who, expected):
    placement = active_placement(cast)
    user = {
        "student": cast.student.user,
        "teacher": cast.teacher,
        "stranger": make_employer(),
    }[who]
    login_as(user)
    assert client.get(url(placement, "/complete")).status_code == expected
    assert placement.status is PlacementStatus.ACTIVE


# --- the evaluation --------------------------------------------------------------------------


def test_the_supervisor_rates_each_category_and_outcome(client, login_as, post_form, cast):
    placement = ended_placement(cast)
    login_as(cast.employer)
    html = client.get(url(placement)).get_data(as_text=True)
    for text in (
        "Foundational Skills",
        "Applied Workplace Skills",
        "Self-Management and Personal Responsibility",
        "Curious",
        "Communicator",
        "1 Does not meet",
        "2 Partially meets",
        "3 Meets",
        "4 Above expectations",
        "N/A",
    ):
        assert text in html
    assert html.count('type="radio"') == 5 * 5
    foundational = category("foundational")
    response = post_form(
        url(placement), rating_data(placement, **{f"category_{foundational.id}": "na"})
    )
    assert response.status_code == 302
    evaluation = services.get_evaluation(placement.id)
    assert evaluation.ratings[0] == {
        "code": "foundational",
        "name": "Foundational Skills",
        "rating": None,
    }
    assert evaluation.ratings[1]["rating"] == 3
    html = client.get(url(placement)).get_data(as_text=True)
    assert "Send the evaluation" not in html  # final once sent
    assert "Curious and kind." in html
    assert "3</strong> Meets" in html


def test_a_missing_rating_is_explained_next_to_its_group(client, login_as, post_form, cast):
    placement = ended_placement(cast)
    login_as(cast.employer)
    curious = outcome("curious")
    data = rating_data(placement)
    del data[f"outcome_{curious.id}"]
    response = post_form(url(placement), data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Rate “Curious”: 1 to 4, or N/A." in html
    assert f'id="outcome_{curious.id}-error"' in html
    assert services.get_evaluation(placement.id) is None


@pytest.mark.parametrize(("value", "message"), [("7", "rated 1 to 4, or N/A"), ("x", "Rate “")])
def test_values_that_are_not_ratings_are_refused(client, login_as, post_form, cast, value, message):
    placement = ended_placement(cast)
    login_as(cast.employer)
    applied = category("applied")
    response = post_form(
        url(placement), rating_data(placement, **{f"category_{applied.id}": value})
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert services.get_evaluation(placement.id) is None


def test_an_active_placement_is_not_evaluated(client, login_as, post_form, cast):
    placement = active_placement(cast)
    login_as(cast.employer)
    page = client.get(url(placement)).get_data(as_text=True)
    assert "The placement is still active" in page
    assert "End the placement now" in page
    response = post_form(url(placement), rating_data(placement))
    assert response.status_code == 422
    assert "The placement is still active" in response.get_data(as_text=True)
    assert services.get_evaluation(placement.id) is None


def test_retired_categories_are_not_on_the_form_and_renamed_ones_keep_old_names(
    client, login_as, post_form, cast
):
    placement = ended_placement(cast)
    evaluate(cast, placement)
    # Staff rename one category and retire another (at /admin/reference/...).
    category("foundational").name = "Basic skills"
    category("self_management").active = False
    db.session.flush()
    login_as(cast.employer)
    html = client.get(url(placement)).get_data(as_text=True)
    assert "Foundational Skills" in html  # the old evaluation keeps its names
    assert "Self-Management and Personal Responsibility" in html
    assert "Basic skills" not in html
    later_cast = make_cast(born=ADULT)
    later = ended_placement(later_cast)
    login_as(later_cast.employer)
    html = client.get(url(later)).get_data(as_text=True)
    assert "Basic skills" in html
    assert "Self-Management" not in html
    assert html.count('type="radio"') == 4 * 5  # two categories, two outcomes


def test_who_sees_an_evaluation(client, login_as, post_form, cast):
    placement = ended_placement(cast)
    evaluate(cast, placement, comment="Punctual.")
    # The student reads their own, and cannot evaluate.
    login_as(cast.student.user)
    page = client.get(url(placement))
    assert page.status_code == 200
    assert "Punctual." in page.get_data(as_text=True)
    assert "Write your reflection" in page.get_data(as_text=True)
    assert post_form(url(placement), rating_data(placement)).status_code == 403
    # The teachers of the student's school, and staff in scope, read it.
    login_as(cast.teacher)
    assert "Punctual." in client.get(url(placement)).get_data(as_text=True)
    login_as(cast.staff)
    assert "Punctual." in client.get(url(placement)).get_data(as_text=True)
    # Another partner's employer, a teacher of another school, staff of another district: 404.
    for stranger in (
        make_employer(),
        make_user(roles={Role.TEACHER}, school=make_school()),
        make_user(roles={Role.STAFF}, district=make_district()),
    ):
        login_as(stranger)
        assert client.get(url(placement)).status_code == 404


def test_a_teacher_cannot_evaluate(client, login_as, post_form, cast):
    placement = ended_placement(cast)
    login_as(cast.teacher)
    page = client.get(url(placement)).get_data(as_text=True).replace("&#39;", "'")
    assert "Waiting for the supervisor's evaluation." in page
    assert post_form(url(placement), rating_data(placement)).status_code == 403


# --- the reflection --------------------------------------------------------------------------


def test_the_student_writes_a_reflection_and_gets_a_draft(client, login_as, post_form, cast):
    placement = ended_placement(cast)
    evaluate(cast, placement)
    login_as(cast.student.user)
    assert client.get(url(placement, "/reflection")).status_code == 200
    response = post_form(url(placement, "/reflection"), {"text": ""})
    assert response.status_code == 422
    assert "Write your reflection." in response.get_data(as_text=True)
    response = post_form(url(placement, "/reflection"), {"text": REFLECTION})
    assert response.status_code == 302
    artifact = db.session.scalar(select(Artifact).where(Artifact.placement_id == placement.id))
    assert response.headers["Location"].endswith(f"/portfolio/artifacts/{artifact.id}")
    response = post_form(url(placement, "/reflection"), {"text": "Better words."})
    assert response.headers["Location"].endswith(url(placement, "/reflection"))
    assert services.get_reflection(placement.id).text == "Better words."


def test_who_reads_a_reflection(client, login_as, post_form, cast):
    placement = ended_placement(cast)
    reflect(cast, placement)
    for reader in (cast.teacher, cast.staff):
        login_as(reader)
        page = client.get(url(placement, "/reflection"))
        assert page.status_code == 200
        assert REFLECTION in page.get_data(as_text=True)
        assert "Save my reflection" not in page.get_data(as_text=True)
    assert post_form(url(placement, "/reflection"), {"text": "Mine now"}).status_code == 403
    login_as(cast.employer)
    assert client.get(url(placement, "/reflection")).status_code == 403
    login_as(make_user(roles={Role.TEACHER}, school=make_school()))
    assert client.get(url(placement, "/reflection")).status_code == 404


def test_no_reflection_on_an_active_placement(client, login_as, post_form, cast):
    placement = active_placement(cast)
    login_as(cast.student.user)
    page = client.get(url(placement, "/reflection")).get_data(as_text=True)
    assert "once the placement has ended" in page
    response = post_form(url(placement, "/reflection"), {"text": REFLECTION})
    assert response.status_code == 422
    assert "still active" in response.get_data(as_text=True)


# --- the list of completed placements --------------------------------------------------------


def test_staff_list_completed_placements_by_school_and_state(client, login_as, cast):
    evaluated = ended_placement(cast)
    evaluate(cast, evaluated)
    other = make_cast(born=ADULT)
    awaiting = ended_placement(other)
    login_as(cast.staff)
    html = client.get("/evaluations/").get_data(as_text=True)
    assert cast.student.user.full_name in html
    assert other.student.user.full_name in html
    html = client.get("/evaluations/?state=awaiting").get_data(as_text=True)
    assert other.student.user.full_name in html
    assert cast.student.user.full_name not in html
    html = client.get(f"/evaluations/?school={cast.school.id}").get_data(as_text=True)
    assert cast.student.user.full_name in html
    assert other.student.user.full_name not in html
    assert awaiting.status is PlacementStatus.COMPLETED


def test_supervisors_list_their_own_partners_placements(client, login_as, cast):
    ended_placement(cast)
    other = make_cast(born=ADULT)
    ended_placement(other)
    login_as(cast.employer)
    html = client.get("/evaluations/").get_data(as_text=True)
    assert cast.student.user.full_name in html
    assert other.student.user.full_name not in html


@pytest.mark.parametrize(("roles", "expected"), [({Role.TEACHER}, 403), ({Role.STUDENT}, 403)])
def test_the_list_is_for_staff_and_supervisors(client, login_as, roles, expected):
    login_as(make_user(roles=roles))
    assert client.get("/evaluations/").status_code == expected


def test_the_staff_list_takes_a_fixed_number_of_queries(client, login_as, count_queries, cast):
    evaluate(cast, ended_placement(cast))
    login_as(cast.staff)
    client.get("/evaluations/")
    with count_queries() as few:
        client.get("/evaluations/")
    for _ in range(3):
        more = make_cast(born=ADULT)
        placement = ended_placement(more)
        evaluate(more, placement)
        reflect(more, placement)
    client.get("/evaluations/")  # the services committed: the signed-in user is reloaded once
    with count_queries() as many:
        html = client.get("/evaluations/").get_data(as_text=True)
    assert html.count("Evaluated<span") == 4
    assert many.count == few.count
