"""A student subscribes to their calendar: from their name in the menu to the account page,
they make their calendar feed, and the address the page shows serves their placement as an
iCalendar event; turning the feed off makes the address useless."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from icalendar import Calendar
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import ACCOUNTS
from tests.browser.steps import check
from tests.browser.test_login_journeys import sign_in
from tests.support.log_data import make_placement
from wbl.auth.models import User
from wbl.calendars.models import CalendarFeed
from wbl.catalog.models import Offering
from wbl.clock import county_zone, local_today
from wbl.extensions import db
from wbl.placements.models import Application, Placement
from wbl.students.models import StudentProfile

OFFERING = "Veterinary assistant job shadow"


@pytest.fixture
def placed_student(browser_app: Flask) -> Iterator[int]:
    """The seeded student placed on the clinic's job shadow, next week; removed afterwards
    (with her feed), so other modules see the seed as it was."""
    account = ACCOUNTS["student"]
    with browser_app.app_context():
        profile = db.session.scalar(
            select(StudentProfile).join(User).where(User.email == account.email)
        )
        offering = db.session.scalar(select(Offering).where(Offering.title == OFFERING))
        assert profile is not None
        assert offering is not None
        start = local_today() + timedelta(days=7)
        placement = make_placement(
            profile, offering=offering, start=start, end=start + timedelta(days=2)
        )
        db.session.commit()
        ids = (placement.id, placement.application_id, profile.user_id)
        db.session.remove()
    yield ids[0]
    with browser_app.app_context():
        db.session.execute(delete(Placement).where(Placement.id == ids[0]))
        db.session.execute(delete(Application).where(Application.id == ids[1]))
        db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == ids[2]))
        db.session.commit()
        db.session.remove()


def test_a_student_subscribes_to_their_calendar(
    page: Page, browser_app: Flask, placed_student: int
) -> None:
    with browser_app.app_context():
        zone_key = county_zone().key
    page.goto("/login")
    sign_in(page, ACCOUNTS["student"])
    page.wait_for_url("**/home")

    # 1. Her name in the menu opens her account page, with the calendar feed's section.
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name=re.compile("Your account")).click()
    expect(page.get_by_role("heading", name="Your account", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Calendar feed")).to_be_visible()
    check(page, "calendar-1-account")

    # 2. She makes her feed: the page shows its address, once, and a webcal:// link.
    page.get_by_role("button", name="Make my calendar feed").click()
    expect(page.get_by_role("heading", name="Your calendar feed", level=1)).to_be_visible()
    url = page.get_by_label("Feed address").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/calendar/[A-Za-z0-9_-]{43}\.ics", url), url
    webcal = page.get_by_role("link", name="Open in my calendar application")
    expect(webcal).to_have_attribute("href", "webcal://" + url.split("://", 1)[1])
    check(page, "calendar-2-created")

    # 3. The address serves her calendar: her placement, in the county's time zone.
    response = page.request.get(url)
    assert response.status == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.text())
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == zone_key
    summaries = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
    assert f"{OFFERING} at Sunrise Veterinary Clinic" in summaries
    uids = {str(event["UID"]) for event in calendar.walk("VEVENT")}
    assert f"placement-{placed_student}@127.0.0.1" in uids

    # 4. Back on the account page the feed is on, its address no longer shown; she turns it
    #    off, and the address answers 404.
    page.get_by_role("link", name="Back to your account").click()
    expect(page.get_by_text("Your calendar feed is on")).to_be_visible()
    assert url not in page.content()
    page.get_by_role("button", name="Turn off the feed").click()
    expect(page.get_by_text("Your calendar feed is turned off")).to_be_visible()
    expect(page.get_by_role("button", name="Make my calendar feed")).to_be_visible()
    check(page, "calendar-3-revoked")
    assert page.request.get(url).status == 404
