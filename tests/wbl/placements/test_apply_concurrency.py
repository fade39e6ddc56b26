"""One student, one offering, ten applications at the same moment (PostgreSQL, separate
connections, through the real pages).

The partial unique index on active applications lets one insert through; the others wait on
it and are refused. Every refused request must still answer normally — the student is told
they already applied and sent to the application that exists — never a 500 because the
session was left in a failed transaction after the refused insert.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from tests.conftest import csrf_from
from tests.support.builders import make_offering, make_partner, make_school, make_student
from tests.support.placement_data import STATEMENT
from wbl.auth.models import User
from wbl.catalog.models import Offering, Partner
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.placements.models import Application, ApplicationEvent
from wbl.schools.models import District, School
from wbl.students.models import StudentProfile

THREADS = 10


@dataclass
class Made:
    student_user_id: int
    student_id: int
    offering_id: int
    partner_id: int
    school_id: int
    district_id: int
    outbox_before: int


@pytest.fixture
def made(busy_app: Flask, no_isolation: None) -> Iterator[Made]:
    """Committed for real (the threads cannot see a test transaction), removed afterwards."""
    app = busy_app
    with app.app_context():
        outbox_before = db.session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0)))
        school = make_school()
        student = make_student(school=school)
        partner = make_partner()
        offering = make_offering(partner=partner, capacity=3)
        db.session.commit()
        ids = Made(
            student.user_id,
            student.id,
            offering.id,
            partner.id,
            school.id,
            school.district_id,
            outbox_before or 0,
        )
        db.session.remove()
    yield ids
    with app.app_context():
        db.session.rollback()
        applications = select(Application.id).where(Application.offering_id == ids.offering_id)
        db.session.execute(
            delete(ApplicationEvent).where(ApplicationEvent.application_id.in_(applications))
        )
        db.session.execute(delete(Application).where(Application.offering_id == ids.offering_id))
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.id > ids.outbox_before))
        for model, row_id in (
            (Offering, ids.offering_id),
            (Partner, ids.partner_id),
            (StudentProfile, ids.student_id),
            (User, ids.student_user_id),
            (School, ids.school_id),
            (District, ids.district_id),
        ):
            row = db.session.get(model, row_id)
            if row is not None:
                db.session.delete(row)
                db.session.flush()
        db.session.commit()
        db.session.remove()


@pytest.fixture
def no_isolation(busy_app: Flask) -> None:
    """Marks this module's test as committing for real (see conftest's isolation fixture);
    ``made`` cleans up."""


@pytest.mark.postgres_only
def test_ten_simultaneous_applications_make_one_and_no_error(busy_app: Flask, made: Made) -> None:
    app = busy_app
    url = f"/offerings/{made.offering_id}/apply"
    start = threading.Barrier(THREADS)
    answers: list[tuple[int, str, list[tuple[str, str]]]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def apply() -> None:
        try:
            client = app.test_client()
            with client.session_transaction() as session:
                session["_user_id"] = str(made.student_user_id)
                session["_fresh"] = True
            token = csrf_from(client.get(url).get_data(as_text=True))
            start.wait(timeout=30)
            response = client.post(url, data={"statement": STATEMENT, "csrf_token": token})
            with client.session_transaction() as session:
                flashes = list(session.get("_flashes", []))
            with lock:
                answers.append(
                    (response.status_code, response.headers.get("Location", ""), flashes)
                )
        except BaseException as error:  # reported below, never swallowed
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=apply) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert len(answers) == THREADS
    assert Counter(status for status, _, _ in answers) == {302: THREADS}, answers
    with app.app_context():
        application_ids = list(
            db.session.scalars(
                select(Application.id).where(Application.offering_id == made.offering_id)
            )
        )
    assert len(application_ids) == 1
    page = f"/applications/{application_ids[0]}"
    assert all(location.endswith(page) for _, location, _ in answers), answers
    messages = Counter(message for _, _, flashes in answers for _, message in flashes)
    assert messages == {
        "Your application is sent. Your teacher reviews it first.": 1,
        "You have already applied for this opportunity.": THREADS - 1,
    }
