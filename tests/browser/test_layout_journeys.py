"""What a new user trips over, measured in the browser (issue 14 §6): the navigation with a
long name at 1280 px, the main tables on a 390 px phone, the consent form's errors, and the
supervisor ending a placement from their list. Screenshots land in tests/artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import (
    Account,
    enrol,
    forget_student,
    seeded_school,
    seeded_user,
)
from tests.browser.steps import check, emailed_link
from tests.browser.test_login_journeys import settle, sign_in
from tests.support.builders import make_employer, make_offering, make_partner, make_user, pathway
from tests.support.hour_data import ADULT
from tests.support.placement_data import STATEMENT, delete_offerings_with_their_applications
from wbl.access import Role
from wbl.auth.models import User, UserRole
from wbl.catalog.models import Partner, PartnerContact
from wbl.clock import local_today
from wbl.evaluations import services as evaluations
from wbl.evaluations.models import PlacementEvaluation, PlacementReflection
from wbl.extensions import db, utcnow
from wbl.hours import services as hours
from wbl.hours.jobs import send_supervisor_digests
from wbl.hours.models import Digest, HourEntry, HourEntryEvent, digest_entry
from wbl.placements import applications, lifecycle
from wbl.placements.models import Placement
from wbl.reference.models import ExperienceKind

LONG = "Maximiliana Alessandra Featherstonehaugh-Castellanos"
TEACHER = Account("teacher", "m.featherstonehaugh@srcs.example.org", LONG, "Teacher", "Welcome")
EMPLOYER = Account(
    "employer", "m.castellanos@redwoodequine.example.com", LONG, "Employer", "Thank you"
)
MINOR = Account(
    "student", "noor.haddad@students.srcs.example.org", "Noor Haddad", "Student", "Hi Noor"
)
STUDENT = Account(
    "student",
    "bartholomew.okonkwo@students.srcs.example.org",
    "Bartholomew Okonkwo-Vanderberg",
    "Student",
    "Hi Bartholomew",
)
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@dataclass(frozen=True)
class Setup:
    running_id: int  # started ten days ago: hours confirmed, waiting and rejected
    later_id: int  # starts in three months
    ended_id: int  # ended early by the supervisor
    guardian_email: str  # of a minor the partner accepted: consent asked


def _place(offering_id: int, student: User, teacher: User, employer: User) -> Placement:
    application = applications.apply(student, offering_id, STATEMENT, share_resume=False)
    applications.teacher_decide(teacher, application.id, approve=True, comment="")
    lifecycle.employer_decide(employer, application.id, accept=True, message="")
    found = db.session.scalar(select(Placement).where(Placement.application_id == application.id))
    assert found is not None
    return found


@pytest.fixture(scope="module")
def setup(browser_app: Flask) -> Iterator[Setup]:
    """A partner of this module's own, whose supervisor has a long name (so that the weekly
    hours e-mail goes to them whatever other modules sent), an adult student with three
    placements there (under way with hours, still to start, ended), a minor waiting for
    consent, and a teacher with a long name; all removed afterwards."""
    with browser_app.app_context(), browser_app.test_request_context():
        today = local_today()
        school, teacher = seeded_school(), seeded_user("teacher")
        clinic = make_partner(name="Redwood Equine Clinic", sector_code="agriculture")
        long_teacher = make_user(
            roles={Role.TEACHER}, school=school, email=TEACHER.email, full_name=LONG
        )
        employer = make_employer(partner=clinic)
        employer.email, employer.full_name = EMPLOYER.email, LONG
        student = enrol(STUDENT, school, date_of_birth=ADULT)
        minor = enrol(MINOR, school)
        animals = [pathway("agriculture.animal_science")]
        offerings = []
        for title, start, end in (
            ("Large-animal clinic internship with the surgical team", -10, 10),
            ("Equine dentistry internship", 90, 91),
            ("Kennel and boarding operations internship", -20, 10),
            ("Pet first-aid workshop assistant", 30, 31),
        ):
            offering = make_offering(
                partner=clinic,
                kind=ExperienceKind.INTERNSHIP,
                capacity=3,
                title=title,
                start_date=today + timedelta(days=start),
                pathways=animals,
            )
            offering.end_date = today + timedelta(days=end)
            offerings.append(offering)
        db.session.commit()
        running, later, ended = (
            _place(o.id, student.user, teacher, employer) for o in offerings[:3]
        )
        application = applications.apply(minor.user, offerings[3].id, STATEMENT, share_resume=False)
        applications.teacher_decide(teacher, application.id, approve=True, comment="")
        lifecycle.employer_decide(employer, application.id, accept=True, message="")
        entries = [
            hours.log_hours(
                student.user,
                running.id,
                today - timedelta(days=days),
                minutes,
                text,
            )
            for days, minutes, text in (
                (4, 180, "Cleaned and disinfected the surgical suite and restocked gauze"),
                (3, 240, "Held horses for the farrier; recorded hoof measurements"),
                (2, 90, "Walked the boarding dogs"),
            )
        ]
        hours.confirm(employer, [entries[0].id])
        hours.reject(employer, entries[1].id, "You were with us 2 hours that day, not 4.")
        evaluations.complete_placement(employer, ended.id)
        ids = Setup(running.id, later.id, ended.id, minor.guardian_email)
        offering_ids = [o.id for o in offerings]
        students = [(student.id, student.user_id), (minor.id, minor.user_id)]
        people = (long_teacher.id, employer.id)
        partner_id = clinic.id
        db.session.commit()
        db.session.remove()
    yield ids
    with browser_app.app_context():
        staff_ids = list(people)
        placement_ids = [ids.running_id, ids.later_id, ids.ended_id]
        entries_q = select(HourEntry.id).where(HourEntry.placement_id.in_(placement_ids))
        db.session.execute(delete(HourEntryEvent).where(HourEntryEvent.entry_id.in_(entries_q)))
        db.session.execute(delete(digest_entry).where(digest_entry.c.entry_id.in_(entries_q)))
        db.session.execute(
            delete(HourEntry)
            .where(HourEntry.placement_id.in_(placement_ids))
            .execution_options(synchronize_session=False)
        )
        for model in (PlacementEvaluation, PlacementReflection):
            db.session.execute(delete(model).where(model.placement_id.in_(placement_ids)))
        delete_offerings_with_their_applications(offering_ids)
        for student_id, user_id in students:
            forget_student(student_id, user_id)
        db.session.execute(delete(Digest).where(Digest.user_id.in_(staff_ids)))
        db.session.execute(delete(PartnerContact).where(PartnerContact.user_id.in_(staff_ids)))
        db.session.execute(delete(UserRole).where(UserRole.user_id.in_(staff_ids)))
        db.session.execute(delete(User).where(User.id.in_(staff_ids)))
        db.session.execute(delete(Partner).where(Partner.id == partner_id))
        db.session.commit()
        db.session.remove()


# --- the navigation at 1280 px -----------------------------------------------------------------

NAV_BOXES = """() => {
  const nav = document.querySelector('nav[aria-label="Main"] > div');
  const box = (el) => el.getBoundingClientRect();
  const name = nav.querySelector('.user-name');
  const signOut = [...nav.querySelectorAll('button')]
    .find((b) => b.textContent.trim() === 'Sign out');
  const items = [...nav.querySelectorAll('.navbar-nav > .nav-item')];
  return {
    container: box(nav).right,
    signOut: box(signOut).right,
    nameHeight: box(name).height,
    lineHeight: parseFloat(getComputedStyle(name).lineHeight),
    nameText: name.textContent.trim(),
    nameTitle: name.getAttribute('title'),
    rows: new Set(items.map((i) => Math.round(box(i).top))).size,
    navHeight: box(nav).height,
    pageWidth: document.documentElement.scrollWidth,
  };
}"""


@pytest.mark.parametrize("account", [TEACHER, EMPLOYER], ids=["teacher", "employer"])
def test_a_long_name_keeps_the_navigation_on_one_line(
    page: Page, setup: Setup, account: Account
) -> None:
    """Issue 14 §6.5: at 1280 px the name wrapped over two or three lines and pushed "Sign
    out" out of the container. The name is cut with an ellipsis (the whole name stays its
    text and its title); every entry stays on one row; Sign out is inside and reachable by
    keyboard."""
    page.goto("/login")
    sign_in(page, account)
    settle(page)
    boxes = page.evaluate(NAV_BOXES)
    page.screenshot(path=_artifact(f"nav-long-name-{account.role}-1280.png"))
    assert boxes["nameText"].startswith(LONG)
    assert boxes["nameTitle"] == LONG
    assert boxes["nameHeight"] <= boxes["lineHeight"] * 1.5, boxes
    assert boxes["signOut"] <= boxes["container"] + 0.5, boxes
    assert boxes["rows"] == 1, boxes
    assert boxes["pageWidth"] <= 1280
    nav = page.get_by_role("navigation", name="Main")
    sign_out = nav.get_by_role("button", name="Sign out")
    for _ in range(40):  # Tab through the navigation to Sign out
        page.keyboard.press("Tab")
        if sign_out.evaluate("(el) => el === document.activeElement"):
            break
    expect(sign_out).to_be_focused()
    check(page, f"nav-long-name-{account.role}")


def _artifact(name: str) -> str:
    from tests.browser.conftest import artifact_path

    return str(artifact_path(name))


# --- tables on a 390 px phone ------------------------------------------------------------------

TABLE_BOXES = """() => ({
  page: document.documentElement.scrollWidth,
  tables: [...document.querySelectorAll('main table')].map((t) => ({
    caption: (t.caption?.textContent || '').trim(),
    width: t.getBoundingClientRect().width,
    right: t.getBoundingClientRect().right,
  })),
})"""


def _fits_a_phone(page: Page, path: str, name: str) -> None:
    page.goto(path)
    settle(page)
    boxes = page.evaluate(TABLE_BOXES)
    page.screenshot(path=_artifact(f"phone-{name}.png"), full_page=True)
    assert boxes["tables"], f"{path}: no table to measure"
    assert boxes["page"] <= 390, (path, boxes["page"])
    wide = [t for t in boxes["tables"] if t["width"] > 390 or t["right"] > 390.5]
    assert wide == [], (path, wide)


@pytest.mark.browser_context_args(**PHONE)
def test_a_students_tables_fit_a_phone(page: Page, setup: Setup) -> None:
    """Issue 14 §6.5: "My hours" was 461 px wide on a 390 px phone. Every table a student
    reads (their hours, applications, experience log) fits; rows stack."""
    page.goto("/login")
    sign_in(page, STUDENT)
    for path, name in (
        (f"/hours/placements/{setup.running_id}", "student-my-hours"),
        ("/applications", "student-applications"),
        ("/logs/me", "student-experience-log"),
    ):
        _fits_a_phone(page, path, name)
    # a stacked row still names each value
    page.goto(f"/hours/placements/{setup.running_id}")
    row = page.locator("main table tbody tr").filter(has_text="Walked the boarding dogs")
    expect(row.locator('td[data-label="Status"]')).to_be_visible()
    check(page, "phone-student-my-hours-axe")


@pytest.mark.browser_context_args(**PHONE)
def test_a_supervisors_tables_fit_a_phone(
    page: Page, setup: Setup, browser_app: Flask, base_url: str
) -> None:
    """The supervisor's lists on a phone, and the page of the weekly e-mail's link (opened
    on a phone more often than not)."""
    with browser_app.app_context(), browser_app.test_request_context(base_url=base_url):
        send_supervisor_digests(utcnow())  # it commits
        db.session.remove()
    link = emailed_link(browser_app, "hours_supervisor", EMPLOYER.email, "/hours/")
    _fits_a_phone(page, urlsplit(link).path, "employer-emailed-hours-link")
    check(page, "phone-employer-emailed-hours-link-axe")
    page.goto("/login")
    sign_in(page, EMPLOYER)
    for path, name in (
        ("/home", "employer-home"),
        ("/applications", "employer-applicants"),
        ("/hours/inbox", "employer-hours-inbox"),
        ("/evaluations/", "employer-evaluations"),
        (f"/hours/placements/{setup.running_id}", "employer-placement-hours"),
    ):
        _fits_a_phone(page, path, name)
    check(page, "phone-employer-placement-hours-axe")


# --- the supervisor ends a placement from their list ----------------------------------------------


def test_the_supervisor_ends_a_placement_from_the_applicants_list(page: Page, setup: Setup) -> None:
    """Issue 14 §6.9: "End placement" is on the supervisor's list, for the placement under
    way only, and goes through the confirmation."""
    page.goto("/login")
    sign_in(page, EMPLOYER)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Applications").click()
    ends = page.get_by_role("link", name=f"End placement of {STUDENT.full_name}")
    expect(ends).to_have_count(1)
    check(page, "employer-applicants-end-placement")
    ends.click()
    expect(page.get_by_role("heading", name="End the placement now?")).to_be_visible()
    page.get_by_role("button", name="End the placement now").click()
    expect(page.get_by_text("The placement has ended.")).to_be_visible()
    page.goto("/applications")
    expect(page.get_by_role("link", name=f"End placement of {STUDENT.full_name}")).to_have_count(0)


# --- the guardian's consent form -----------------------------------------------------------------


def test_the_guardian_sees_both_problems_at_once(
    page: Page, browser_app: Flask, setup: Setup
) -> None:
    """Issue 14 §6.7: the name's error came only on the second submit. Both fields are
    required, and one submit marks both, each message read with its field."""
    link = emailed_link(browser_app, "guardian_consent", setup.guardian_email, "/consent/")
    page.goto(urlsplit(link).path)
    name = page.get_by_label("Your full name")
    tick = page.get_by_label("I give consent for my child to take part in this placement")
    expect(name).to_have_attribute("required", "")
    expect(tick).to_have_attribute("required", "")
    page.get_by_role("button", name="Give consent").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the problems below.")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("Type your full name to sign."))
    expect(tick).to_have_attribute("aria-invalid", "true")
    expect(tick).to_have_accessible_description(re.compile("Tick this box to give consent"))
    check(page, "consent-both-problems")
    name.fill("Samira Haddad")
    tick.check()
    page.get_by_role("button", name="Give consent").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
