"""Supervisor clearances: the rules (defaults, a district's choices, what counts), recording
with every bad case, scope, the refusal to accept a minor under an uncleared supervisor (an
employer's decision and an allocation round), the compliance list and the 30-day reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask, current_app
from sqlalchemy import select

from tests.support.builders import (
    make_district,
    make_employer,
    make_offering,
    make_partner,
    make_user,
)
from tests.support.clearance_data import add_clearance, clear_clearances, contact_of
from tests.support.hour_data import ADULT
from tests.support.placement_data import approved, make_cast
from tests.support.smtp import smtp_server
from tests.support.upload_files import EXECUTABLE, pdf_bytes
from wbl.access import Role
from wbl.catalog import clearance_rules as rules
from wbl.catalog import clearances, jobs
from wbl.catalog.clearance_models import ClearanceType, SupervisorClearance
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db, utcnow
from wbl.notifications.delivery import deliver_pending
from wbl.notifications.models import OutboxMessage, OutboxStatus
from wbl.placements import lifecycle
from wbl.placements.models import ApplicationStatus
from wbl.reference.models import ExperienceKind
from wbl.scheduler import BY_ID

BG, TB, MR = (
    ClearanceType.BACKGROUND_CHECK,
    ClearanceType.TB_TEST,
    ClearanceType.MANDATED_REPORTER,
)


def today() -> date:
    return local_today()


# --- the rules -------------------------------------------------------------------------------


def test_the_defaults_ask_one_to_one_experiences_for_background_and_reporter_training() -> None:
    for kind in (ExperienceKind.INTERNSHIP, ExperienceKind.JOB_SHADOW):
        assert rules.required_for(kind, {}) == {BG, MR}
    assert rules.required_for(ExperienceKind.GUEST_SPEAKER, {}) == set()
    decided = {(ExperienceKind.INTERNSHIP, TB): True, (ExperienceKind.INTERNSHIP, MR): False}
    assert rules.required_for(ExperienceKind.INTERNSHIP, decided) == {BG, TB}


def test_a_clearance_must_last_until_the_first_day_and_the_latest_counts() -> None:
    day = date(2026, 6, 1)
    old = rules.Held(BG, date(2020, 1, 1), date(2026, 5, 1))
    renewed = rules.Held(BG, date(2026, 4, 1), date(2029, 4, 1))
    assert rules.missing({BG}, [old], day, None) == [BG]  # expired
    assert rules.missing({BG}, [old, renewed], day, None) == []  # the renewal counts
    short = rules.Held(MR, date(2026, 1, 1), date(2026, 6, 20))
    assert rules.missing({MR}, [short], day, date(2026, 6, 20)) == []  # its last day counts
    assert rules.missing({MR}, [short], day, date(2026, 7, 1)) == [MR]  # lapses before the start
    assert rules.status(short, day) == "expiring"
    assert rules.status(renewed, day) == "current"
    assert rules.status(old, day) == "expired"


# --- recording -------------------------------------------------------------------------------


def data(**changes: object) -> clearances.ClearanceData:
    values: dict[str, object] = {
        "kind": "background_check",
        "completed_on": today() - timedelta(days=5),
        "expires_on": today() + timedelta(days=700),
        "document": None,
    }
    values.update(changes)
    return clearances.ClearanceData(**values)  # type: ignore[arg-type]


@pytest.fixture
def contact():
    return contact_of(make_employer(cleared=False))


@pytest.fixture
def staff():
    return make_user(roles={Role.STAFF})


def test_staff_record_a_clearance_with_its_document(app: Flask, contact, staff) -> None:
    document = clearances.Document(pdf_bytes("Live Scan result"), "live scan.pdf")
    row = clearances.record_clearance(
        staff, contact.partner_id, contact.id, data(document=document)
    )
    assert row.kind is BG
    assert row.recorded_by_id == staff.id
    assert row.recorded_at is not None
    stored = clearances.clearance_document(staff, contact.partner_id, contact.id, row.id)
    assert stored.data.startswith(b"%PDF-")
    assert stored.name.endswith(".pdf")
    assert stored.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"kind": "astrology"}, "kind", "type of clearance"),
        ({"completed_on": None}, "completed_on", "completed"),
        ({"completed_on": date(2999, 1, 1)}, "completed_on", "future"),
        ({"expires_on": None}, "expires_on", "expires"),
        (
            {"completed_on": date(2026, 1, 10), "expires_on": date(2026, 1, 9)},
            "expires_on",
            "before the completion date",
        ),
        ({"expires_on": date(2099, 1, 1)}, "expires_on", "years"),
        ({"document": clearances.Document(EXECUTABLE, "scan.pdf")}, "document", "not a PDF"),
        ({"document": clearances.Document(b"", "scan.pdf")}, "document", "empty"),
    ],
)
def test_every_bad_field_is_refused_and_nothing_is_saved(
    contact, staff, changes, field, words
) -> None:
    with pytest.raises(DomainError) as refused:
        clearances.record_clearance(staff, contact.partner_id, contact.id, data(**changes))
    assert refused.value.field == field
    assert words in refused.value.message
    assert clearances.clearances_of([contact.id]).get(contact.id, []) == []


def test_edit_and_delete(contact, staff) -> None:
    row = clearances.record_clearance(staff, contact.partner_id, contact.id, data())
    later = today() + timedelta(days=900)
    clearances.update_clearance(
        staff, contact.partner_id, contact.id, row.id, data(kind="tb_test", expires_on=later)
    )
    assert (row.kind, row.expires_on) == (TB, later)
    clearances.delete_clearance(staff, contact.partner_id, contact.id, row.id)
    assert db.session.get(SupervisorClearance, row.id) is None


def test_out_of_scope_is_not_found_and_others_may_not_record(contact, staff) -> None:
    row = clearances.record_clearance(staff, contact.partner_id, contact.id, data())
    other = make_partner()
    with pytest.raises(NotFound):  # the contact is not this partner's
        clearances.record_clearance(staff, other.id, contact.id, data())
    with pytest.raises(NotFound):
        clearances.clearance_to_manage(staff, 999_999, contact.id, row.id)
    other_contact = contact_of(make_employer(partner=other))
    with pytest.raises(NotFound):  # the clearance is another contact's
        clearances.clearance_to_manage(staff, other.id, other_contact.id, row.id)
    with pytest.raises(NotFound):  # no document on file
        clearances.clearance_document(staff, contact.partner_id, contact.id, row.id)
    with pytest.raises(Forbidden):  # the contact themselves reads status, never records
        clearances.record_clearance(contact.user, contact.partner_id, contact.id, data())
    for outsider in (make_user(roles={Role.TEACHER}), make_employer()):
        with pytest.raises(NotFound):
            clearances.clearance_document(outsider, contact.partner_id, contact.id, row.id)


# --- district rules --------------------------------------------------------------------------


def test_district_staff_keep_their_own_districts_rules() -> None:
    district, other = make_district(), make_district()
    own = make_user(roles={Role.STAFF}, district=district)
    changed = clearances.set_rules(own, district.id, {ExperienceKind.INTERNSHIP: [BG, TB, MR]})
    assert changed == 1
    assert clearances.required_in(district.id, ExperienceKind.INTERNSHIP) == {BG, TB, MR}
    assert clearances.required_in(other.id, ExperienceKind.INTERNSHIP) == {BG, MR}  # default
    assert clearances.set_rules(own, district.id, {ExperienceKind.INTERNSHIP: [BG, TB, MR]}) == 0
    with pytest.raises(NotFound):
        clearances.set_rules(own, other.id, {ExperienceKind.INTERNSHIP: []})
    with pytest.raises(Forbidden):
        clearances.rules_district(make_user(roles={Role.TEACHER}), district.id)
    county = make_user(roles={Role.STAFF})
    assert clearances.set_rules(county, other.id, {ExperienceKind.JOB_SHADOW: []}) == 2
    assert clearances.required_in(other.id, ExperienceKind.JOB_SHADOW) == set()


# --- accepting a minor -----------------------------------------------------------------------


@pytest.fixture
def cast():
    return make_cast()  # a minor; a job shadow; a cleared employer (make_employer)


def accept(cast) -> lifecycle.Outcome:
    application = approved(cast)
    with current_app.test_request_context():
        return lifecycle.employer_decide(cast.employer, application.id, accept=True)


def test_a_minor_is_not_accepted_under_a_supervisor_who_lacks_a_clearance(cast) -> None:
    supervisor = contact_of(cast.employer)
    clear_clearances(supervisor)
    add_clearance(supervisor, MR)
    add_clearance(supervisor, BG, expires_in=-1)  # expired yesterday
    application = approved(cast)
    with current_app.test_request_context(), pytest.raises(clearances.SupervisorNotCleared) as no:
        lifecycle.employer_decide(cast.employer, application.id, accept=True)
    assert "Fingerprint background check" in no.value.message
    assert "Mandated-reporter" not in no.value.message
    assert cast.employer.full_name in no.value.message
    db.session.refresh(application)
    db.session.refresh(cast.offering)
    assert application.status is ApplicationStatus.APPROVED  # nothing half-done
    assert cast.offering.seats_taken == 0
    with current_app.test_request_context(), pytest.raises(clearances.SupervisorNotCleared):
        lifecycle.employer_decide(cast.staff, application.id, accept=True)  # staff too
    add_clearance(supervisor, BG)  # renewed
    with current_app.test_request_context():
        outcome = lifecycle.employer_decide(cast.employer, application.id, accept=True)
    assert outcome is lifecycle.Outcome.AWAITING_CONSENT


def test_a_clearance_that_lapses_before_the_first_day_does_not_clear(cast) -> None:
    supervisor = contact_of(cast.employer)
    clear_clearances(supervisor)
    add_clearance(supervisor, MR, expires_in=400)
    add_clearance(supervisor, BG, expires_in=10)  # the job shadow starts in 30 days
    with pytest.raises(clearances.SupervisorNotCleared):
        accept(cast)


def test_adults_and_districts_that_require_nothing_are_accepted(cast) -> None:
    clear_clearances(contact_of(cast.employer))
    cast.student.date_of_birth = ADULT
    assert accept(cast) is lifecycle.Outcome.PLACED
    minor = make_cast()
    clear_clearances(contact_of(minor.employer))
    clearances.set_rules(minor.staff, minor.school.district_id, {ExperienceKind.JOB_SHADOW: []})
    assert accept(minor) is lifecycle.Outcome.AWAITING_CONSENT


def test_the_supervisor_is_the_partners_primary_contact(cast) -> None:
    """Before a placement exists its supervisor is the one ``place`` will name: the primary
    contact (else the first); a cleared colleague does not stand in."""
    primary = contact_of(cast.employer)
    clear_clearances(primary)
    colleague = make_employer(partner=cast.partner)  # cleared, but not primary
    contact_of(colleague).is_primary = False
    db.session.flush()
    with pytest.raises(clearances.SupervisorNotCleared) as no:
        accept(cast)
    assert cast.employer.full_name in no.value.message


def test_an_allocation_round_is_not_published_over_an_uncleared_supervisor(cast) -> None:
    clear_clearances(contact_of(cast.employer))
    with current_app.test_request_context(), pytest.raises(clearances.SupervisorNotCleared) as no:
        lifecycle.admit_allocated(cast.staff, cast.student.id, cast.offering.id, "Round 1")
    assert no.value.message.startswith("Nothing was published.")
    assert cast.student.user.full_name in no.value.message


# --- the compliance list ---------------------------------------------------------------------


def test_the_compliance_list_names_missing_expired_and_expiring_clearances(staff) -> None:
    partner = make_partner()
    supervisor = contact_of(make_employer(partner=partner, cleared=False))
    make_offering(partner=partner, kind=ExperienceKind.INTERNSHIP)
    add_clearance(supervisor, MR, expires_in=12)
    add_clearance(supervisor, TB, expires_in=-3)
    rows = [
        (r.problem, r.severity, r.day)
        for r in clearances.compliance_rows(staff, today())
        if r.contact.id == supervisor.id
    ]
    assert rows == [
        ("No Fingerprint background check on file", "danger", None),
        ("TB test expired", "danger", today() - timedelta(days=3)),
        ("Mandated-reporter training expires", "warning", today() + timedelta(days=12)),
    ]
    cleared = contact_of(make_employer(partner=make_partner()))
    make_offering(partner=cleared.partner, kind=ExperienceKind.INTERNSHIP)
    assert not [r for r in clearances.compliance_rows(staff, today()) if r.contact is cleared]


def test_district_staff_see_their_districts_requirements() -> None:
    district = make_district()
    district_staff = make_user(roles={Role.STAFF}, district=district)
    partner = make_partner()
    supervisor = contact_of(make_employer(partner=partner, cleared=False))
    make_offering(partner=partner, kind=ExperienceKind.JOB_SHADOW)
    clearances.set_rules(district_staff, district.id, {ExperienceKind.JOB_SHADOW: [TB]})
    problems = {
        r.problem
        for r in clearances.compliance_rows(district_staff, today())
        if r.contact.id == supervisor.id
    }
    assert problems == {"No TB test on file"}


# --- the reminder ------------------------------------------------------------------------------

NOW = datetime.now(UTC)


def remind() -> str:
    with current_app.test_request_context():
        return jobs.remind_expiring_clearances(NOW)


def reminders() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "clearance_expiring")
            .order_by(OutboxMessage.id)
        )
    )


def test_the_reminder_is_in_the_scheduler_list() -> None:
    job = BY_ID["remind-expiring-clearances"]
    assert job.target == "wbl.catalog.jobs:remind_expiring_clearances"
    assert job.trigger_args({})["trigger"] == "cron"


def test_the_contact_and_the_primary_contact_are_reminded_once_per_expiry() -> None:
    partner = make_partner()
    primary = make_employer(partner=partner)
    colleague = make_employer(partner=partner, cleared=False)
    contact_of(colleague).is_primary = False
    row = add_clearance(contact_of(colleague), MR, expires_in=20)
    add_clearance(contact_of(colleague), BG, expires_in=45)  # not yet
    remind()
    sent = reminders()
    assert sorted(m.to_email for m in sent) == sorted([colleague.email, primary.email])
    assert all("Mandated-reporter training" in m.subject for m in sent)
    assert row.reminded_for == row.expires_on
    assert remind() == "0 clearance reminder(s) queued"  # once per clearance and expiry
    row.expires_on = today() + timedelta(days=25)  # corrected: reminded of again
    db.session.flush()
    assert remind() == "2 clearance reminder(s) queued"


def test_a_renewed_or_expired_clearance_is_not_reminded_of() -> None:
    supervisor = contact_of(make_employer(cleared=False))
    add_clearance(supervisor, MR, expires_in=20)
    add_clearance(supervisor, MR, expires_in=700)  # renewed already
    add_clearance(supervisor, BG, expires_in=-2)  # expired: the compliance list shows it
    assert remind() == "0 clearance reminder(s) queued"


def test_the_reminder_goes_in_the_recipients_language_over_smtp(app: Flask) -> None:
    employer = make_employer(cleared=False)
    employer.language = "es"
    add_clearance(contact_of(employer), BG, expires_in=30)
    remind()
    with smtp_server() as (smtp, port):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        try:
            deliver_pending(utcnow())
        finally:
            app.config.update(MAIL_SERVER="", MAIL_PORT=25)
    assert {m.status for m in reminders()} == {OutboxStatus.SENT}
    received = [r for r in smtp.messages if r.recipients[0] == employer.email]
    assert len(received) == 1
    body = received[0].email.get_body(("plain",)).get_content()
    assert "vence" in received[0].email["Subject"]
    assert "/catalog/my-clearances" in body
