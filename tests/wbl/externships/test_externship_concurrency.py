"""Never more teachers than seats, under real concurrency (PostgreSQL, separate connections).

Eight staff members (threads, each with its own app context, session and connection) place
eight different teams of two into one externship with seven seats at the same moment. Each
team's seats are taken by one conditional UPDATE, so exactly three teams (six seats) are
placed, the other five are refused with nothing changed, and one seat stays free (a team
of two never fits in it).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import delete, func, select

from tests.support.builders import make_partner, make_school, make_user
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Partner, PartnerContact
from wbl.errors import DomainError
from wbl.extensions import db
from wbl.externships import selection
from wbl.externships.models import (
    Externship,
    ExternshipApplication,
    ExternshipTeam,
    TeacherApplicationStatus,
)
from wbl.notifications.models import OutboxMessage
from wbl.schools.models import District, School

TEAMS = 8
SEATS = 7


@pytest.fixture
def no_isolation(busy_app: Flask) -> Iterator[None]:
    """This test commits for real (threads cannot see a test transaction); it cleans up."""
    app = busy_app
    yield
    with app.app_context():
        db.session.rollback()
        externships = select(Externship.id).where(Externship.title.like("Concurrency %"))
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.kind.like("externship%")))
        db.session.execute(
            delete(ExternshipApplication).where(
                ExternshipApplication.externship_id.in_(externships)
            )
        )
        db.session.execute(
            delete(ExternshipTeam).where(ExternshipTeam.externship_id.in_(externships))
        )
        db.session.execute(delete(Externship).where(Externship.id.in_(externships)))
        partners = select(Partner.id).where(Partner.name.like("Concurrency %"))
        db.session.execute(delete(PartnerContact).where(PartnerContact.partner_id.in_(partners)))
        db.session.execute(delete(Partner).where(Partner.id.in_(partners)))
        db.session.execute(delete(User).where(User.email.like("concurrency-x%")))
        district_ids = list(
            db.session.scalars(select(School.district_id).where(School.name.like("Concurrency X%")))
        )
        db.session.execute(delete(School).where(School.name.like("Concurrency X%")))
        db.session.execute(delete(District).where(District.id.in_(district_ids)))
        db.session.commit()
        db.session.remove()


@pytest.mark.postgres_only
def test_eight_teams_of_two_for_seven_seats(busy_app: Flask, no_isolation: None) -> None:
    app = busy_app
    with app.app_context(), app.test_request_context():
        school = make_school(name="Concurrency X High")
        partner = make_partner(name="Concurrency Winery")
        staff_ids = [
            make_user(roles={Role.STAFF}, email=f"concurrency-xs{n}@x.org").id for n in range(TEAMS)
        ]
        externship = Externship(
            partner=partner,
            title="Concurrency harvest",
            starts_on=date(2031, 7, 1),
            ends_on=date(2031, 7, 20),
            seats=SEATS,
            seats_taken=0,
            min_team_size=2,
            created_by_id=staff_ids[0],
        )
        db.session.add(externship)
        db.session.flush()
        teams: list[list[int]] = []
        for n in range(TEAMS):
            pair = []
            for m in range(2):
                teacher = make_user(
                    roles={Role.TEACHER}, school=school, email=f"concurrency-xt{n}-{m}@x.org"
                )
                application = ExternshipApplication(
                    externship_id=externship.id, teacher_id=teacher.id, statement="I teach."
                )
                db.session.add(application)
                db.session.flush()
                pair.append(application.id)
            teams.append(pair)
        db.session.commit()
        externship_id = externship.id

    start = threading.Barrier(TEAMS)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def place(staff_id: int, pair: list[int]) -> None:
        try:
            with app.app_context(), app.test_request_context():
                actor = db.session.get(User, staff_id)
                assert actor is not None
                start.wait(timeout=30)
                try:
                    selection.place_team(actor, externship_id, pair)
                    outcome = "placed"
                except DomainError as refusal:
                    outcome = "refused" if "Not enough seats" in refusal.message else str(refusal)
                with lock:
                    outcomes.append(outcome)
                db.session.remove()
        except BaseException as error:  # reported below, never swallowed
            with lock:
                errors.append(error)

    threads = [
        threading.Thread(target=place, args=(staff_id, pair))
        for staff_id, pair in zip(staff_ids, teams, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert Counter(outcomes) == {"placed": SEATS // 2, "refused": TEAMS - SEATS // 2}
    with app.app_context():
        placed = db.session.scalar(
            select(func.count(ExternshipApplication.id)).where(
                ExternshipApplication.externship_id == externship_id,
                ExternshipApplication.status == TeacherApplicationStatus.PLACED,
            )
        )
        team_count = db.session.scalar(
            select(func.count(ExternshipTeam.id)).where(
                ExternshipTeam.externship_id == externship_id
            )
        )
        seats_taken = db.session.scalar(
            select(Externship.seats_taken).where(Externship.id == externship_id)
        )
        assert (placed, team_count, seats_taken) == (6, 3, 6)
