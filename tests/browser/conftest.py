"""Browser tests: Playwright drives Debian's Chromium against a live server.

The live server runs in another thread, so it cannot see a test's transaction: these tests
get their own database (a temporary SQLite file, or ``<test database>_browser`` on the same
PostgreSQL server), built once per session with the real migrations and committed. Every
test here is marked ``browser``; the root conftest then leaves the database alone.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import werkzeug.serving
from flask import Flask
from sqlalchemy import select

from tests.conftest import ARTIFACTS, make_test_config
from tests.support.builders import (
    make_class_section,
    make_district,
    make_employer,
    make_offering,
    make_partner,
    make_school,
    make_student,
    make_user,
    pathway,
)
from tests.support.database import postgres_test_url, prepare_database, sibling_database
from wbl import create_app
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import OfferingStatus, Partner
from wbl.extensions import db, limiter
from wbl.reference.models import ExperienceKind
from wbl.schools.models import School
from wbl.students.models import StudentProfile

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
SCHOOL = "Montgomery High School"  # the seeded teacher's and student's school
CLINIC = "Sunrise Veterinary Clinic"  # the seeded employer's partner
BROWSER_DIR = Path(__file__).resolve().parent


# --- Collection: every test in this folder is a browser test --------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _require_chromium() -> None:
    """Skip without Debian's Chromium; CI sets WBL_REQUIRE_BROWSER=1 so it never skips."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("WBL_REQUIRE_BROWSER") == "1":
        pytest.fail(
            f"WBL_REQUIRE_BROWSER=1 but {CHROMIUM} is missing: apt-get install chromium",
            pytrace=False,
        )
    pytest.skip("Debian chromium not installed (apt-get install chromium)")


# --- Failure screenshots ----------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)  # rep_setup, rep_call, rep_teardown
    return report


def artifact_path(name: str) -> Path:
    """A file under tests/artifacts (git-ignored) with a name safe on every file system."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """A failed test that used ``page`` leaves tests/artifacts/<test name>.png behind.

    Asking for ``page`` here (only when the test does) makes this fixture finish before the
    page closes."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not page.is_closed():
        page.screenshot(path=artifact_path(f"{request.node.name}.png"), full_page=True)


# --- Playwright settings ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright has no option for the browser path; Playwright's download host is
    unreachable, so Debian's Chromium it is."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": VIEWPORT}


# --- The app under test, on its own committed database ----------------------------------------


@dataclass(frozen=True)
class Account:
    role: str
    email: str
    full_name: str
    badge: str  # the role label shown in the nav
    heading: str  # the home page's <h1>

    @property
    def first_name(self) -> str:
        return self.full_name.split(" ")[0]


ACCOUNTS: dict[str, Account] = {
    "admin": Account(
        "admin", "priya.raman@scoe.example.org", "Priya Raman", "Administrator", "Program overview"
    ),
    "staff": Account(
        "staff", "daniel.okafor@scoe.example.org", "Daniel Okafor", "CTE staff", "Program overview"
    ),
    "teacher": Account(
        "teacher", "james.chen@srcs.example.org", "James Chen", "Teacher", "Welcome, James"
    ),
    "student": Account(
        "student",
        "maria.lopez@students.srcs.example.org",
        "Maria Lopez",
        "Student",
        "Hi Maria, here is what's next for you",
    ),
    "employer": Account(
        "employer",
        "dana.whitfield@sunrisevet.example.com",
        "Dana Whitfield",
        "Employer",
        "Thank you for hosting students, Dana",
    ),
}


def _browser_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A temporary SQLite file, or ``<name>_browser`` next to the test database."""
    test_url = postgres_test_url()
    if not test_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'browser.sqlite'}"
    return sibling_database(test_url, "_browser")


def _days(n: int) -> date:
    return date.today() + timedelta(days=n)  # noqa: DTZ011 - test data only


def _seed_accounts() -> None:
    """One signed-in person per role, and enough around them for each home page to show
    something real. Builders flush; the caller commits."""
    district = make_district(name="Santa Rosa City Schools")
    montgomery = make_school(district=district, name=SCHOOL)
    make_school(district=district, name="Piner High School")
    animal_science = pathway("agriculture.animal_science")
    patient_care = pathway("health.patient_care")

    a = ACCOUNTS
    make_user(
        roles={Role.ADMIN, Role.STAFF}, email=a["admin"].email, full_name=a["admin"].full_name
    )
    make_user(roles={Role.STAFF}, email=a["staff"].email, full_name=a["staff"].full_name)
    teacher = make_user(
        roles={Role.TEACHER},
        school=montgomery,
        email=a["teacher"].email,
        full_name=a["teacher"].full_name,
    )

    student = make_user(
        roles={Role.STUDENT},
        school=montgomery,
        email=a["student"].email,
        full_name=a["student"].full_name,
    )
    profile = make_student(
        user=student, school=montgomery, grade=11, pathways=[animal_science], home_zip="95405"
    )
    profile.interests = "Animals, biology, and maybe becoming a vet tech"
    classmates = [
        ("Ethan Nguyen", 10, patient_care),
        ("Aaliyah Johnson", 12, patient_care),
        ("Sofia Ramirez", 9, animal_science),
        ("Lucas Bennett", 11, animal_science),
        ("Grace Kim", 12, animal_science),
    ]
    biology = [profile]
    for name, grade, interest in classmates:
        email = name.lower().replace(" ", ".") + "@students.srcs.example.org"
        user = make_user(roles={Role.STUDENT}, school=montgomery, email=email, full_name=name)
        classmate = make_student(user=user, school=montgomery, grade=grade, pathways=[interest])
        if interest == animal_science:
            biology.append(classmate)
    make_class_section(teacher=teacher, name="Animal Science 2", period="2", students=biology)

    clinic = make_partner(name=CLINIC, sector_code="agriculture")
    clinic.street_address, clinic.city, clinic.zip = "2150 Mendocino Ave", "Santa Rosa", "95403"
    clinic.endorses_certificate = True
    employer = make_employer(partner=clinic)
    employer.email, employer.full_name = a["employer"].email, a["employer"].full_name
    make_offering(
        partner=clinic,
        kind=ExperienceKind.JOB_SHADOW,
        capacity=4,
        title="Veterinary assistant job shadow",
        start_date=_days(12),
        pathways=[animal_science],
    )
    make_offering(
        partner=clinic,
        kind=ExperienceKind.WORKPLACE_VISIT,
        capacity=12,
        title="Behind the scenes: a morning at the clinic",
        start_date=_days(20),
        pathways=[animal_science],
    )
    internship = make_offering(
        partner=clinic,
        kind=ExperienceKind.INTERNSHIP,
        capacity=2,
        title="Summer animal care internship",
        start_date=_days(45),
        pathways=[animal_science],
    )
    internship.end_date, internship.paid = _days(45 + 55), True
    make_offering(
        partner=clinic,
        kind=ExperienceKind.WORK_BASED_PROJECT,
        capacity=3,
        title="Design a pet first-aid guide",
        status=OfferingStatus.DRAFT,
        start_date=_days(60),
        pathways=[animal_science],
    )

    dairy = make_partner(name="Redwood Valley Dairy", sector_code="agriculture")
    dairy.street_address, dairy.city, dairy.zip = "4400 Stony Point Rd", "Petaluma", "94952"
    make_offering(
        partner=dairy,
        kind=ExperienceKind.WORK_BASED_PROJECT,
        capacity=6,
        title="Herd health data project",
        start_date=_days(30),
        pathways=[animal_science],
    )
    rescue = make_partner(
        name="Sonoma Coast Wildlife Rescue", sector_code="agriculture", insurance_expiry=_days(18)
    )
    rescue.city = "Bodega Bay"
    speaker = make_offering(
        partner=rescue,
        kind=ExperienceKind.GUEST_SPEAKER,
        capacity=40,
        title="Careers in wildlife rehabilitation",
        start_date=_days(8),
        pathways=[animal_science],
    )
    speaker.is_virtual = True

    health = make_partner(name="Russian River Health Center", sector_code="health")
    health.city = "Guerneville"
    make_offering(
        partner=health,
        kind=ExperienceKind.JOB_SHADOW,
        capacity=3,
        title="Patient care job shadow",
        start_date=_days(15),
        pathways=[patient_care],
    )
    builders = make_partner(
        name="Bayview Builders", sector_code="building_trades", worksite_agreement_date=None
    )
    builders.city = "Rohnert Park"
    db.session.flush()


@pytest.fixture(scope="session")
def browser_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A Flask app of its own (not the ``app`` fixture's) on a committed database; CSRF on."""
    app = create_app(make_test_config(_browser_database_url(tmp_path_factory)))
    assert app.config["WTF_CSRF_ENABLED"]
    with app.app_context():
        prepare_database(app)
        _seed_accounts()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class _QuietHandler(werkzeug.serving.WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def serving(app: Flask, name: str = "live-server") -> Iterator[str]:
    """Serve ``app`` on a free local port in a daemon thread; yields its base URL and stops
    the server when the block ends."""
    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="session")
def live_server(browser_app: Flask) -> Iterator[str]:
    with serving(browser_app) as url:
        yield url


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """``page.goto("/login")`` goes to the live server."""
    return live_server


@pytest.fixture(autouse=True)
def _reset_login_throttle(browser_app: Flask) -> None:
    """The live server's rate-limit counters are committed rows of the browser database,
    shared by every test."""
    with browser_app.app_context():
        limiter.reset()


def seeded_school() -> School:
    """The seeded school of the signed-in teacher and student (in an app context)."""
    school = db.session.scalar(select(School).where(School.name == SCHOOL))
    assert school is not None
    return school


def seeded_partner(name: str = CLINIC) -> Partner:
    partner = db.session.scalar(select(Partner).where(Partner.name == name))
    assert partner is not None, name
    return partner


def seeded_user(role: str) -> User:
    """The signed-in person of ``role`` (a key of ``ACCOUNTS``)."""
    user = db.session.scalar(select(User).where(User.email == ACCOUNTS[role].email))
    assert user is not None, role
    return user


def enrol(account: Account, school: School, **profile: Any) -> StudentProfile:
    """Another student of ``school`` who signs in as ``account``; a test that makes one
    removes it with ``forget_student``. The caller commits."""
    user = make_user(
        roles={Role.STUDENT}, school=school, email=account.email, full_name=account.full_name
    )
    return make_student(user=user, school=school, **{"grade": 12, **profile})


def forget_student(student_id: int, user_id: int) -> None:
    """Remove a student a test made (after their applications and hours): SQLite does not
    enforce the schema's cascades, so the link rows go first, or a later student or user
    who gets the same id would inherit them. The caller commits."""
    from sqlalchemy import delete

    from wbl.auth.models import User, UserRole
    from wbl.schools.models import class_section_student
    from wbl.students.models import StudentProfile, student_pathway

    db.session.execute(delete(student_pathway).where(student_pathway.c.student_id == student_id))
    db.session.execute(
        delete(class_section_student).where(class_section_student.c.student_id == student_id)
    )
    db.session.execute(delete(StudentProfile).where(StudentProfile.id == student_id))
    db.session.execute(delete(UserRole).where(UserRole.user_id == user_id))
    db.session.execute(delete(User).where(User.id == user_id))


@dataclass(frozen=True)
class Placed:
    """An adult student placed by ``place_at_clinic``: what a journey opens and removes."""

    placement_id: int
    offering_id: int
    student_id: int
    user_id: int


def place_at_clinic(
    account: Account, *, kind: ExperienceKind, title: str, started: int, ends: int
) -> Placed:
    """An adult student of the seeded school (signing in as ``account``) placed at the
    seeded clinic the way it happens: they apply, their teacher approves, the employer
    accepts. The offering started ``started`` days ago and ends in ``ends`` days. Call in an
    app and request context; remove it with ``forget_placed``."""
    from tests.support.builders import pathway
    from tests.support.hour_data import ADULT
    from tests.support.placement_data import STATEMENT
    from wbl.clock import local_today
    from wbl.placements import applications, lifecycle
    from wbl.placements.models import Placement

    today = local_today()
    school = seeded_school()
    student = enrol(account, school, date_of_birth=ADULT)
    offering = make_offering(
        partner=seeded_partner(),
        kind=kind,
        capacity=2,
        title=title,
        start_date=today - timedelta(days=started),
        pathways=[pathway("agriculture.animal_science")],
    )
    offering.end_date = today + timedelta(days=ends)
    db.session.commit()
    application = applications.apply(student.user, offering.id, STATEMENT, share_resume=False)
    applications.teacher_decide(seeded_user("teacher"), application.id, approve=True, comment="")
    lifecycle.employer_decide(seeded_user("employer"), application.id, accept=True, message="")
    placement = db.session.scalar(
        select(Placement).where(Placement.application_id == application.id)
    )
    assert placement is not None
    return Placed(placement.id, offering.id, student.id, student.user_id)


def forget_placed(placed: Placed) -> None:
    """Remove what ``place_at_clinic`` made, with the placement e-mails it sent (after the
    journey's own rows). The caller commits."""
    from sqlalchemy import delete

    from tests.support.placement_data import delete_offerings_with_their_applications
    from wbl.notifications.models import OutboxMessage

    db.session.execute(delete(OutboxMessage).where(OutboxMessage.kind.like("placement_%")))
    delete_offerings_with_their_applications([placed.offering_id])
    forget_student(placed.student_id, placed.user_id)
