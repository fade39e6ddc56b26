"""Credentials in the browser: staff import a credential list and set one district's policy;
a student records a credential with evidence, staff verify it, the student sees it verified.

The browser database is shared by the whole browser suite, so each journey removes the
credentials it made when it ends."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import ACCOUNTS, Account, enrol, forget_student, seeded_user
from tests.browser.steps import check, open_menu
from tests.browser.test_login_journeys import sign_in
from tests.support.builders import make_district, make_school
from tests.support.credential_data import make_credential, make_earned, make_workkeys
from tests.support.import_files import csv_bytes
from tests.support.pathway_data import add_default_rules
from tests.support.upload_files import pdf_bytes
from wbl.credentials.models import (
    Credential,
    DistrictCredentialPolicy,
    EarnedStatus,
    StudentCredential,
    WorkKeysScore,
    WorkKeysTest,
)
from wbl.extensions import db
from wbl.pathways.models import PathwayRule
from wbl.reference.models import IndustrySector
from wbl.schools.models import District, School

PREFIX = "Browser journey"


@pytest.fixture
def cleanup(browser_app: Flask) -> Iterator[None]:
    yield
    with browser_app.app_context():
        ids = select(Credential.id).where(Credential.name.startswith(PREFIX))
        db.session.execute(
            delete(DistrictCredentialPolicy).where(DistrictCredentialPolicy.credential_id.in_(ids))
        )
        db.session.execute(
            delete(StudentCredential).where(StudentCredential.credential_id.in_(ids))
        )
        db.session.execute(delete(Credential).where(Credential.name.startswith(PREFIX)))
        db.session.commit()
        db.session.remove()


def _row(name: str, **overrides: str) -> dict[str, object]:
    return {
        "external_code": "",
        "name": f"{PREFIX}: {name}",
        "issuer": "Browser Board",
        "sector": "health",
        "points": "4",
        "validity_months": "24",
        "incentive_qualified": "yes",
        "active": "yes",
        **overrides,
    }


def _upload(page: Page, data: bytes, name: str) -> None:
    page.get_by_label("Spreadsheet (.csv or .xlsx)").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("button", name="Check the file").click()


@pytest.mark.usefixtures("cleanup")
def test_staff_import_credentials_and_set_a_district_policy(page: Page, browser_app: Flask) -> None:
    with browser_app.app_context():
        district = db.session.scalar(
            select(District).where(District.name == "Santa Rosa City Schools")
        )
        assert district is not None
        district_id = district.id
        db.session.remove()
    page.goto("/login")
    sign_in(page, ACCOUNTS["staff"])
    open_menu(page, "Credentials", "Import credentials")
    expect(page.get_by_role("heading", name="Import credentials")).to_be_visible()
    check(page, "credentials-import")

    rows = [_row("Nurse Aide", external_code="BJ-1"), _row("Phlebotomy", points="-2")]
    _upload(page, csv_bytes(rows), "credentials.csv")
    expect(page.get_by_role("heading", name="The file needs corrections")).to_be_visible()
    problems = page.get_by_role("table", name="Problems found in the file")
    expect(problems).to_contain_text("must not be negative (found -2)")
    check(page, "credentials-import-problems")

    rows[1]["points"] = "2"
    _upload(page, csv_bytes(rows), "credentials-fixed.csv")
    expect(page.get_by_role("heading", name="The file is ready to import")).to_be_visible()
    check(page, "credentials-import-ready")
    page.get_by_role("button", name="Import 2 credentials").click()
    expect(page.get_by_text("Import finished.")).to_contain_text("2 created")
    expect(page.get_by_role("link", name=f"{PREFIX}: Nurse Aide")).to_be_visible()
    check(page, "credentials-catalog")

    open_menu(page, "Credentials", "District policy")
    page.get_by_label("District", exact=True).select_option(str(district_id))
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Santa Rosa City Schools")).to_be_visible()
    page.get_by_label(f"Accepted for graduation: {PREFIX}: Nurse Aide").check()
    page.get_by_label(f"Counts toward: {PREFIX}: Nurse Aide").select_option("english")
    page.get_by_role("button", name="Save the policy").click()
    expect(page.get_by_text("The policy of Santa Rosa City Schools is saved")).to_contain_text(
        "1 credential changed"
    )
    expect(page.get_by_label(f"Counts toward: {PREFIX}: Nurse Aide")).to_have_value("english")
    check(page, "credentials-policy")

    with browser_app.app_context():
        policy = db.session.scalars(
            select(DistrictCredentialPolicy)
            .join(Credential)
            .where(Credential.name == f"{PREFIX}: Nurse Aide")
        ).one()
        assert (policy.district_id, policy.accepted_for_graduation) == (district_id, True)
        assert policy.updated_by_id == seeded_user("staff").id
        db.session.remove()


@pytest.mark.usefixtures("cleanup")
def test_a_student_records_a_credential_and_staff_verify_it(page: Page, browser_app: Flask) -> None:
    with browser_app.app_context():
        make_credential(name=f"{PREFIX}: ServSafe Food Handler", issuer="ServSafe")
        db.session.commit()
        db.session.remove()

    page.goto("/login")
    sign_in(page, ACCOUNTS["student"])
    open_menu(page, "My record", "My credentials")
    expect(page.get_by_role("heading", name="My credentials")).to_be_visible()
    page.get_by_role("link", name="Record a credential").click()
    page.get_by_role("combobox", name="Credential").select_option(
        label=f"{PREFIX}: ServSafe Food Handler (ServSafe)"
    )
    page.get_by_label("Date earned").fill("2025-05-01")
    page.get_by_label("Evidence").set_input_files(
        files=[
            {"name": "servsafe.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes("ServSafe")}
        ]
    )
    check(page, "credentials-record")
    page.get_by_role("button", name="Record the credential").click()
    expect(page.get_by_text("The credential is recorded.")).to_be_visible()
    earned = page.get_by_role("table").filter(has_text="ServSafe Food Handler")
    expect(earned).to_contain_text("Waiting for verification")
    check(page, "credentials-mine-pending")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, ACCOUNTS["staff"])
    open_menu(page, "Credentials", "Verification queue")
    expect(page.get_by_role("heading", name="Credentials to verify")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=f"{PREFIX}: ServSafe Food Handler")
    expect(row).to_contain_text(ACCOUNTS["student"].full_name)
    check(page, "credentials-queue")
    row.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("is verified for Maria Lopez")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, ACCOUNTS["student"])
    page.goto("/credentials/mine")
    earned = page.get_by_role("table").filter(has_text="ServSafe Food Handler")
    expect(earned).to_contain_text("Verified")
    expect(earned).to_contain_text(f"by {ACCOUNTS['staff'].full_name}")
    check(page, "credentials-mine-verified")


WITHDRAWER = Account(
    "student", "ines.ortega@students.example.org", "Ines Ortega", "Student", "Hi Ines"
)


@dataclass(frozen=True)
class Withdrawer:
    student_id: int
    user_id: int
    school_id: int
    district_id: int
    sector: str


@pytest.fixture
def withdrawer(browser_app: Flask) -> Iterator[Withdrawer]:
    """Ines, in a district of her own with the shipped pathway rules (the other journeys'
    district is left alone): verified credentials worth 9 points in health, WorkKeys 4s,
    and one record still waiting. Everything is removed afterwards."""
    with browser_app.app_context():
        school = make_school(district=make_district(name=f"{PREFIX} district"))
        student = enrol(WITHDRAWER, school)
        staff = seeded_user("staff")
        for name, points in (("Nurse Aide", 6), ("First Aid", 3)):
            make_earned(
                student,
                make_credential(name=f"{PREFIX}: {name}", points=points),
                decided_by=staff,
            )
        make_earned(
            student,
            make_credential(name=f"{PREFIX}: Forklift Operator", issuer="Forklift Board"),
            status=EarnedStatus.PENDING,
        )
        for test in WorkKeysTest:
            make_workkeys(student, test=test, level=4, entered_by=staff)
        add_default_rules(school.district)  # commits
        sector = db.session.scalar(
            select(IndustrySector.name).where(IndustrySector.code == "health")
        )
        assert sector is not None
        ids = Withdrawer(student.id, student.user_id, school.id, school.district_id, sector)
        db.session.remove()
    yield ids
    with browser_app.app_context():
        db.session.execute(
            delete(StudentCredential).where(StudentCredential.student_id == ids.student_id)
        )
        db.session.execute(delete(WorkKeysScore).where(WorkKeysScore.student_id == ids.student_id))
        db.session.execute(delete(PathwayRule).where(PathwayRule.district_id == ids.district_id))
        forget_student(ids.student_id, ids.user_id)
        db.session.execute(delete(School).where(School.id == ids.school_id))
        db.session.execute(delete(District).where(District.id == ids.district_id))
        db.session.commit()
        db.session.remove()


@pytest.mark.usefixtures("cleanup")
def test_a_student_sees_the_pathway_on_home_and_withdraws_a_pending_record(
    page: Page, browser_app: Flask, withdrawer: Withdrawer
) -> None:
    page.goto("/login")
    sign_in(page, WITHDRAWER)
    card = page.get_by_role("region", name="Graduation pathway")
    points = card.get_by_role("listitem").filter(has_text="Industry credentials and WorkKeys")
    expect(points.get_by_test_id("pathway-summary")).to_have_text(
        f"9 of 12 points in {withdrawer.sector}; WorkKeys 12 of 14: "
        "Applied Math 4, Graphic Literacy 4, Workplace Documents 4"
    )
    expect(points.get_by_text("Close", exact=True)).to_be_visible()
    hours = card.get_by_role("listitem").filter(has_text="250 hours of work-based learning")
    expect(hours.get_by_test_id("pathway-summary")).to_have_text(
        "0 of 250 hours of work-based learning with positive evaluations"
    )
    expect(hours.get_by_text("Not started", exact=True)).to_be_visible()
    expect(card.get_by_test_id("pathway-summary")).to_have_count(4)
    check(page, "home-student-pathway")
    points.get_by_role("link", name="Industry credentials and WorkKeys").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My pathway progress")

    page.goto("/credentials/mine")
    table = page.get_by_role("table").filter(has_text="Forklift Operator")
    expect(table.get_by_role("link", name="Withdraw…")).to_have_count(1)  # only the pending one
    table.get_by_role("link", name=f"Withdraw… {PREFIX}: Forklift Operator").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Withdraw {PREFIX}: Forklift Operator?"
    )
    check(page, "credentials-withdraw-confirm")
    page.get_by_role("link", name="Keep it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My credentials")
    expect(table).to_contain_text("Waiting for verification")

    table.get_by_role("link", name=f"Withdraw… {PREFIX}: Forklift Operator").click()
    page.get_by_role("button", name="Withdraw the record").click()
    expect(
        page.get_by_text(f"The {PREFIX}: Forklift Operator record is withdrawn.")
    ).to_be_visible()
    expect(page.get_by_role("table").first).not_to_contain_text("Forklift Operator")
    check(page, "credentials-mine-withdrawn")
    with browser_app.app_context():
        left = db.session.scalars(
            select(StudentCredential.status).where(
                StudentCredential.student_id == withdrawer.student_id
            )
        ).all()
        assert left == [EarnedStatus.VERIFIED, EarnedStatus.VERIFIED]
        db.session.remove()
