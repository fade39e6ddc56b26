"""A published round in the browser, after the fact: the student who was not placed sees
why for each choice and the opportunities still open to them, and staff read the round's
fairness report. Every page is axe-checked and photographed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import ACCOUNTS, seeded_partner, seeded_user
from tests.browser.steps import check
from tests.browser.test_login_journeys import sign_in
from tests.browser.test_round_journeys import sign_out
from tests.support.builders import make_offering, pathway
from tests.support.placement_data import delete_offerings_with_their_applications
from tests.support.round_data import in_days
from wbl.auth.models import User
from wbl.catalog.models import OfferingStatus
from wbl.clock import local_today
from wbl.extensions import db
from wbl.reference.models import ExperienceKind
from wbl.rounds import allocation, opening
from wbl.rounds.models import AllocationRound, RoundChoice, RoundRanking
from wbl.students.models import StudentProfile

ROUND = "Clinic summer round"
TITLES = ["Fairness round: surgery internship", "Fairness round: kennel internship"]


@pytest.fixture(scope="module")
def published_round(browser_app: Flask) -> Iterator[int]:
    """Two one-seat internships; seniors first. Grace Kim (grade 12) and Maria Lopez (grade
    11) both want the surgery one, Maria then the kennel one, withdrawn before the run:
    Grace is placed, Maria is not. Removed afterwards with what publishing made."""
    with browser_app.app_context():
        clinic = seeded_partner()
        offerings = [
            make_offering(
                partner=clinic,
                kind=ExperienceKind.INTERNSHIP,
                capacity=1,
                title=title,
                start_date=local_today() + timedelta(days=60),
                pathways=[pathway("agriculture.animal_science")],
            )
            for title in TITLES
        ]
        staff = seeded_user("staff")
        round_ = opening.open_round(
            staff,
            name=ROUND,
            deadline=in_days(7),
            offering_ids=[o.id for o in offerings],
            max_choices=2,
            ranking=RoundRanking.PRIORITY,
            priority_rules=["grade_desc"],
        )
        maria, grace = (
            db.session.scalar(select(StudentProfile).join(User).where(User.full_name == name))
            for name in (ACCOUNTS["student"].full_name, "Grace Kim")
        )
        db.session.add_all(
            [
                RoundChoice(
                    round_id=round_.id, student_id=grace.id, offering_id=offerings[0].id, rank=1
                ),
                RoundChoice(
                    round_id=round_.id, student_id=maria.id, offering_id=offerings[0].id, rank=1
                ),
                RoundChoice(
                    round_id=round_.id, student_id=maria.id, offering_id=offerings[1].id, rank=2
                ),
            ]
        )
        offerings[1].status = OfferingStatus.CLOSED
        db.session.commit()
        allocation.run_round(staff, round_.id)
        with browser_app.test_request_context():
            allocation.publish_round(staff, round_.id)
        round_id, ids = round_.id, [o.id for o in offerings]
        db.session.remove()
    yield round_id
    with browser_app.app_context():
        db.session.execute(delete(RoundChoice).where(RoundChoice.round_id == round_id))
        db.session.delete(db.session.get(AllocationRound, round_id))
        delete_offerings_with_their_applications(ids)
        db.session.commit()
        db.session.remove()


def test_the_unplaced_student_sees_why_and_staff_see_the_fairness_report(
    page: Page, published_round: int
) -> None:
    student, staff = ACCOUNTS["student"], ACCOUNTS["staff"]
    page.goto("/login")
    sign_in(page, student)
    page.goto("/rounds/mine")
    expect(page.get_by_text("See why, and what is still open")).to_be_visible()
    page.get_by_role("link", name=ROUND).click()
    why = page.get_by_role("region", name="Why you did not get your choices")
    expect(why).to_contain_text(TITLES[0])
    expect(why).to_contain_text("students in a higher priority tier")
    expect(why).to_contain_text("withdrawn before the round was run")
    expect(why).not_to_contain_text("Grace")
    still_open = page.get_by_role("region", name="Still open for you")
    expect(still_open).to_be_visible()
    expect(still_open).not_to_contain_text(TITLES[0])  # its seat is taken
    check(page, "round-why-not")
    sign_out(page)

    sign_in(page, staff)
    page.goto(f"/rounds/{published_round}")
    page.get_by_role("link", name="Fairness report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Fairness of {ROUND}")
    expect(page.get_by_role("region", name="Placement by school")).to_contain_text(
        "All students who ranked"
    )
    expect(page.get_by_role("region", name="Placement by student group")).to_contain_text(
        "fewer than 11"
    )
    expect(page.get_by_role("region", name="Placement by priority tier")).to_contain_text(
        "Grade 12"
    )
    check(page, "round-fairness")
