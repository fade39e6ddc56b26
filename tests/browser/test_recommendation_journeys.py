"""Recommendations in the browser: a student follows one to its page; staff see who fits."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import ACCOUNTS, artifact_path
from tests.browser.test_login_journeys import settle, sign_in


def test_student_opens_a_recommendation(page: Page) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["student"])
    recommendations = page.get_by_role("list").filter(has_text="miles from home").first
    first = recommendations.get_by_role("link").first
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("heading", name="At a glance")).to_be_visible()
    expect(page.get_by_role("heading", name="Students who fit")).to_have_count(0)
    settle(page)
    page.screenshot(path=str(artifact_path("offering-student.png")), full_page=True)


def test_staff_see_the_students_who_fit_an_offering(page: Page) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["student"])
    page.get_by_role("link", name="Veterinary assistant job shadow").click()
    offering_url = page.url
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, ACCOUNTS["staff"])
    page.goto(offering_url)
    fit = page.get_by_role("region", name="Students who fit")
    expect(fit.get_by_role("cell", name=ACCOUNTS["student"].full_name)).to_be_visible()
    expect(fit).to_contain_text("Animal Science")
    settle(page)
    page.screenshot(path=str(artifact_path("offering-staff.png")), full_page=True)


def test_student_edits_their_profile_with_the_keyboard(page: Page) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["student"])
    page.get_by_role("link", name="My profile").first.click()
    expect(page.get_by_role("heading", name="My profile")).to_be_visible()
    page.get_by_label("Travel limit (miles)").fill("0")
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_text("Number must be between 1 and 100.")).to_be_visible()
    settle(page)
    page.screenshot(path=str(artifact_path("profile-student-error.png")), full_page=True)
    page.get_by_label("Travel limit (miles)").fill("25")
    page.get_by_label("Weekends").check()
    page.get_by_role("button", name="Save my profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_text("Up to 25 miles")).to_be_visible()
