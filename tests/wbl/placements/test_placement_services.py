"""The placement workflow's rules: who may move an application, seats, consent, waitlist."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.support.builders import (
    make_employer,
    make_offering,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from tests.support.logo_files import png_bytes
from wbl.access import Role
from wbl.catalog.models import Offering, OfferingStatus
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import db, utcnow
from wbl.notifications.models import OutboxMessage
from wbl.placements import applications, consent_answers, lifecycle
from wbl.placements.consent import UsedLink, read_consent_link
from wbl.placements.lifecycle import Outcome
from wbl.placements.models import (
    Application,
    ApplicationStatus,
    ConsentStatus,
    Placement,
    ReadinessRecord,
)
from wbl.reference.models import ExperienceKind, PreparatoryActivity

STATEMENT = "I care for our family's animals and want to learn how a clinic works."


@pytest.fixture(autouse=True)
def _request(app):
    """Services put links in e-mails: they run inside a request, as in the app."""
    with app.test_request_context():
        yield


class World:
    """A school with a student, their teacher, and a partner with an employer and an offering."""

    def __init__(self, *, born: date = date(2010, 3, 1), capacity: int = 3) -> None:
        self.school = make_school()
        self.teacher = make_user(roles={Role.TEACHER}, school=self.school)
        self.student = make_student(school=self.school, date_of_birth=born)
        self.partner = make_partner()
        self.employer = make_employer(partner=self.partner)
        self.offering = make_offering(partner=self.partner, capacity=capacity)
        self.staff = make_user(roles={Role.STAFF})

    def apply(self, student=None) -> Application:
        student = student or self.student
        return applications.apply(student.user, self.offering.id, STATEMENT, share_resume=False)

    def approved(self, student=None) -> Application:
        application = self.apply(student)
        applications.teacher_decide(self.teacher, application.id, approve=True, comment="")
        return application


@pytest.fixture
def world(app) -> World:
    return World()


def _mail_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_email == address)))


def test_the_whole_flow_for_a_minor(world: World) -> None:
    application = world.apply()
    assert application.status is ApplicationStatus.SUBMITTED
    applications.teacher_decide(world.teacher, application.id, approve=True, comment="Good fit")
    assert application.status is ApplicationStatus.APPROVED
    outcome = lifecycle.employer_decide(world.employer, application.id, accept=True)
    assert outcome is Outcome.AWAITING_CONSENT
    assert application.status is ApplicationStatus.ACCEPTED
    assert db.session.get(Offering, world.offering.id).seats_taken == 1
    consent = application.consent
    mail = _mail_to(world.student.guardian_email)
    assert len(mail) == 1
    token = mail[0].body_text.split("/consent/")[1].split()[0]
    found, nonce = read_consent_link(token)
    assert found.id == consent.id
    consent_answers.answer_consent(
        consent.id, nonce, give=True, typed_name="Pat Guardian", ip_address="203.0.113.9"
    )
    assert application.status is ApplicationStatus.PLACED
    assert consent.status is ConsentStatus.GIVEN
    assert (consent.typed_name, consent.ip_address) == ("Pat Guardian", "203.0.113.9")
    assert consent.answered_at is not None
    placement = db.session.scalar(
        select(Placement).where(Placement.application_id == application.id)
    )
    assert placement is not None
    assert placement.supervisor.user_id == world.employer.id
    assert [e.to_status for e in application.events] == [
        "submitted",
        "approved",
        "accepted",
        "placed",
    ]
    with pytest.raises(UsedLink):  # the link works once
        read_consent_link(token)
    assert _mail_to(world.employer.email)  # told of the applicant, then of the placement
    assert any("Placed" in m.subject for m in _mail_to(world.student.user.email))


def test_an_adult_is_placed_when_accepted(app) -> None:
    world = World(born=date(2007, 1, 1))
    application = world.approved()
    assert lifecycle.employer_decide(world.employer, application.id, accept=True) is Outcome.PLACED
    assert application.status is ApplicationStatus.PLACED
    assert application.consent is None


def test_one_active_application_per_offering(world: World) -> None:
    world.apply()
    with pytest.raises(applications.AlreadyApplied):
        world.apply()
    count = db.session.scalar(select(func.count(Application.id)))
    assert count == 1


def test_a_withdrawn_application_can_be_made_again(world: World) -> None:
    first = world.apply()
    lifecycle.withdraw(world.student.user, first.id)
    second = world.apply()
    assert second.id != first.id


@pytest.mark.parametrize(
    ("statement", "field"), [("too short", "statement"), ("x" * 2001, "statement")]
)
def test_the_statement_is_checked(world: World, statement: str, field: str) -> None:
    with pytest.raises(DomainError) as caught:
        applications.apply(world.student.user, world.offering.id, statement, share_resume=False)
    assert caught.value.field == field


def test_missing_preparatory_activities_block_the_application(world: World) -> None:
    survey = db.session.scalar(select(PreparatoryActivity).order_by(PreparatoryActivity.id))
    world.offering.prerequisites = [survey]
    with pytest.raises(DomainError, match=survey.name):
        world.apply()
    db.session.add(
        ReadinessRecord(
            student_id=world.student.id,
            activity_id=survey.id,
            completed_on=date(2026, 9, 1),
            recorded_by_id=world.teacher.id,
        )
    )
    assert world.apply().status is ApplicationStatus.SUBMITTED


@pytest.mark.parametrize(
    "change",
    [
        {"status": OfferingStatus.CLOSED},
        {"kind": ExperienceKind.GUEST_SPEAKER},
        {"application_deadline": date(2020, 1, 1)},
        {"min_grade": 12},
    ],
)
def test_what_cannot_be_applied_for(world: World, change: dict[str, object]) -> None:
    for name, value in change.items():
        setattr(world.offering, name, value)
    db.session.flush()
    with pytest.raises((DomainError, NotFound)):
        world.apply()


def test_only_the_right_people_move_an_application(world: World) -> None:
    application = world.apply()
    other_school_teacher = make_user(roles={Role.TEACHER}, school=make_school())
    with pytest.raises(NotFound):
        applications.teacher_decide(other_school_teacher, application.id, approve=True, comment="")
    with pytest.raises(Forbidden):  # a student cannot approve their own application
        applications.teacher_decide(world.student.user, application.id, approve=True, comment="")
    with pytest.raises(NotFound):  # employers do not see it before the teacher approves
        lifecycle.employer_decide(world.employer, application.id, accept=True)
    applications.teacher_decide(world.teacher, application.id, approve=True, comment="")
    with pytest.raises(NotFound):  # another partner's employer
        lifecycle.employer_decide(make_employer(), application.id, accept=True)
    with pytest.raises(Forbidden):
        lifecycle.employer_decide(world.teacher, application.id, accept=True)


def test_a_decision_counts_once(world: World) -> None:
    application = world.approved()
    lifecycle.employer_decide(world.employer, application.id, accept=True)
    with pytest.raises(applications.AlreadyDecided):
        lifecycle.employer_decide(world.employer, application.id, accept=True)
    assert db.session.get(Offering, world.offering.id).seats_taken == 1


def test_returning_needs_a_comment_and_the_student_can_resubmit(world: World) -> None:
    application = world.apply()
    with pytest.raises(DomainError) as caught:
        applications.teacher_decide(world.teacher, application.id, approve=False, comment=" ")
    assert caught.value.field == "comment"
    applications.teacher_decide(world.teacher, application.id, approve=False, comment="Say why.")
    assert application.status is ApplicationStatus.RETURNED
    applications.resubmit(world.student.user, application.id, STATEMENT + " I volunteer weekly.")
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.statement.endswith("weekly.")


def test_no_seat_left_puts_the_application_on_the_waitlist(app) -> None:
    world = World(born=date(2007, 1, 1), capacity=1)
    first = world.approved()
    other = make_student(school=world.school, date_of_birth=date(2007, 5, 5))
    second = world.approved(other)
    assert lifecycle.employer_decide(world.employer, first.id, accept=True) is Outcome.PLACED
    assert lifecycle.employer_decide(world.employer, second.id, accept=True) is Outcome.WAITLISTED
    assert second.status is ApplicationStatus.WAITLISTED
    assert db.session.get(Offering, world.offering.id).seats_taken == 1
    # A seat frees up: the waitlisted student is offered it (and, as an adult, placed).
    lifecycle.withdraw(world.student.user, first.id)
    assert second.status is ApplicationStatus.PLACED
    assert db.session.get(Offering, world.offering.id).seats_taken == 1
    assert any("A seat opened" in m.subject for m in _mail_to(other.user.email))


def test_a_refusal_releases_the_seat(world: World) -> None:
    application = world.approved()
    lifecycle.employer_decide(world.employer, application.id, accept=True)
    consent = application.consent
    consent_answers.answer_consent(
        consent.id, consent.nonce, give=False, typed_name="", ip_address="x"
    )
    assert application.status is ApplicationStatus.CONSENT_REFUSED
    assert db.session.get(Offering, world.offering.id).seats_taken == 0


def test_a_consent_with_the_wrong_nonce_changes_nothing(world: World) -> None:
    application = world.approved()
    lifecycle.employer_decide(world.employer, application.id, accept=True)
    with pytest.raises(DomainError, match="already been used"):
        consent_answers.answer_consent(
            application.consent.id, "0" * 32, give=True, typed_name="Pat G", ip_address="x"
        )
    assert application.consent.status is ConsentStatus.PENDING
    assert application.status is ApplicationStatus.ACCEPTED


def test_consent_needs_a_typed_name(world: World) -> None:
    application = world.approved()
    lifecycle.employer_decide(world.employer, application.id, accept=True)
    consent = application.consent
    with pytest.raises(DomainError) as caught:
        consent_answers.answer_consent(
            consent.id, consent.nonce, give=True, typed_name=" ", ip_address=""
        )
    assert caught.value.field == "typed_name"
    assert consent.status is ConsentStatus.PENDING


def test_unanswered_consents_expire_and_release_the_seat(world: World) -> None:
    application = world.approved()
    lifecycle.employer_decide(world.employer, application.id, accept=True)
    later = utcnow() + timedelta(days=8)
    assert consent_answers.expire_overdue_consents(later) == 1
    assert application.status is ApplicationStatus.CONSENT_EXPIRED
    assert db.session.get(Offering, world.offering.id).seats_taken == 0
    assert consent_answers.expire_overdue_consents(later) == 0  # idempotent


def test_staff_record_paper_consent_with_a_scan(world: World) -> None:
    application = world.approved()
    lifecycle.employer_decide(world.employer, application.id, accept=True)
    with pytest.raises(DomainError, match="PDF, PNG or JPEG"):
        consent_answers.record_paper_consent(
            world.staff, application.id, guardian_name="Pat Guardian", give=True, scan=b"MZ exe"
        )
    consent_answers.record_paper_consent(
        world.staff, application.id, guardian_name="Pat Guardian", give=True, scan=png_bytes()
    )
    assert application.status is ApplicationStatus.PLACED
    assert application.consent.scan_key is not None
    with pytest.raises(Forbidden):
        consent_answers.record_paper_consent(
            world.teacher, application.id, guardian_name="x y z", give=True, scan=png_bytes()
        )


def test_staff_cancel_with_a_reason_and_the_seat_comes_back(app) -> None:
    world = World(born=date(2007, 1, 1))
    application = world.approved()
    lifecycle.employer_decide(world.employer, application.id, accept=True)
    with pytest.raises(DomainError) as caught:
        lifecycle.cancel(world.staff, application.id, "")
    assert caught.value.field == "reason"
    lifecycle.cancel(world.staff, application.id, "The site closed for renovation.")
    assert application.status is ApplicationStatus.CANCELLED
    assert application.placement.status.value == "cancelled"
    assert db.session.get(Offering, world.offering.id).seats_taken == 0
    assert application.events[-1].note == "The site closed for renovation."


def test_cancelling_after_the_placement_ended_does_not_free_its_seat_again(app) -> None:
    """The seat came back when the placement ended; a later cancellation must not give
    back a second one (that would let the offering overbook)."""
    from wbl.evaluations.services import complete_placement

    world = World(born=date(2007, 1, 1), capacity=2)
    application = world.approved()
    lifecycle.employer_decide(world.employer, application.id, accept=True)
    application.placement.start_date = local_today() - timedelta(days=5)
    db.session.commit()
    other = world.approved(make_student(school=world.school, date_of_birth=date(2007, 1, 1)))
    lifecycle.employer_decide(world.employer, other.id, accept=True)
    assert db.session.get(Offering, world.offering.id).seats_taken == 2
    complete_placement(world.employer, application.placement.id)
    assert db.session.get(Offering, world.offering.id).seats_taken == 1
    lifecycle.cancel(world.staff, application.id, "Entered in error.")
    assert db.session.get(Offering, world.offering.id).seats_taken == 1
    assert application.placement.status.value == "completed"


def test_district_staff_do_not_see_other_districts(world: World) -> None:
    application = world.apply()
    outsider = make_user(roles={Role.STAFF}, district=make_school().district)
    with pytest.raises(NotFound):
        applications.get_application(outsider, application.id)


def test_the_expiry_command_releases_overdue_seats(app, world: World) -> None:
    application = world.approved()
    lifecycle.employer_decide(world.employer, application.id, accept=True)
    application.consent.due_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["placements", "expire-consents"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 consent request(s) expired")
    assert application.status is ApplicationStatus.CONSENT_EXPIRED
