"""Hours in the browser: an adult student logs hours on her placement, her supervisor
confirms some and rejects one with a reason, and the entry's history shows it all. Every
new page is axe-checked and photographed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import (
    ACCOUNTS,
    Account,
    enrol,
    forget_student,
    seeded_partner,
    seeded_school,
    seeded_user,
)
from tests.browser.steps import check, emailed_link
from tests.browser.test_login_journeys import sign_in
from tests.support.builders import make_offering, pathway
from tests.support.hour_data import ADULT
from tests.support.placement_data import STATEMENT, delete_offerings_with_their_applications
from wbl.clock import local_today
from wbl.extensions import db, utcnow
from wbl.hours import services
from wbl.hours.jobs import send_supervisor_digests
from wbl.hours.models import EntryStatus, HourEntry, HourEntryEvent, digest_entry
from wbl.placements import applications, lifecycle
from wbl.placements.models import Placement
from wbl.reference.models import ExperienceKind

STUDENT = Account(
    "student", "ana.reyes@students.srcs.example.org", "Ana Reyes", "Student", "Hi Ana"
)


@dataclass(frozen=True)
class Setup:
    placement_id: int
    rejected_id: int
    yesterday: str
    student_id: int


@pytest.fixture(scope="module")
def setup(browser_app: Flask) -> Iterator[Setup]:
    """An adult student placed at the clinic (ten days ago to ten days ahead) with two
    entries (one confirmed, one rejected); removed afterwards."""
    with browser_app.app_context(), browser_app.test_request_context():
        today = local_today()
        school, clinic = seeded_school(), seeded_partner()
        teacher, employer = seeded_user("teacher"), seeded_user("employer")
        student = enrol(STUDENT, school, date_of_birth=ADULT)
        user = student.user
        offering = make_offering(
            partner=clinic,
            kind=ExperienceKind.JOB_SHADOW,
            capacity=2,
            title="Kennel assistant internship",
            start_date=today - timedelta(days=10),
            pathways=[pathway("agriculture.animal_science")],
        )
        offering.end_date = today + timedelta(days=10)
        offering.expected_hours = 40
        db.session.commit()
        application = applications.apply(user, offering.id, STATEMENT, share_resume=False)
        applications.teacher_decide(teacher, application.id, approve=True, comment="")
        lifecycle.employer_decide(employer, application.id, accept=True, message="")
        placement = db.session.scalar(
            select(Placement).where(Placement.application_id == application.id)
        )
        assert placement is not None
        first = services.log_hours(
            user, placement.id, today - timedelta(days=3), 180, "Cleaned and disinfected kennels"
        )
        second = services.log_hours(
            user, placement.id, today - timedelta(days=2), 240, "Walked the boarding dogs"
        )
        services.confirm(employer, [first.id])
        services.reject(employer, second.id, "You were with us 2 hours that day, not 4.")
        ids = Setup(placement.id, second.id, (today - timedelta(days=1)).isoformat(), student.id)
        offering_id, user_id, student_id = offering.id, user.id, student.id
        db.session.remove()
    yield ids
    with browser_app.app_context():
        entries = select(HourEntry.id).where(HourEntry.placement_id == ids.placement_id)
        db.session.execute(delete(HourEntryEvent).where(HourEntryEvent.entry_id.in_(entries)))
        db.session.execute(delete(digest_entry).where(digest_entry.c.entry_id.in_(entries)))
        db.session.execute(
            delete(HourEntry)
            .where(HourEntry.placement_id == ids.placement_id)
            .execution_options(synchronize_session=False)
        )
        delete_offerings_with_their_applications([offering_id])
        forget_student(student_id, user_id)
        db.session.commit()
        db.session.remove()


def test_student_logs_and_supervisor_decides(page: Page, setup: Setup) -> None:
    page.goto("/login")
    sign_in(page, STUDENT)
    page.goto(f"/hours/placements/{setup.placement_id}")
    expect(page.get_by_role("heading", name="My hours")).to_be_visible()
    expect(page.get_by_text("You were with us 2 hours that day, not 4.")).to_be_visible()

    page.get_by_label("Day").fill(setup.yesterday)
    page.get_by_role("textbox", name="Hours").fill("1.1")
    page.get_by_label("What you did").fill("Restocked the supply room")
    page.get_by_role("button", name="Log hours").click()
    expect(page.get_by_text("Use quarter hours: 0.25, 0.5, 0.75…")).to_be_visible()
    page.get_by_role("textbox", name="Hours").fill("1:15")
    page.get_by_role("button", name="Log hours").click()
    expect(page.get_by_text("Your hours are logged")).to_be_visible()
    check(page, "hours-student-placement")

    page.get_by_role("link", name="Correct").click()
    expect(page.get_by_role("heading", name="Correct a confirmed entry")).to_be_visible()
    check(page, "hours-entry-correct")
    page.get_by_role("textbox", name="Hours").fill("2.5")
    page.get_by_role("button", name="Send the correction").click()
    expect(page.get_by_text("Your correction is sent")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, ACCOUNTS["employer"])
    page.get_by_role("link", name="Hours", exact=True).click()
    expect(page.get_by_role("heading", name="Hours to confirm")).to_be_visible()
    expect(page.get_by_text("Restocked the supply room")).to_be_visible()
    check(page, "hours-supervisor-inbox")
    page.get_by_role("button", name="Confirm all 2 shown").click()
    expect(page.get_by_text("2 entries confirmed.")).to_be_visible()
    expect(page.get_by_text("No hours are waiting for you.")).to_be_visible()

    page.goto(f"/hours/entries/{setup.rejected_id}")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page.get_by_text("You were with us 2 hours that day, not 4.").first).to_be_visible()
    check(page, "hours-entry-history")


def log_entry(page: Page, day: str, hours: str, what: str) -> None:
    page.get_by_label("Day").fill(day)
    page.get_by_role("textbox", name="Hours").fill(hours)
    page.get_by_label("What you did").fill(what)
    page.get_by_role("button", name="Log hours").click()
    expect(page.get_by_text("Your hours are logged")).to_be_visible()


def supervisor_link(browser_app: Flask, base_url: str) -> str:
    """Run the weekly supervisor e-mail job, and take its link from the outbox."""
    with browser_app.app_context(), browser_app.test_request_context(base_url=base_url):
        send_supervisor_digests(utcnow())  # it commits
        db.session.remove()
    return emailed_link(
        browser_app, "hours_supervisor", ACCOUNTS["employer"].email, "/hours/review/"
    )


def confirmed_hours(browser_app: Flask, placement_id: int) -> str:
    with browser_app.app_context():
        minutes = sum(
            db.session.scalars(
                select(HourEntry.minutes).where(
                    HourEntry.placement_id == placement_id,
                    HourEntry.status == EntryStatus.CONFIRMED,
                )
            )
        )
        db.session.remove()
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def test_supervisor_decides_from_the_emailed_link_and_the_teacher_sees_it(
    page: Page, setup: Setup, browser_app: Flask, base_url: str
) -> None:
    with browser_app.app_context():
        today = local_today()
    fed = (today - timedelta(days=5)).isoformat()
    desk = (today - timedelta(days=6)).isoformat()
    page.goto("/login")
    sign_in(page, STUDENT)
    page.goto(f"/hours/placements/{setup.placement_id}")
    log_entry(page, fed, "2", "Fed and watered the boarding animals")
    log_entry(page, desk, "3", "Helped at the front desk")
    page.get_by_role("button", name="Sign out").click()

    # The supervisor opens the e-mailed link without signing in.
    link = supervisor_link(browser_app, base_url)
    page.goto(urlsplit(link).path)
    expect(page.get_by_role("heading", name="Hours to confirm")).to_be_visible()
    expect(page.get_by_text("You are confirming as")).to_be_visible()
    check(page, "hours-review-link")
    page.get_by_label(re.compile(r"^Select 2 hours on")).check()
    page.get_by_role("button", name="Confirm selected").click()
    expect(page.get_by_text("1 entry confirmed")).to_be_visible()
    desk_row = page.get_by_role("row").filter(has_text="Helped at the front desk")
    desk_row.get_by_role("button", name="Reject").click()
    expect(page.get_by_text("Tell the student why")).to_be_visible()
    desk_row = page.get_by_role("row").filter(has_text="Helped at the front desk")
    desk_row.get_by_role("textbox").fill("We were closed that day.")
    desk_row.get_by_role("button", name="Reject").click()
    expect(page.get_by_text("Every entry from this e-mail has been decided")).to_be_visible()

    # The teacher sees the confirmed hours on the student's experience log.
    page.goto("/login")
    sign_in(page, ACCOUNTS["teacher"])
    page.get_by_role("link", name="Experience logs").click()
    page.goto(f"/logs/students/{setup.student_id}")
    heading = page.get_by_role("heading", name=f"Experience log of {STUDENT.full_name}")
    expect(heading).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Kennel assistant internship")
    total = confirmed_hours(browser_app, setup.placement_id)
    expect(row.get_by_role("cell").nth(3)).to_have_text(total)
    check(page, "logs-student-teacher")
    page.get_by_role("button", name="Sign out").click()

    # The student sees why the front-desk entry was rejected.
    sign_in(page, STUDENT)
    page.goto(f"/hours/placements/{setup.placement_id}")
    expect(page.get_by_text("We were closed that day.")).to_be_visible()
