"""The CALPADS WBLR file in the browser: county staff open it from the Placements menu for a
district and a school year, read the validation report (one student without an SSID), and
download the file, which holds the other records, byte for byte what the command writes.

The data is the module's own, in a district of its own and in 2024-2025, a school year no
other journey puts hours in; it is removed afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import ACCOUNTS, forget_student
from tests.browser.steps import check, open_menu
from tests.browser.test_login_journeys import sign_in
from tests.support.builders import make_district
from tests.support.wblr_data import (
    Hours,
    calpads_school,
    placed,
    reported_offering,
    rostered_student,
)
from wbl.catalog.models import Offering
from wbl.evaluations.models import PlacementEvaluation
from wbl.extensions import db
from wbl.hours.models import HourEntry
from wbl.placements.models import Application, Placement
from wbl.reference.models import ExperienceKind
from wbl.reporting import services
from wbl.reporting.models import OfferingReporting
from wbl.schools.models import District, School

YEAR = "2024-2025"
DISTRICT = "Laguna Unified (CALPADS journey)"


@dataclass(frozen=True)
class Setup:
    district_id: int
    expected: bytes
    placement_ids: list[int]


@pytest.fixture(scope="module")
def setup(browser_app: Flask) -> Iterator[Setup]:
    with browser_app.app_context():
        school = calpads_school(district=make_district(name=DISTRICT))
        internship = reported_offering(
            course_code="7001", title="Vet clinic internship (CALPADS journey)"
        )
        project = reported_offering(
            kind=ExperienceKind.WORK_BASED_PROJECT,
            virtual=True,
            course_code="7002",
            title="Online design sprint (CALPADS journey)",
        )
        day = date(2024, 10, 1)
        students, placements = [], []
        for ssid, name in (("4000000001", "Lena Ortiz"), ("4000000002", "Omar Diaz")):
            student = rostered_student(school=school, ssid=ssid, name=name)
            students.append(student)
            placements.append(placed(student, internship, [Hours(day, 480)], ratings=[4, 3]))
            placements.append(placed(student, project, [Hours(day, 120)]))
        missing = rostered_student(school=school, ssid="", name="Nina Nossid")
        students.append(missing)
        placements.append(placed(missing, internship, [Hours(day, 240)]))
        db.session.commit()
        expected = services.export(None, YEAR, school.district_id, leave_out=1).data
        ids = Setup(school.district_id, expected, [p.id for p in placements])
        people = [(s.id, s.user_id) for s in students]
        offerings = [internship.id, project.id]
        school_id = school.id
        db.session.remove()
    yield ids
    with browser_app.app_context():
        db.session.execute(delete(HourEntry).where(HourEntry.placement_id.in_(ids.placement_ids)))
        db.session.execute(
            delete(PlacementEvaluation).where(
                PlacementEvaluation.placement_id.in_(ids.placement_ids)
            )
        )
        application_ids = db.session.scalars(
            select(Placement.application_id).where(Placement.id.in_(ids.placement_ids))
        ).all()
        db.session.execute(delete(Placement).where(Placement.id.in_(ids.placement_ids)))
        db.session.execute(delete(Application).where(Application.id.in_(application_ids)))
        db.session.execute(
            delete(OfferingReporting).where(OfferingReporting.offering_id.in_(offerings))
        )
        for offering_id in offerings:
            offering = db.session.get(Offering, offering_id)
            if offering is not None:
                offering.pathways = []
                db.session.delete(offering)
        for student_id, user_id in people:
            forget_student(student_id, user_id)
        db.session.execute(delete(School).where(School.id == school_id))
        db.session.execute(delete(District).where(District.id == ids.district_id))
        db.session.commit()
        db.session.remove()


def test_staff_check_the_wblr_file_and_download_it(page: Page, setup: Setup) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["staff"])
    open_menu(page, "Placements", "CALPADS work-based learning")
    expect(page.get_by_role("heading", level=1)).to_have_text("CALPADS work-based learning (WBLR)")
    page.get_by_label("School year", exact=True).fill(YEAR)
    page.get_by_label("District", exact=True).select_option(label=DISTRICT)
    page.get_by_role("button", name="Check").click()

    expect(page.get_by_role("heading", name=f"The file for {YEAR}, {DISTRICT}")).to_be_visible()
    problems = page.get_by_role("region", name="Validation report", exact=False)
    expect(problems.locator("tbody tr")).to_have_count(1)
    expect(problems).to_contain_text("Nina Nossid")
    expect(problems).to_contain_text("No SSID: the roster gave this student none.")
    expect(problems.get_by_role("link", name="See the student")).to_be_visible()
    in_file = page.get_by_role("region", name="In the file, by school and type", exact=False)
    expect(in_file.locator("tbody tr")).to_have_count(2)  # internships, online projects
    expect(in_file.locator("tbody tr").first).to_contain_text("Internship")
    expect(in_file.locator("tbody tr").first).to_contain_text("16")  # 2 × 8 hours
    check(page, "calpads-wblr")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download 4 records, leaving 1 out").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"calpads-wblr-{YEAR}-")
    data = download.path().read_bytes()
    assert data == setup.expected
    lines = data.decode("ascii").split("\r\n")[:-1]
    assert [line.split("^")[8] for line in lines] == ["10", "20", "10", "20"]
    assert all(line.startswith("WBLR^^^") for line in lines)
