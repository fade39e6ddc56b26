"""A student who does not know what to write takes the interest check from their profile:
keyboard only on a desktop, by touch on a 390 px phone. Screenshots land in tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from tests.browser.conftest import Account, enrol, forget_student, seeded_school
from tests.browser.steps import check
from tests.browser.test_login_journeys import sign_in
from wbl.extensions import db

STUDENT = Account(
    "student", "jordan.reyes@students.srcs.example.org", "Jordan Reyes", "Student", "Hi Jordan"
)
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
CARE = "I would enjoy taking care of people who are sick or hurt."
SAFETY = (
    "I would enjoy keeping people safe or standing up for what is fair, as a firefighter, "
    "police officer or lawyer does."
)
ANIMALS = "I would enjoy working outdoors with animals or plants, or taking care of nature."


@pytest.fixture
def student(browser_app: Flask) -> Iterator[None]:
    """A ninth-grader with no pathway yet and one line about themselves; removed afterwards
    (each test starts from the same profile)."""
    with browser_app.app_context():
        profile = enrol(STUDENT, seeded_school(), grade=9, pathways=[])
        profile.interests = "I play soccer."
        db.session.commit()
        ids = (profile.id, profile.user_id)
        db.session.remove()
    yield
    with browser_app.app_context():
        forget_student(*ids)
        db.session.commit()
        db.session.remove()


def _open_the_check_from_the_profile(page: Page) -> None:
    page.goto("/login")
    sign_in(page, STUDENT)
    page.wait_for_url("**/home")
    page.goto("/profile")
    page.get_by_role("link", name="Not sure what to write? Take the interest check").click()
    expect(page.get_by_role("heading", name="Interest check", level=1)).to_be_visible()


def test_student_takes_the_interest_check_with_the_keyboard(page: Page, student: None) -> None:
    _open_the_check_from_the_profile(page)
    statements = page.get_by_role("group", name="Which of these would you enjoy?")
    expect(statements.get_by_role("checkbox")).to_have_count(13)
    check(page, "interest-check")

    page.get_by_role("button", name="See my suggestions").click()
    expect(page.get_by_text("Tick at least one statement that sounds like you")).to_be_visible()
    check(page, "interest-check-nothing-ticked")

    # Keyboard only: Tab to a statement, Space to tick it.
    page.get_by_label(CARE).focus()
    page.keyboard.press("Space")
    page.get_by_label(SAFETY).focus()
    page.keyboard.press("Space")
    expect(page.get_by_label(CARE)).to_be_checked()
    page.get_by_role("button", name="See my suggestions").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="What your answers suggest")).to_be_visible()
    pathways = page.get_by_role("group", name="Pathways to add to your profile")
    boxes = pathways.get_by_role("checkbox")
    expect(boxes.first).to_have_accessible_name(
        "Emergency Response · Public Services · 2 of your answers point here"
    )
    for index in range(3):  # room for three: the best three are ticked
        expect(boxes.nth(index)).to_be_checked()
    expect(boxes.nth(3)).not_to_be_checked()
    words = page.get_by_role("group", name="Words to add to “In your own words”")
    expect(words.get_by_role("checkbox", name="first aid")).to_be_checked()
    check(page, "interest-check-result")

    # Keep two pathways and leave out a word; nothing is saved until the button.
    boxes.nth(2).focus()
    page.keyboard.press("Space")
    words.get_by_role("checkbox", name="firefighting").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Add to my profile").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="My profile")).to_be_visible()
    expect(
        page.get_by_text(
            "Added to your profile: the pathways Emergency Response, Patient Care and the words "
            "“helping people, health care, first aid, law, keeping people safe”."
        )
    ).to_be_visible()
    interests = page.get_by_label("In your own words: what would you like to do or learn?")
    expect(interests).to_have_value(
        "I play soccer.\nhelping people, health care, first aid, law, keeping people safe"
    )
    chosen = page.get_by_label("Career pathways that interest you").locator("option:checked")
    expect(chosen).to_have_text(["Patient Care", "Emergency Response"])
    check(page, "interest-check-profile")


@pytest.mark.browser_context_args(**PHONE)
def test_interest_check_on_a_phone(page: Page, student: None) -> None:
    _open_the_check_from_the_profile(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    check(page, "interest-check-phone")
    page.get_by_text(ANIMALS).tap()
    page.get_by_role("button", name="See my suggestions").tap()
    expect(page.get_by_role("heading", name="What your answers suggest")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    check(page, "interest-check-result-phone")
    page.get_by_role("button", name="Add to my profile").tap()
    expect(page.get_by_text("Added to your profile: the pathways Animal Science")).to_be_visible()
    chosen = page.get_by_label("Career pathways that interest you").locator("option:checked")
    # Shown in the form's own order (by sector, then pathway).
    expect(chosen).to_have_text(
        ["Animal Science", "Forestry and Natural Resources", "Plant and Soil Science"]
    )
