"""The end of a placement in the browser: the supervisor ends it early and evaluates the
student, the student writes a reflection and finishes the portfolio draft it makes, staff
see the evaluation; and a teacher takes attendance at a class event, which shows in a
student's experience log. Every new page is axe-checked and photographed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete, select

from tests.browser.conftest import (
    ACCOUNTS,
    Account,
    enrol,
    forget_student,
    seeded_partner,
    seeded_school,
    seeded_user,
)
from tests.browser.steps import check, open_menu
from tests.browser.test_login_journeys import sign_in
from tests.support.builders import make_class_section, make_offering
from tests.support.builders import pathway as pathway_of
from tests.support.hour_data import ADULT
from tests.support.placement_data import STATEMENT, delete_offerings_with_their_applications
from wbl.clock import local_today
from wbl.evaluations.models import PlacementEvaluation, PlacementReflection
from wbl.events.models import EventDateOption, EventRequest, EventRequestStatus
from wbl.extensions import db
from wbl.hours import services as hours
from wbl.hours.models import EventAttendance, HourEntry, HourEntryEvent
from wbl.placements import applications, lifecycle
from wbl.placements.models import Placement
from wbl.portfolio.models import Artifact
from wbl.reference.models import EvaluationCategory, ExperienceKind, PogOutcome
from wbl.schools.models import ClassSection

STUDENT = Account(
    "student", "marco.diaz@students.srcs.example.org", "Marco Diaz", "Student", "Hi Marco"
)
OUTCOMES = ("curious", "collaborator")


@dataclass(frozen=True)
class Setup:
    placement_id: int
    student_id: int
    event_id: int
    categories: tuple[str, ...]
    outcomes: tuple[str, ...]


@pytest.fixture(scope="module")
def setup(browser_app: Flask) -> Iterator[Setup]:
    """An adult student placed at the clinic (twenty days ago to a week ahead) with confirmed
    hours, in a class of the teacher that heard a guest speaker three days ago."""
    with browser_app.app_context(), browser_app.test_request_context():
        today = local_today()
        school, clinic = seeded_school(), seeded_partner()
        teacher, employer = seeded_user("teacher"), seeded_user("employer")
        outcomes = list(db.session.scalars(select(PogOutcome).where(PogOutcome.code.in_(OUTCOMES))))
        student = enrol(STUDENT, school, date_of_birth=ADULT)
        user = student.user
        offering = make_offering(
            partner=clinic,
            kind=ExperienceKind.INTERNSHIP,
            capacity=1,
            title="Surgery prep internship",
            start_date=today - timedelta(days=20),
            pathways=[pathway_of("agriculture.animal_science")],
        )
        offering.end_date = today + timedelta(days=7)
        offering.outcomes = outcomes
        section = make_class_section(teacher=teacher, students=[student], name="Vet Science 2")
        event = EventRequest(
            kind=ExperienceKind.GUEST_SPEAKER,
            partner=clinic,
            teacher=teacher,
            school_id=school.id,
            class_section=section,
            class_size=1,
            topic="A day in a veterinary clinic",
            status=EventRequestStatus.ACCEPTED,
            decided_by_id=employer.id,
            decided_at=datetime.now(UTC) - timedelta(days=10),
            options=[
                EventDateOption(
                    position=0,
                    starts_at=datetime.now(UTC) - timedelta(days=3),
                    duration_minutes=75,
                    chosen=True,
                )
            ],
        )
        db.session.add(event)
        db.session.commit()
        application = applications.apply(user, offering.id, STATEMENT, share_resume=False)
        applications.teacher_decide(teacher, application.id, approve=True, comment="")
        lifecycle.employer_decide(employer, application.id, accept=True, message="")
        placement = db.session.scalar(
            select(Placement).where(Placement.application_id == application.id)
        )
        assert placement is not None
        entry = hours.log_hours(
            user, placement.id, today - timedelta(days=4), 210, "Prepared the surgery room"
        )
        hours.confirm(employer, [entry.id])
        categories = db.session.scalars(
            select(EvaluationCategory.name)
            .where(EvaluationCategory.active.is_(True))
            .order_by(EvaluationCategory.position)
        ).all()
        ids = Setup(
            placement.id,
            student.id,
            event.id,
            tuple(categories),
            tuple(o.name for o in outcomes),
        )
        offering_id, user_id, section_id = offering.id, user.id, section.id
        db.session.remove()
    yield ids
    with browser_app.app_context():
        entries = select(HourEntry.id).where(HourEntry.placement_id == ids.placement_id)
        db.session.execute(delete(HourEntryEvent).where(HourEntryEvent.entry_id.in_(entries)))
        db.session.execute(
            delete(HourEntry)
            .where(HourEntry.placement_id == ids.placement_id)
            .execution_options(synchronize_session=False)
        )
        for model in (Artifact, PlacementEvaluation, PlacementReflection):
            for row in db.session.scalars(
                select(model).where(model.placement_id == ids.placement_id)
            ):
                db.session.delete(row)
        db.session.execute(delete(EventAttendance).where(EventAttendance.event_id == ids.event_id))
        db.session.delete(db.session.get(EventRequest, ids.event_id))
        db.session.delete(db.session.get(ClassSection, section_id))
        db.session.flush()
        delete_offerings_with_their_applications([offering_id])
        forget_student(ids.student_id, user_id)
        db.session.commit()
        db.session.remove()


def rate(page: Page, name: str, choice: str) -> None:
    page.get_by_role("group", name=name).get_by_label(choice, exact=True).check()


def test_supervisor_ends_and_evaluates_then_the_student_reflects(page: Page, setup: Setup) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["employer"])
    page.goto(f"/hours/placements/{setup.placement_id}")
    page.get_by_role("link", name="End placement").click()
    check(page, "evaluation-end-placement")
    page.get_by_role("button", name="End the placement now").click()
    expect(page.get_by_text("The placement has ended.")).to_be_visible()

    # One rating left out: the form says which, and nothing is saved.
    for name in setup.categories[:-1]:
        rate(page, name, "3 Meets")
    for name in setup.outcomes:
        rate(page, name, "4 Above expectations")
    page.get_by_role("button", name="Send the evaluation").click()
    expect(page.get_by_text(setup.categories[-1]).first).to_be_visible()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    rate(page, setup.categories[-1], "N/A")
    page.get_by_label("Comment").fill("Careful and calm with the animals; ask more questions.")
    check(page, "evaluation-form")
    page.get_by_role("button", name="Send the evaluation").click()
    expect(page.get_by_text("your evaluation is saved")).to_be_visible()
    check(page, "evaluation-sent")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, STUDENT)
    page.goto(f"/hours/placements/{setup.placement_id}")
    page.get_by_role("link", name="My evaluation").click()
    expect(page.get_by_text("Careful and calm with the animals")).to_be_visible()
    page.goto(f"/hours/placements/{setup.placement_id}")
    page.get_by_role("link", name="My reflection").click()
    page.get_by_role("textbox", name="Your reflection").fill(
        "I learned how a surgery room is prepared and why every step is checked twice."
    )
    check(page, "evaluation-reflection")
    page.get_by_role("button", name="Save my reflection").click()
    expect(page.get_by_text("your portfolio has a new draft")).to_be_visible()
    check(page, "portfolio-draft")
    page.get_by_role("button", name="Save and mark ready").click()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    for name in setup.outcomes:
        page.get_by_label(f"How it shows “{name}”").fill(
            f"My supervisor rated me on {name.lower()}; here is what I did."
        )
    page.get_by_role("button", name="Save and mark ready").click()
    expect(page.get_by_text("The artifact is marked ready.")).to_be_visible()
    open_menu(page, "Work Ready", "My portfolio")
    expect(page.get_by_text("Surgery prep internship").first).to_be_visible()
    check(page, "portfolio-list")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, ACCOUNTS["staff"])
    page.goto("/evaluations/")
    expect(page.get_by_text(STUDENT.full_name).first).to_be_visible()
    check(page, "evaluations-staff")


def test_teacher_takes_attendance_and_it_shows_in_the_log(page: Page, setup: Setup) -> None:
    page.goto("/login")
    sign_in(page, ACCOUNTS["teacher"])
    page.goto(f"/events/{setup.event_id}")
    page.get_by_role("link", name="Record attendance").click()
    expect(
        page.get_by_role("heading", name="Attendance: A day in a veterinary clinic")
    ).to_be_visible()
    check(page, "events-attendance")
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance saved: 1 present, 0 absent.")).to_be_visible()
    page.goto(f"/logs/students/{setup.student_id}")
    events = page.get_by_role("region", name="Class events")
    expect(events.get_by_text("A day in a veterinary clinic")).to_be_visible()
    check(page, "logs-student-events")
