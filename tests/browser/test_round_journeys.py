"""An allocation round in the browser: staff open it for three summer internships (filtered
and selected all at once), the student ranks choices, the employer ranks the students who
chose its internship, staff run the allocation, read the statistics, compare the stable and
the welfare-optimal result and publish the welfare-optimal one, and the
student sees the result on the round and on their applications. Every page is axe-checked
and photographed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import ACCOUNTS
from tests.browser.steps import check
from tests.browser.test_login_journeys import sign_in
from tests.support.builders import make_offering, pathway
from tests.support.placement_data import delete_offerings_with_their_applications
from wbl.catalog.models import Partner
from wbl.clock import local_today
from wbl.extensions import db
from wbl.reference.models import ExperienceKind
from wbl.rounds.models import AllocationRound, RoundChoice, RoundEmployerRank, round_offering

CLINIC = "Sunrise Veterinary Clinic"
TITLES = [
    "Summer round: surgery prep internship",
    "Summer round: kennel care internship",
    "Summer round: front desk internship",
]
ROUND = "Summer internships at the clinic"


@pytest.fixture(scope="module")
def internships(browser_app: Flask) -> Iterator[list[int]]:
    """Three summer internships of the clinic, starting in 60 days; removed afterwards with
    the round and what publishing made, so the other modules see the seed as it was."""
    with browser_app.app_context():
        clinic = db.session.scalar(select(Partner).where(Partner.name == CLINIC))
        assert clinic is not None
        ids = []
        for title in TITLES:
            offering = make_offering(
                partner=clinic,
                kind=ExperienceKind.INTERNSHIP,
                capacity=1,
                title=title,
                start_date=local_today() + timedelta(days=60),
                pathways=[pathway("agriculture.animal_science")],
            )
            offering.end_date = local_today() + timedelta(days=100)
            ids.append(offering.id)
        db.session.commit()
        db.session.remove()
    yield ids
    with browser_app.app_context():
        round_ids = select(round_offering.c.round_id).where(round_offering.c.offering_id.in_(ids))
        for table in (RoundChoice, RoundEmployerRank):
            db.session.execute(delete(table).where(table.round_id.in_(round_ids)))
        rounds = list(
            db.session.scalars(select(AllocationRound).where(AllocationRound.id.in_(round_ids)))
        )
        for round_ in rounds:
            db.session.delete(round_)
        delete_offerings_with_their_applications(ids)
        db.session.commit()
        db.session.remove()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("E-mail")).to_be_visible()


def test_a_round_from_opening_to_published(page: Page, internships: list[int]) -> None:
    staff, student, employer = (ACCOUNTS[r] for r in ("staff", "student", "employer"))

    # 1. Staff open the round: filter to the three internships and take them all.
    page.goto("/login")
    sign_in(page, staff)
    page.goto("/rounds/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Allocation rounds")
    page.get_by_label("Experience type").select_option("internship")
    page.get_by_label("Title or partner contains").fill("Summer round")
    page.get_by_role("button", name="Filter").click()
    for title in TITLES:
        expect(page.get_by_text(title)).to_be_visible()
    expect(page.get_by_text("Veterinary assistant job shadow")).to_have_count(0)
    check(page, "round-index")
    page.get_by_role("button", name="Open the round").click()
    expect(
        page.get_by_text("Give the round a name.")
        .or_(page.get_by_text("This field is required."))
        .first
    ).to_be_visible()
    check(page, "round-index-errors")
    page.get_by_label("Round name").fill(ROUND)
    page.get_by_label("Deadline (day)").fill(local_today_iso(14))
    page.get_by_label("Deadline (time)").fill("17:00")
    page.get_by_label("Choices each student may rank").fill("3")
    page.get_by_label("How opportunities rank students").select_option("employer")
    page.get_by_label("Include every opportunity in the list below").check()
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_text(f"{ROUND} is open.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(ROUND)
    check(page, "round-detail-open")
    round_url = page.url
    sign_out(page)

    # 2. The student ranks two internships.
    sign_in(page, student)
    page.goto("/rounds/mine")
    page.get_by_role("link", name=ROUND).click()
    check(page, "round-choose")
    page.get_by_label("1st choice").select_option(label=f"{TITLES[1]} — {CLINIC}")
    page.get_by_label("2nd choice").select_option(label=f"{TITLES[1]} — {CLINIC}")
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_text("more than once")).to_be_visible()
    check(page, "round-choose-error")
    page.get_by_label("2nd choice").select_option(label=f"{TITLES[0]} — {CLINIC}")
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_text("Your 2 choices are saved.")).to_be_visible()
    page.goto("/rounds/mine")
    expect(page.get_by_text("2 choices saved")).to_be_visible()
    check(page, "round-mine")
    sign_out(page)

    # 3. The employer ranks the student who chose the kennel internship.
    sign_in(page, employer)
    page.goto("/rounds/employer")
    check(page, "round-employer-index")
    page.get_by_role("link", name=f"Rank students for {TITLES[1]}").click()
    expect(page.get_by_role("rowheader", name=student.full_name)).to_be_visible()
    expect(page.get_by_text("2010")).to_have_count(0)  # no date of birth
    page.get_by_label(f"Rank for {student.full_name}").fill("1")
    page.get_by_role("button", name="Save the ranking").click()
    expect(page.get_by_text("Your ranking of 1 student(s) is saved.")).to_be_visible()
    check(page, "round-employer-rank")
    sign_out(page)

    # 4. Staff run it, read the statistics, and publish.
    sign_in(page, staff)
    page.goto(round_url)
    page.get_by_role("button", name="Run the allocation now").click()
    expect(page.get_by_text("has been run")).to_be_visible()
    expect(page.get_by_text("Got their 1st choice").first).to_be_visible()
    expect(page.get_by_text("100%").first).to_be_visible()
    assignments = page.get_by_role("region", name="Assignments")
    expect(assignments).to_contain_text(student.full_name)
    expect(assignments).to_contain_text(TITLES[1])
    check(page, "round-detail-proposed")
    # Both allocations side by side; staff choose the welfare-optimal one (with one student
    # it is the same placement) and publish it through the same path.
    page.get_by_role("link", name="Compare and publish").click()
    comparison = page.get_by_role("region", name="The two allocations side by side")
    expect(comparison.get_by_role("columnheader", name="Welfare-optimal")).to_be_visible()
    expect(comparison.get_by_role("row", name="Blocking pairs")).to_contain_text("0")
    expect(page.get_by_label("Stable (deferred acceptance)")).to_be_checked()
    page.get_by_label("Welfare-optimal").check()
    page.get_by_role("button", name="Publish the chosen result").click()
    expect(
        page.get_by_text(
            "Published the welfare-optimal result: 0 placed, 1 waiting for guardian consent"
        )
    ).to_be_visible()
    expect(page.get_by_role("button", name="Publish the chosen result")).to_have_count(0)
    expect(comparison.get_by_text("Published", exact=True)).to_be_visible()
    check(page, "round-detail-published")
    sign_out(page)

    # 5. The student sees the result.
    sign_in(page, student)
    page.goto("/rounds/mine")
    expect(page.get_by_text(f"Placed: {TITLES[1]}")).to_be_visible()
    page.get_by_role("link", name=ROUND).click()
    expect(page.get_by_role("status")).to_contain_text(TITLES[1])
    check(page, "round-choose-published")
    page.goto("/applications")
    expect(page.get_by_role("row").filter(has_text=TITLES[1])).to_contain_text("guardian consent")
    check(page, "round-student-applications")


def local_today_iso(days: int) -> str:
    from datetime import date

    return (date.today() + timedelta(days=days)).isoformat()  # noqa: DTZ011 - a form value
