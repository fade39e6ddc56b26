"""Work ready interviews: panels, invitations with their calendar files, votes, decisions."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from flask import Flask
from icalendar import Calendar
from sqlalchemy import select

from tests.support.builders import (
    make_class_section,
    make_employer,
    make_offering,
    make_school,
    make_student,
    make_user,
)
from tests.support.certificate_data import (
    Setting,
    ensure_levels,
    held,
    make_interview,
    make_panel,
    make_passed_submission,
    make_setting,
    slot_time,
)
from wbl.access import Role
from wbl.api.services import create_service_token
from wbl.catalog.models import PartnerContact
from wbl.certificates import interviews, invitations, panels, votes
from wbl.certificates.models import Interview, InterviewStatus, InterviewVote
from wbl.certificates.panels import PanelInput
from wbl.certificates.votes import OutcomeScore, VoteInput
from wbl.clock import local_today, to_local
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.placements.models import Application, Placement, PlacementStatus
from wbl.reference.services import active_outcomes


@pytest.fixture
def setting() -> Setting:
    return make_setting()


@pytest.fixture
def request_context(app: Flask):
    with app.test_request_context():
        yield


def _panel_input(setting: Setting, **overrides: object) -> PanelInput:
    data: dict[str, object] = {
        "day": local_today() + timedelta(days=10),
        "start": time(9, 0),
        "duration_minutes": 120,
        "location": "County Office, Room 2",
        "video_url": "",
        "notes": "Bring the scoring guide.",
        "member_ids": (setting.employer.id, setting.teacher.id),
    }
    data.update(overrides)
    return PanelInput(**data)  # type: ignore[arg-type]


def _outbox(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


# --- panels --------------------------------------------------------------------------------


def test_staff_create_a_panel_in_county_time(setting) -> None:
    panel = panels.create_panel(setting.staff, _panel_input(setting))
    local = to_local(panel.starts_at)
    assert (local.date(), local.time()) == (local_today() + timedelta(days=10), time(9, 0))
    assert panel.starts_at.tzinfo is not None
    assert {m.id for m in panel.members} == {setting.employer.id, setting.teacher.id}
    assert panel.created_by_id == setting.staff.id


def test_three_panelists_are_allowed(setting) -> None:
    ids = (setting.employer.id, setting.teacher.id, setting.staff_panelist.id)
    panel = panels.create_panel(setting.staff, _panel_input(setting, member_ids=ids))
    assert len(panel.members) == 3


@pytest.mark.parametrize("minutes", [5, 9 * 60])
def test_session_length_is_checked(setting, minutes) -> None:
    with pytest.raises(DomainError) as caught:
        panels.create_panel(setting.staff, _panel_input(setting, duration_minutes=minutes))
    assert caught.value.field == "duration_minutes"


def test_a_panel_in_the_past_is_refused(setting) -> None:
    with pytest.raises(DomainError) as caught:
        panels.create_panel(
            setting.staff, _panel_input(setting, day=local_today() - timedelta(days=1))
        )
    assert caught.value.field == "day"


@pytest.mark.parametrize("count", [1, 4])
def test_two_or_three_panelists(setting, count) -> None:
    people = [setting.employer, setting.teacher, setting.staff_panelist, make_employer()]
    with pytest.raises(DomainError) as caught:
        panels.create_panel(
            setting.staff,
            _panel_input(setting, member_ids=tuple(p.id for p in people[:count])),
        )
    assert caught.value.field == "member_ids"


def test_the_same_panelist_twice_counts_once(setting) -> None:
    with pytest.raises(DomainError, match="2 or 3 different"):
        panels.create_panel(
            setting.staff, _panel_input(setting, member_ids=(setting.employer.id,) * 2)
        )


def test_panelists_are_active_employers_teachers_or_staff(setting) -> None:
    student_user = make_student().user
    inactive = make_user(roles={Role.EMPLOYER}, active=False)
    for outsider in (student_user, inactive):
        with pytest.raises(DomainError, match="active account"):
            panels.create_panel(
                setting.staff, _panel_input(setting, member_ids=(setting.employer.id, outsider.id))
            )
    candidates = {u.id for u in panels.panelist_candidates()}
    assert {setting.employer.id, setting.teacher.id, setting.staff_panelist.id} <= candidates
    assert student_user.id not in candidates
    assert inactive.id not in candidates


def test_the_accounts_service_tokens_act_as_are_no_panelists(setting) -> None:
    """A service token's account holds the staff role, but it is a district's system, not a
    person who could sit on a panel."""
    made = create_service_token(setting.staff, name="SIS sync", scopes=["catalog:read"], days=30)
    candidates = {u.id for u in panels.panelist_candidates()}
    assert made.token.user_id not in candidates
    assert setting.staff_panelist.id in candidates


def test_a_place_or_a_video_link_is_needed(setting) -> None:
    with pytest.raises(DomainError) as caught:
        panels.create_panel(setting.staff, _panel_input(setting, location="  "))
    assert caught.value.field == "location"
    panel = panels.create_panel(
        setting.staff,
        _panel_input(setting, location="", video_url="https://meet.example.org/wbl-panel"),
    )
    assert panel.video_url == "https://meet.example.org/wbl-panel"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://files.example.org/x",
        "meet.example.org/x",
        "https://",
        "data:,",
    ],
)
def test_video_links_are_http_or_https_only(setting, url) -> None:
    with pytest.raises(DomainError) as caught:
        panels.create_panel(setting.staff, _panel_input(setting, video_url=url))
    assert caught.value.field == "video_url"


def test_only_staff_create_panels(setting) -> None:
    with pytest.raises(Forbidden):
        panels.create_panel(setting.teacher, _panel_input(setting))


# --- inviting ------------------------------------------------------------------------------


def _panel(setting: Setting, *members) -> object:
    return make_panel(
        members=list(members) or [setting.employer, setting.teacher], creator=setting.staff
    )


def test_invite_creates_the_interview_and_sends_calendar_invitations(
    setting, request_context
) -> None:
    panel = _panel(setting)
    interview = invitations.invite_student(
        setting.staff, panel.id, setting.student.id, slot_time(panel, 20), 20
    )
    assert interview.status is InterviewStatus.INVITED
    assert interview.starts_at == panel.starts_at + timedelta(minutes=20)
    assert interview.submission_id == setting.submission.id
    sent = _outbox("interview_invitation")
    assert [m.to_email for m in sent] == [
        setting.student.user.email,
        setting.employer.email,
        setting.teacher.email,
    ]
    for message in sent:
        assert message.attachment_name == "interview.ics"
        assert message.attachment_type == "text/calendar; method=REQUEST"
        calendar = Calendar.from_ical(message.attachment_text)
        assert str(calendar["METHOD"]) == "REQUEST"
        (event,) = calendar.walk("VEVENT")
        assert str(event["UID"]) == f"interview-{interview.id}@127.0.0.1"
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start == interview.starts_at
        assert start.utcoffset() == timedelta(0)
        assert "DTSTART:" in message.attachment_text  # written in UTC: ...Z, no TZID
        assert start.tzinfo is not None
        assert end - start == timedelta(minutes=20)
        assert str(event["LOCATION"]) == "County Office, Room 2"
        assert str(event["ORGANIZER"]).startswith("mailto:")
        attendee = event["ATTENDEE"]
        assert str(attendee) == f"mailto:{message.to_email}"  # only the recipient
    dtstart_line = next(
        line for line in sent[0].attachment_text.splitlines() if line.startswith("DTSTART")
    )
    assert dtstart_line.endswith("Z")
    assert "/certificates/students/" in sent[0].body_text
    assert f"/interviews/slots/{interview.id}" in sent[1].body_text
    assert setting.student.user.full_name in sent[1].subject


def test_the_organizer_is_the_program_inbox(setting, request_context, app) -> None:
    app.config["PROGRAM_EMAIL"] = "wbl-office@scoe.example.org"
    try:
        panel = _panel(setting)
        invitations.invite_student(setting.staff, panel.id, setting.student.id, slot_time(panel))
    finally:
        app.config["PROGRAM_EMAIL"] = ""
    event = Calendar.from_ical(_outbox("interview_invitation")[0].attachment_text).walk("VEVENT")[0]
    assert str(event["ORGANIZER"]) == "mailto:wbl-office@scoe.example.org"


def test_a_video_panel_puts_the_link_in_the_invitation(setting, request_context) -> None:
    panel = make_panel(
        members=[setting.employer, setting.teacher],
        location="",
        video_url="https://meet.example.org/panel-7",
    )
    invitations.invite_student(setting.staff, panel.id, setting.student.id, slot_time(panel))
    message = _outbox("interview_invitation")[0]
    event = Calendar.from_ical(message.attachment_text).walk("VEVENT")[0]
    assert str(event["URL"]) == "https://meet.example.org/panel-7"
    assert str(event["LOCATION"]) == "https://meet.example.org/panel-7"
    assert "https://meet.example.org/panel-7" in message.body_text


def test_only_a_passed_portfolio_is_invited(setting, request_context) -> None:
    other = make_student(school=setting.school)
    panel = _panel(setting)
    with pytest.raises(DomainError, match="has not passed") as caught:
        invitations.invite_student(setting.staff, panel.id, other.id, slot_time(panel))
    assert caught.value.field == "student_id"
    assert [s.id for s in invitations.invitable_students(setting.staff)] == [setting.student.id]


def test_a_student_is_not_invited_twice(setting, request_context) -> None:
    first = _panel(setting)
    invitations.invite_student(setting.staff, first.id, setting.student.id, slot_time(first))
    second = make_panel(
        members=[setting.employer, setting.staff_panelist],
        starts_at=first.starts_at + timedelta(days=1),
    )
    with pytest.raises(DomainError, match="already invited"):
        invitations.invite_student(setting.staff, second.id, setting.student.id, slot_time(second))
    assert invitations.invitable_students(setting.staff) == []


def test_a_student_who_passed_is_not_invited_again(setting, request_context) -> None:
    done = _panel(setting)
    make_interview(done, setting.student, status=InterviewStatus.PASSED)
    panel = make_panel(
        members=[setting.employer, setting.teacher], starts_at=done.starts_at + timedelta(days=1)
    )
    with pytest.raises(DomainError, match="already passed"):
        invitations.invite_student(setting.staff, panel.id, setting.student.id, slot_time(panel))


def test_a_student_who_did_not_pass_may_try_another_panel(setting, request_context) -> None:
    done = _panel(setting)
    make_interview(done, setting.student, status=InterviewStatus.NOT_PASSED)
    panel = make_panel(
        members=[setting.employer, setting.teacher], starts_at=done.starts_at + timedelta(days=1)
    )
    with pytest.raises(DomainError, match="already been interviewed by this panel"):
        invitations.invite_student(setting.staff, done.id, setting.student.id, slot_time(done, 30))
    again = invitations.invite_student(
        setting.staff, panel.id, setting.student.id, slot_time(panel)
    )
    assert again.status is InterviewStatus.INVITED


def test_the_slot_is_within_the_session_and_does_not_overlap(setting, request_context) -> None:
    panel = _panel(setting)
    for minutes in (-30, 110):  # before the start; ends after the session
        with pytest.raises(DomainError) as caught:
            invitations.invite_student(
                setting.staff, panel.id, setting.student.id, slot_time(panel, minutes), 20
            )
        assert caught.value.field == "start"
    other = make_student(school=setting.school)
    make_passed_submission(other)
    invitations.invite_student(setting.staff, panel.id, other.id, slot_time(panel, 0), 20)
    with pytest.raises(DomainError, match="overlaps"):
        invitations.invite_student(
            setting.staff, panel.id, setting.student.id, slot_time(panel, 10), 20
        )
    assert invitations.invite_student(
        setting.staff, panel.id, setting.student.id, slot_time(panel, 20), 20
    )


def test_a_past_slot_is_refused(setting, request_context) -> None:
    panel = make_panel(
        members=[setting.employer, setting.teacher],
        starts_at=datetime.now(UTC) - timedelta(hours=3),
        duration_minutes=600,
    )
    with pytest.raises(DomainError, match="passed") as caught:
        invitations.invite_student(setting.staff, panel.id, setting.student.id, slot_time(panel))
    assert caught.value.field == "start"


def test_a_teacher_at_the_students_school_is_not_on_their_panel(setting, request_context) -> None:
    own_teacher = make_user(roles={Role.TEACHER}, school=setting.school)
    panel = _panel(setting, setting.employer, own_teacher)
    with pytest.raises(DomainError, match="teacher at the student's school") as caught:
        invitations.invite_student(setting.staff, panel.id, setting.student.id, slot_time(panel))
    assert caught.value.field == "student_id"
    assert _outbox("interview_invitation") == []
    assert db.session.scalar(select(Interview.id)) is None


def test_a_teacher_of_one_of_the_students_classes_is_not_on_their_panel(setting) -> None:
    elsewhere = make_user(roles={Role.TEACHER}, school=make_school())
    make_class_section(teacher=elsewhere, students=[setting.student])
    assert invitations.conflict(elsewhere, setting.student) == "one of the student's teachers"
    assert invitations.conflict(setting.teacher, setting.student) is None


def test_a_supervisor_of_the_student_is_not_on_their_panel(setting, request_context) -> None:
    offering = make_offering()
    supervisor = make_employer(partner=offering.partner)
    application = Application(student=setting.student, offering=offering, statement="Hi")
    db.session.add(application)
    db.session.flush()
    placement = Placement(
        application=application,
        student=setting.student,
        offering=offering,
        supervisor=db.session.scalar(
            select(PartnerContact).where(PartnerContact.user_id == supervisor.id)
        ),
        status=PlacementStatus.COMPLETED,
    )
    db.session.add(placement)
    db.session.flush()
    panel = _panel(setting, supervisor, setting.teacher)
    with pytest.raises(DomainError, match="supervisor"):
        invitations.invite_student(setting.staff, panel.id, setting.student.id, slot_time(panel))
    placement.status = PlacementStatus.CANCELLED
    db.session.flush()
    assert invitations.conflict(supervisor, setting.student) is None


def test_staff_invite_only_students_in_their_district(setting, request_context) -> None:
    other_staff = make_user(roles={Role.STAFF}, district=make_school().district)
    panel = _panel(setting)
    with pytest.raises(DomainError) as caught:
        invitations.invite_student(other_staff, panel.id, setting.student.id, slot_time(panel))
    assert caught.value.field == "student_id"
    assert invitations.invitable_students(other_staff) == []


def test_cancel_sends_a_calendar_cancellation_with_the_same_uid(setting, request_context) -> None:
    panel = _panel(setting)
    interview = invitations.invite_student(
        setting.staff, panel.id, setting.student.id, slot_time(panel)
    )
    invitation = Calendar.from_ical(_outbox("interview_invitation")[0].attachment_text)
    invitations.cancel_interview(setting.staff, interview.id)
    assert interview.status is InterviewStatus.CANCELLED
    sent = _outbox("interview_cancelled")
    assert len(sent) == 3
    for message in sent:
        assert message.attachment_type == "text/calendar; method=CANCEL"
        calendar = Calendar.from_ical(message.attachment_text)
        assert str(calendar["METHOD"]) == "CANCEL"
        (event,) = calendar.walk("VEVENT")
        (before,) = invitation.walk("VEVENT")
        assert str(event["UID"]) == str(before["UID"])
        assert int(event["SEQUENCE"]) >= int(before["SEQUENCE"])
        assert str(event["STATUS"]) == "CANCELLED"
    with pytest.raises(interviews.AlreadyDecided):
        invitations.cancel_interview(setting.staff, interview.id)
    # Cancelled, the student may be invited again (to this panel too: the slot reopens).
    again = invitations.invite_student(
        setting.staff, panel.id, setting.student.id, slot_time(panel, 40)
    )
    assert again.id == interview.id
    assert again.status is InterviewStatus.INVITED


# --- voting --------------------------------------------------------------------------------


def _vote(passed: bool | None = True, rank: int | None = 3, **comments: str) -> VoteInput:
    return VoteInput(
        scores={o.id: OutcomeScore(rank, "Clear examples") for o in active_outcomes()},
        passed=passed,
        comment=comments.get("comment", ""),
    )


@pytest.fixture
def invited(setting, request_context) -> Interview:
    ensure_levels()
    panel = _panel(setting, setting.employer, setting.teacher, setting.staff_panelist)
    return held(make_interview(panel, setting.student, submission=setting.submission))


def test_no_vote_before_the_interview_has_taken_place(setting, request_context) -> None:
    ensure_levels()
    panel = _panel(setting, setting.employer, setting.teacher)
    upcoming = make_interview(panel, setting.student, submission=setting.submission)
    with pytest.raises(DomainError, match="has not taken place yet"):
        votes.record_vote(setting.employer, upcoming.id, _vote(True))
    assert db.session.get(InterviewVote, (upcoming.id, setting.employer.id)) is None
    assert upcoming.status is InterviewStatus.INVITED


def test_a_panelist_records_levels_and_a_decision(setting, invited) -> None:
    vote = votes.record_vote(setting.employer, invited.id, _vote(True, comment="Poised."))
    outcomes = active_outcomes()
    assert len(vote.scores) == len(outcomes) > 0
    assert {s["outcome_id"] for s in vote.scores} == {o.id for o in outcomes}
    assert all(s["rank"] == 3 and s["comment"] == "Clear examples" for s in vote.scores)
    assert vote.passed is True
    assert vote.comment == "Poised."
    assert invited.status is InterviewStatus.INVITED  # two panelists still to vote


def test_a_vote_is_final(setting, invited) -> None:
    votes.record_vote(setting.employer, invited.id, _vote(True))
    with pytest.raises(DomainError, match="final"):
        votes.record_vote(setting.employer, invited.id, _vote(False))
    assert db.session.get(InterviewVote, (invited.id, setting.employer.id)).passed is True


def test_every_outcome_needs_a_level_of_the_guide(setting, invited) -> None:
    outcome = active_outcomes()[0]
    with pytest.raises(DomainError) as caught:
        votes.record_vote(setting.employer, invited.id, _vote(True, rank=9))
    assert caught.value.field == f"rank_{outcome.id}"
    with pytest.raises(DomainError) as caught:
        votes.record_vote(setting.employer, invited.id, _vote(None))
    assert caught.value.field == "passed"
    assert db.session.scalar(select(InterviewVote.panelist_id)) is None


def test_only_panelists_vote(setting, invited) -> None:
    with pytest.raises(NotFound):
        votes.record_vote(make_employer(), invited.id, _vote(True))
    with pytest.raises(Forbidden):  # staff see the interview, but do not vote
        votes.record_vote(setting.staff, invited.id, _vote(True))


@pytest.mark.parametrize(
    ("decisions", "expected"),
    [
        ((True, True, True), InterviewStatus.PASSED),
        ((True, True, False), InterviewStatus.PASSED),
        ((True, False, False), InterviewStatus.NOT_PASSED),
        ((False, False, False), InterviewStatus.NOT_PASSED),
    ],
)
def test_three_panelists_decide_by_majority(setting, invited, decisions, expected) -> None:
    panelists = [setting.employer, setting.teacher, setting.staff_panelist]
    for panelist, passed in zip(panelists, decisions, strict=True):
        assert invited.status is InterviewStatus.INVITED
        votes.record_vote(panelist, invited.id, _vote(passed))
    assert invited.status is expected
    assert invited.decided_at is not None
    assert invited.decision_note == f"{sum(decisions)} of 3 panelists voted pass."
    (student_mail,) = _outbox("interview_decided")
    assert student_mail.to_email == setting.student.user.email
    word = "passed" if expected is InterviewStatus.PASSED else "not passed"
    assert word in student_mail.subject
    (staff_mail,) = _outbox("interview_decided_staff")
    assert staff_mail.to_email == setting.staff.email


@pytest.mark.parametrize(
    ("decisions", "expected"),
    [
        ((True, True), InterviewStatus.PASSED),
        ((True, False), InterviewStatus.NOT_PASSED),  # a tie does not pass
    ],
)
def test_two_panelists_a_tie_does_not_pass(setting, request_context, decisions, expected) -> None:
    ensure_levels()
    panel = _panel(setting)
    interview = held(make_interview(panel, setting.student, submission=setting.submission))
    for panelist, passed in zip((setting.employer, setting.teacher), decisions, strict=True):
        votes.record_vote(panelist, interview.id, _vote(passed))
    assert interview.status is expected


def test_a_decided_or_cancelled_interview_takes_no_votes(setting, invited) -> None:
    invited.status = InterviewStatus.CANCELLED
    db.session.flush()
    with pytest.raises(interviews.AlreadyDecided):
        votes.record_vote(setting.employer, invited.id, _vote(True))


def test_a_panelist_sees_their_interviews(setting, invited) -> None:
    assert [i.id for i in interviews.my_interviews(setting.employer)] == [invited.id]
    assert interviews.my_interviews(make_employer()) == []
    assert interviews.get_slot(setting.staff, invited.id) is invited
    other_district = make_user(roles={Role.STAFF}, district=make_school().district)
    with pytest.raises(NotFound):
        interviews.get_slot(other_district, invited.id)
