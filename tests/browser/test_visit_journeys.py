"""A worksite visit in the browser: a teacher finds a placement due a visit from the Safety
menu, records a visit (an empty form first, answered item by item) with a follow-up; county
staff find the open follow-up on their home page, close it, and read the placement's
Safety checks card. Every new page is axe-checked and photographed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete

from tests.browser.conftest import (
    ACCOUNTS,
    Account,
    forget_placed,
    place_at_clinic,
)
from tests.browser.steps import check, open_menu
from tests.browser.test_login_journeys import sign_in
from wbl.clock import local_today
from wbl.extensions import db
from wbl.reference.models import ExperienceKind
from wbl.visits.models import WorksiteVisit
from wbl.visits.rules import DEFAULT_CHECKLIST

STUDENT = Account(
    "student", "maya.ortiz@students.srcs.example.org", "Maya Ortiz", "Student", "Hi Maya"
)
FOLLOW_UP = "Ask the clinic for safety glasses in Maya's size."


@dataclass(frozen=True)
class Setup:
    placement_id: int
    yesterday: str


@pytest.fixture(scope="module")
def setup(browser_app: Flask) -> Iterator[Setup]:
    """An adult student placed at the clinic forty days ago, never visited: due a visit."""
    with browser_app.app_context(), browser_app.test_request_context():
        placed = place_at_clinic(
            STUDENT,
            kind=ExperienceKind.INTERNSHIP,
            title="Clinic front-desk internship",
            started=40,
            ends=20,
        )
        ids = Setup(placed.placement_id, (local_today() - timedelta(days=1)).isoformat())
        db.session.remove()
    yield ids
    with browser_app.app_context():
        db.session.execute(
            delete(WorksiteVisit)
            .where(WorksiteVisit.placement_id == ids.placement_id)
            .execution_options(synchronize_session=False)
        )
        forget_placed(placed)
        db.session.commit()
        db.session.remove()


def test_a_teacher_records_a_visit_and_staff_close_its_follow_up(page: Page, setup: Setup) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["teacher"])
    open_menu(page, "Safety", "Worksite visits")
    expect(page.get_by_role("heading", name="Worksite visits", level=1)).to_be_visible()
    check(page, "visits-teacher-due-list")
    page.get_by_role("link", name="Maya Ortiz").click()
    expect(page.get_by_text("Visit due", exact=True).first).to_be_visible()
    check(page, "visits-placement")
    page.get_by_role("link", name="Record a visit").click()
    expect(page.get_by_role("heading", name="Record a worksite visit", level=1)).to_be_visible()
    page.get_by_label("Day of the visit").fill("")
    page.get_by_role("button", name="Record the visit").click()
    expect(page.get_by_text("Give the day of the visit.")).to_be_visible()
    expect(page.get_by_text("Answer this item: yes, no or not applicable.")).to_have_count(
        len(DEFAULT_CHECKLIST)
    )
    check(page, "visits-form-errors")
    page.get_by_label("Day of the visit").fill(setup.yesterday)
    for item in DEFAULT_CHECKLIST:
        answer = "No" if item == "Student has required safety equipment" else "Yes"
        page.get_by_role("group", name=item).get_by_label(answer, exact=True).check()
    page.get_by_label("Notes").fill("Met the office manager; Maya runs the front desk well.")
    page.get_by_label("Follow-up needed").check()
    page.get_by_label("What follow-up").fill(FOLLOW_UP)
    check(page, "visits-form-filled")
    page.get_by_role("button", name="Record the visit").click()
    expect(page.get_by_text("The visit is recorded.")).to_be_visible()
    expect(page.get_by_text(FOLLOW_UP)).to_be_visible()
    check(page, "visits-detail-teacher")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, ACCOUNTS["staff"])
    follow_ups = page.get_by_role("region", name="Visit follow-ups still open")
    expect(follow_ups.get_by_text(FOLLOW_UP)).to_be_visible()
    check(page, "visits-staff-home")
    follow_ups.get_by_role("link", name="Maya Ortiz").click()
    page.get_by_label("What was done").fill("The clinic bought glasses in her size.")
    page.get_by_role("button", name="Close the follow-up").click()
    expect(page.get_by_text("The follow-up is closed.")).to_be_visible()
    check(page, "visits-detail-closed")

    # The placement's page gathers every safety check in one card (docs/safety.md).
    page.goto(f"/hours/placements/{setup.placement_id}")
    card = page.get_by_role("region", name="Safety checks")
    expect(card).to_be_visible()
    expect(card.get_by_text("Last visited on")).to_be_visible()
    expect(card.get_by_text("None reported.")).to_be_visible()
    check(page, "placement-safety-card")
