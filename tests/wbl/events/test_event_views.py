"""Class-event pages: who may open them, the request form, the employer's answer, the home
pages that show a confirmed event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.builders import (
    make_class_section,
    make_employer,
    make_offering,
    make_partner,
    make_student,
    make_user,
)
from tests.support.event_data import (
    make_class_with_students,
    make_event_request,
    make_speaker_offering,
    make_teacher,
)
from wbl.access import Role
from wbl.clock import local_today
from wbl.events.models import EventRequest, EventRequestStatus
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.reference.models import ExperienceKind


def _day(n: int) -> str:
    return (local_today() + timedelta(days=n)).isoformat()


def _form(section_id: int, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "class_section_id": section_id,
        "class_size": "",
        "topic": "How a clinic runs",
        "notes": "",
        "date_1": _day(9),
        "time_1": "09:30",
        "duration_1": "60",
        "date_2": _day(14),
        "time_2": "13:00",
        "duration_2": "90",
        "date_3": "",
        "time_3": "",
        "duration_3": "60",
    }
    # Dates given as a number of days from today (parameters are built before the app exists).
    data.update(
        {
            k: _day(v) if isinstance(v, int) and k.startswith("date_") else v
            for k, v in overrides.items()
        }
    )
    return data


@pytest.fixture
def setting():
    partner = make_partner(name="Sunrise Veterinary Clinic")
    employer = make_employer(partner=partner)
    offering = make_speaker_offering(partner=partner, title="Careers in animal care")
    teacher = make_teacher()
    section = make_class_with_students(teacher, n=3)
    return partner, employer, offering, teacher, section


# --- Access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (None, 302),
        ({Role.STUDENT}, 403),
        ({Role.TEACHER}, 200),
        ({Role.EMPLOYER}, 200),
        ({Role.STAFF}, 200),
        ({Role.ADMIN}, 200),
    ],
)
def test_class_events_list_by_role(client, login_as, roles, expected) -> None:
    if roles:
        login_as(make_user(roles=roles))
    response = client.get("/events")
    assert response.status_code == expected
    if expected == 302:
        assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize(
    ("roles", "expected"),
    [(None, 302), ({Role.STUDENT}, 403), ({Role.EMPLOYER}, 403), ({Role.STAFF}, 403)],
)
def test_only_teachers_open_the_request_form(client, login_as, roles, expected) -> None:
    if roles:
        login_as(make_user(roles=roles))
    assert client.get("/events/new").status_code == expected


def test_request_detail_by_who_asks(client, login_as, setting) -> None:
    _, employer, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    url = f"/events/{request.id}"
    assert client.get(url).status_code == 302
    for user, expected in [
        (teacher, 200),
        (employer, 200),
        (make_user(roles={Role.STAFF}), 200),
        (make_employer(), 404),
        (make_teacher(school=teacher.school), 404),
        (make_user(roles={Role.STUDENT}), 403),
    ]:
        login_as(user)
        assert client.get(url).status_code == expected, user


def test_staff_see_requests_read_only(client, login_as, setting) -> None:
    _, _, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    login_as(make_user(roles={Role.STAFF}))
    body = client.get(f"/events/{request.id}").get_data(as_text=True)
    assert "Accept this date" not in body
    assert "Cancel the request" not in body
    assert client.get("/events").get_data(as_text=True).count(request.topic) == 1


# --- Requesting ------------------------------------------------------------------------------


def test_teacher_requests_an_offering_for_a_class(client, login_as, post_form, setting) -> None:
    _, employer, offering, teacher, section = setting
    login_as(teacher)
    page = client.get(f"/events/new?offering={offering.id}").get_data(as_text=True)
    assert "Careers in animal care" in page
    assert 'value="3"' in page  # the class size defaults to the class's students
    response = post_form(f"/events/new?offering={offering.id}", _form(section.id))
    assert response.status_code == 302
    request = db.session.scalar(select(EventRequest).where(EventRequest.teacher_id == teacher.id))
    assert request is not None
    assert response.headers["Location"].endswith(f"/events/{request.id}")
    assert request.offering_id == offering.id
    assert request.class_size == 3
    assert [o.duration_minutes for o in request.options] == [60, 90]
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "event_requested"))
    assert mail is not None
    assert mail.to_email == employer.email
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Waiting for the partner" in detail
    assert "9:30 AM" in detail  # shown back in local time
    assert "Your request is on its way to Sunrise Veterinary Clinic." in detail


def test_teacher_chooses_a_partner_when_not_starting_from_an_offering(
    client, login_as, post_form, setting
) -> None:
    partner, _, _, teacher, section = setting
    login_as(teacher)
    page = client.get(f"/events/new?class={section.id}").get_data(as_text=True)
    assert "Sunrise Veterinary Clinic" in page
    response = post_form(
        "/events/new",
        _form(section.id, partner_id=partner.id, kind="workplace_visit", class_size="28"),
    )
    assert response.status_code == 302
    request = db.session.scalar(select(EventRequest).where(EventRequest.teacher_id == teacher.id))
    assert request is not None
    assert request.kind is ExperienceKind.WORKPLACE_VISIT
    assert request.class_size == 28


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"topic": ""}, "Say what the class would like to hear about or see."),
        ({"date_1": ""}, "This field is required."),
        ({"date_1": -2}, "Choose a date and time in the future."),
        ({"date_2": 9, "time_2": "09:30"}, "This is the same as date option 1."),
        ({"time_2": ""}, "Enter a start time for this date."),
        ({"date_3": "", "time_3": "10:00"}, "Enter a date for this start time."),
        ({"class_size": "0"}, "Number must be between 1 and 200."),
        ({"class_size": "500"}, "Number must be between 1 and 200."),
        ({"duration_1": "5"}, "Number must be between 15 and 480."),
        ({"class_section_id": "999999"}, "Not a valid choice"),
    ],
)
def test_bad_requests_are_explained_and_nothing_is_saved(
    client, login_as, post_form, setting, overrides, problem
) -> None:
    _, _, offering, teacher, section = setting
    login_as(teacher)
    response = post_form(f"/events/new?offering={offering.id}", _form(section.id, **overrides))
    assert response.status_code == 200
    assert problem in response.get_data(as_text=True).replace("&#39;", "'")
    assert db.session.scalar(select(EventRequest.id)) is None


def test_another_teachers_class_is_not_offered(client, login_as, setting) -> None:
    _, _, offering, teacher, _ = setting
    colleague = make_teacher(school=teacher.school)
    theirs = make_class_section(teacher=colleague, name="Their Biology")
    login_as(teacher)
    page = client.get(f"/events/new?offering={offering.id}&class={theirs.id}")
    assert "Their Biology" not in page.get_data(as_text=True)


def test_an_offering_that_is_not_a_class_event_is_not_found(client, login_as, setting) -> None:
    partner, _, _, teacher, _ = setting
    shadow = make_offering(partner=partner, kind=ExperienceKind.JOB_SHADOW)
    login_as(teacher)
    assert client.get(f"/events/new?offering={shadow.id}").status_code == 404


def test_a_teacher_without_classes_is_sent_to_add_one(client, login_as, setting) -> None:
    _, _, offering, _, _ = setting
    login_as(make_teacher())
    response = client.get(f"/events/new?offering={offering.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/classes/new")


def test_offering_page_shows_the_request_button_to_teachers_only(
    app, client, login_as, setting
) -> None:
    _, employer, offering, teacher, _ = setting
    shadow = make_offering(partner=offering.partner, kind=ExperienceKind.JOB_SHADOW)
    with app.test_request_context():
        from flask import render_template_string

        def button(user, item) -> bool:
            html = render_template_string(
                '{% include "events/_offering_actions.html" %}', offering=item, current_user=user
            )
            return "Request for my class" in html

        assert button(teacher, offering)
        assert not button(teacher, shadow)
        assert not button(employer, offering)
        assert not button(make_user(roles={Role.STUDENT}), offering)


# --- Answering -------------------------------------------------------------------------------


def test_employer_accepts_the_second_date(client, login_as, post_form, setting) -> None:
    _, employer, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    login_as(employer)
    url = f"/events/{request.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Accept this date" in page
    assert "Waiting for your answer" in page
    response = post_form(
        f"{url}/accept",
        {"accept-option_id": request.options[1].id, "accept-message": "See you then!"},
        page=url,
        follow_redirects=True,
    )
    body = response.get_data(as_text=True)
    assert "The teacher has been told the date is confirmed." in body
    assert "Confirmed for" in body
    assert request.status is EventRequestStatus.ACCEPTED
    assert request.options[1].chosen
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "event_accepted"))
    assert mail is not None
    assert mail.to_email == teacher.email


def test_accepting_twice_says_so(client, login_as, post_form, setting) -> None:
    _, employer, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    login_as(employer)
    url = f"/events/{request.id}"
    html = client.get(url).get_data(as_text=True)
    from tests.conftest import csrf_from

    token = csrf_from(html)
    data = {"accept-option_id": request.options[0].id, "accept-csrf_token": token}
    first = client.post(f"{url}/accept", data=data)
    assert first.status_code == 302
    again = client.post(f"{url}/accept", data=data, follow_redirects=True)
    assert "This request has already been accepted." in again.get_data(as_text=True)
    assert [o.chosen for o in request.options] == [True, False]


def test_accepting_without_a_choice_is_explained(client, login_as, post_form, setting) -> None:
    _, employer, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    login_as(employer)
    url = f"/events/{request.id}"
    response = post_form(f"{url}/accept", {}, page=url)
    assert response.status_code == 200
    assert "This field is required." in response.get_data(as_text=True)
    assert request.status is EventRequestStatus.PENDING


def test_declining_needs_a_message(client, login_as, post_form, setting) -> None:
    _, employer, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    login_as(employer)
    url = f"/events/{request.id}"
    response = post_form(f"{url}/decline", {"decline-message": "  "}, page=url)
    assert "Tell the teacher briefly why" in response.get_data(as_text=True)
    assert request.status is EventRequestStatus.PENDING
    response = post_form(f"{url}/decline", {"decline-message": "Closed for renovation."}, page=url)
    assert response.status_code == 302
    assert request.status is EventRequestStatus.DECLINED
    assert "Closed for renovation." in client.get(url).get_data(as_text=True)


def test_another_partners_employer_cannot_answer(client, login_as, post_form, setting) -> None:
    _, _, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    login_as(make_employer())
    response = post_form(
        f"/events/{request.id}/accept",
        {"accept-option_id": request.options[0].id},
        page="/events",
    )
    assert response.status_code == 404
    assert request.status is EventRequestStatus.PENDING


def test_teachers_cannot_answer(client, login_as, post_form, setting) -> None:
    _, _, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    login_as(teacher)
    url = f"/events/{request.id}"
    response = post_form(f"{url}/accept", {"accept-option_id": request.options[0].id}, page=url)
    assert response.status_code == 403


def test_a_post_without_csrf_is_refused(client, login_as, setting) -> None:
    _, employer, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    login_as(employer)
    response = client.post(
        f"/events/{request.id}/accept", data={"accept-option_id": request.options[0].id}
    )
    assert response.status_code == 400
    assert request.status is EventRequestStatus.PENDING


def test_teacher_cancels_a_confirmed_event(client, login_as, post_form, setting) -> None:
    _, employer, offering, teacher, section = setting
    request = make_event_request(
        teacher=teacher,
        section=section,
        offering=offering,
        status=EventRequestStatus.ACCEPTED,
        chosen=1,
    )
    login_as(teacher)
    url = f"/events/{request.id}"
    response = post_form(f"{url}/cancel", {}, page=url, follow_redirects=True)
    assert "The request is cancelled" in response.get_data(as_text=True)
    assert request.status is EventRequestStatus.CANCELLED
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "event_cancelled"))
    assert mail is not None
    assert mail.to_email == employer.email


# --- Home pages ------------------------------------------------------------------------------


def test_a_confirmed_event_shows_on_the_teacher_and_class_home_pages(
    client, login_as, setting
) -> None:
    _, _, offering, teacher, section = setting
    in_class = section.students[0]
    not_in_class = make_student(school=teacher.school)
    make_event_request(
        teacher=teacher,
        section=section,
        offering=offering,
        status=EventRequestStatus.ACCEPTED,
        chosen=2,
        topic="Meet the vet techs",
    )
    make_event_request(
        teacher=teacher, section=section, offering=offering, topic="Still waiting for an answer"
    )
    for user, sees in [(teacher, True), (in_class.user, True), (not_in_class.user, False)]:
        login_as(user)
        body = client.get("/home").get_data(as_text=True)
        assert ("Meet the vet techs" in body) is sees, user
        assert "Still waiting for an answer" not in body
        if sees:
            assert "Upcoming class events" in body
            assert "Sunrise Veterinary Clinic" in body


def test_a_past_or_cancelled_event_is_not_upcoming(client, login_as, setting) -> None:
    _, _, offering, teacher, section = setting
    make_event_request(
        teacher=teacher,
        section=section,
        offering=offering,
        status=EventRequestStatus.ACCEPTED,
        chosen=1,
        days=(-3,),
        topic="Last week's talk",
    )
    make_event_request(
        teacher=teacher,
        section=section,
        offering=offering,
        status=EventRequestStatus.CANCELLED,
        chosen=1,
        topic="Called off",
    )
    login_as(teacher)
    body = client.get("/home").get_data(as_text=True)
    assert "Last week&#39;s talk" not in body
    assert "Called off" not in body
    assert "No confirmed class events coming up." in body


def test_employer_home_counts_requests_waiting(client, login_as, setting) -> None:
    _, employer, offering, teacher, section = setting
    make_event_request(teacher=teacher, section=section, offering=offering)
    make_event_request(teacher=teacher, section=section, offering=offering)
    make_event_request(
        teacher=teacher, section=section, offering=offering, status=EventRequestStatus.DECLINED
    )
    make_event_request()  # another partner's
    login_as(employer)
    body = client.get("/home").get_data(as_text=True)
    assert "Requests from teachers" in body
    assert ">2</span> waiting for your answer" in body


@pytest.mark.parametrize("who", ["teacher", "student"])
def test_home_events_take_a_fixed_number_of_queries(
    client, login_as, count_queries, setting, who
) -> None:
    _, _, offering, teacher, section = setting
    user = teacher if who == "teacher" else section.students[0].user

    def confirm() -> None:
        make_event_request(
            teacher=teacher,
            section=section,
            offering=offering,  # a new offering would rebuild the matching index
            status=EventRequestStatus.ACCEPTED,
            chosen=1,
        )

    confirm()
    login_as(user)
    client.get("/home")  # warm up
    with count_queries() as few:
        client.get("/home")
    for _ in range(3):
        confirm()
    db.session.flush()
    with count_queries() as many:
        body = client.get("/home").get_data(as_text=True)
    assert body.count("bi-calendar-event") >= 4
    assert many.count == few.count


def test_the_list_is_paged(client, login_as, setting) -> None:
    _, employer, offering, teacher, section = setting
    for n in range(27):
        make_event_request(teacher=teacher, section=section, offering=offering, topic=f"Talk {n}")
    login_as(employer)
    first = client.get("/events").get_data(as_text=True)
    second = client.get("/events?page=2").get_data(as_text=True)
    assert first.count("Talk ") == 25
    assert second.count("Talk ") == 2
    assert 'aria-label="Pages"' in first


def test_the_list_takes_a_fixed_number_of_queries(client, login_as, count_queries, setting) -> None:
    _, employer, offering, teacher, section = setting
    make_event_request(teacher=teacher, section=section, offering=offering)
    login_as(employer)
    client.get("/events")  # warm up
    with count_queries() as few:
        client.get("/events")
    for _ in range(5):
        make_event_request(teacher=teacher, section=section, offering=offering)
    db.session.flush()
    with count_queries() as many:
        body = client.get("/events").get_data(as_text=True)
    assert body.count("Waiting for your answer") == 6
    assert many.count == few.count


def test_the_upcoming_events_card_costs_one_statement_more_than_no_events(
    client, login_as, count_queries
) -> None:
    """The teacher's home reads confirmed events with their partner, offering and class in
    the statement it runs anyway, plus one for the date options, however many there are."""
    teacher = login_as(make_teacher())
    section = make_class_with_students(teacher)
    client.get("/home")  # warm up
    with count_queries() as none:
        client.get("/home")
    for topic in ("Vet careers", "Welding", "Nursing"):
        make_event_request(
            teacher=teacher,
            section=section,
            offering=make_speaker_offering(),
            status=EventRequestStatus.ACCEPTED,
            chosen=1,
            topic=topic,
        )
    with count_queries() as three:
        body = client.get("/home").get_data(as_text=True)
    assert all(topic in body for topic in ("Vet careers", "Welding", "Nursing"))
    assert three.count == none.count + 1
