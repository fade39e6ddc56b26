"""The Work Ready Certificate end to end in the browser: a student builds a complete
portfolio (an artifact for every outcome, a resume and a cover letter, two letters uploaded
by their recommenders through the e-mailed links), submits it; staff auto-assign two
reviewers from the pool, who score it; staff set up an interview panel and invite the
student; both panelists pass the interview; staff issue the certificate; and the public
verification page confirms it. Bad files are refused on the way. Pages are axe-checked and
photographed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

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
)
from tests.browser.steps import check, letter_upload_path
from tests.browser.test_login_journeys import sign_in
from tests.support.builders import make_employer, make_partner, make_school, make_user
from tests.support.upload_files import EXECUTABLE, docx_bytes, pdf_bytes
from wbl.access import Role
from wbl.auth.models import User, UserRole
from wbl.catalog.models import Partner, PartnerContact
from wbl.certificates.models import Certificate, Interview, InterviewVote
from wbl.clock import local_today
from wbl.extensions import db, utcnow
from wbl.notifications.models import OutboxMessage
from wbl.portfolio.models import Artifact, PortfolioDocument, Recommendation
from wbl.reference.services import active_outcomes
from wbl.reviews.models import PortfolioSubmission, ReviewerVolunteer
from wbl.schools.models import School

STUDENT = Account("student", "noah.kim@students.srcs.example.org", "Noah Kim", "Student", "Hi Noah")
EDUCATOR = Account("teacher", "ruth.alvarez@phs.example.org", "Ruth Alvarez", "Teacher", "")
MENTOR = Account("employer", "omar.haddad@vinecrest.example.com", "Omar Haddad", "Employer", "")
RECOMMENDERS = [
    ("Grace Holloway", "grace.holloway@srcs.example.org", "CTE teacher"),
    ("Marcus Bell", "marcus.bell@sunrisevet.example.com", "Internship supervisor"),
]


@dataclass(frozen=True)
class Setup:
    student_id: int
    user_id: int
    outcomes: tuple[str, ...]
    reviewer_ids: tuple[int, ...]
    partner_id: int


@pytest.fixture(scope="module")
def setup(browser_app: Flask) -> Iterator[Setup]:
    """A senior with nothing in her portfolio yet, and two volunteers in the reviewer pool:
    a teacher of another school and an employer of an endorsing partner (the student's own
    teachers may not review her)."""
    with browser_app.app_context():
        school = seeded_school()
        student = enrol(STUDENT, school)
        user = student.user
        educator = make_user(
            roles={Role.TEACHER},
            school=db.session.scalar(select(School).where(School.id != school.id).limit(1))
            or make_school(district=school.district),
            email=EDUCATOR.email,
            full_name=EDUCATOR.full_name,
        )
        partner = make_partner(name="Vinecrest Winery")
        partner.endorses_certificate = True
        mentor = make_employer(partner=partner)
        mentor.email, mentor.full_name = MENTOR.email, MENTOR.full_name
        db.session.add_all([ReviewerVolunteer(user=educator), ReviewerVolunteer(user=mentor)])
        outcomes = tuple(o.name for o in active_outcomes())
        ids = Setup(student.id, user.id, outcomes, (educator.id, mentor.id), partner.id)
        db.session.commit()
        db.session.remove()
    yield ids
    with browser_app.app_context():
        _clean_up(ids)
        db.session.commit()
        db.session.remove()


def _clean_up(ids: Setup) -> None:
    certificates = select(Certificate.id).where(Certificate.student_id == ids.student_id)
    db.session.execute(delete(Certificate).where(Certificate.id.in_(certificates)))
    interviews = select(Interview.id).where(Interview.student_id == ids.student_id)
    panels = [
        i.panel for i in db.session.scalars(select(Interview).where(Interview.id.in_(interviews)))
    ]
    db.session.execute(delete(InterviewVote).where(InterviewVote.interview_id.in_(interviews)))
    db.session.execute(delete(Interview).where(Interview.student_id == ids.student_id))
    for panel in panels:
        db.session.delete(panel)
    for submission in db.session.scalars(
        select(PortfolioSubmission).where(PortfolioSubmission.student_id == ids.student_id)
    ):
        db.session.delete(submission)
    for artifact in db.session.scalars(
        select(Artifact).where(Artifact.student_id == ids.student_id)
    ):
        db.session.delete(artifact)
    for model in (PortfolioDocument, Recommendation):
        db.session.execute(delete(model).where(model.student_id == ids.student_id))
    db.session.flush()
    db.session.execute(
        delete(ReviewerVolunteer).where(ReviewerVolunteer.user_id.in_(ids.reviewer_ids))
    )
    db.session.execute(delete(PartnerContact).where(PartnerContact.partner_id == ids.partner_id))
    db.session.execute(delete(Partner).where(Partner.id == ids.partner_id))
    for user_id in ids.reviewer_ids:
        db.session.execute(delete(UserRole).where(UserRole.user_id == user_id))
        db.session.execute(delete(User).where(User.id == user_id))
    db.session.execute(delete(OutboxMessage))
    forget_student(ids.student_id, ids.user_id)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("E-mail")).to_be_visible()


def certificate_code(browser_app: Flask, student_id: int) -> str:
    with browser_app.app_context():
        code = db.session.scalar(
            select(Certificate.code).where(Certificate.student_id == student_id)
        )
        db.session.remove()
    assert code is not None
    return code


def build_portfolio(page: Page, browser_app: Flask, setup: Setup, tmp_path: Path) -> None:
    page.goto("/login")
    sign_in(page, STUDENT)
    page.goto("/portfolio/artifacts/new")
    page.get_by_label("Title").fill("Tasting room project")
    page.get_by_role("textbox", name="The artifact").fill(
        "I planned and ran a tasting-room survey with two classmates and presented the results."
    )
    for name in setup.outcomes:
        page.get_by_role("checkbox", name=name, exact=True).check()
        page.get_by_role("textbox", name=f"How it shows “{name}”").fill(
            f"The survey project shows {name.lower()}."
        )
    page.get_by_role("button", name="Save and mark ready").click()
    expect(page.get_by_text("ready", exact=False).first).to_be_visible()

    executable = tmp_path / "resume.pdf"
    executable.write_bytes(EXECUTABLE)
    resume = tmp_path / "Noah Kim resume.pdf"
    resume.write_bytes(pdf_bytes("Noah Kim - resume"))
    letter = tmp_path / "cover letter.docx"
    letter.write_bytes(docx_bytes("Dear panel"))
    page.goto("/portfolio/documents")
    resume_form = page.locator("form").filter(
        has=page.get_by_role("button", name="Upload my resume")
    )
    resume_form.locator("input[type=file]").set_input_files(executable)
    resume_form.get_by_role("button", name="Upload my resume").click()
    expect(page.get_by_text("whatever its name says")).to_be_visible()
    check(page, "work-ready-documents-refused")
    resume_form = page.locator("form").filter(
        has=page.get_by_role("button", name="Upload my resume")
    )
    resume_form.locator("input[type=file]").set_input_files(resume)
    resume_form.get_by_role("button", name="Upload my resume").click()
    cover_form = page.locator("form").filter(
        has=page.get_by_role("button", name="Upload my cover letter")
    )
    cover_form.locator("input[type=file]").set_input_files(letter)
    cover_form.get_by_role("button", name="Upload my cover letter").click()
    expect(page.get_by_role("button", name="Replace my cover letter")).to_be_visible()

    page.goto("/letters/")
    for name, email, note in RECOMMENDERS:
        page.get_by_label("Recommender's name").fill(name)
        page.get_by_label("Recommender's e-mail").fill(email)
        page.get_by_label("How they know you").fill(note)
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_text(f"Your request is on its way to {name}.")).to_be_visible()
    sign_out(page)
    for name, email, _note in RECOMMENDERS:
        file = tmp_path / f"{name.split()[0]}.pdf"
        file.write_bytes(pdf_bytes(f"I recommend Noah Kim. {name}"))
        page.goto(letter_upload_path(browser_app, email))
        page.get_by_role("button", name="Your letter").set_input_files(file)
        page.get_by_label("I wrote this letter").check()
        page.get_by_role("button", name="Upload the letter").click()
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()


def test_portfolio_to_verified_certificate(
    page: Page, browser_app: Flask, setup: Setup, tmp_path: Path
) -> None:
    build_portfolio(page, browser_app, setup, tmp_path)

    # The student sees nothing missing, and submits.
    page.goto("/login")
    sign_in(page, STUDENT)
    page.goto("/portfolio/progress")
    check(page, "work-ready-progress")
    page.goto("/reviews/submit")
    page.get_by_role("button", name="Submit my portfolio").click()
    expect(page.get_by_text("submitted", exact=False).first).to_be_visible()
    sign_out(page)

    # Staff auto-assign two reviewers from the pool.
    sign_in(page, ACCOUNTS["staff"])
    page.goto("/reviews/submissions")
    page.get_by_role("link", name=STUDENT.full_name).first.click()
    page.get_by_role("button", name="Auto-assign").click()
    expect(page.get_by_text(EDUCATOR.full_name).first).to_be_visible()
    expect(page.get_by_text(MENTOR.full_name).first).to_be_visible()
    check(page, "work-ready-submission-staff")
    sign_out(page)

    # Both reviewers score every outcome Proficient or above.
    for reviewer in (EDUCATOR, MENTOR):
        sign_in(page, reviewer)
        page.goto("/reviews/assignments")
        page.get_by_role("link", name=STUDENT.full_name).first.click()
        for name in setup.outcomes:
            page.get_by_role("radiogroup", name=name).or_(
                page.get_by_role("group", name=name)
            ).first.get_by_label("3 Proficient").check()
        if reviewer is EDUCATOR:
            check(page, "work-ready-scoring")
        page.get_by_role("button", name="Send my scores").click()
        expect(page.get_by_text("scores", exact=False).first).to_be_visible()
        sign_out(page)

    # Staff set up a panel of the two volunteers and invite the student.
    sign_in(page, ACCOUNTS["staff"])
    page.goto("/interviews/new")
    with browser_app.app_context():
        day = (local_today() + timedelta(days=7)).isoformat()
    page.get_by_label("Date").fill(day)
    page.get_by_label("Start time").fill("15:00")
    page.get_by_label("Place").or_(page.get_by_label("Location")).first.fill(
        "County office, room 4"
    )
    page.get_by_label("Panelist 1").select_option(label=f"{EDUCATOR.full_name} (Teacher)")
    page.get_by_label("Panelist 2").select_option(label=f"{MENTOR.full_name} (Employer)")
    page.get_by_role("button", name="Create the panel").click()
    page.get_by_role("combobox", name="Student").select_option(
        label=f"{STUDENT.full_name} (Montgomery High School)"
    )
    page.get_by_label("Interview time").fill("15:20")
    page.get_by_role("button", name="Invite and send the calendar invitations").click()
    expect(page.get_by_text(STUDENT.full_name).first).to_be_visible()
    check(page, "work-ready-panel")
    sign_out(page)

    # The day of the interview comes (panelists record decisions only once it has started).
    with browser_app.app_context():
        interview = db.session.scalar(
            select(Interview).where(Interview.student_id == setup.student_id)
        )
        assert interview is not None
        interview.starts_at = utcnow() - timedelta(minutes=30)
        db.session.commit()
        db.session.remove()

    # Both panelists record their levels and pass the interview.
    for panelist in (EDUCATOR, MENTOR):
        sign_in(page, panelist)
        page.goto("/interviews/mine")
        page.get_by_role("link", name=STUDENT.full_name).first.click()
        for name in setup.outcomes:
            page.get_by_role("radiogroup", name=name).or_(
                page.get_by_role("group", name=name)
            ).first.get_by_label("3 Proficient").check()
        page.get_by_label("Pass", exact=True).check()
        if panelist is EDUCATOR:
            check(page, "work-ready-interview-vote")
        page.get_by_role("button", name="Send my levels and decision").click()
        sign_out(page)

    # Staff issue the certificate.
    sign_in(page, ACCOUNTS["staff"])
    page.goto("/certificates")
    page.get_by_role("link", name="Review and issue").first.click()
    page.get_by_role("button", name="Issue certificate").click()
    expect(page.get_by_role("link", name="Signed badge (JWT)")).to_be_visible()
    check(page, "work-ready-issued")
    sign_out(page)

    # Anyone can verify it, and learns nothing else about the student.
    code = certificate_code(browser_app, setup.student_id)
    page.goto(f"/verify/{code}")
    expect(page.get_by_text(STUDENT.full_name)).to_be_visible()
    expect(page.get_by_text("Valid", exact=False).first).to_be_visible()
    expect(page.get_by_text("Montgomery High School")).to_have_count(0)
    check(page, "work-ready-verify")

    # The student downloads their learner record, then tries to leave everything out.
    page.goto("/login")
    sign_in(page, STUDENT)
    page.goto("/credentials/mine")
    page.get_by_role("link", name="My learner record").click()
    expect(page.get_by_role("heading", name="My learner record")).to_be_visible()
    expect(page.get_by_label("Work Ready Certificate", exact=False)).to_be_checked()
    check(page, "work-ready-learner-record")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my record").click()
    token = download_info.value.path().read_text()
    assert download_info.value.suggested_filename.endswith(".jwt")
    assert token.count(".") == 2  # a compact JWS
    page.get_by_label("Work Ready Certificate", exact=False).uncheck()
    page.get_by_role("button", name="Download my record").click()
    expect(page.get_by_text("Choose at least one thing to put in your record.")).to_be_visible()
    check(page, "work-ready-learner-record-nothing-chosen")
