"""Class events in the browser: a teacher asks a partner for a guest speaker with two dates,
the partner's contact accepts the second, and the teacher and the class see it confirmed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.browser.conftest import ACCOUNTS, artifact_path
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_login_journeys import settle, sign_in
from tests.support.builders import make_offering, pathway
from wbl.catalog.models import Offering, Partner
from wbl.events.models import EventRequest
from wbl.extensions import db
from wbl.reference.models import ExperienceKind

CLINIC = "Sunrise Veterinary Clinic"
TALK = "Careers in animal care: a vet talks to your class"
TOPIC = "What a day at a veterinary clinic looks like"


@pytest.fixture(scope="module")
def speaker_offering(browser_app: Flask) -> Iterator[int]:
    """A guest speaker offering of the clinic (whose contact is the employer account); removed
    afterwards, with the requests made for it, so other modules see the seed as it was."""
    with browser_app.app_context():
        clinic = db.session.scalar(select(Partner).where(Partner.name == CLINIC))
        assert clinic is not None
        offering = make_offering(
            partner=clinic,
            kind=ExperienceKind.GUEST_SPEAKER,
            capacity=35,
            title=TALK,
            pathways=[pathway("agriculture.animal_science")],
        )
        offering.description = "One of our veterinarians visits your class for an hour."
        db.session.commit()
        offering_id = offering.id
        db.session.remove()
    yield offering_id
    with browser_app.app_context():
        requests = select(EventRequest).where(EventRequest.offering_id == offering_id)
        for request in db.session.scalars(requests):
            db.session.delete(request)
        db.session.flush()
        # Through the ORM, so the offering's pathway links go too (SQLite does not enforce
        # ON DELETE CASCADE here, and a later offering could reuse the id).
        offering = db.session.get(Offering, offering_id)
        if offering is not None:
            db.session.delete(offering)
        db.session.commit()
        db.session.remove()


def _in_days(n: int) -> date:
    return date.today() + timedelta(days=n)  # noqa: DTZ011 - a date typed into a form, local


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


def _assert_accessible(page: Page) -> None:
    settle(page)
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2)


def test_teacher_requests_a_guest_speaker_and_the_employer_accepts(
    page: Page, speaker_offering: int
) -> None:
    teacher, employer = ACCOUNTS["teacher"], ACCOUNTS["employer"]
    first, second = _in_days(9), _in_days(16)

    # The teacher opens the offering and asks for it for his class, with two dates.
    page.goto("/login")
    sign_in(page, teacher)
    page.wait_for_url("**/home")
    page.goto(f"/offerings/{speaker_offering}")
    page.get_by_role("link", name="Request for my class").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TALK)
    expect(page.get_by_role("combobox", name="Class")).to_contain_text("Animal Science 2")
    expect(page.get_by_label("Number of students")).to_have_value("4")
    page.get_by_label("Topic").fill(TOPIC)
    page.get_by_label("Notes for the partner").fill("We finished the unit on animal anatomy.")
    option1 = page.get_by_role("group", name="Date option 1")
    option1.get_by_label("Date").fill(first.isoformat())
    option1.get_by_label("Start time").fill("09:30")
    option2 = page.get_by_role("group", name="Date option 2")
    option2.get_by_label("Date").fill(second.isoformat())
    option2.get_by_label("Start time").fill("13:00")
    option2.get_by_label("Length (minutes)").fill("90")
    _assert_accessible(page)
    page.screenshot(path=str(artifact_path("event-request-form.png")), full_page=True)
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text(f"Your request is on its way to {CLINIC}.")).to_be_visible()
    expect(page.get_by_text("Waiting for the partner").first).to_be_visible()
    _sign_out(page)

    # The clinic's contact sees the request waiting and accepts the second date.
    sign_in(page, employer)
    requests_card = page.get_by_role("region", name="Requests from teachers")
    expect(requests_card).to_contain_text("1 waiting for your answer")
    requests_card.get_by_role("link", name="See requests").click()
    expect(page.get_by_role("heading", name="Class events", level=1)).to_be_visible()
    _assert_accessible(page)
    page.get_by_role("link", name=TOPIC).click()
    expect(page.get_by_role("heading", name=TOPIC, level=1)).to_be_visible()
    expect(page.get_by_text("Animal Science 2 (period 2)")).to_be_visible()
    dates = page.get_by_role("group", name="Choose the date you can do")
    expect(dates.get_by_role("radio")).to_have_count(2)
    _assert_accessible(page)
    page.screenshot(path=str(artifact_path("event-decision.png")), full_page=True)
    dates.get_by_role("radio").nth(1).check()
    page.get_by_label("Message to the teacher (optional)").fill("Dr. Patel will come.")
    page.get_by_role("button", name="Accept this date").click()
    expect(page.get_by_text("The teacher has been told the date is confirmed.")).to_be_visible()
    confirmed = page.get_by_role("status").filter(has_text="Confirmed for")
    expect(confirmed).to_contain_text(f"{second:%b} {second.day}, {second.year}, 1:00 PM")
    _sign_out(page)

    # The teacher sees it confirmed on his list and on his home page.
    sign_in(page, teacher)
    page.wait_for_url("**/home")
    upcoming = page.get_by_role("region", name="Upcoming class events")
    expect(upcoming).to_contain_text(TALK)
    expect(upcoming).to_contain_text(CLINIC)
    expect(upcoming).to_contain_text(f"{second:%b} {second.day}, {second.year}, 1:00 PM")
    settle(page)
    page.screenshot(path=str(artifact_path("event-teacher-home.png")), full_page=True)
    page.goto("/events")
    row = page.get_by_role("row").filter(has_text=TOPIC)
    expect(row).to_contain_text("Confirmed")
    _sign_out(page)

    # So does a student of the class.
    sign_in(page, ACCOUNTS["student"])
    page.wait_for_url("**/home")
    expect(page.get_by_role("region", name="Upcoming class events")).to_contain_text(TALK)
    _assert_accessible(page)
    page.screenshot(path=str(artifact_path("event-student-home.png")), full_page=True)


@pytest.mark.parametrize(
    "path", ["/classes", "/classes/new", "/events", "/events/new", "/events/new?offering={id}"]
)
def test_teacher_event_pages_are_accessible(page: Page, speaker_offering: int, path: str) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["teacher"])
    page.wait_for_url("**/home")
    page.goto(path.format(id=speaker_offering))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _assert_accessible(page)
    if path == "/classes/new":
        page.screenshot(path=str(artifact_path("class-new.png")), full_page=True)


def test_request_form_errors_are_accessible(page: Page, speaker_offering: int) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["teacher"])
    page.wait_for_url("**/home")
    page.goto(f"/events/new?offering={speaker_offering}")
    page.get_by_role("group", name="Date option 2").get_by_label("Start time").fill("10:00")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Please correct the problems below.")).to_be_visible()
    expect(page.get_by_text("Enter a date for this start time.")).to_be_visible()
    _assert_accessible(page)
