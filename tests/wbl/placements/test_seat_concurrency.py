"""Never more students than seats, under real concurrency (PostgreSQL, separate connections).

Twenty threads, each with its own app context, session and connection, accept twenty
approved applications for one offering with five seats at the same moment. The seat is
taken by a conditional UPDATE inside each transaction, so exactly five are placed and the
other fifteen are told there is no seat left and wait on the waitlist.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from tests.support.builders import (
    make_employer,
    make_offering,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Offering, Partner, PartnerContact
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.placements import lifecycle
from wbl.placements.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Placement,
)
from wbl.schools.models import District, School
from wbl.students.models import StudentProfile, student_pathway

THREADS = 20
SEATS = 5


@pytest.fixture
def no_isolation(busy_app: Flask) -> Iterator[None]:
    """This test commits for real (threads cannot see a test transaction); it cleans up."""
    app = busy_app
    yield
    with app.app_context():
        db.session.rollback()
        for table in (ApplicationEvent, Placement, Application, OutboxMessage):
            db.session.execute(delete(table))
        db.session.execute(delete(Offering).where(Offering.title.like("Concurrency %")))
        partners = select(Partner.id).where(Partner.name.like("Concurrency %"))
        db.session.execute(delete(PartnerContact).where(PartnerContact.partner_id.in_(partners)))
        db.session.execute(delete(Partner).where(Partner.id.in_(partners)))
        students = select(StudentProfile.id).where(StudentProfile.interests == "concurrency")
        db.session.execute(
            delete(student_pathway).where(student_pathway.c.student_id.in_(students))
        )
        db.session.execute(delete(StudentProfile).where(StudentProfile.interests == "concurrency"))
        db.session.execute(delete(User).where(User.email.like("concurrency-%")))
        schools = select(School.id).where(School.name.like("Concurrency %"))
        districts = select(School.district_id).where(School.name.like("Concurrency %"))
        district_ids = list(db.session.scalars(districts))
        db.session.execute(delete(School).where(School.id.in_(schools)))
        db.session.execute(delete(District).where(District.id.in_(district_ids)))
        db.session.commit()
        db.session.remove()


@pytest.mark.postgres_only
def test_twenty_acceptances_for_five_seats(busy_app: Flask, no_isolation: None) -> None:
    app = busy_app
    with app.app_context(), app.test_request_context():
        school = make_school(name="Concurrency High")
        teacher = make_user(roles={Role.TEACHER}, school=school, email="concurrency-t@x.org")
        partner = make_partner(name="Concurrency Clinic")
        employer = make_employer(partner=partner)
        employer.email = "concurrency-e@x.org"
        offering = make_offering(partner=partner, capacity=SEATS, title="Concurrency shadow")
        application_ids = []
        for n in range(THREADS):
            user = make_user(roles={Role.STUDENT}, school=school, email=f"concurrency-s{n}@x.org")
            student = make_student(school=school, user=user, date_of_birth=date(2007, 1, 1))
            student.interests = "concurrency"
            application = Application(
                student_id=student.id,
                offering_id=offering.id,
                statement="I would love to learn how a clinic works.",
                status=ApplicationStatus.APPROVED,
            )
            db.session.add(application)
            db.session.flush()
            application_ids.append(application.id)
        db.session.commit()
        employer_id, offering_id = employer.id, offering.id
        assert teacher.id

    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def accept(application_id: int) -> None:
        try:
            with app.app_context(), app.test_request_context():
                actor = db.session.get(User, employer_id)
                assert actor is not None
                start.wait(timeout=30)
                outcome = lifecycle.employer_decide(actor, application_id, accept=True)
                with lock:
                    outcomes.append(outcome.value)
                db.session.remove()
        except BaseException as error:  # reported below, never swallowed
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=accept, args=(i,)) for i in application_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert Counter(outcomes) == {"placed": SEATS, "waitlisted": THREADS - SEATS}
    with app.app_context():
        placed = db.session.scalar(
            select(func.count(Placement.id)).where(Placement.offering_id == offering_id)
        )
        waiting = db.session.scalar(
            select(func.count(Application.id)).where(
                Application.offering_id == offering_id,
                Application.status == ApplicationStatus.WAITLISTED,
            )
        )
        seats_taken = db.session.scalar(
            select(Offering.seats_taken).where(Offering.id == offering_id)
        )
        assert (placed, waiting, seats_taken) == (SEATS, THREADS - SEATS, SEATS)
        assert lifecycle.NoSeatsLeft.message.startswith("No seats left")
