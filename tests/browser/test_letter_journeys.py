"""Letters of recommendation in the browser: a student asks two recommenders; each opens the
link from the outbox, signed out, and uploads a PDF (a renamed executable is refused first,
with its message); the student sees both arrived and never a download link. Every new page
is axe-checked and photographed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import delete

from tests.browser.conftest import (
    Account,
    enrol,
    forget_student,
    seeded_school,
)
from tests.browser.steps import check, letter_upload_path
from tests.browser.test_login_journeys import sign_in
from tests.support.upload_files import EXECUTABLE, pdf_bytes
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.portfolio.models import Recommendation

STUDENT = Account(
    "student", "lena.ortiz@students.srcs.example.org", "Lena Ortiz", "Student", "Hi Lena"
)
RECOMMENDERS = [
    ("Grace Holloway", "grace.holloway@srcs.example.org", "CTE teacher"),
    ("Marcus Bell", "marcus.bell@sunrisevet.example.com", "Internship supervisor"),
]


@dataclass(frozen=True)
class Setup:
    student_id: int
    user_id: int


@pytest.fixture(scope="module")
def setup(browser_app: Flask) -> Iterator[Setup]:
    """A student of her own (no letters yet); removed afterwards with her requests."""
    with browser_app.app_context():
        student = enrol(STUDENT, seeded_school())
        ids = Setup(student.id, student.user_id)
        db.session.commit()
        db.session.remove()
    yield ids
    with browser_app.app_context():
        db.session.execute(
            delete(Recommendation).where(Recommendation.student_id == ids.student_id)
        )
        addresses = [email for _name, email, _note in RECOMMENDERS] + [STUDENT.email]
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.to_email.in_(addresses)))
        forget_student(ids.student_id, ids.user_id)
        db.session.commit()
        db.session.remove()


def test_two_recommenders_upload_and_the_student_sees_only_that(
    page: Page, browser_app: Flask, setup: Setup, tmp_path: Path
) -> None:
    page.goto("/login")
    sign_in(page, STUDENT)
    page.goto("/letters/")
    expect(page.get_by_role("heading", name="Letters of recommendation")).to_be_visible()
    expect(page.get_by_text("0 of 2 received")).to_be_visible()
    check(page, "letters-student-empty")

    page.get_by_label("Recommender's name").fill("Grace Holloway")
    page.get_by_label("Recommender's e-mail").fill("not-an-address")
    page.get_by_label("How they know you").fill("CTE teacher")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Enter a valid e-mail address, like name@example.org.")).to_be_visible()
    check(page, "letters-student-refused")
    for name, email, note in RECOMMENDERS:
        page.get_by_label("Recommender's name").fill(name)
        page.get_by_label("Recommender's e-mail").fill(email)
        page.get_by_label("How they know you").fill(note)
        page.get_by_label("A short message (optional)").fill("Thank you for thinking about it.")
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_text(f"Your request is on its way to {name}.")).to_be_visible()
    expect(page.get_by_text("2 waiting")).to_be_visible()
    check(page, "letters-student-waiting")
    page.get_by_role("button", name="Sign out").click()

    executable = tmp_path / "letter.pdf"
    executable.write_bytes(EXECUTABLE)
    for name, email, _note in RECOMMENDERS:
        letter = tmp_path / f"{name.split()[0]}.pdf"
        letter.write_bytes(pdf_bytes(f"I recommend Lena Ortiz. {name}"))
        page.goto(letter_upload_path(browser_app, email))
        expect(
            page.get_by_role("heading", name=f"A letter of recommendation for {STUDENT.full_name}")
        ).to_be_visible()
        expect(page.get_by_text("Montgomery High School")).to_be_visible()
        if name == RECOMMENDERS[0][0]:
            check(page, "letters-upload")
            page.get_by_role("button", name="Your letter").set_input_files(executable)
            page.get_by_label("I wrote this letter").check()
            page.get_by_role("button", name="Upload the letter").click()
            expect(page.get_by_text("whatever its name says")).to_be_visible()
            check(page, "letters-upload-refused")
        page.get_by_role("button", name="Your letter").set_input_files(letter)
        page.get_by_label("I wrote this letter").check()
        page.get_by_role("button", name="Upload the letter").click()
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
        if name == RECOMMENDERS[0][0]:
            check(page, "letters-upload-done")
            page.reload()  # the link worked once
            expect(
                page.get_by_role(
                    "heading", name="This link has already been used or is no longer needed"
                )
            ).to_be_visible()
            check(page, "letters-upload-used")

    page.goto("/login")
    sign_in(page, STUDENT)
    page.goto("/letters/")
    expect(page.get_by_text("2 of 2 received")).to_be_visible()
    expect(page.get_by_text("Received", exact=True)).to_have_count(2)
    expect(page.locator("a[href*='/file']")).to_have_count(0)
    expect(page.get_by_role("link", name="Download")).to_have_count(0)
    check(page, "letters-student-received")
