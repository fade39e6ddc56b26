"""The offering page: who may see it, and who fits it."""

from __future__ import annotations

import pytest

from tests.support.builders import (
    make_district,
    make_employer,
    make_offering,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from wbl.access import Role
from wbl.catalog.models import OfferingStatus


@pytest.mark.parametrize("role", [Role.STUDENT, Role.TEACHER])
def test_students_and_teachers_see_published_offerings_only(client, login_as, role) -> None:
    published = make_offering(title="Open shadow")
    draft = make_offering(title="Not yet", status=OfferingStatus.DRAFT)
    login_as(make_user(roles={role}))
    assert "Open shadow" in client.get(f"/offerings/{published.id}").get_data(as_text=True)
    assert client.get(f"/offerings/{draft.id}").status_code == 404


def test_employers_see_their_own_offerings_in_any_status(client, login_as) -> None:
    partner = make_partner()
    own_draft = make_offering(partner=partner, status=OfferingStatus.DRAFT)
    other = make_offering()
    login_as(make_employer(partner=partner))
    assert client.get(f"/offerings/{own_draft.id}").status_code == 200
    assert client.get(f"/offerings/{other.id}").status_code == 404


def test_staff_see_the_students_who_fit_in_their_district(client, login_as) -> None:
    district = make_district()
    ours = make_student(school=make_school(district=district))
    theirs = make_student(school=make_school())
    offering = make_offering(title="Shadow a nurse")
    login_as(make_user(roles={Role.STAFF}, district=district))
    body = client.get(f"/offerings/{offering.id}").get_data(as_text=True)
    assert "Students who fit" in body
    assert ours.user.full_name in body
    assert theirs.user.full_name not in body
    assert "Part of your Patient Care pathway" in body or "Patient Care" in body


def test_employers_see_how_many_fit_but_not_who(client, login_as) -> None:
    partner = make_partner()
    offering = make_offering(partner=partner)
    student = make_student()
    login_as(make_employer(partner=partner))
    body = client.get(f"/offerings/{offering.id}").get_data(as_text=True)
    assert "students in the county are eligible" in body
    assert student.user.full_name not in body


def test_an_unpublished_offering_has_nobody_who_fits_yet(client, login_as) -> None:
    make_student()
    offering = make_offering(status=OfferingStatus.DRAFT)
    login_as(make_user(roles={Role.STAFF}))
    body = client.get(f"/offerings/{offering.id}").get_data(as_text=True)
    assert "0 eligible" in body


def test_student_home_recommends_with_reasons(client, login_as, count_queries) -> None:
    student = make_student()
    near = make_offering(title="Shadow a nurse nearby")
    full = make_offering(title="Already full", capacity=1)
    full.seats_taken = 1
    login_as(student.user)
    body = client.get("/home").get_data(as_text=True)
    assert "Recommended for you" in body
    assert near.title in body
    assert "Already full" not in body  # no seats: never recommended
    assert "0.0 miles from home" in body or "miles from home" in body
    with count_queries() as one:
        client.get("/home")
    for n in range(5):
        make_offering(title=f"Another shadow {n}")
    client.get("/home")  # the catalog changed: this request rebuilds the index
    with count_queries() as six:
        body = client.get("/home").get_data(as_text=True)
    assert body.count("Another shadow") == 5
    assert six.count == one.count  # more recommendations, not more queries


def _apply_card(body: str) -> str:
    return body.split('id="apply-heading"', 1)[1].split("</section>", 1)[0]


def test_after_a_completed_placement_the_offering_page_says_completed(client, login_as) -> None:
    """Issue 14 §6.1: "Your application: Placed" after the placement ended is wrong; the card
    says Completed and leads to the reflection, the evaluation and the hours."""
    from datetime import date

    from tests.support.evaluation_data import ended_placement, evaluate, reflect
    from tests.support.placement_data import make_cast

    cast = make_cast(born=date(2007, 1, 1))
    placement = ended_placement(cast)
    login_as(cast.student.user)
    url = f"/offerings/{cast.offering.id}"

    card = _apply_card(client.get(url).get_data(as_text=True))
    assert ">Completed</span>" in card
    assert "Placed" not in card
    assert f'href="/evaluations/placements/{placement.id}/reflection">Write your reflection' in card
    assert f'href="/evaluations/placements/{placement.id}">Your supervisor' in card
    assert "(not in yet)" in card
    assert f'href="/hours/placements/{placement.id}">Your hours' in card

    evaluate(cast, placement)
    reflect(cast, placement)
    card = _apply_card(client.get(url).get_data(as_text=True))
    assert f'href="/evaluations/placements/{placement.id}/reflection">Your reflection' in card
    assert "(not in yet)" not in card
    assert "Portfolio artifact: " in card  # the draft built from the two
    # the student's list of applications says the same
    assert ">Completed</span>" in client.get("/applications").get_data(as_text=True)
