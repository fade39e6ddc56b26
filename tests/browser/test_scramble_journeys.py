"""A scramble in the browser: after a published round left the student unplaced and one
internship with a seat, staff open a scramble from the round's page, the student finds it on
their rounds page ("Second chance") and ranks the internship left, staff run it and publish,
and the student is placed (a minor: waiting for guardian consent). Every page is axe-checked
and photographed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import ACCOUNTS
from tests.browser.steps import check
from tests.browser.test_login_journeys import sign_in
from tests.browser.test_round_journeys import local_today_iso, sign_out
from tests.support.builders import make_offering, pathway
from tests.support.placement_data import delete_offerings_with_their_applications
from tests.support.round_data import in_days
from wbl.auth.models import User
from wbl.catalog.models import Offering, Partner
from wbl.clock import local_today
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.reference.models import ExperienceKind
from wbl.rounds import allocation, opening, ranking
from wbl.rounds.models import (
    AllocationRound,
    RoundChoice,
    RoundEmployerRank,
    RoundRanking,
    round_invitee,
    round_offering,
)

CLINIC = "Sunrise Veterinary Clinic"
FULL = "Spring round: surgery suite internship"
LEFT = "Spring round: grooming internship"
ROUND = "Spring internships at the clinic"


@dataclass(frozen=True)
class Setting:
    parent_id: int
    full_id: int
    left_id: int


@pytest.fixture(scope="module")
def published_round(browser_app: Flask) -> Iterator[Setting]:
    """A published round over two internships of one seat each: the student ranked only the
    surgery suite one, whose seat was taken before the round ran, so she was not placed and
    the grooming internship still has its seat. Removed afterwards with the scrambles and
    what publishing made."""
    with browser_app.test_request_context():
        clinic = db.session.scalar(select(Partner).where(Partner.name == CLINIC))
        staff = db.session.scalar(select(User).where(User.email == ACCOUNTS["staff"].email))
        student = db.session.scalar(select(User).where(User.email == ACCOUNTS["student"].email))
        assert clinic is not None
        assert staff is not None
        assert student is not None
        ids = []
        for title in (FULL, LEFT):
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
        parent = opening.open_round(
            staff,
            name=ROUND,
            deadline=in_days(7),
            offering_ids=ids,
            max_choices=2,
            ranking=RoundRanking.PRIORITY,
            priority_rules=["grade_desc"],
        )
        ranking.rank_choices(student, parent.id, [ids[0]])
        full = db.session.get(Offering, ids[0])
        assert full is not None
        full.seats_taken = 1  # taken before the round ran
        db.session.commit()
        allocation.run_round(staff, parent.id)
        allocation.publish_round(staff, parent.id)
        setting = Setting(parent.id, ids[0], ids[1])
        db.session.remove()
    yield setting
    with browser_app.app_context():
        round_ids = select(round_offering.c.round_id).where(round_offering.c.offering_id.in_(ids))
        for table in (RoundChoice, RoundEmployerRank):
            db.session.execute(delete(table).where(table.round_id.in_(round_ids)))
        db.session.execute(delete(round_invitee).where(round_invitee.c.round_id.in_(round_ids)))
        rounds = list(
            db.session.scalars(
                select(AllocationRound)
                .where(AllocationRound.id.in_(round_ids))
                .order_by(AllocationRound.id.desc())  # the scrambles before their parent
            )
        )
        for round_ in rounds:
            db.session.delete(round_)
            db.session.flush()
        delete_offerings_with_their_applications(ids)
        db.session.commit()
        db.session.remove()


def test_an_unplaced_student_gets_a_seat_in_a_scramble(
    page: Page, browser_app: Flask, published_round: Setting
) -> None:
    staff, student = ACCOUNTS["staff"], ACCOUNTS["student"]

    # 1. Staff open the scramble from the published round's page.
    page.goto("/login")
    sign_in(page, staff)
    page.goto(f"/rounds/{published_round.parent_id}")
    card = page.get_by_role("region", name="Scramble: a second chance for the seats left")
    expect(card).to_contain_text("1 seat left in 1 of this round's opportunities")
    expect(card).to_contain_text("1 student who took part holds no seat")
    check(page, "scramble-parent")
    page.get_by_label("Deadline (day)").fill(local_today_iso(30))
    page.get_by_role("button", name="Open the scramble").click()
    expect(page.get_by_text("set a deadline within 14 days")).to_be_visible()
    check(page, "scramble-parent-errors")
    page.get_by_label("Deadline (day)").fill(local_today_iso(3))
    page.get_by_role("button", name="Open the scramble").click()
    name = f"{ROUND} — second chance"
    expect(page.get_by_text(f"{name} is open to 1 student(s)")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    chain = page.get_by_role("navigation", name="Rounds in this chain")
    expect(chain.get_by_role("link", name=ROUND)).to_be_visible()
    check(page, "scramble-open")
    scramble_url = page.url
    with browser_app.app_context():
        invitation = db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.kind == "round_scramble", OutboxMessage.to_email == student.email
            )
        )
        assert invitation is not None
        assert "/choose" in invitation.body_text
        db.session.remove()
    sign_out(page)

    # 2. The student finds it on her rounds page and ranks the internship left.
    sign_in(page, student)
    page.goto("/rounds/mine")
    expect(page.get_by_role("link", name=name)).to_contain_text("Second chance")
    check(page, "scramble-mine")
    page.get_by_role("link", name=name).click()
    expect(page.get_by_text("A second chance")).to_be_visible()
    expect(page.get_by_text(FULL)).to_have_count(0)  # full: not in the scramble
    page.get_by_label("1st choice").select_option(label=f"{LEFT} — {CLINIC}")
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_text("Your 1 choice is saved.")).to_be_visible()
    check(page, "scramble-choose")
    sign_out(page)

    # 3. Staff run it and publish.
    sign_in(page, staff)
    page.goto(scramble_url)
    page.get_by_role("button", name="Run the allocation now").click()
    expect(page.get_by_text("has been run")).to_be_visible()
    assignments = page.get_by_role("region", name="Assignments")
    expect(assignments).to_contain_text(student.full_name)
    expect(assignments).to_contain_text(LEFT)
    page.get_by_role("button", name="Publish the chosen result").click()
    expect(
        page.get_by_text(
            "Published the stable (deferred acceptance) result: 0 placed, "
            "1 waiting for guardian consent"
        )
    ).to_be_visible()
    check(page, "scramble-published")
    sign_out(page)

    # 4. The student is placed.
    sign_in(page, student)
    page.goto("/rounds/mine")
    expect(page.get_by_text(f"Placed: {LEFT}")).to_be_visible()
    check(page, "scramble-mine-placed")
