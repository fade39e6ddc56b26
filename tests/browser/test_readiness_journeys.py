"""Readiness in the browser: a teacher records a workshop for a whole class and a mock
interview for one student; the student sees on an internship's page what is still missing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import ACCOUNTS, artifact_path
from tests.browser.test_accessibility import axe_violations
from tests.browser.test_login_journeys import settle, sign_in
from tests.support.builders import make_offering
from wbl.catalog.models import Offering, Partner
from wbl.extensions import db
from wbl.placements.models import ReadinessRecord
from wbl.reference.models import ExperienceKind, PreparatoryActivity

CLINIC = "Sunrise Veterinary Clinic"
INTERNSHIP = "Surgery suite internship"


@pytest.fixture(scope="module")
def internship(browser_app: Flask) -> Iterator[int]:
    """An internship that asks for a resume workshop and a mock interview; removed afterwards
    with every readiness record, so other modules see the seed as it was."""
    with browser_app.app_context():
        clinic = db.session.scalar(select(Partner).where(Partner.name == CLINIC))
        assert clinic is not None
        offering = make_offering(
            partner=clinic,
            kind=ExperienceKind.INTERNSHIP,
            capacity=2,
            title=INTERNSHIP,
            # No pathway rows: on SQLite an earlier module's Core DELETE of its offering can
            # leave its offering_pathway rows behind for a reused id.
            pathways=[],
        )
        offering.prerequisites = list(
            db.session.scalars(
                select(PreparatoryActivity).where(
                    PreparatoryActivity.code.in_(["resume_workshop", "mock_interview"])
                )
            )
        )
        db.session.commit()
        offering_id = offering.id
        db.session.remove()
    yield offering_id
    with browser_app.app_context():
        db.session.execute(delete(ReadinessRecord))
        offering = db.session.get(Offering, offering_id)
        assert offering is not None
        db.session.delete(offering)  # the ORM removes its prerequisite rows too
        db.session.commit()
        db.session.remove()


def test_teacher_records_readiness_and_the_student_sees_what_is_missing(
    page: Page, internship: int
) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["teacher"])
    page.get_by_role("link", name="My classes").first.click()
    page.get_by_role("link", name="Readiness of Animal Science 2").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Animal Science 2: preparatory activities"
    )
    page.get_by_role("combobox", name="Activity").select_option(label="Resume workshop")
    page.get_by_role("checkbox", name="Grace Kim").uncheck()
    page.get_by_role("button", name="Record for the ticked students").click()
    expect(page.get_by_text("Resume workshop: recorded for 3 students.")).to_be_visible()
    assert axe_violations(page) == []
    settle(page)
    page.screenshot(path=str(artifact_path("readiness-class-sheet.png")), full_page=True)

    page.get_by_role("link", name="Home").first.click()
    page.get_by_role("link", name=ACCOUNTS["student"].full_name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ACCOUNTS["student"].full_name)
    page.get_by_role("combobox", name="Activity").select_option(
        label="Workplace safety orientation"
    )
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_text("Workplace safety orientation is recorded.")).to_be_visible()
    assert axe_violations(page) == []
    settle(page)
    page.screenshot(path=str(artifact_path("readiness-student.png")), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, ACCOUNTS["student"])
    page.goto(f"/offerings/{internship}")
    panel = page.get_by_role("region", name="Your preparation")
    expect(panel).to_contain_text("Before you apply: complete Mock interview (ask your teacher)")
    assert axe_violations(page) == []
    settle(page)
    page.screenshot(path=str(artifact_path("readiness-offering-student.png")), full_page=True)
