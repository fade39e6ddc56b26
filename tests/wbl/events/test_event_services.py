"""Class-event requests: every rule of asking, answering and cancelling, on the real database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select, text

from tests.support.builders import make_employer, make_offering, make_partner, make_user
from tests.support.event_data import (
    future_option,
    make_class_with_students,
    make_event_request,
    make_speaker_offering,
    make_teacher,
)
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import OfferingStatus
from wbl.clock import local_to_utc, local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.events import services
from wbl.events.models import EventRequest, EventRequestStatus
from wbl.events.services import AlreadyDecided, DateOptionInput, EventRequestInput
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.reference.models import ExperienceKind


def _outbox(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        )
    )


def _input(section_id: int, **overrides: object) -> EventRequestInput:
    values: dict[str, object] = {
        "class_section_id": section_id,
        "class_size": None,
        "topic": "What a vet tech does all day",
        "notes": "We studied animal anatomy this term.",
        "options": (future_option(10), future_option(12, hour=13)),
    }
    values.update(overrides)
    return EventRequestInput(**values)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _request_context(app):
    """E-mails carry links built with url_for, as they are when a page calls the service."""
    with app.test_request_context():
        yield


@pytest.fixture
def setting():
    partner = make_partner(name="Sunrise Veterinary Clinic")
    employer = make_employer(partner=partner)
    offering = make_speaker_offering(partner=partner, title="Careers in animal care")
    teacher = make_teacher(full_name="James Chen")
    section = make_class_with_students(teacher, n=4)
    return partner, employer, offering, teacher, section


# --- Requesting ------------------------------------------------------------------------------


def test_teacher_requests_an_offering_and_the_contacts_are_emailed(setting) -> None:
    partner, employer, offering, teacher, section = setting
    second = make_employer(partner=partner)
    sent = services.request_event(teacher, _input(section.id, offering_id=offering.id))
    request = sent.request
    assert sent.notified == 2
    assert request.status is EventRequestStatus.PENDING
    assert request.partner_id == partner.id
    assert request.kind is ExperienceKind.GUEST_SPEAKER
    assert request.class_size == 4  # the class's students, by default
    assert request.school_id == teacher.school_id
    assert [o.position for o in request.options] == [1, 2]
    first = request.options[0]
    assert first.starts_at == local_to_utc(local_today() + timedelta(days=10), time(9, 0))
    assert first.starts_at.tzinfo is not None
    mails = _outbox("event_requested")
    assert {m.to_email for m in mails} == {employer.email, second.email}
    body = mails[0].body_text
    assert "James Chen" in body
    assert "What a vet tech does all day" in body
    assert f"/events/{request.id}" in body
    assert "9:00 AM" in body  # shown in local time, as typed


def test_times_are_typed_in_local_time_and_stored_in_utc(app) -> None:
    # 9:00 in Los Angeles is 16:00 or 17:00 UTC depending on daylight saving.
    stored = local_to_utc(local_today() + timedelta(days=3), time(9, 0))
    assert stored.tzinfo == UTC
    assert stored.hour in (16, 17)


def test_teacher_chooses_a_partner_and_kind_without_an_offering(setting) -> None:
    partner, _, _, teacher, section = setting
    sent = services.request_event(
        teacher,
        _input(
            section.id,
            partner_id=partner.id,
            kind=ExperienceKind.WORKPLACE_VISIT,
            class_size=30,
        ),
    )
    assert sent.request.kind is ExperienceKind.WORKPLACE_VISIT
    assert sent.request.offering is None
    assert sent.request.class_size == 30


def test_a_partner_without_contacts_still_gets_the_request_saved(setting) -> None:
    _, _, _, teacher, section = setting
    lonely = make_partner()
    sent = services.request_event(
        teacher, _input(section.id, partner_id=lonely.id, kind=ExperienceKind.GUEST_SPEAKER)
    )
    assert sent.notified == 0
    assert sent.request.id is not None


def _refused(teacher, data, field: str | None, words: str, error=DomainError) -> None:
    before = db.session.scalar(text("SELECT count(*) FROM event_request"))
    with pytest.raises(error) as caught:
        services.request_event(teacher, data)
    if field is not None:
        assert caught.value.field == field
    assert words in caught.value.message
    assert db.session.scalar(text("SELECT count(*) FROM event_request")) == before
    assert _outbox("event_requested") == []


def test_a_date_in_the_past_is_refused(setting) -> None:
    _, _, offering, teacher, section = setting
    past = DateOptionInput(local_today() - timedelta(days=1), time(9, 0), 60)
    data = _input(section.id, offering_id=offering.id, options=(future_option(), past))
    _refused(teacher, data, "date_2", "in the future")


def test_earlier_today_is_in_the_past(setting) -> None:
    _, _, offering, teacher, section = setting
    now = datetime.now(UTC)
    data = _input(
        section.id,
        offering_id=offering.id,
        options=(DateOptionInput(local_today(), time(0, 0), 60),),
    )
    with pytest.raises(DomainError, match="in the future"):
        services.request_event(teacher, data, now=now + timedelta(days=1))


def test_the_same_date_twice_is_refused(setting) -> None:
    _, _, offering, teacher, section = setting
    data = _input(
        section.id, offering_id=offering.id, options=(future_option(5), future_option(5, 9, 90))
    )
    _refused(teacher, data, "date_2", "same as date option 1")


def test_no_date_is_refused(setting) -> None:
    _, _, offering, teacher, section = setting
    _refused(teacher, _input(section.id, offering_id=offering.id, options=()), "date_1", "one")


def test_more_than_three_dates_are_refused(setting) -> None:
    _, _, offering, teacher, section = setting
    four = tuple(future_option(d) for d in (5, 6, 7, 8))
    _refused(teacher, _input(section.id, offering_id=offering.id, options=four), "date_1", "3")


def test_a_silly_length_is_refused(setting) -> None:
    _, _, offering, teacher, section = setting
    data = _input(section.id, offering_id=offering.id, options=(future_option(5, minutes=5),))
    _refused(teacher, data, "duration_1", "minutes")


def test_another_teachers_class_is_refused(setting) -> None:
    _, _, offering, teacher, _ = setting
    colleague = make_teacher(school=teacher.school)
    theirs = make_class_with_students(colleague)
    _refused(
        teacher, _input(theirs.id, offering_id=offering.id), "class_section_id", "your classes"
    )


def test_an_inactive_partner_takes_no_requests(setting) -> None:
    partner, _, offering, teacher, section = setting
    partner.active = False
    _refused(teacher, _input(section.id, offering_id=offering.id), "partner_id", "not taking")
    _refused(
        teacher,
        _input(section.id, partner_id=partner.id, kind=ExperienceKind.GUEST_SPEAKER),
        "partner_id",
        "not taking",
    )


def test_an_offering_of_an_individual_kind_is_refused(setting) -> None:
    partner, _, _, teacher, section = setting
    shadow = make_offering(partner=partner, kind=ExperienceKind.JOB_SHADOW)
    _refused(teacher, _input(section.id, offering_id=shadow.id), "offering_id", "guest speaker")


def test_an_offering_of_another_partner_is_refused(setting) -> None:
    partner, _, _, teacher, section = setting
    elsewhere = make_speaker_offering()
    data = _input(section.id, offering_id=elsewhere.id, partner_id=partner.id)
    _refused(teacher, data, "partner_id", "another partner")


def test_an_unpublished_offering_is_not_found(setting) -> None:
    partner, _, _, teacher, section = setting
    draft = make_speaker_offering(partner=partner, status=OfferingStatus.DRAFT)
    _refused(teacher, _input(section.id, offering_id=draft.id), None, "not open", NotFound)
    with pytest.raises(NotFound):
        services.requestable_offering(draft.id)


def test_a_kind_other_than_a_class_event_is_refused_without_an_offering(setting) -> None:
    partner, _, _, teacher, section = setting
    data = _input(section.id, partner_id=partner.id, kind=ExperienceKind.INTERNSHIP)
    _refused(teacher, data, "kind", "guest speaker")


@pytest.mark.parametrize("size", [0, 201])
def test_class_size_is_one_to_two_hundred(setting, size) -> None:
    _, _, offering, teacher, section = setting
    data = _input(section.id, offering_id=offering.id, class_size=size)
    _refused(teacher, data, "class_size", "from 1 to 200")


def test_an_empty_class_needs_a_size(setting) -> None:
    _, _, offering, teacher, _ = setting
    empty = make_class_with_students(teacher, n=0)
    _refused(teacher, _input(empty.id, offering_id=offering.id), "class_size", "number")


def test_a_topic_is_required(setting) -> None:
    _, _, offering, teacher, section = setting
    _refused(teacher, _input(section.id, offering_id=offering.id, topic="  "), "topic", "Say")


def test_only_teachers_request(setting) -> None:
    _, employer, offering, _, section = setting
    with pytest.raises(Forbidden):
        services.request_event(employer, _input(section.id, offering_id=offering.id))


# --- Answering -------------------------------------------------------------------------------


def test_employer_accepts_one_date_and_the_teacher_is_emailed(setting) -> None:
    _, employer, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    second = request.options[1]
    services.accept_request(employer, request.id, second.id, "Dr. Ortiz will come.")
    assert request.status is EventRequestStatus.ACCEPTED
    assert request.confirmed_option is second
    assert [o.chosen for o in request.options] == [False, True]
    assert request.decided_by_id == employer.id
    assert request.decided_at is not None
    assert request.response_message == "Dr. Ortiz will come."
    (mail,) = _outbox("event_accepted")
    assert mail.to_email == teacher.email
    assert "Confirmed" in mail.subject
    assert "Dr. Ortiz will come." in mail.body_text


def test_an_option_of_another_request_is_refused(setting) -> None:
    _, employer, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    other = make_event_request(partner=offering.partner)
    with pytest.raises(DomainError) as caught:
        services.accept_request(employer, request.id, other.options[0].id)
    assert caught.value.field == "option_id"
    assert request.status is EventRequestStatus.PENDING


def test_a_date_that_has_passed_cannot_be_accepted(setting) -> None:
    _, employer, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    later = datetime.now(UTC) + timedelta(days=11)
    with pytest.raises(DomainError, match="passed"):
        services.accept_request(employer, request.id, request.options[0].id, now=later)


def test_employer_of_another_partner_gets_not_found(setting) -> None:
    _, _, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    stranger = make_employer()
    with pytest.raises(NotFound):
        services.accept_request(stranger, request.id, request.options[0].id)
    with pytest.raises(NotFound):
        services.decline_request(stranger, request.id, "No thanks")
    with pytest.raises(NotFound):
        services.get_request(stranger, request.id)
    staff = make_user(roles={Role.STAFF})
    with pytest.raises(NotFound):  # staff see requests, but only contacts answer them
        services.accept_request(staff, request.id, request.options[0].id)


def test_a_request_is_decided_once(setting) -> None:
    partner, employer, offering, teacher, section = setting
    colleague = make_employer(partner=partner)
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    services.accept_request(employer, request.id, request.options[0].id)
    with pytest.raises(AlreadyDecided, match="already been accepted"):
        services.accept_request(colleague, request.id, request.options[1].id)
    with pytest.raises(AlreadyDecided):
        services.decline_request(colleague, request.id, "Sorry")
    assert [o.chosen for o in request.options] == [True, False]
    assert len(_outbox("event_accepted")) == 1


def test_a_decision_that_lost_the_race_changes_nothing(setting) -> None:
    """Another contact answered between our read and our write: the conditional UPDATE on
    status = 'pending' matches no row, and nothing of ours is written."""
    _, employer, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    assert request.status is EventRequestStatus.PENDING  # loaded, as the other request saw it
    db.session.execute(
        text("UPDATE event_request SET status = 'declined' WHERE id = :id"), {"id": request.id}
    )
    with pytest.raises(AlreadyDecided, match="already been declined"):
        services.accept_request(employer, request.id, request.options[0].id)
    assert request.status is EventRequestStatus.DECLINED
    assert not any(o.chosen for o in request.options)
    assert _outbox("event_accepted") == []


def test_employer_declines_with_a_message(setting) -> None:
    _, employer, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    services.decline_request(employer, request.id, "  We are closed that week.  ")
    assert request.status is EventRequestStatus.DECLINED
    assert request.response_message == "We are closed that week."
    (mail,) = _outbox("event_declined")
    assert mail.to_email == teacher.email
    assert "We are closed that week." in mail.body_text


def test_declining_needs_a_message(setting) -> None:
    _, employer, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    with pytest.raises(DomainError) as caught:
        services.decline_request(employer, request.id, "   ")
    assert caught.value.field == "message"
    assert request.status is EventRequestStatus.PENDING
    assert _outbox("event_declined") == []


# --- Cancelling ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "chosen"), [(EventRequestStatus.PENDING, None), (EventRequestStatus.ACCEPTED, 1)]
)
def test_teacher_cancels_and_the_partner_is_told(setting, status, chosen) -> None:
    _, employer, offering, teacher, section = setting
    request = make_event_request(
        teacher=teacher, section=section, offering=offering, status=status, chosen=chosen
    )
    services.cancel_request(teacher, request.id)
    assert request.status is EventRequestStatus.CANCELLED
    (mail,) = _outbox("event_cancelled")
    assert mail.to_email == employer.email
    assert "cancelled" in mail.body_text


def test_a_declined_request_cannot_be_cancelled(setting) -> None:
    _, _, offering, teacher, section = setting
    request = make_event_request(
        teacher=teacher, section=section, offering=offering, status=EventRequestStatus.DECLINED
    )
    with pytest.raises(AlreadyDecided, match="declined"):
        services.cancel_request(teacher, request.id)
    assert _outbox("event_cancelled") == []


def test_only_the_teacher_who_asked_cancels(setting) -> None:
    _, _, offering, teacher, section = setting
    request = make_event_request(teacher=teacher, section=section, offering=offering)
    with pytest.raises(NotFound):
        services.cancel_request(make_teacher(school=teacher.school), request.id)
    assert request.status is EventRequestStatus.PENDING


# --- Seeing ----------------------------------------------------------------------------------


def _requests(actor: User) -> list[EventRequest]:
    return list(services.request_page(actor, 1).items)


def test_who_sees_which_requests(setting) -> None:
    _, employer, offering, teacher, section = setting
    mine = make_event_request(teacher=teacher, section=section, offering=offering)
    elsewhere = make_event_request()
    assert _requests(teacher) == [mine]
    assert _requests(employer) == [mine]
    county = _requests(make_user(roles={Role.STAFF}))
    assert {mine, elsewhere} <= set(county)
    district_staff = make_user(roles={Role.STAFF}, district=teacher.school.district)
    assert _requests(district_staff) == [mine]
    assert _requests(make_user(roles={Role.STUDENT})) == []


def test_pending_requests_come_first_for_the_employer(setting) -> None:
    _, employer, offering, teacher, section = setting
    old_pending = make_event_request(teacher=teacher, section=section, offering=offering)
    answered = make_event_request(
        teacher=teacher, section=section, offering=offering, status=EventRequestStatus.DECLINED
    )
    assert _requests(employer) == [old_pending, answered]
