"""Hours: the student logs, the supervisor confirms or rejects, nothing vanishes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.support.builders import make_employer, make_offering, make_user
from tests.support.hour_data import ADULT, place, yesterday
from tests.support.placement_data import Cast, make_cast
from wbl.access import Role
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db
from wbl.hours import queries, services
from wbl.hours.models import Channel, EntryStatus, HourEntry
from wbl.placements.models import Placement, PlacementStatus


@pytest.fixture
def cast() -> Cast:
    return make_cast(born=ADULT)


@pytest.fixture
def placement(cast: Cast) -> Placement:
    return place(cast)


def log(cast, placement, *, day=None, minutes=60, text="Cleaned kennels") -> HourEntry:
    return services.log_hours(cast.student.user, placement.id, day or yesterday(), minutes, text)


def refused(call, message: str, field: str | None = None) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert message in caught.value.message
    if field:
        assert caught.value.field == field
    return caught.value


def test_logging_hours_records_a_pending_entry_and_its_event(cast, placement):
    entry = log(cast, placement, minutes=75)
    assert entry.status is EntryStatus.PENDING
    assert entry.minutes == 75
    assert entry.student_id == cast.student.id
    trail = list(db.session.scalars(queries.audit_trail(entry.id)))
    assert [e.action for e in trail] == ["created"]
    assert trail[0].actor_id == cast.student.user_id
    assert trail[0].detail["after"]["minutes"] == 75


def test_future_days_are_refused(cast, placement):
    refused(
        lambda: log(cast, placement, day=local_today() + timedelta(days=1)),
        "future",
        "work_date",
    )


def test_days_outside_the_placement_are_refused(cast, placement):
    refused(
        lambda: log(cast, placement, day=local_today() - timedelta(days=11)),
        "outside the placement's dates",
        "work_date",
    )


def test_only_quarter_hours(cast, placement):
    for minutes in (0, 10, 50, -15):
        refused(lambda m=minutes: log(cast, placement, minutes=m), "quarter hours", "hours")


def test_twelve_hours_a_day_across_placements(cast, placement):
    # A second placement of the same student at another partner.
    other_offering = make_offering(partner=make_employer_partner(), capacity=2)
    other_cast = Cast(
        cast.school,
        cast.teacher,
        cast.student,
        other_offering.partner,
        employer_of(other_offering),
        other_offering,
        cast.staff,
    )
    other = place(other_cast)
    log(cast, placement, minutes=8 * 60)
    error = refused(
        lambda: services.log_hours(cast.student.user, other.id, yesterday(), 4 * 60 + 15, "Filing"),
        "at most 12 hours a day",
        "hours",
    )
    assert "8 hours" in error.message
    assert "4 hours left" in error.message
    services.log_hours(cast.student.user, other.id, yesterday(), 4 * 60, "Filing")
    assert count_entries(cast.student.id) == 2


def test_rejected_and_withdrawn_hours_do_not_count_towards_the_day(cast, placement):
    first = log(cast, placement, minutes=12 * 60)
    services.reject(cast.employer, first.id, "Not that many")
    second = log(cast, placement, minutes=12 * 60, text="Really")
    services.delete_entry(cast.student.user, second.id)
    log(cast, placement, minutes=12 * 60, text="Again")


def test_exact_duplicates_are_refused(cast, placement):
    log(cast, placement)
    refused(lambda: log(cast, placement), "already logged exactly this entry")
    log(cast, placement, minutes=30)  # not the same entry


def test_only_the_student_of_an_active_placement_logs(cast, placement):
    with pytest.raises(Forbidden):
        services.log_hours(cast.teacher, placement.id, yesterday(), 60, "x")
    stranger = make_user(roles={Role.STUDENT})
    with pytest.raises(NotFound):
        services.log_hours(stranger, placement.id, yesterday(), 60, "x")
    placement.status = PlacementStatus.COMPLETED
    db.session.flush()
    refused(lambda: log(cast, placement), "active placement")


def test_edit_and_delete_while_pending_with_before_and_after(cast, placement):
    entry = log(cast, placement)
    services.edit_entry(cast.student.user, entry.id, yesterday(), 90, "Walked dogs")
    assert (entry.minutes, entry.description) == (90, "Walked dogs")
    services.delete_entry(cast.student.user, entry.id)
    assert db.session.get(HourEntry, entry.id).status is EntryStatus.DELETED
    trail = list(db.session.scalars(queries.audit_trail(entry.id)))
    assert [e.action for e in trail] == ["created", "edited", "deleted"]
    assert trail[1].detail["before"]["minutes"] == 60
    assert trail[1].detail["after"]["minutes"] == 90
    assert trail[2].detail["before"]["description"] == "Walked dogs"


def test_edit_follows_the_rules(cast, placement):
    entry = log(cast, placement)
    refused(
        lambda: services.edit_entry(cast.student.user, entry.id, yesterday(), 20, "x"),
        "quarter hours",
    )
    # Editing an entry does not count it twice towards the day.
    services.edit_entry(cast.student.user, entry.id, yesterday(), 12 * 60, "Long day")


def test_edit_and_delete_after_confirmation_are_refused(cast, placement):
    entry = log(cast, placement)
    services.confirm(cast.employer, [entry.id])
    refused(
        lambda: services.edit_entry(cast.student.user, entry.id, yesterday(), 30, "x"),
        "corrected with a new entry",
    )
    refused(lambda: services.delete_entry(cast.student.user, entry.id), "corrected")
    assert db.session.get(HourEntry, entry.id).minutes == 60


def test_others_cannot_edit_a_students_entry(cast, placement):
    entry = log(cast, placement)
    with pytest.raises(Forbidden):
        services.edit_entry(cast.employer, entry.id, yesterday(), 30, "x")
    with pytest.raises(NotFound):
        services.delete_entry(make_user(roles={Role.STUDENT}), entry.id)


def test_correction_flow(cast, placement):
    original = log(cast, placement, minutes=120)
    services.confirm(cast.employer, [original.id])
    refused(
        lambda: services.correct_entry(
            cast.student.user, log(cast, placement, minutes=15).id, yesterday(), 30, "x"
        ),
        "Only a confirmed entry",
    )
    refused(
        lambda: services.correct_entry(
            cast.student.user, original.id, yesterday(), 120, "Cleaned kennels"
        ),
        "changes nothing",
    )
    fix = services.correct_entry(cast.student.user, original.id, yesterday(), 90, "Shorter")
    assert fix.corrects_id == original.id
    assert fix.status is EntryStatus.PENDING
    assert original.status is EntryStatus.CONFIRMED  # counts until the fix is confirmed
    refused(
        lambda: services.correct_entry(cast.student.user, original.id, yesterday(), 60, "y"),
        "already waiting",
    )
    services.confirm(cast.employer, [fix.id])
    db.session.refresh(original)
    assert original.status is EntryStatus.CORRECTED
    assert fix.status is EntryStatus.CONFIRMED
    confirmed, pending = db.session.execute(queries.placement_totals(placement.id)).one()
    assert (confirmed, pending) == (90, 15)
    actions = [e.action for e in db.session.scalars(queries.audit_trail(original.id))]
    assert actions == ["created", "confirmed", "correction_requested", "corrected"]


def test_reject_needs_a_reason_the_student_sees(cast, placement):
    entry = log(cast, placement)
    refused(lambda: services.reject(cast.employer, entry.id, "  "), "why", "reason")
    assert entry.status is EntryStatus.PENDING
    services.reject(cast.employer, entry.id, "You were not in that day")
    assert entry.status is EntryStatus.REJECTED
    assert entry.reject_reason == "You were not in that day"
    assert entry.decided_by_id == cast.employer.id
    assert entry.decided_via is Channel.WEB
    event = list(db.session.scalars(queries.audit_trail(entry.id)))[-1]
    assert event.action == "rejected"
    assert event.detail["reason"] == "You were not in that day"


def test_confirm_all_at_once_records_who_when_how(cast, placement):
    entries = [log(cast, placement, minutes=m) for m in (15, 30, 45)]
    assert services.confirm(cast.employer, [e.id for e in entries], via=Channel.EMAIL) == 3
    for entry in entries:
        assert entry.status is EntryStatus.CONFIRMED
        assert entry.decided_by_id == cast.employer.id
        assert entry.decided_at is not None
        assert entry.decided_via is Channel.EMAIL
    confirmed, pending = db.session.execute(queries.placement_totals(placement.id)).one()
    assert (confirmed, pending) == (90, 0)


def test_double_confirm_changes_once(cast, placement):
    entry = log(cast, placement)
    second = make_employer(partner=cast.partner)
    assert services.confirm(cast.employer, [entry.id]) == 1
    assert services.confirm(second, [entry.id]) == 0
    with pytest.raises(services.AlreadyDecided):
        services.reject(second, entry.id, "late")
    assert entry.decided_by_id == cast.employer.id
    actions = [e.action for e in db.session.scalars(queries.audit_trail(entry.id))]
    assert actions == ["created", "confirmed"]


def test_only_the_partners_contacts_decide(cast, placement):
    entry = log(cast, placement)
    with pytest.raises(Forbidden):
        services.confirm(cast.teacher, [entry.id])
    with pytest.raises(Forbidden):
        services.confirm(cast.staff, [entry.id])
    with pytest.raises(Forbidden):
        services.reject(cast.student.user, entry.id, "no")
    with pytest.raises(NotFound):
        services.confirm(make_employer(), [entry.id])
    assert entry.status is EntryStatus.PENDING


def test_supervisor_inbox_in_a_fixed_number_of_queries(cast, placement, count_queries):
    for minutes in (15, 30):
        log(cast, placement, minutes=minutes)
    db.session.expire_all()
    with count_queries() as few:
        entries = list(db.session.scalars(queries.supervisor_pending(cast.employer.id)))
        _ = [(e.student.user.full_name, e.placement.offering.title) for e in entries]
    for minutes in (45, 60, 75):
        log(cast, placement, minutes=minutes)
    db.session.expire_all()
    with count_queries() as many:
        entries = list(db.session.scalars(queries.supervisor_pending(cast.employer.id)))
        _ = [(e.student.user.full_name, e.placement.offering.title) for e in entries]
    assert len(entries) == 5
    assert many.count == few.count
    assert list(db.session.scalars(queries.supervisor_pending(make_employer().id))) == []


# --- helpers -------------------------------------------------------------------------------


def make_employer_partner():
    from tests.support.builders import make_partner

    partner = make_partner()
    make_employer(partner=partner)
    return partner


def employer_of(offering):
    from wbl.auth.models import User
    from wbl.catalog.models import PartnerContact

    return db.session.scalar(
        select(User)
        .join(PartnerContact, PartnerContact.user_id == User.id)
        .where(PartnerContact.partner_id == offering.partner_id)
    )


def count_entries(student_id: int) -> int:
    return len(
        list(db.session.scalars(select(HourEntry.id).where(HourEntry.student_id == student_id)))
    )


def test_a_placement_that_has_not_started_takes_no_hours(cast):
    """Issue 14 §6.9: three months before its first day, no day a student could log (today
    or earlier) is inside the placement; the refusal says when to come back."""
    later = place(cast, days_before=-90, days_after=120)
    start = local_today() + timedelta(days=90)
    for day in (local_today(), yesterday()):
        refused(
            lambda d=day: log(cast, later, day=d), f"starts on {start.isoformat()}", "work_date"
        )
    assert (
        db.session.scalars(select(HourEntry).where(HourEntry.placement_id == later.id)).all() == []
    )
