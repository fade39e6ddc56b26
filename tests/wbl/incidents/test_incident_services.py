"""Incidents: who may report and read, what each field accepts, who is told at once (and
what they are told), the staff's follow-up and closing, and pausing or ending the placement
from the incident."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask, current_app

from tests.support.builders import (
    make_district,
    make_employer,
    make_school,
    make_student,
    make_user,
)
from tests.support.hour_data import ADULT, place, yesterday
from tests.support.incident_data import PROGRAM, WHAT, outbox, program_inbox, report
from tests.support.placement_data import make_cast
from tests.support.smtp import smtp_server
from wbl.access import Role
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.evaluations import services as evaluations
from wbl.extensions import db, utcnow
from wbl.hours import services as hours
from wbl.incidents import queries, services
from wbl.incidents.models import IncidentKind, IncidentStatus, NoteAction, ReporterRole
from wbl.notifications.delivery import deliver_pending
from wbl.notifications.models import OutboxStatus
from wbl.placements.models import ApplicationStatus, PlacementStatus

MINOR = date(2010, 3, 1)


@pytest.fixture
def cast():
    return make_cast(born=ADULT)


@pytest.fixture
def placement(cast):
    return place(cast)


@pytest.fixture
def inbox(app: Flask):
    with app.app_context(), program_inbox() as address:
        yield address


# --- who may report ------------------------------------------------------------------------


def test_each_person_involved_reports_in_their_own_capacity(cast, placement) -> None:
    cast.staff.district_id = cast.school.district_id
    roles = {
        cast.student.user: ReporterRole.STUDENT,
        cast.employer: ReporterRole.SUPERVISOR,
        cast.teacher: ReporterRole.TEACHER,
        cast.staff: ReporterRole.STAFF,
    }
    for who, role in roles.items():
        incident = report(who, placement)
        assert (incident.reporter_id, incident.reporter_role) == (who.id, role)
        assert incident.status is IncidentStatus.OPEN
        assert incident.description == WHAT


def test_people_outside_the_placement_cannot_report_or_learn_it_exists(cast, placement) -> None:
    other_school = make_school()
    outsiders = [
        make_student(school=cast.school).user,  # a classmate
        make_employer(),  # another partner's supervisor
        make_user(roles={Role.TEACHER}, school=other_school),
        make_user(roles={Role.STAFF}, district=make_district()),  # another district's staff
    ]
    for outsider in outsiders:
        with pytest.raises(NotFound):
            report(outsider, placement)
    assert outbox() == []


# --- what each field accepts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"days": 1}, "occurred_on", "cannot be in the future"),
        ({"days": -30}, "occurred_on", "placement started on"),
        ({"description": "   "}, "description", "at least 10 characters"),
        ({"description": "Fell."}, "description", "at least 10 characters"),
        ({"description": "x" * 4001}, "description", "under 4000 characters"),
        ({"kind": "fire"}, "kind", "Choose what kind"),
    ],
)
def test_a_bad_report_is_refused_with_its_field_and_leaves_nothing(
    cast, placement, change, field, message
) -> None:
    if "days" in change:
        change = {"on": local_today() + timedelta(days=change["days"])}
    with pytest.raises(DomainError) as refused:
        report(cast.student.user, placement, **change)
    assert refused.value.field == field
    assert message in refused.value.message
    assert outbox() == []
    assert db.session.scalar(queries.open_count(cast.staff)) == 0


def test_the_description_is_kept_without_its_surrounding_space(cast, placement) -> None:
    incident = report(cast.student.user, placement, description=f"  {WHAT}\n ")
    assert incident.description == WHAT


# --- who is told ------------------------------------------------------------------------------


def test_the_program_inbox_and_the_students_teacher_are_told_at_once(
    inbox, cast, placement
) -> None:
    report(cast.student.user, placement, kind=IncidentKind.INJURY)
    sent = {m.to_email: m for m in outbox()}
    assert set(sent) == {PROGRAM, cast.teacher.email}  # an adult: no guardian
    for message in sent.values():
        assert "Injury" in message.subject
        assert cast.student.user.full_name in message.subject
        assert WHAT not in message.body_text  # the report stays in the platform
        assert "/incidents/" in message.body_text
        assert message.body_html
        assert WHAT not in message.body_html
    assert "shared inbox" in sent[PROGRAM].body_text
    assert "in one of your classes" in sent[cast.teacher.email].body_text


def test_a_reporter_is_not_e_mailed_their_own_report(inbox, cast, placement) -> None:
    report(cast.teacher, placement)
    assert [m.to_email for m in outbox()] == [PROGRAM]


def test_a_minors_guardian_is_told_the_kind_and_the_day_only(inbox, cast, placement) -> None:
    cast.student.date_of_birth = MINOR
    incident = report(cast.employer, placement, kind=IncidentKind.HARASSMENT)
    [guardian] = [m for m in outbox() if m.kind == "incident_guardian"]
    assert guardian.to_email == cast.student.guardian_email
    day = yesterday()
    assert f"harassment, on {day:%b} {day.day}, {day.year}." in guardian.body_text
    assert WHAT not in guardian.body_text
    assert "/incidents/" not in guardian.body_text  # the guardian has no account to read it
    assert PROGRAM in guardian.body_text  # whom to ask
    assert incident.guardian_notified_at is not None


def test_a_minor_without_a_guardian_address_is_left_for_staff_to_call(cast, placement) -> None:
    cast.student.date_of_birth = MINOR
    cast.student.guardian_email = ""
    incident = report(cast.student.user, placement)
    assert incident.guardian_notified_at is None
    assert [m for m in outbox() if m.kind == "incident_guardian"] == []


def test_the_e_mails_reach_the_smtp_server_through_the_outbox(
    app: Flask, inbox, cast, placement
) -> None:
    cast.student.date_of_birth = MINOR
    report(cast.student.user, placement)
    with smtp_server() as (smtp, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        try:
            deliver_pending(utcnow())  # the placement's own e-mails go too
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    assert {m.status for m in outbox()} == {OutboxStatus.SENT}
    received = {r.recipients[0]: r.email for r in smtp.messages if "reported" in r.email["Subject"]}
    assert set(received) == {PROGRAM, cast.teacher.email, cast.student.guardian_email}
    for email in received.values():
        assert email.is_multipart()  # text and the HTML layout
        assert WHAT not in email.get_body(("plain",)).get_content()


# --- reading -----------------------------------------------------------------------------------


def test_staff_and_the_students_teacher_read_it_the_reporter_their_own(cast, placement) -> None:
    incident = report(cast.employer, placement)
    school_teacher = make_user(roles={Role.TEACHER}, school=cast.school)  # not the student's
    district_staff = make_user(roles={Role.STAFF}, district=cast.school.district)
    for reader in (cast.staff, district_staff, cast.teacher):
        assert services.get_incident(reader, incident.id) is incident
    assert services.get_incident(cast.employer, incident.id) is incident  # the reporter
    others = [
        cast.student.user,  # not the reporter: the issue keeps incidents to staff and teachers
        school_teacher,
        make_employer(partner=cast.partner),  # a colleague of the reporter
        make_user(roles={Role.STAFF}, district=make_district()),
    ]
    for other in others:
        with pytest.raises(NotFound):
            services.get_incident(other, incident.id)


def test_only_staff_follow_up(cast, placement) -> None:
    incident = report(cast.student.user, placement)
    for who in (cast.teacher, cast.student.user):
        with pytest.raises(Forbidden):
            services.follow_up(who, incident.id, "Called the site.")
        with pytest.raises(Forbidden):
            services.close(who, incident.id, "Done.")


# --- follow-up and closing ------------------------------------------------------------------


def test_staff_follow_up_then_close(cast, placement) -> None:
    incident = report(cast.student.user, placement)
    services.follow_up(cast.staff, incident.id, "  Called the supervisor; the ladder is gone. ")
    assert incident.status is IncidentStatus.FOLLOWED_UP
    services.follow_up(cast.staff, incident.id, "Visited the site.")
    services.close(cast.staff, incident.id, "Resolved: the site replaced its ladders.")
    assert incident.status is IncidentStatus.CLOSED
    assert incident.closed_by_id == cast.staff.id
    assert incident.closed_at is not None
    assert incident.closing_note == "Resolved: the site replaced its ladders."
    assert [(n.action, n.author_id) for n in incident.notes] == [
        (NoteAction.FOLLOW_UP, cast.staff.id),
        (NoteAction.FOLLOW_UP, cast.staff.id),
        (NoteAction.CLOSED, cast.staff.id),
    ]
    assert incident.notes[0].body == "Called the supervisor; the ladder is gone."
    with pytest.raises(services.AlreadyClosed):
        services.close(cast.staff, incident.id, "Again.")
    with pytest.raises(services.AlreadyClosed):
        services.follow_up(cast.staff, incident.id, "Late note.")
    assert len(incident.notes) == 3


@pytest.mark.parametrize(
    ("act", "field", "text", "message"),
    [
        ("follow_up", "note", "  ", "Write what was done"),
        ("follow_up", "note", "x" * 4001, "under 4000"),
        ("close", "closing_note", "", "Write a closing note"),
        ("close", "closing_note", "x" * 4001, "under 4000"),
        ("pause_placement", "pause_reason", " ", "Say why"),
        ("pause_placement", "pause_reason", "x" * 1001, "under 1000"),
        ("end_placement", "end_reason", "", "Give the reason the student will read"),
        ("end_placement", "end_reason", "x" * 1001, "under 1000"),
    ],
)
def test_staff_text_is_checked_and_a_refusal_changes_nothing(
    cast, placement, act, field, text, message
) -> None:
    incident = report(cast.student.user, placement)
    with pytest.raises(DomainError) as refused:
        getattr(services, act)(cast.staff, incident.id, text)
    assert (refused.value.field, message in refused.value.message) == (field, True)
    db.session.expire_all()
    assert incident.status is IncidentStatus.OPEN
    assert incident.notes == []
    assert placement.status is PlacementStatus.ACTIVE


# --- the placement, from the incident -------------------------------------------------------


def test_a_paused_placement_takes_no_hours_and_is_not_ended_early_until_resumed(
    cast, placement
) -> None:
    incident = report(cast.student.user, placement)
    services.pause_placement(cast.staff, incident.id, "Until the site is checked.")
    assert placement.status is PlacementStatus.PAUSED
    assert incident.status is IncidentStatus.FOLLOWED_UP
    paused = {m.to_email: m for m in outbox("placement_paused")}
    assert set(paused) == {cast.student.user.email, cast.employer.email}
    assert "Until the site is checked" not in paused[cast.student.user.email].body_text
    assert "do not go to the worksite" in paused[cast.student.user.email].body_text
    with pytest.raises(DomainError, match="paused by the program staff") as refused:
        hours.log_hours(cast.student.user, placement.id, yesterday(), 60, "Stocked shelves")
    assert refused.value.field == "work_date"
    with pytest.raises(DomainError, match="paused"):
        evaluations.complete_placement(cast.employer, placement.id)
    with pytest.raises(DomainError, match="Only an active placement can be paused"):
        services.pause_placement(cast.staff, incident.id, "Twice.")
    services.resume_placement(cast.staff, incident.id, "")
    assert placement.status is PlacementStatus.ACTIVE
    assert [m.kind for m in outbox("placement_resumed")] == [
        "placement_resumed_student",
        "placement_resumed_employer",
    ]
    hours.log_hours(cast.student.user, placement.id, yesterday(), 60, "Stocked shelves")
    with pytest.raises(DomainError, match="Only a paused placement can be resumed"):
        services.resume_placement(cast.staff, incident.id, "")
    assert [n.action for n in incident.notes] == [NoteAction.PAUSED, NoteAction.RESUMED]


def test_ending_the_placement_cancels_it_frees_the_seat_and_tells_the_student(
    cast, placement
) -> None:
    taken = cast.offering.seats_taken
    incident = report(cast.student.user, placement)
    services.pause_placement(cast.staff, incident.id, "While we look into it.")
    services.end_placement(cast.staff, incident.id, "The site is not safe for students.")
    db.session.expire_all()
    assert placement.status is PlacementStatus.CANCELLED
    assert placement.cancel_reason == "The site is not safe for students."
    assert placement.application.status is ApplicationStatus.CANCELLED
    assert cast.offering.seats_taken == taken - 1
    [told] = outbox("application_cancelled")
    assert told.to_email == cast.student.user.email
    assert "The site is not safe for students." in told.body_text
    assert [n.action for n in incident.notes] == [NoteAction.PAUSED, NoteAction.ENDED]
    with pytest.raises(DomainError, match="already cancelled"):
        services.end_placement(cast.staff, incident.id, "Again.")
    with pytest.raises(DomainError, match="Only a paused placement"):
        services.resume_placement(cast.staff, incident.id, "")


def test_a_closed_incident_neither_pauses_nor_ends_the_placement(cast, placement) -> None:
    incident = report(cast.student.user, placement)
    services.close(cast.staff, incident.id, "Nothing to do.")
    with pytest.raises(services.AlreadyClosed):
        services.pause_placement(cast.staff, incident.id, "Late.")
    with pytest.raises(services.AlreadyClosed):
        services.end_placement(cast.staff, incident.id, "Late.")
    db.session.expire_all()
    assert placement.status is PlacementStatus.ACTIVE
    assert outbox("placement_paused") == []
    assert outbox("application_cancelled") == []


def test_the_open_count_and_the_list_put_open_incidents_first(cast, placement) -> None:
    first = report(cast.student.user, placement)
    second = report(cast.teacher, placement)
    third = report(cast.employer, placement)
    services.close(cast.staff, third.id, "Done.")
    services.follow_up(cast.staff, first.id, "Called.")
    listed = list(db.session.scalars(queries.visible_to(cast.staff)))
    assert [i.id for i in listed] == [second.id, first.id, third.id]
    assert db.session.scalar(queries.open_count(cast.staff)) == 2
    assert db.session.scalar(queries.open_count(cast.teacher)) == 2
    elsewhere = make_user(roles={Role.STAFF}, district=make_district())
    assert db.session.scalar(queries.open_count(elsewhere)) == 0
    assert list(db.session.scalars(queries.visible_to(cast.student.user))) == []
    assert current_app  # the app context the services used


def test_a_spanish_speaking_guardian_is_told_in_spanish(inbox, cast, placement) -> None:
    from wbl.roster.models import Guardian

    cast.student.date_of_birth = MINOR
    db.session.add(
        Guardian(
            student_id=cast.student.id,
            sourced_id="g-1",
            relationship_kind="parent",
            full_name="Pat Guardian",
            email=cast.student.guardian_email,
            language="es",
        )
    )
    db.session.flush()
    report(cast.employer, placement, kind=IncidentKind.SAFETY)
    [guardian] = [m for m in outbox() if m.kind == "incident_guardian"]
    assert "Se informó un incidente" in guardian.body_text
    assert "Recibe este correo" in guardian.body_text
    teacher = next(m for m in outbox() if m.to_email == cast.teacher.email)
    assert "An incident was reported" in teacher.body_text  # the teacher's own language
