"""Test data for the placement workflow: the people around one application, and helpers that
move an application along through the real services (which commit inside the test's
savepoint, as the app does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import delete, select

from tests.support.builders import (
    make_class_section,
    make_employer,
    make_offering,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Offering, Partner
from wbl.county.settings import county
from wbl.extensions import db
from wbl.notifications.models import OutboxMessage
from wbl.placements import applications, lifecycle, training
from wbl.placements.models import Application, TrainingAgreement
from wbl.schools.models import School
from wbl.students.models import StudentProfile

STATEMENT = "I look after our family's animals and want to see how a clinic works."
MINOR_BIRTHDAY = date(2010, 3, 1)


@dataclass
class Cast:
    """A student (a minor unless told otherwise) in a teacher's class, a partner with an
    employer contact and one offering, and county staff."""

    school: School
    teacher: User
    student: StudentProfile
    partner: Partner
    employer: User
    offering: Offering
    staff: User


def make_cast(*, born: date = MINOR_BIRTHDAY, capacity: int = 3) -> Cast:
    school = make_school()
    teacher = make_user(roles={Role.TEACHER}, school=school)
    student = make_student(school=school, date_of_birth=born)
    make_class_section(teacher=teacher, students=[student])
    partner = make_partner()
    partner.street_address, partner.city = "2150 Mendocino Ave", "Santa Rosa"
    employer = make_employer(partner=partner)
    offering = make_offering(partner=partner, capacity=capacity)
    offering.schedule, offering.expected_hours = "Tue and Thu, 3-6 pm", 12
    offering.requirements = "Closed-toe shoes."
    staff = make_user(roles={Role.STAFF})
    db.session.flush()
    return Cast(school, teacher, student, partner, employer, offering, staff)


def applied(cast: Cast, student: StudentProfile | None = None) -> Application:
    student = student or cast.student
    with current_app.test_request_context():
        return applications.apply(student.user, cast.offering.id, STATEMENT, share_resume=True)


def approved(cast: Cast) -> Application:
    application = applied(cast)
    with current_app.test_request_context():
        applications.teacher_decide(cast.teacher, application.id, approve=True, comment="")
    return application


def accepted(cast: Cast) -> Application:
    """Accepted by the employer: a minor's guardian has been e-mailed a consent link."""
    application = approved(cast)
    with current_app.test_request_context():
        lifecycle.employer_decide(cast.employer, application.id, accept=True, message="")
    return application


def consent_link_from_outbox(to: str) -> str:
    """The consent link in the latest guardian e-mail to ``to``."""
    body = db.session.scalar(
        select(OutboxMessage.body_text)
        .where(OutboxMessage.kind == "guardian_consent", OutboxMessage.to_email == to)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    assert body is not None, f"no consent e-mail to {to}"
    return next(line.strip() for line in body.splitlines() if "/consent/" in line)


def delete_offerings_with_their_applications(offering_ids: list[int]) -> None:
    """Browser tests' cleanup of the offerings they created, with every application,
    consent, placement and training agreement made for them (in dependency order: SQLite
    does not enforce ON DELETE CASCADE here, and a later row could reuse an id). The
    caller holds an app context and commits."""
    from wbl.placements.models import (
        AgreementAcknowledgement,
        ApplicationEvent,
        GuardianConsent,
        Placement,
        TrainingAgreement,
    )

    applications = select(Application.id).where(Application.offering_id.in_(offering_ids))
    placements = select(Placement.id).where(Placement.offering_id.in_(offering_ids))
    agreements = select(TrainingAgreement.id).where(TrainingAgreement.placement_id.in_(placements))
    db.session.execute(
        delete(AgreementAcknowledgement).where(
            AgreementAcknowledgement.agreement_id.in_(agreements)
        )
    )
    db.session.execute(delete(TrainingAgreement).where(TrainingAgreement.id.in_(agreements)))
    db.session.execute(delete(Placement).where(Placement.offering_id.in_(offering_ids)))
    db.session.execute(
        delete(GuardianConsent).where(GuardianConsent.application_id.in_(applications))
    )
    db.session.execute(
        delete(ApplicationEvent).where(ApplicationEvent.application_id.in_(applications))
    )
    db.session.execute(delete(Application).where(Application.offering_id.in_(offering_ids)))
    db.session.flush()
    for offering in db.session.scalars(select(Offering).where(Offering.id.in_(offering_ids))):
        db.session.delete(offering)  # through the ORM: its pathway links go too
    db.session.flush()


def agreement_lines(agreement: TrainingAgreement) -> list[str]:
    """Every line of text the agreement's PDF holds, in order, but its footer: the title, the
    county, then each section's heading and lines (as ``training.render_pdf`` sets them)."""
    lines = [training.TITLE, county().name]
    for section in training.agreement_sections(agreement):
        lines.append(section.heading)
        lines.extend(section.lines)
    return lines
