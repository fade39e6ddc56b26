"""Worksite visit pages: recording a visit (and every bad case of the form), who gets which
page (out of scope 404, a role that may not act 403), the checklist's history, follow-ups,
the district's checklist page, the menus and the placement page's link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.builders import make_district, make_school, make_user
from tests.support.hour_data import ADULT, place, yesterday
from tests.support.placement_data import make_cast
from tests.support.visit_data import record
from wbl.access import Role
from wbl.clock import local_today
from wbl.extensions import db
from wbl.visits import services
from wbl.visits.models import ChecklistAnswer, VisitChecklistItem, VisitSettings, WorksiteVisit
from wbl.visits.rules import DEFAULT_CHECKLIST


@pytest.fixture
def cast():
    cast = make_cast(born=ADULT)
    cast.staff.district_id = cast.school.district_id  # the district's own staff
    return cast


@pytest.fixture
def placement(cast):
    return place(cast)


def new_url(placement) -> str:
    return f"/visits/placements/{placement.id}/new"


def form(**overrides) -> dict[str, object]:
    answers = {f"item_{i}": "yes" for i in range(len(DEFAULT_CHECKLIST))}
    answers["item_2"] = "na"
    return {
        "visited_on": yesterday().isoformat(),
        "checklist": services.checklist_key(list(DEFAULT_CHECKLIST)),  # the hidden field
        "notes": "Met Ms Rivera; the student showed me the stockroom.",
        **answers,
        **overrides,
    }


def visits() -> list[WorksiteVisit]:
    return list(db.session.scalars(select(WorksiteVisit)))


# --- recording -------------------------------------------------------------------------------


def test_a_teacher_records_a_visit_with_the_checklist_as_it_reads(
    client, login_as, post_form, cast, placement
) -> None:
    login_as(cast.teacher)
    page = client.get(new_url(placement)).get_data(as_text=True)
    for item in DEFAULT_CHECKLIST:
        assert item in page
    response = post_form(
        new_url(placement),
        form(follow_up_needed="y", follow_up="Ask for safety glasses in her size."),
    )
    assert response.status_code == 302
    (visit,) = visits()
    assert response.headers["Location"].endswith(f"/visits/{visit.id}")
    assert visit.visitor_id == cast.teacher.id
    assert visit.visitor_role.value == "teacher"
    assert [a.item_text for a in visit.answers] == list(DEFAULT_CHECKLIST)
    assert [a.answer for a in visit.answers][2] is ChecklistAnswer.NOT_APPLICABLE
    assert visit.follow_up_open
    detail = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "Ask for safety glasses in her size." in detail
    assert "Not applicable" in detail


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"visited_on": ""}, "Give the day of the visit."),
        ({"visited_on": "31/02/2026"}, "Not a valid date value."),
        ({"item_3": ""}, "Answer this item: yes, no or not applicable."),
        ({"item_0": "maybe"}, "Not a valid choice."),
        ({"notes": "x" * 4001}, "Keep the notes under 4000 characters."),
        ({"follow_up_needed": "y", "follow_up": "  "}, "Say what follow-up is needed."),
        ({"follow_up": "x" * 1001}, "Keep the follow-up under 1000 characters."),
    ],
)
def test_the_form_refuses_bad_answers_beside_the_field(
    client, login_as, post_form, cast, placement, overrides, message
) -> None:
    login_as(cast.staff)
    response = post_form(new_url(placement), form(**overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert visits() == []


def test_a_day_in_the_future_is_refused(client, login_as, post_form, cast, placement) -> None:
    login_as(cast.staff)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    response = post_form(new_url(placement), form(visited_on=tomorrow))
    assert response.status_code == 422
    assert "The day of the visit cannot be in the future." in response.get_data(as_text=True)
    assert visits() == []


def test_a_day_before_the_placement_started_is_refused(
    client, login_as, post_form, cast, placement
) -> None:
    login_as(cast.staff)
    before = (placement.start_date - timedelta(days=1)).isoformat()
    response = post_form(new_url(placement), form(visited_on=before))
    assert response.status_code == 422
    assert "give a day from then on" in response.get_data(as_text=True)


def test_answers_to_a_checklist_that_changed_meanwhile_are_refused(
    client, login_as, cast, placement
) -> None:
    from tests.conftest import csrf_from

    login_as(cast.staff)
    page = client.get(new_url(placement)).get_data(as_text=True)
    with client.application.test_request_context():
        services.save_checklist(
            cast.staff,
            cast.school.district_id,
            services.ChecklistSettings(("Supervisor present", "Area safe"), 30),
        )
    data = {**form(item_0="yes", item_1="yes"), "csrf_token": csrf_from(page)}
    data["checklist"] = services.checklist_key(list(DEFAULT_CHECKLIST))
    response = client.post(new_url(placement), data=data)
    assert response.status_code == 422
    assert "changed while you were filling it in" in response.get_data(as_text=True)
    assert visits() == []


def test_editing_the_checklist_later_does_not_rewrite_a_visit(
    app, client, login_as, cast, placement
) -> None:
    visit = record(cast.staff, placement)
    with app.test_request_context():
        services.save_checklist(
            cast.staff,
            cast.school.district_id,
            services.ChecklistSettings(("Brand new item",), 14),
        )
    login_as(cast.staff)
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert DEFAULT_CHECKLIST[0] in page
    assert "Brand new item" not in page
    assert "Brand new item" in client.get(new_url(placement)).get_data(as_text=True)


# --- who sees what ---------------------------------------------------------------------------


def test_outsiders_get_404_and_other_roles_403(client, login_as, cast, placement) -> None:
    visit = record(cast.staff, placement, follow_up="Call back.")
    urls = [
        f"/visits/placements/{placement.id}",
        new_url(placement),
        f"/visits/{visit.id}",
    ]
    for outsider in (
        make_user(roles={Role.TEACHER}, school=make_school()),
        make_user(roles={Role.STAFF}, district=make_district()),
    ):
        login_as(outsider)
        for url in urls:
            assert client.get(url).status_code == 404, (outsider.email, url)
    for role_without in (cast.employer, cast.student.user):
        login_as(role_without)
        for url in [*urls, "/visits/"]:
            assert client.get(url).status_code == 403, url


def test_a_teacher_of_another_school_cannot_post_a_visit(
    client, login_as, post_form, cast, placement
) -> None:
    login_as(make_user(roles={Role.TEACHER}, school=make_school()))
    response = post_form(new_url(placement), form(), page="/visits/")
    assert response.status_code == 404
    assert visits() == []


def test_a_teacher_may_not_flag_or_close_a_follow_up(
    client, login_as, post_form, cast, placement
) -> None:
    visit = record(cast.staff, placement, follow_up="Call back.")
    login_as(cast.teacher)
    page = f"/visits/placements/{placement.id}"
    assert client.get(page).status_code == 200
    assert post_form(f"{page}/flag", {"reason": ""}, page=page).status_code == 403
    closing = post_form(f"/visits/{visit.id}/close-follow-up", {"outcome": "done"}, page=page)
    assert closing.status_code == 403


def test_staff_flag_a_placement_and_take_the_mark_off(
    client, login_as, post_form, cast, placement
) -> None:
    login_as(cast.staff)
    page = f"/visits/placements/{placement.id}"
    response = post_form(
        f"{page}/flag", {"reason": "New supervisor."}, page=page, follow_redirects=True
    )
    body = response.get_data(as_text=True)
    assert "The placement is marked as due a visit." in body
    assert "New supervisor." in body
    assert "New supervisor." in client.get("/visits/").get_data(as_text=True)
    response = post_form(f"{page}/unflag", {}, page=page, follow_redirects=True)
    assert "The mark is taken off." in response.get_data(as_text=True)
    long = post_form(f"{page}/flag", {"reason": "x" * 501}, page=page)
    assert long.status_code == 422


def test_staff_close_a_follow_up_once(client, login_as, post_form, cast, placement) -> None:
    visit = record(cast.staff, placement, follow_up="Call the supervisor about gloves.")
    login_as(cast.staff)
    url = f"/visits/{visit.id}/close-follow-up"
    page = f"/visits/{visit.id}"
    assert post_form(url, {"outcome": ""}, page=page).status_code == 422
    done = post_form(url, {"outcome": "Gloves bought."}, page=page, follow_redirects=True)
    assert "The follow-up is closed." in done.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(WorksiteVisit, visit.id).follow_up_open
    with pytest.raises(services.FollowUpAlreadyClosed):
        services.close_follow_up(cast.staff, visit.id, "Again.")


def test_the_list_shows_due_follow_ups_and_all(client, login_as, cast) -> None:
    due = place(cast, days_before=45, days_after=30)
    record(cast.staff, due, on=local_today() - timedelta(days=40), follow_up="Gloves.")
    login_as(cast.teacher)
    assert cast.student.user.full_name in client.get("/visits/").get_data(as_text=True)
    follow = client.get("/visits/?show=follow-ups").get_data(as_text=True)
    assert "Gloves." in follow
    assert "1 follow-up still open" in follow
    assert "1 visit" in client.get("/visits/?show=all").get_data(as_text=True)
    assert client.get("/visits/?show=nonsense&page=x").status_code == 200


# --- the district's checklist ----------------------------------------------------------------


def test_district_staff_edit_their_checklist(client, login_as, post_form, cast) -> None:
    login_as(cast.staff)
    page = client.get("/visits/checklist").get_data(as_text=True)
    assert DEFAULT_CHECKLIST[0] in page
    response = post_form(
        "/visits/checklist",
        {"items": "Supervisor present\n\n  Fire exits   clear \n", "due_after_days": "21"},
    )
    assert response.status_code == 302
    items = db.session.scalars(
        select(VisitChecklistItem.text).order_by(VisitChecklistItem.position)
    ).all()
    assert items == ["Supervisor present", "Fire exits clear"]
    assert db.session.get(VisitSettings, cast.school.district_id).due_after_days == 21


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"items": "", "due_after_days": "30"}, "Give at least one checklist item."),
        ({"items": "A", "due_after_days": "0"}, "Give a number of days from 1 to 365."),
        ({"items": "A", "due_after_days": "x"}, "Not a valid integer value."),
        ({"items": "A\na", "due_after_days": "30"}, "Each item may appear only once."),
        ({"items": "x" * 201, "due_after_days": "30"}, "Keep each item under 200 characters."),
        (
            {"items": "\n".join(f"item {i}" for i in range(21)), "due_after_days": "30"},
            "Keep the checklist to 20 items.",
        ),
    ],
)
def test_the_checklist_form_refuses_bad_input(
    client, login_as, post_form, cast, data, message
) -> None:
    login_as(cast.staff)
    response = post_form("/visits/checklist", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(VisitChecklistItem)) is None


def test_district_staff_cannot_reach_another_districts_checklist(
    client, login_as, post_form, cast
) -> None:
    other = make_district()
    login_as(cast.staff)
    page = client.get(f"/visits/checklist?district_id={other.id}").get_data(as_text=True)
    assert cast.school.district.name in page  # their own, whatever the query says
    county = make_user(roles={Role.STAFF})
    login_as(county)
    assert other.name in client.get(f"/visits/checklist?district_id={other.id}").get_data(
        as_text=True
    )
    assert client.get("/visits/checklist?district_id=999999").status_code == 404
    login_as(cast.teacher)
    assert client.get("/visits/checklist").status_code == 403


# --- menus and the placement page ------------------------------------------------------------


def test_menus_link_the_visits_and_the_teachers_incidents(client, login_as, cast) -> None:
    login_as(cast.staff)
    assert 'href="/visits/"' in client.get("/home").get_data(as_text=True)
    login_as(cast.teacher)
    home = client.get("/home").get_data(as_text=True)
    assert 'href="/visits/"' in home
    assert 'href="/incidents/"' in home
    for who in (cast.employer, cast.student.user):
        login_as(who)
        assert 'href="/visits/"' not in client.get("/home").get_data(as_text=True)


def test_the_placement_page_links_its_visits_for_staff_and_teachers(
    client, login_as, cast, placement
) -> None:
    link = f'href="/visits/placements/{placement.id}"'
    for who in (cast.staff, cast.teacher):
        login_as(who)
        assert link in client.get(f"/hours/placements/{placement.id}").get_data(as_text=True)
    for who in (cast.employer, cast.student.user):
        login_as(who)
        assert link not in client.get(f"/hours/placements/{placement.id}").get_data(as_text=True)
