"""Teacher externships in the browser: the employer posts one (and is told what is wrong
first); on the clinic's running externship two teachers apply, staff place them as a team,
one logs hours, the employer confirms them, the teacher attaches the classroom project and
marks it completed, and staff see it per school and per partner. Every new page is
axe-checked and photographed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import ACCOUNTS, CLINIC, SCHOOL, Account, seeded_partner, seeded_user
from tests.browser.steps import check, open_menu
from tests.browser.test_login_journeys import sign_in
from tests.support.builders import make_user
from tests.support.upload_files import pdf_bytes
from wbl.access import Role
from wbl.auth.models import User, UserRole
from wbl.clock import local_today
from wbl.extensions import db
from wbl.externships.models import (
    Externship,
    ExternshipApplication,
    ExternshipHour,
    ExternshipHourEvent,
    ExternshipTeam,
)
from wbl.notifications.models import OutboxMessage
from wbl.schools.models import School

COLLEAGUE = Account(
    "teacher", "lena.park@srcs.example.org", "Lena Park", "Teacher", "Welcome, Lena"
)
TITLE = "Animal care externship for teachers"
POSTED = "Clinic operations week"


@dataclass(frozen=True)
class Setup:
    externship_id: int
    yesterday: str
    in_two_months: str


@pytest.fixture(scope="module")
def setup(browser_app: Flask) -> Iterator[Setup]:
    """The clinic's externship, running from ten days ago (so hours can be logged) with no
    apply-by date; a second teacher at another school. Removed afterwards."""
    with browser_app.app_context(), browser_app.test_request_context():
        today = local_today()
        piner = db.session.scalar(select(School).where(School.name == "Piner High School"))
        colleague = make_user(
            roles={Role.TEACHER},
            school=piner,
            email=COLLEAGUE.email,
            full_name=COLLEAGUE.full_name,
        )
        externship = Externship(
            partner=seeded_partner(CLINIC),
            title=TITLE,
            description="Two weeks beside our technicians: intake, treatment, records.",
            starts_on=today - timedelta(days=10),
            ends_on=today + timedelta(days=10),
            expected_hours=40,
            seats=4,
            seats_taken=0,
            min_team_size=2,
            created_by_id=seeded_user("staff").id,
        )
        db.session.add(externship)
        db.session.commit()
        ids = Setup(
            externship.id,
            (today - timedelta(days=1)).isoformat(),
            (today + timedelta(days=60)).isoformat(),
        )
        colleague_id = colleague.id
        db.session.remove()
    yield ids
    with browser_app.app_context():
        externships = select(Externship.id).where(Externship.title.in_([TITLE, POSTED]))
        applications = select(ExternshipApplication.id).where(
            ExternshipApplication.externship_id.in_(externships)
        )
        db.session.execute(
            delete(ExternshipHourEvent).where(ExternshipHourEvent.application_id.in_(applications))
        )
        db.session.execute(
            delete(ExternshipHour).where(ExternshipHour.application_id.in_(applications))
        )
        db.session.execute(
            delete(ExternshipApplication).where(ExternshipApplication.id.in_(applications))
        )
        db.session.execute(
            delete(ExternshipTeam).where(ExternshipTeam.externship_id.in_(externships))
        )
        db.session.execute(delete(Externship).where(Externship.id.in_(externships)))
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.kind.like("externship%")))
        db.session.execute(delete(UserRole).where(UserRole.user_id == colleague_id))
        db.session.execute(delete(User).where(User.id == colleague_id))
        db.session.commit()
        db.session.remove()


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def test_the_employer_posts_an_externship(page: Page, setup: Setup) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["employer"])
    _nav(page, "Externships")
    expect(page.get_by_role("heading", name="Teacher externships")).to_be_visible()
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    check(page, "externships-employer-index")
    page.get_by_role("link", name="New externship").click()
    page.get_by_label("Title").fill(POSTED)
    page.get_by_label("First day").fill(setup.in_two_months)
    page.get_by_label("Last day").fill(setup.in_two_months)
    page.get_by_label("Seats").fill("3")
    page.get_by_label("Minimum team size").fill("4")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("With a minimum team of 4, offer at least 4 seats.")).to_be_visible()
    check(page, "externships-form-error")
    page.get_by_label("Seats").fill("4")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=POSTED)).to_be_visible()
    expect(page.get_by_text("No teacher has applied yet.")).to_be_visible()
    page.get_by_role("button", name="Close to applications").click()
    expect(page.get_by_text("is closed to new applications.")).to_be_visible()
    check(page, "externships-closed")
    page.get_by_role("button", name="Reopen to applications").click()
    expect(page.get_by_text("takes applications again.")).to_be_visible()
    page.get_by_role("button", name="Cancel the externship").click()
    expect(page.get_by_text("Say why the externship is cancelled").first).to_be_visible()
    page.get_by_label("Why is it cancelled?").fill("Our clinic moves to a new site that month.")
    page.get_by_role("button", name="Cancel the externship").click()
    expect(page.get_by_text("is cancelled; the teachers are told.")).to_be_visible()
    expect(page.get_by_text("Our clinic moves to a new site that month.")).to_be_visible()
    expect(page.get_by_role("button", name="Reopen to applications")).to_have_count(0)
    check(page, "externships-cancelled")


def test_two_teachers_placed_as_a_team_log_hours_and_attach_a_project(
    page: Page, setup: Setup
) -> None:
    james, lena = ACCOUNTS["teacher"], COLLEAGUE
    for teacher, why in ((james, "I teach Animal Science 2."), (lena, "I teach biology.")):
        page.goto("/login")
        sign_in(page, teacher)
        _nav(page, "Externships")
        page.get_by_role("link", name=TITLE).click()
        if teacher is james:
            check(page, "externships-teacher-detail")
            page.get_by_role("button", name="Apply").click()
            expect(page.get_by_text("Say why you want this externship").first).to_be_visible()
        page.get_by_label("Why this externship?").fill(why)
        page.get_by_role("button", name="Apply").click()
        expect(page.get_by_text("Your application is sent.")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()

    sign_in(page, ACCOUNTS["staff"])
    open_menu(page, "Placements", "Teacher externships")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_text("I teach Animal Science 2.")).to_be_visible()
    page.get_by_label(f"Place {james.full_name}").check()
    page.get_by_role("button", name="Place the chosen teachers as a team").click()
    expect(page.get_by_text("Place a team of at least 2 teachers; you chose 1.")).to_be_visible()
    page.get_by_label(f"Place {james.full_name}").check()
    page.get_by_label(f"Place {lena.full_name}").check()
    check(page, "externships-staff-detail")
    page.get_by_role("button", name="Place the chosen teachers as a team").click()
    expect(page.get_by_text("Placed as a team")).to_be_visible()
    expect(page.get_by_role("heading", name="Teams")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, james)
    _nav(page, "Externships")
    check(page, "externships-teacher-index")
    page.get_by_role("link", name=re.compile("^Hours and project")).click()
    expect(page.get_by_role("heading", name="My hours and project")).to_be_visible()
    page.get_by_label("Day").fill(setup.yesterday)
    page.get_by_role("textbox", name="Hours").fill("13")
    page.get_by_label("What you did").fill("Shadowed intake and triage")
    page.get_by_role("button", name="Log hours").click()
    expect(page.get_by_text("You can log at most 12 hours a day.")).to_be_visible()
    page.get_by_role("textbox", name="Hours").fill("6.5")
    page.get_by_role("button", name="Log hours").click()
    expect(page.get_by_text("Your hours are logged")).to_be_visible()
    check(page, "externships-teacher-placement")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, ACCOUNTS["employer"])
    _nav(page, "Externships")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_text("I teach Animal Science 2.")).to_have_count(0)  # names, schools only
    page.get_by_role("link", name=james.full_name).first.click()
    check(page, "externships-employer-placement")
    page.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.get_by_text("Hours confirmed.")).to_be_visible()
    trail = page.get_by_role("region", name="History of the hours")
    expect(trail.get_by_text(re.compile("confirmed 6.5 hours"))).to_be_visible()
    expect(trail.get_by_text(re.compile("logged 6.5 hours"))).to_be_visible()
    check(page, "externships-employer-trail")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, james)
    _nav(page, "Externships")
    page.get_by_role("link", name=re.compile("^Hours and project")).click()
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    page.get_by_role("link", name="Attach the project").click()
    page.get_by_label("Project title").fill("Triage in the classroom")
    page.get_by_label("Summary").fill("Students run a mock intake desk and triage cases.")
    page.get_by_label("File (optional)").set_input_files(
        files=[{"name": "unit.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("Unit")}]
    )
    check(page, "externships-project-form")
    page.get_by_role("button", name="Save the project").click()
    expect(page.get_by_text("Your classroom project is attached.")).to_be_visible()
    expect(page.get_by_role("link", name="unit.pdf")).to_be_visible()
    page.get_by_role("button", name="Mark completed").click()
    expect(page.get_by_text("The externship is marked completed.")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, ACCOUNTS["staff"])
    open_menu(page, "Placements", "Teacher externships")
    page.get_by_role("link", name="By school", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(SCHOOL))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Piner High School"))).to_be_visible()
    expect(page.get_by_text("Triage in the classroom")).to_be_visible()
    check(page, "externships-by-school")
    page.get_by_role("link", name="By partner", exact=True).click()
    expect(page.get_by_text("2 of 4 seats taken")).to_be_visible()
    expect(page.get_by_role("cell", name="6.5")).to_be_visible()
    check(page, "externships-by-partner")
