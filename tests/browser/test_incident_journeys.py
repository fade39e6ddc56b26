"""An incident in the browser: a student reports a safety concern from her placement's page
(an empty form first, answered field by field); staff find it on their list from the home
page's open count, record a follow-up, pause the placement and close the incident; the student
then sees her report closed, none of the staff's notes, and her placement paused. Every new
page is axe-checked and photographed."""

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
    forget_placed,
    place_at_clinic,
)
from tests.browser.steps import check
from tests.browser.test_login_journeys import sign_in
from wbl.clock import local_today
from wbl.extensions import db
from wbl.incidents.models import Incident, IncidentNote
from wbl.notifications.models import OutboxMessage
from wbl.reference.models import ExperienceKind

STUDENT = Account(
    "student", "lena.park@students.srcs.example.org", "Lena Park", "Student", "Hi Lena"
)
WHAT = "A ladder with a broken rung was left by the stockroom door; I nearly fell from it."
NOTE = "Called the clinic manager: the ladder is out of use until replaced."


@dataclass(frozen=True)
class Setup:
    placement_id: int
    yesterday: str


@pytest.fixture(scope="module")
def setup(browser_app: Flask) -> Iterator[Setup]:
    """An adult student placed at the clinic (ten days ago to ten days ahead); removed
    afterwards with the incidents and e-mails the journey made."""
    with browser_app.app_context(), browser_app.test_request_context():
        placed = place_at_clinic(
            STUDENT,
            kind=ExperienceKind.JOB_SHADOW,
            title="Clinic stockroom internship",
            started=10,
            ends=10,
        )
        ids = Setup(placed.placement_id, (local_today() - timedelta(days=1)).isoformat())
        db.session.remove()
    yield ids
    with browser_app.app_context():
        incidents = select(Incident.id).where(Incident.placement_id == ids.placement_id)
        db.session.execute(delete(IncidentNote).where(IncidentNote.incident_id.in_(incidents)))
        db.session.execute(
            delete(Incident)
            .where(Incident.placement_id == ids.placement_id)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.kind.like("incident%")))
        forget_placed(placed)
        db.session.commit()
        db.session.remove()


def test_a_student_reports_and_staff_follow_up_pause_and_close(page: Page, setup: Setup) -> None:
    page.goto("/login")
    sign_in(page, STUDENT)
    page.goto(f"/hours/placements/{setup.placement_id}")
    page.get_by_role("link", name="Report a concern").click()
    expect(page.get_by_role("heading", name="Report a concern", level=1)).to_be_visible()
    check(page, "incident-report-form")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("Choose what kind of incident this is.")).to_be_visible()
    expect(page.get_by_text("Give the day it happened.")).to_be_visible()
    expect(page.get_by_text("Describe what happened.", exact=True)).to_be_visible()
    check(page, "incident-report-errors")
    page.get_by_label("Kind of incident").select_option("safety")
    page.get_by_label("Day it happened").fill(setup.yesterday)
    page.get_by_label("What happened, who was there").fill(WHAT)
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("Thank you: your report is with the program staff")).to_be_visible()
    expect(page.get_by_text("Open", exact=True)).to_be_visible()
    check(page, "incident-reporter-view")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, ACCOUNTS["staff"])
    page.get_by_role("link", name="Incidents 1 open").click()
    expect(page.get_by_role("heading", name="Incidents", level=1)).to_be_visible()
    check(page, "incident-staff-list")
    page.get_by_role("link", name="Lena Park").click()
    expect(page.get_by_text(WHAT)).to_be_visible()
    check(page, "incident-staff-detail")
    page.get_by_role("button", name="Record the follow-up").click()
    expect(page.get_by_text("Write what was done or decided.")).to_be_visible()
    page.get_by_role("textbox", name="Follow-up").fill(NOTE)
    page.get_by_role("button", name="Record the follow-up").click()
    expect(page.get_by_text("Follow-up recorded.")).to_be_visible()
    expect(page.get_by_text("Being followed up")).to_be_visible()
    page.get_by_label("Why pause the placement").fill("Until the clinic confirms it is safe.")
    page.get_by_role("button", name="Pause the placement").click()
    expect(page.get_by_text("The placement is paused")).to_be_visible()
    expect(page.get_by_role("button", name="Resume the placement")).to_be_visible()
    check(page, "incident-staff-paused")
    page.get_by_label("Closing note").fill("The ladder was replaced; Lena is safe.")
    page.get_by_role("button", name="Close the incident").click()
    expect(page.get_by_text("The incident is closed.")).to_be_visible()
    expect(page.get_by_text("Closed", exact=True).first).to_be_visible()
    check(page, "incident-staff-closed")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, STUDENT)
    page.goto(f"/hours/placements/{setup.placement_id}")
    expect(page.get_by_text("This placement is paused by the program staff")).to_be_visible()
    page.get_by_role("link", name="Safety concern on").click()
    expect(page.get_by_text("Closed", exact=True)).to_be_visible()
    expect(page.get_by_text(NOTE)).to_have_count(0)
    expect(page.get_by_text("The ladder was replaced")).to_have_count(0)
    check(page, "incident-reporter-closed")
