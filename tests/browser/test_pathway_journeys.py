"""Graduation pathways in the browser: a student with verified credentials worth 9 points in
Health (and one in another field) and WorkKeys 4/4/4 sees exactly where she stands, what is
missing and which credentials would close the gap; her teacher sees the school's list,
filters it by status and downloads it; staff delete a rule they added."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import (
    ACCOUNTS,
    Account,
    enrol,
    forget_student,
    seeded_school,
    seeded_user,
)
from tests.browser.steps import check, open_menu
from tests.browser.test_login_journeys import sign_in
from tests.support.credential_data import make_credential, make_earned, make_workkeys
from tests.support.pathway_data import add_default_rules
from wbl.credentials.models import Credential, StudentCredential, WorkKeysScore, WorkKeysTest
from wbl.extensions import db
from wbl.pathways.models import PathwayRule, RuleKind
from wbl.pathways.services import RuleChange, add_rule
from wbl.reference.models import IndustrySector

STUDENT = Account(
    "student", "noor.haddad@students.srcs.example.org", "Noor Haddad", "Student", "Hi Noor"
)
ISSUER = "Pathway Journey Testing Board"


@dataclass(frozen=True)
class Setup:
    student_id: int
    user_id: int
    sector: str
    district_id: int


@pytest.fixture(scope="module")
def setup(browser_app: Flask) -> Iterator[Setup]:
    """Noor, her credentials and scores, and the district's default rules; all removed
    afterwards (rules the district had before are left alone)."""
    with browser_app.app_context():
        school = seeded_school()
        had_rules = db.session.scalar(
            select(PathwayRule.id).where(PathwayRule.district_id == school.district_id).limit(1)
        )
        student = enrol(STUDENT, school)
        for name, points in (("Nursing Assistant (journey)", 6), ("First Aid (journey)", 3)):
            make_earned(student, make_credential(name=name, issuer=ISSUER, points=points))
        make_earned(
            student,
            make_credential(
                name="IT Fundamentals (journey)", issuer=ISSUER, points=6, sector_code="ict"
            ),
        )
        make_credential(name="Phlebotomy Technician (journey)", issuer=ISSUER, points=4)
        make_credential(name="EKG Technician (journey)", issuer=ISSUER, points=1)
        for test in WorkKeysTest:
            make_workkeys(student, test=test, level=4)
        sector = db.session.scalar(
            select(IndustrySector.name).where(IndustrySector.code == "health")
        )
        assert sector is not None
        district_id = school.district_id
        ids = Setup(student.id, student.user_id, sector, district_id)
        add_default_rules(school.district)  # commits
        db.session.remove()
    yield ids
    with browser_app.app_context():
        db.session.execute(
            delete(StudentCredential).where(StudentCredential.student_id == ids.student_id)
        )
        db.session.execute(delete(WorkKeysScore).where(WorkKeysScore.student_id == ids.student_id))
        db.session.execute(delete(Credential).where(Credential.issuer == ISSUER))
        if had_rules is None:
            db.session.execute(delete(PathwayRule).where(PathwayRule.district_id == district_id))
        forget_student(ids.student_id, ids.user_id)
        db.session.commit()
        db.session.remove()


def test_student_sees_points_workkeys_and_what_closes_the_gap(page: Page, setup: Setup) -> None:
    page.goto("/login")
    sign_in(page, STUDENT)
    open_menu(page, "My record", "My pathway progress")
    expect(page.get_by_role("heading", level=1)).to_have_text("My pathway progress")
    card = page.get_by_role("region", name="Industry credentials and WorkKeys", exact=True)
    expect(card.get_by_test_id("summary")).to_have_text(
        f"9 of 12 points in {setup.sector}; WorkKeys 12 of 14: "
        "Applied Math 4, Graphic Literacy 4, Workplace Documents 4"
    )
    expect(card.get_by_text("Close", exact=True)).to_be_visible()
    missing = card.get_by_test_id("missing")
    expect(missing).to_contain_text(f"3 more points in {setup.sector}")
    expect(missing).to_contain_text("2 more WorkKeys levels for a total of 14")
    rows = card.get_by_test_id("candidates").locator("tbody tr")
    expect(rows.first).to_contain_text("Phlebotomy Technician (journey)")
    expect(rows.first).to_contain_text(ISSUER)
    expect(card.get_by_test_id("candidates")).to_contain_text("EKG Technician (journey)")
    expect(card.get_by_test_id("candidates")).not_to_contain_text("IT Fundamentals (journey)")
    check(page, "pathway-student-progress")


def test_teacher_sees_the_school_list_and_opens_a_student(page: Page, setup: Setup) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["teacher"])
    open_menu(page, "Work Ready", "Graduation pathways")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Graduation pathways: ")
    close = page.get_by_role("region", name="Close", exact=False).first
    expect(close.get_by_role("link", name=STUDENT.full_name)).to_be_visible()
    check(page, "pathway-school-list")
    close.get_by_role("link", name=STUDENT.full_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Graduation pathways of {STUDENT.full_name}"
    )
    expect(page.get_by_test_id("summary").first).to_contain_text("9 of 12 points in")


def test_teacher_filters_the_school_list_by_status_and_downloads_it(
    page: Page, setup: Setup
) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["teacher"])
    open_menu(page, "Work Ready", "Graduation pathways")
    page.get_by_label("Status").select_option(label="Close")
    page.get_by_role("button", name="Show").click()
    close = page.get_by_role("region", name="Close", exact=False)
    expect(close.get_by_role("link", name=STUDENT.full_name)).to_be_visible()
    expect(page.get_by_role("region", name="Not started", exact=False)).to_have_count(0)
    expect(page.get_by_label("Status")).to_have_value("close")
    check(page, "pathway-school-list-close")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    data = download_info.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert {r["Status"] for r in rows if r["Rule"] == "Industry credentials and WorkKeys"} == {
        "Close"
    }
    noor = {r["Rule"]: r for r in rows if r["Student"] == STUDENT.full_name}
    assert noor["Industry credentials and WorkKeys"]["Summary"].startswith(
        f"9 of 12 points in {setup.sector}"
    )
    assert "3 more points" in noor["Industry credentials and WorkKeys"]["Missing"]


def test_staff_delete_a_rule_they_added(page: Page, browser_app: Flask, setup: Setup) -> None:
    name = "Sixty hours in one place (journey)"
    with browser_app.app_context():
        add_rule(  # commits
            seeded_user("staff"),
            setup.district_id,
            RuleKind.WBL_HOURS,
            RuleChange(name, "", True, None, None, {"hours": 60, "single_experience": True}),
        )
        db.session.remove()
    page.goto("/login")
    sign_in(page, ACCOUNTS["staff"])
    page.goto(f"/pathways/rules?district={setup.district_id}")
    expect(page.get_by_role("link", name="Delete Industry credentials and WorkKeys")).to_have_count(
        0
    )  # a shipped default is switched off, not deleted
    page.get_by_role("link", name=f"Delete {name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Delete {name}?")
    check(page, "pathway-delete-rule")
    page.get_by_role("button", name="Delete rule").click()
    expect(page.get_by_text(f"{name} has been deleted.")).to_be_visible()
    expect(page.get_by_role("row", name=name)).to_have_count(0)
