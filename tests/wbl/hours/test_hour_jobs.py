"""The hours' e-mail jobs, run directly with a fixed clock: the weekly supervisor e-mail and the
reminder of entries waiting more than 3 days. Each sends once, to the right people."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from tests.support.builders import make_employer, make_user
from tests.support.hour_data import ADULT, place
from tests.support.placement_data import Cast, make_cast
from wbl.access import Role
from wbl.catalog.manage_contacts import remove_contact
from wbl.catalog.models import PartnerContact
from wbl.clock import local_today
from wbl.extensions import db
from wbl.hours import jobs, services
from wbl.hours.models import Digest, EntryStatus, HourEntry
from wbl.notifications.models import OutboxMessage
from wbl.placements.models import Placement

# A Wednesday, 8 AM in the county (PST).
NOW = datetime(2026, 1, 14, 16, 0, tzinfo=UTC)
MONDAY = date(2026, 1, 12)


@pytest.fixture
def cast() -> Cast:
    return make_cast(born=ADULT)


@pytest.fixture
def placement(cast: Cast) -> Placement:
    return place(cast)


def log(cast: Cast, placement: Placement, days_ago: int = 1, text: str = "") -> HourEntry:
    day = local_today() - timedelta(days=days_ago)
    return services.log_hours(
        cast.student.user, placement.id, day, 60, text or f"Fed the animals ({days_ago})"
    )


def digests(now: datetime = NOW) -> str:
    with current_app.test_request_context():
        return jobs.send_supervisor_digests(now)


def remind(now: datetime = NOW) -> str:
    with current_app.test_request_context():
        return jobs.remind_pending(now)


def mail_to(user, kind: str = "hours_supervisor") -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.to_email == user.email, OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        )
    )


def outbox_count() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id))) or 0


def created(entry: HourEntry, at: datetime) -> None:
    entry.created_at = at
    db.session.flush()


# --- the weekly e-mail ---------------------------------------------------------------------


def test_the_weekly_email_goes_once_a_week_to_each_supervisor(cast, placement):
    first, second = log(cast, placement, 1), log(cast, placement, 2)
    colleague = make_user(roles={Role.EMPLOYER}, full_name="Casey Colleague")
    db.session.add(PartnerContact(partner=cast.partner, user=colleague))
    gone = make_user(roles={Role.EMPLOYER}, active=False)
    db.session.add(PartnerContact(partner=cast.partner, user=gone))
    db.session.flush()

    assert digests() == "2 supervisor e-mail(s) queued"
    for user in (cast.employer, colleague):
        [mail] = mail_to(user)
        assert "2 hour entries wait" in mail.subject
        assert f"Hello {user.full_name}" in mail.body_text
        for shown in (
            cast.student.user.full_name,
            cast.offering.title,
            cast.partner.name,
            "Fed the animals (1)",
            "Fed the animals (2)",
            "1 hour",
            f"{first.work_date:%b} {first.work_date.day}, {first.work_date.year}",
        ):
            assert shown in mail.body_text, shown
        assert "/hours/review/" in mail.body_text
        assert "/hours/inbox" in mail.body_text
    assert mail_to(gone) == []

    digest = db.session.scalar(select(Digest).where(Digest.user_id == cast.employer.id))
    assert digest is not None
    assert (digest.kind, digest.period) == ("supervisor", MONDAY)
    assert digest.expires_at == NOW + timedelta(days=14)
    assert {e.id for e in digest.entries} == {first.id, second.id}
    assert digest.nonce is not None
    assert len(digest.nonce) == 32

    sent = outbox_count()
    assert digests() == "0 supervisor e-mail(s) queued"
    assert digests(NOW + timedelta(days=4)) == "0 supervisor e-mail(s) queued"  # same week
    assert outbox_count() == sent

    assert digests(NOW + timedelta(days=7)) == "2 supervisor e-mail(s) queued"  # still pending
    services.confirm(cast.employer, [first.id, second.id])
    assert digests(NOW + timedelta(days=14)) == "0 supervisor e-mail(s) queued"  # nothing left
    assert len(mail_to(cast.employer)) == 2


def test_the_week_is_the_countys(cast, placement):
    log(cast, placement)
    sunday_night = datetime(2026, 1, 12, 7, 30, tzinfo=UTC)  # Sun 11:30 PM in the county
    assert digests(sunday_night) == "1 supervisor e-mail(s) queued"
    assert db.session.scalar(select(Digest.period)) == date(2026, 1, 5)
    monday_morning = datetime(2026, 1, 12, 15, 0, tzinfo=UTC)  # Mon 7 AM in the county
    assert digests(monday_morning) == "1 supervisor e-mail(s) queued"


def test_only_the_supervisors_of_the_entries_partner_get_them(cast, placement):
    mine = log(cast, placement)
    other_cast = make_cast(born=ADULT)
    theirs = log(other_cast, place(other_cast), text="Answered the phone")
    idle = make_employer()  # a partner with no entries waiting
    rejected = log(cast, placement, 3)
    services.reject(cast.employer, rejected.id, "Not that day")

    assert digests() == "2 supervisor e-mail(s) queued"
    [mail] = mail_to(cast.employer)
    assert "Fed the animals (1)" in mail.body_text
    assert "Answered the phone" not in mail.body_text
    assert "Fed the animals (3)" not in mail.body_text  # decided already
    [their_mail] = mail_to(other_cast.employer)
    assert "Answered the phone" in their_mail.body_text
    assert "Fed the animals" not in their_mail.body_text
    assert mail_to(idle) == []
    held = {d.user_id: [e.id for e in d.entries] for d in db.session.scalars(select(Digest)).all()}
    assert held == {cast.employer.id: [mine.id], other_cast.employer.id: [theirs.id]}


def test_nothing_waiting_sends_nothing(cast, placement):
    assert digests() == "0 supervisor e-mail(s) queued"
    assert db.session.scalar(select(func.count(Digest.id))) == 0


def test_the_weekly_job_runs_the_same_statements_for_few_or_many_entries(
    cast, placement, count_queries
):
    log(cast, placement, 1)
    db.session.expire_all()
    with count_queries() as few:
        digests()
    for days_ago in (2, 3, 4, 5):
        log(cast, placement, days_ago)
    db.session.expire_all()
    with count_queries() as many:
        digests(NOW + timedelta(days=7))
    assert many.count == few.count


# --- the reminder --------------------------------------------------------------------------


def test_entries_waiting_more_than_3_days_are_reminded_of_once(cast, placement):
    old, new = log(cast, placement, 5), log(cast, placement, 1)
    created(old, NOW - timedelta(days=3, minutes=1))
    created(new, NOW - timedelta(days=2))
    decided = log(cast, placement, 6)
    created(decided, NOW - timedelta(days=10))
    services.confirm(cast.employer, [decided.id])

    assert remind() == "1 reminder(s) queued"
    [mail] = mail_to(cast.employer, "hours_reminder")
    assert "more than 3 days" in mail.body_text
    assert "Fed the animals (5)" in mail.body_text
    assert "Fed the animals (1)" not in mail.body_text
    assert "Fed the animals (6)" not in mail.body_text
    assert "/hours/review/" in mail.body_text
    db.session.expire_all()
    assert old.reminded_at == NOW
    assert new.reminded_at is None
    reminder = db.session.scalar(select(Digest).where(Digest.kind == "reminder"))
    assert reminder is not None
    assert reminder.period == date(2026, 1, 14)
    assert [e.id for e in reminder.entries] == [old.id]

    assert remind() == "0 reminder(s) queued"
    assert remind(NOW + timedelta(hours=1)) == "0 reminder(s) queued"
    assert len(mail_to(cast.employer, "hours_reminder")) == 1

    # Two days later the newer entry has waited long enough: only it is reminded of.
    assert remind(NOW + timedelta(days=2)) == "1 reminder(s) queued"
    latest = mail_to(cast.employer, "hours_reminder")[-1]
    assert "Fed the animals (1)" in latest.body_text
    assert "Fed the animals (5)" not in latest.body_text


def test_every_supervisor_of_the_partner_is_reminded(cast, placement):
    entry = log(cast, placement)
    created(entry, NOW - timedelta(days=4))
    colleague = make_user(roles={Role.EMPLOYER})
    db.session.add(PartnerContact(partner=cast.partner, user=colleague))
    db.session.flush()
    assert remind() == "2 reminder(s) queued"
    assert len(mail_to(colleague, "hours_reminder")) == 1


def test_an_entry_with_no_supervisor_waits_for_one(cast, placement):
    entry = log(cast, placement)
    created(entry, NOW - timedelta(days=4))
    staff = make_user(roles={Role.STAFF})
    for contact in list(cast.partner.contacts):
        remove_contact(staff, contact.id)
    assert remind() == "0 reminder(s) queued"
    db.session.expire_all()
    assert entry.reminded_at is None
    assert entry.status is EntryStatus.PENDING


def test_no_reminder_right_after_the_weekly_email_lists_the_entry(cast, placement):
    """Monday 07:00 lists the entry; the 07:30 reminder leaves it for 3 days after."""
    entry = log(cast, placement, 5)
    created(entry, NOW - timedelta(days=6))
    assert digests() == "1 supervisor e-mail(s) queued"
    assert remind(NOW + timedelta(minutes=30)) == "0 reminder(s) queued"
    assert remind(NOW + timedelta(days=2)) == "0 reminder(s) queued"
    assert remind(NOW + timedelta(days=3, minutes=1)) == "1 reminder(s) queued"
    [mail] = mail_to(cast.employer, "hours_reminder")
    assert "Fed the animals (5)" in mail.body_text
