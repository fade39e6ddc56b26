"""Scheduled jobs in the browser: county staff press Run now on the weekly supervisor e-mail
and read that e-mail, with its one-click link, in the outbox (what `make run`'s demo shows).
Both pages are axe-checked and photographed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import (
    ACCOUNTS,
    Account,
    enrol,
    forget_student,
    seeded_school,
    seeded_user,
)
from tests.browser.steps import check, open_menu
from tests.browser.test_login_journeys import sign_in
from tests.support.builders import make_employer, make_offering, make_partner, pathway
from tests.support.hour_data import ADULT
from tests.support.placement_data import STATEMENT, delete_offerings_with_their_applications
from wbl.auth.models import User, UserRole
from wbl.catalog.models import Partner, PartnerContact
from wbl.clock import local_today
from wbl.extensions import db, utcnow
from wbl.hours import services as hours
from wbl.hours.models import Digest, HourEntry, HourEntryEvent, digest_entry
from wbl.jobs.models import JobRun
from wbl.notifications.models import OutboxMessage
from wbl.placements import applications, lifecycle
from wbl.placements.models import Placement
from wbl.reference.models import ExperienceKind

STUDENT = Account("student", "leo.park@students.srcs.example.org", "Leo Park", "Student", "Hi Leo")
DIGEST_JOB = "E-mail each supervisor the hours waiting for them, with a link to confirm them"


@dataclass(frozen=True)
class Setup:
    supervisor_email: str


@pytest.fixture(scope="module")
def setup(browser_app: Flask) -> Iterator[Setup]:
    """A supervisor of a farm of their own (so no other journey's weekly e-mail is in the way)
    with one hour entry waiting; everything the run made is removed afterwards."""
    started = utcnow()
    with browser_app.app_context(), browser_app.test_request_context():
        today = local_today()
        farm = make_partner(name="Laguna Goat Farm", sector_code="agriculture")
        supervisor = make_employer(partner=farm)
        student = enrol(STUDENT, seeded_school(), date_of_birth=ADULT)
        offering = make_offering(
            partner=farm,
            kind=ExperienceKind.JOB_SHADOW,
            capacity=1,
            title="Goat dairy job shadow",
            start_date=today - timedelta(days=7),
            pathways=[pathway("agriculture.animal_science")],
        )
        offering.end_date = today + timedelta(days=7)
        db.session.commit()
        application = applications.apply(student.user, offering.id, STATEMENT, share_resume=False)
        applications.teacher_decide(
            seeded_user("teacher"), application.id, approve=True, comment=""
        )
        lifecycle.employer_decide(supervisor, application.id, accept=True, message="")
        placement = db.session.scalar(
            select(Placement).where(Placement.application_id == application.id)
        )
        assert placement is not None
        hours.log_hours(
            student.user, placement.id, today - timedelta(days=1), 120, "Milked the goats"
        )
        ids = (offering.id, student.id, student.user_id, supervisor.id, farm.id, placement.id)
        email = supervisor.email
        db.session.remove()
    yield Setup(email)
    offering_id, student_id, user_id, supervisor_id, farm_id, placement_id = ids
    with browser_app.app_context():
        entries = select(HourEntry.id).where(HourEntry.placement_id == placement_id)
        digests = select(Digest.id).where(Digest.sent_at >= started)
        db.session.execute(delete(digest_entry).where(digest_entry.c.digest_id.in_(digests)))
        db.session.execute(delete(Digest).where(Digest.sent_at >= started))
        db.session.execute(delete(HourEntryEvent).where(HourEntryEvent.entry_id.in_(entries)))
        db.session.execute(delete(HourEntry).where(HourEntry.placement_id == placement_id))
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.created_at >= started))
        db.session.execute(delete(JobRun).where(JobRun.started_at >= started))
        delete_offerings_with_their_applications([offering_id])
        forget_student(student_id, user_id)
        db.session.execute(delete(PartnerContact).where(PartnerContact.partner_id == farm_id))
        db.session.execute(delete(UserRole).where(UserRole.user_id == supervisor_id))
        db.session.execute(delete(User).where(User.id == supervisor_id))
        db.session.execute(delete(Partner).where(Partner.id == farm_id))
        db.session.commit()
        db.session.remove()


def test_staff_run_the_weekly_supervisor_email_and_read_it_in_the_outbox(
    page: Page, setup: Setup
) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["staff"])
    open_menu(page, "Administration", "Scheduled jobs")
    expect(page.get_by_role("heading", name="Scheduled jobs")).to_be_visible()
    page.get_by_role("button", name=f"Run now: {DIGEST_JOB}").click()
    expect(page.get_by_text("supervisor-digest ran: 1 supervisor e-mail(s) queued")).to_be_visible()
    check(page, "jobs-run-now")

    open_menu(page, "Administration", "Outbox")
    page.get_by_role("link", name="Queued", exact=True).click()
    mail = page.get_by_role("article").filter(has_text=setup.supervisor_email)
    expect(mail.get_by_text("1 hour entry waits for your confirmation")).to_be_visible()
    expect(mail.get_by_text("Milked the goats")).to_be_visible()
    expect(mail.get_by_role("link", name="/hours/review/")).to_be_visible()
    expect(page.get_by_role("link", name="Queued", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    check(page, "outbox-queued")
