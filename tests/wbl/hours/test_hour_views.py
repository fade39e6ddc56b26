"""Hours pages: the student's log, the supervisor's inbox, the audit trail, and who may see."""

from __future__ import annotations

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
from tests.support.placement_data import make_cast
from wbl.access import Role
from wbl.extensions import db
from wbl.hours import services
from wbl.hours.minutes import parse_minutes
from wbl.hours.models import Channel, EntryStatus, HourEntry


@pytest.fixture
def cast():
    return make_cast(born=ADULT)


@pytest.fixture
def placement(cast):
    return place(cast)


def url(placement) -> str:
    return f"/hours/placements/{placement.id}"


def entry_data(**overrides) -> dict[str, object]:
    return {
        "work_date": yesterday().isoformat(),
        "hours": "1.5",
        "description": "Fed the animals",
        **overrides,
    }


def log(cast, placement, minutes=60, text="Cleaned kennels") -> HourEntry:
    return services.log_hours(cast.student.user, placement.id, yesterday(), minutes, text)


def entries_of(placement) -> list[HourEntry]:
    return list(
        db.session.scalars(
            select(HourEntry).where(HourEntry.placement_id == placement.id).order_by(HourEntry.id)
        )
    )


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("1.25", 75), ("1:15", 75), ("1,5", 90), ("2", 120), ("0.25", 15), ("12", 720)],
)
def test_hours_are_typed_as_decimals_or_clock_times(typed, minutes):
    assert parse_minutes(typed) == minutes


@pytest.mark.parametrize("typed", ["", "abc", "1.1", "0", "-1", "1:70", "1:10", "nan"])
def test_anything_but_quarter_hours_is_refused(typed):
    assert parse_minutes(typed) is None


def test_student_logs_hours_and_sees_them(client, login_as, post_form, cast, placement):
    login_as(cast.student.user)
    page = client.get(url(placement))
    assert page.status_code == 200
    assert "Log hours" in page.get_data(as_text=True)
    response = post_form(url(placement), entry_data(hours="1:30"))
    assert response.status_code == 302
    [entry] = entries_of(placement)
    assert entry.minutes == 90
    html = client.get(url(placement)).get_data(as_text=True)
    assert "Fed the animals" in html
    assert "Waiting for the supervisor" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"hours": "1.1"}, "Use quarter hours: 0.25, 0.5, 0.75…"),
        ({"work_date": "2999-01-01"}, "future"),
        ({"work_date": "2001-01-01"}, "outside the placement"),
        ({"hours": "13"}, "at most 12 hours a day"),
        ({"description": ""}, "Say what you did."),
    ],
)
def test_bad_entries_are_explained_next_to_the_field(
    client, login_as, post_form, cast, placement, data, message
):
    login_as(cast.student.user)
    response = post_form(url(placement), entry_data(**data))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert entries_of(placement) == []


def test_duplicate_and_daily_cap_messages(client, login_as, post_form, cast, placement):
    login_as(cast.student.user)
    post_form(url(placement), entry_data())
    response = post_form(url(placement), entry_data())
    assert "already logged exactly this entry" in response.get_data(as_text=True)
    response = post_form(url(placement), entry_data(hours="11", description="More"))
    assert "at most 12 hours a day in total" in response.get_data(as_text=True)
    assert len(entries_of(placement)) == 1


def test_edit_and_withdraw_a_pending_entry(client, login_as, post_form, cast, placement):
    entry = log(cast, placement)
    login_as(cast.student.user)
    edit = f"/hours/entries/{entry.id}/edit"
    assert 'value="1"' in client.get(edit).get_data(as_text=True)
    response = post_form(edit, entry_data(hours="2", description="Walked the dogs"))
    assert response.status_code == 302
    assert entry.minutes == 120
    response = post_form(f"/hours/entries/{entry.id}/delete", {}, page=url(placement))
    assert response.status_code == 302
    assert entry.status is EntryStatus.DELETED
    html = client.get(url(placement)).get_data(as_text=True)
    assert "Withdrawn" in html  # it never vanishes


def test_a_confirmed_entry_is_corrected_not_edited(client, login_as, post_form, cast, placement):
    entry = log(cast, placement, minutes=120)
    services.confirm(cast.employer, [entry.id])
    login_as(cast.student.user)
    response = post_form(f"/hours/entries/{entry.id}/edit", entry_data())
    assert response.status_code == 422
    assert "corrected with a new entry" in response.get_data(as_text=True)
    response = post_form(f"/hours/entries/{entry.id}/correct", entry_data(hours="1.75"))
    assert response.status_code == 302
    fix = entries_of(placement)[-1]
    assert fix.corrects_id == entry.id
    assert fix.minutes == 105
    html = client.get(url(placement)).get_data(as_text=True)
    assert f"entry #{entry.id}" in html


def test_supervisor_confirms_selected_entries(client, login_as, post_form, cast, placement):
    first, second, third = (log(cast, placement, minutes=m) for m in (15, 30, 45))
    login_as(cast.employer)
    html = client.get("/hours/inbox").get_data(as_text=True)
    assert cast.student.user.full_name in html
    assert "Confirm selected" in html
    response = post_form("/hours/confirm", {"entry_ids": [first.id, third.id]}, page="/hours/inbox")
    assert response.status_code == 302
    assert [e.status for e in (first, second, third)] == [
        EntryStatus.CONFIRMED,
        EntryStatus.PENDING,
        EntryStatus.CONFIRMED,
    ]
    assert first.decided_by_id == cast.employer.id
    assert first.decided_via is Channel.WEB
    # A double click changes nothing more.
    response = post_form(
        "/hours/confirm", {"entry_ids": [first.id]}, page="/hours/inbox", follow_redirects=True
    )
    assert "already decided" in response.get_data(as_text=True)


def test_reject_needs_a_reason_and_the_student_sees_it(
    client, login_as, post_form, cast, placement
):
    entry = log(cast, placement)
    login_as(cast.employer)
    field = f"reject-{entry.id}-reason"
    response = post_form(f"/hours/entries/{entry.id}/reject", {field: " "}, page="/hours/inbox")
    assert response.status_code == 422
    assert "Tell the student why" in response.get_data(as_text=True)
    assert entry.status is EntryStatus.PENDING
    response = post_form(
        f"/hours/entries/{entry.id}/reject", {field: "You left at noon"}, page="/hours/inbox"
    )
    assert response.status_code == 302
    assert entry.status is EntryStatus.REJECTED
    login_as(cast.student.user)
    html = client.get(url(placement)).get_data(as_text=True)
    assert "You left at noon" in html
    assert "Rejected" in html


def test_audit_trail_shows_every_change(client, login_as, cast, placement):
    entry = log(cast, placement)
    services.edit_entry(cast.student.user, entry.id, yesterday(), 90, "Walked dogs")
    services.reject(cast.employer, entry.id, "Wrong day")
    for viewer in (cast.student.user, cast.teacher, cast.employer, cast.staff):
        login_as(viewer)
        response = client.get(f"/hours/entries/{entry.id}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "logged" in html
        assert "changed" in html
        assert "Before: 1 hour on" in html
        assert "After: 1.5 hours" in html
        assert "Wrong day" in html
        assert "on the web" in html
        assert cast.employer.full_name in html


def test_placement_page_visible_to_teacher_supervisor_and_staff(client, login_as, cast, placement):
    log(cast, placement)
    for viewer in (cast.teacher, cast.employer, cast.staff):
        login_as(viewer)
        response = client.get(url(placement))
        assert response.status_code == 200
        assert "Cleaned kennels" in response.get_data(as_text=True)
        assert "Log hours" not in response.get_data(as_text=True)


def test_application_page_links_to_the_hours(client, login_as, cast, placement):
    login_as(cast.student.user)
    html = client.get(f"/applications/{placement.application_id}").get_data(as_text=True)
    assert url(placement) in html


def test_strangers_get_not_found(client, login_as, post_form, cast, placement):
    entry = log(cast, placement)
    other_student = make_student(school=make_school(), date_of_birth=ADULT)
    login_as(other_student.user)
    assert client.get(url(placement)).status_code == 404
    assert client.get(f"/hours/entries/{entry.id}").status_code == 404
    assert client.get(f"/hours/entries/{entry.id}/edit").status_code == 404
    other_supervisor = make_employer()
    login_as(other_supervisor)
    assert client.get(url(placement)).status_code == 404
    assert client.get(f"/hours/entries/{entry.id}").status_code == 404
    assert "Cleaned kennels" not in client.get("/hours/inbox").get_data(as_text=True)
    response = post_form("/hours/confirm", {"entry_ids": [entry.id]}, page="/hours/inbox")
    assert response.status_code == 404
    other_teacher = make_user(roles={Role.TEACHER}, school=make_school())
    login_as(other_teacher)
    assert client.get(url(placement)).status_code == 404
    assert entry.status is EntryStatus.PENDING


def test_teacher_may_view_but_not_confirm_or_log(client, login_as, post_form, cast, placement):
    entry = log(cast, placement)
    login_as(cast.teacher)
    assert client.get(f"/hours/entries/{entry.id}").status_code == 200
    response = post_form("/hours/confirm", {"entry_ids": [entry.id]}, page=url(placement))
    assert response.status_code == 403
    response = post_form(url(placement), entry_data())
    assert response.status_code == 403
    assert entry.status is EntryStatus.PENDING


def test_anonymous_is_sent_to_sign_in(client, cast, placement):
    entry = log(cast, placement)
    for path in (url(placement), "/hours/inbox", f"/hours/entries/{entry.id}"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"] or "sign" in response.headers["Location"]


def test_supervisor_confirms_all_shown_at_once(client, login_as, post_form, cast, placement):
    entries = [log(cast, placement, minutes=m) for m in (15, 30, 45)]
    login_as(cast.employer)
    html = client.get("/hours/inbox").get_data(as_text=True)
    assert "Confirm all 3 shown" in html
    shown = [e.id for e in entries[:2]]  # the third arrived after the page was shown
    response = post_form(
        "/hours/confirm", {"shown_ids": shown, "confirm_all": "y"}, page="/hours/inbox"
    )
    assert response.status_code == 302
    assert [e.status for e in entries] == [
        EntryStatus.CONFIRMED,
        EntryStatus.CONFIRMED,
        EntryStatus.PENDING,
    ]


def test_district_staff_see_only_their_districts_hours(client, login_as, cast, placement):
    entry = log(cast, placement)
    own = make_user(roles={Role.STAFF}, district=cast.school.district)
    other = make_user(roles={Role.STAFF}, district=make_district())
    login_as(own)
    assert client.get(f"/hours/entries/{entry.id}").status_code == 200
    login_as(other)
    assert client.get(f"/hours/entries/{entry.id}").status_code == 404
    assert client.get(url(placement)).status_code == 404


def test_no_log_hours_before_the_placement_starts(client, login_as, post_form, cast):
    """Issue 14 §6.9: a placement starting in three months offers no "Log hours" (its hours
    page, its application page), says when it starts, and refuses a posted entry; its
    supervisor is not offered "End placement" either (staff cancel it instead)."""
    later = place(cast, days_before=-90, days_after=120)
    login_as(cast.student.user)
    page = client.get(url(later)).get_data(as_text=True)
    assert "Log hours" not in page
    assert "This placement starts on" in page
    assert "Log your hours from that day." in page
    application = client.get(f"/applications/{later.application_id}").get_data(as_text=True)
    assert "Log my hours" not in application
    assert "you log your hours from that day" in application
    token = client.get("/home").get_data(as_text=True)  # any page with a CSRF token
    from tests.conftest import csrf_from

    response = client.post(url(later), data={**entry_data(), "csrf_token": csrf_from(token)})
    assert response.status_code == 403
    assert entries_of(later) == []

    login_as(cast.employer)
    assert "End placement" not in client.get(url(later)).get_data(as_text=True)


def test_log_hours_and_end_placement_once_it_has_started(client, login_as, cast, placement):
    login_as(cast.student.user)
    assert "Log hours" in client.get(url(placement)).get_data(as_text=True)
    assert "Log my hours" in client.get(f"/applications/{placement.application_id}").get_data(
        as_text=True
    )
    login_as(cast.employer)
    assert "End placement" in client.get(url(placement)).get_data(as_text=True)
