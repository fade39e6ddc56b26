"""Incident pages: the report form from the placement's page, who gets which page (out of
scope is 404, a role that may not act is 403), the form's messages, and the staff's actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.builders import (
    make_district,
    make_employer,
    make_school,
    make_student,
    make_user,
)
from tests.support.hour_data import ADULT, place, yesterday
from tests.support.incident_data import WHAT, report
from tests.support.placement_data import make_cast
from wbl.access import Role
from wbl.clock import local_today
from wbl.extensions import db
from wbl.incidents.models import Incident, IncidentStatus
from wbl.placements.models import PlacementStatus


@pytest.fixture
def cast():
    cast = make_cast(born=ADULT)
    cast.staff.district_id = cast.school.district_id  # the district's own staff
    return cast


@pytest.fixture
def placement(cast):
    return place(cast)


def new_url(placement) -> str:
    return f"/incidents/placements/{placement.id}/new"


def form(**overrides) -> dict[str, object]:
    return {
        "kind": "injury",
        "occurred_on": yesterday().isoformat(),
        "description": WHAT,
        **overrides,
    }


def test_the_placement_page_offers_the_report_to_each_person_involved(
    client, login_as, cast, placement
) -> None:
    for who in (cast.student.user, cast.employer, cast.teacher, cast.staff):
        login_as(who)
        page = client.get(f"/hours/placements/{placement.id}").get_data(as_text=True)
        assert "Report a concern" in page
        assert client.get(new_url(placement)).status_code == 200


def test_a_student_reports_and_sees_only_their_reports_status(
    client, login_as, post_form, cast, placement
) -> None:
    login_as(cast.student.user)
    response = post_form(new_url(placement), form())
    assert response.status_code == 302
    incident = db.session.scalars(select(Incident)).one()
    assert response.headers["Location"].endswith(f"/incidents/{incident.id}")
    report(cast.staff, placement)  # someone else's report: not the student's to see
    from wbl.incidents import services

    services.follow_up(cast.staff, incident.id, "Spoke to the site lead about the ladder.")
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Being followed up" in page
    assert WHAT in page  # what they wrote
    assert "Spoke to the site lead" not in page  # the staff's notes stay with them
    assert "Record a follow-up" not in page
    hours_page = client.get(f"/hours/placements/{placement.id}").get_data(as_text=True)
    assert hours_page.count("/incidents/") == 2  # the report link and their one report
    assert client.get("/incidents/").status_code == 403


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"kind": ""}, "Choose what kind of incident this is."),
        ({"kind": "fire"}, "Choose what kind of incident this is."),
        ({"occurred_on": ""}, "Give the day it happened."),
        ({"occurred_on": "31/02/2026"}, "Not a valid date value."),
        ({"description": ""}, "Describe what happened."),
        ({"description": "Fell."}, "Describe what happened in 10 to 4000 characters."),
        ({"description": "x" * 4001}, "Describe what happened in 10 to 4000 characters."),
        ({"description": "          "}, "Describe what happened."),
    ],
)
def test_each_bad_field_is_answered_on_the_form(
    client, login_as, post_form, cast, placement, data, field_message
) -> None:
    login_as(cast.student.user)
    response = post_form(new_url(placement), form(**data))
    assert response.status_code == 422
    assert field_message in response.get_data(as_text=True)
    assert db.session.scalars(select(Incident)).all() == []


def test_a_future_day_is_refused_by_the_service_beside_its_field(
    client, login_as, post_form, cast, placement
) -> None:
    login_as(cast.teacher)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    response = post_form(new_url(placement), form(occurred_on=tomorrow))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="occurred_on-error"' in page
    assert "cannot be in the future" in page


def test_outsiders_get_404_and_roles_that_may_not_act_get_403(
    client, login_as, post_form, cast, placement
) -> None:
    incident = report(cast.student.user, placement)
    outsiders = [
        make_student(school=cast.school).user,
        make_employer(),
        make_user(roles={Role.TEACHER}, school=make_school()),
        make_user(roles={Role.STAFF}, district=make_district()),
    ]
    for outsider in outsiders:
        login_as(outsider)
        assert client.get(new_url(placement)).status_code == 404
        assert client.get(f"/incidents/{incident.id}").status_code == 404
    # The school's other teachers see the placement, and may report, but not this incident.
    login_as(make_user(roles={Role.TEACHER}, school=cast.school))
    assert client.get(new_url(placement)).status_code == 200
    assert client.get(f"/incidents/{incident.id}").status_code == 404
    # The student's teacher reads it in full but does not act on it.
    login_as(cast.teacher)
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert WHAT in page
    assert "Record a follow-up" not in page
    closing = post_form(
        f"/incidents/{incident.id}/close",
        {"closing_note": "Not mine to close."},
        page=f"/incidents/{incident.id}",
    )
    assert closing.status_code == 403


def test_staff_follow_up_pause_and_close_from_the_incident_page(
    client, login_as, post_form, cast, placement
) -> None:
    incident = report(cast.student.user, placement)
    login_as(cast.staff)
    page = f"/incidents/{incident.id}"
    home = client.get("/home").get_data(as_text=True)
    assert '<span class="visually-hidden"> open</span>' in home  # the open count beside the link
    listing = client.get("/incidents/").get_data(as_text=True)
    assert cast.student.user.full_name in listing
    response = post_form(f"{page}/follow-up", {"note": ""}, page=page)
    assert response.status_code == 422
    assert "Write what was done or decided." in response.get_data(as_text=True)
    response = post_form(f"{page}/follow-up", {"note": "Called the site."}, page=page)
    assert response.status_code == 302
    response = post_form(f"{page}/pause", {"pause_reason": "Until checked."}, page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert placement.status is PlacementStatus.PAUSED
    assert "Resume the placement" in client.get(page).get_data(as_text=True)
    response = post_form(f"{page}/close", {"closing_note": ""}, page=page)
    assert response.status_code == 422
    assert "Write a closing note" in response.get_data(as_text=True)
    response = post_form(f"{page}/close", {"closing_note": "Ladder replaced."}, page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert incident.status is IncidentStatus.CLOSED
    closed = client.get(page).get_data(as_text=True)
    assert "Ladder replaced." in closed
    assert "Close the incident" not in closed
    assert "Resume the placement" in closed  # a paused placement can still be resumed


def test_a_second_close_is_told_it_was_already_closed(
    client, login_as, post_form, cast, placement
) -> None:
    incident = report(cast.student.user, placement)
    login_as(cast.staff)
    page = f"/incidents/{incident.id}"
    token_page = page
    from wbl.incidents import services

    html = client.get(token_page).get_data(as_text=True)
    services.close(cast.staff, incident.id, "Closed in another tab.")
    from tests.conftest import csrf_from

    response = client.post(
        f"{page}/close",
        data={"closing_note": "Late.", "csrf_token": csrf_from(html)},
        follow_redirects=True,
    )
    assert "already been closed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert incident.closing_note == "Closed in another tab."
