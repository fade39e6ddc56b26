"""Issuing, reading, verifying and revoking Work Ready Certificates.

The business rules (issue 7, DOMAIN.md "Work Ready Certificate"):
- A student is eligible when their portfolio passed the review (a submission with status
  ``passed``) and they passed a work ready interview. Staff whose scope holds the student
  issue the certificate; the student is e-mailed.
- A student holds at most one valid (not revoked) certificate at a time: the student's row
  is locked while issuing, so a double click or two staff members issue one certificate.
- What a certificate says is kept as issued: the student's name and the names of the
  outcomes it attests, so a later rename changes nothing already issued.
- Its code is random (``secrets.token_urlsafe``: 24 URL-safe characters, 144 bits), so the
  public page ``/verify/<code>`` cannot be walked to list students.
- Who sees it: the student, teachers at the student's school and staff in scope (the rule
  for a student's records, ``students.services.sees_student``). Everyone else: not found.
- Staff revoke a certificate with a reason (conditional on it not being revoked already);
  the verification page then says it was revoked and when, never why: the reason may be
  private to the student. A revoked certificate's PDF and badge are no longer served (410).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import exists, select, update
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.certificates import keys
from wbl.certificates.interviews import student_interviews, students_in_scope
from wbl.certificates.models import Certificate, Interview, InterviewStatus
from wbl.clock import to_local
from wbl.county.settings import county
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, lock_row, rows_affected, utcnow
from wbl.i18n import N_, later, long_day
from wbl.notifications.services import queue_email
from wbl.pagination import paginate
from wbl.reference.services import active_outcomes
from wbl.reviews.models import PortfolioSubmission
from wbl.reviews.submitting import passed_submission
from wbl.schools.models import School
from wbl.scopes import in_staff_district, is_staff
from wbl.students.models import StudentProfile
from wbl.students.services import get_student, sees_student

TITLE = N_("Work Ready Certificate")
CODE_BYTES = 18  # 24 URL-safe characters
MAX_REASON = 1000
CERTIFICATES_PER_PAGE = 25


class Revoked(DomainError):
    """The certificate was revoked: its PDF and badge are gone (HTTP 410)."""

    message = "This certificate was revoked, so it can no longer be downloaded."


class AlreadyRevoked(DomainError):
    message = "This certificate has already been revoked; nothing was changed."


@dataclass(slots=True)
class Eligibility:
    submission: PortfolioSubmission | None
    interview: Interview | None  # the passed one
    certificate: Certificate | None  # the valid one, if issued
    missing: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.missing


@dataclass(slots=True)
class StudentCertificates:
    student: StudentProfile
    eligibility: Eligibility
    certificates: list[Certificate]  # every one issued, the latest first
    interviews: list[Interview]


def issue_date(certificate: Certificate) -> str:
    """The day it was issued, in the county: "November 24, 2026"."""
    return long_day(to_local(certificate.issued_at).date())


def revoke_date(certificate: Certificate) -> str:
    if certificate.revoked_at is None:
        return ""
    day = to_local(certificate.revoked_at).date()
    return f"{day:%B} {day.day}, {day.year}"


def verify_url(certificate: Certificate) -> str:
    """The certificate's public page, on the county's base URL (the credential's id and the
    PDF's QR code: never the host a request happened to use)."""
    return county().url("certificates.verify", code=certificate.code)


def _valid_certificate(student_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.student_id == student_id, Certificate.revoked_at.is_(None))
        .limit(1)
    )


def _passed_interview(student_id: int) -> Interview | None:
    return db.session.scalar(
        select(Interview)
        .where(Interview.student_id == student_id, Interview.status == InterviewStatus.PASSED)
        .order_by(Interview.decided_at.desc(), Interview.id.desc())
        .limit(1)
    )


def eligibility(student_id: int) -> Eligibility:
    """What the student has towards the certificate, and what is missing."""
    found = Eligibility(
        submission=passed_submission(student_id),
        interview=_passed_interview(student_id),
        certificate=_valid_certificate(student_id),
    )
    if found.submission is None:
        found.missing.append(gettext("The portfolio has not passed the review yet."))
    if found.interview is None:
        found.missing.append(gettext("The work ready interview has not been passed yet."))
    return found


def student_certificates(actor: User, student_id: int) -> StudentCertificates:
    """The student's certificate page, for whoever may see the student's records."""
    student = get_student(actor, student_id)
    certificates = list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.student_id == student.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )
    return StudentCertificates(
        student=student,
        eligibility=eligibility(student.id),
        certificates=certificates,
        interviews=student_interviews(student.id),
    )


def own_student_id(actor: User) -> int:
    require(actor.has_role(Role.STUDENT))
    student_id = db.session.scalar(
        select(StudentProfile.id).where(StudentProfile.user_id == actor.id)
    )
    if student_id is None:
        raise NotFound("Your student profile has not been set up yet. Ask your teacher.")
    return student_id


def get_certificate(actor: User, certificate_id: int) -> Certificate:
    """A certificate of a student the actor may see; anything else is not found."""
    certificate = db.session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .options(
            selectinload(Certificate.student).options(
                selectinload(StudentProfile.user), selectinload(StudentProfile.school)
            )
        )
    )
    if certificate is None or not sees_student(actor, certificate.student):
        raise NotFound()
    return certificate


def downloadable(actor: User, certificate_id: int) -> Certificate:
    """The PDF: the student, teachers of the school, staff in scope; not once revoked."""
    certificate = get_certificate(actor, certificate_id)
    if certificate.revoked_at is not None:
        raise Revoked()
    return certificate


def badge_certificate(actor: User, certificate_id: int) -> Certificate:
    """The badge is the student's own credential: the student and staff in scope."""
    certificate = get_certificate(actor, certificate_id)
    require(is_staff(actor) or certificate.student.user_id == actor.id)
    if certificate.revoked_at is not None:
        raise Revoked()
    return certificate


def by_code(code: str) -> Certificate | None:
    """The public verification: the certificate with this code, or None."""
    if not code or len(code) > 64:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def ready_to_issue(actor: User) -> list[StudentProfile]:
    """Students in scope who passed portfolio and interview and hold no valid certificate."""
    return students_in_scope(
        actor,
        exists().where(
            Interview.student_id == StudentProfile.id,
            Interview.status == InterviewStatus.PASSED,
        ),
        ~exists().where(
            Certificate.student_id == StudentProfile.id, Certificate.revoked_at.is_(None)
        ),
    )


def certificate_page(actor: User, page: int) -> Pagination:
    """Issued certificates in the actor's scope, the latest first."""
    require(is_staff(actor))
    statement = (
        select(Certificate)
        .join(StudentProfile, StudentProfile.id == Certificate.student_id)
        .join(School, School.id == StudentProfile.school_id)
        .where(in_staff_district(actor, School.district_id))
        .options(selectinload(Certificate.student).selectinload(StudentProfile.school))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    return paginate(statement, page=page, per_page=CERTIFICATES_PER_PAGE)


# --- use cases -----------------------------------------------------------------------------


@atomic
def issue_certificate(actor: User, student_id: int) -> Certificate:
    """Staff issue the certificate to an eligible student (one valid certificate at a time).
    Needs a request context (the e-mail's links)."""
    student = get_student(actor, student_id)
    require(is_staff(actor))
    # The credential must be signable before anything is issued (production: a clear
    # message when the key is not configured).
    keys.signing_key()
    lock_row(StudentProfile, student.id)  # two staff issuing at once: one certificate
    found = eligibility(student.id)
    if found.certificate is not None:
        raise DomainError(
            f"{student.user.full_name} already holds a valid certificate "
            f"(issued {issue_date(found.certificate)}). Revoke it first to issue a new one."
        )
    submission, interview = found.submission, found.interview
    if submission is None or interview is None:
        raise DomainError(" ".join(found.missing))
    certificate = Certificate(
        code=secrets.token_urlsafe(CODE_BYTES),
        student_id=student.id,
        submission_id=submission.id,
        interview_id=interview.id,
        student_name=student.user.full_name,
        outcomes=[outcome.name for outcome in active_outcomes()],
        issued_by_id=actor.id,
    )
    db.session.add(certificate)
    db.session.flush()
    page = url_for("certificates.student", student_id=student.id, _external=True)
    queue_email(
        kind="certificate_issued",
        to=student.user.email,
        template="certificates/issued",
        context={
            "student": student,
            "title": TITLE,
            "page": page,
            "verify": verify_url(certificate),
        },
    )
    db.session.commit()
    return certificate


@atomic
def revoke_certificate(actor: User, certificate_id: int, reason: str) -> Certificate:
    """Staff revoke a certificate, saying why (kept for staff; never shown publicly).
    Needs a request context (the e-mail's link)."""
    certificate = get_certificate(actor, certificate_id)
    require(is_staff(actor))
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the certificate is revoked.", field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(f"Keep the reason under {MAX_REASON} characters.", field="reason")
    changed = rows_affected(
        db.session.execute(
            update(Certificate)
            .where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoked_by_id=actor.id, revoke_reason=reason)
            .execution_options(synchronize_session=False)
        )
    )
    if changed != 1:
        raise AlreadyRevoked()
    db.session.refresh(certificate)
    student = certificate.student
    queue_email(
        kind="certificate_revoked",
        to=student.user.email,
        template="certificates/revoked",
        context={
            "student": student,
            "title": later(gettext, TITLE),
            "issued": later(issue_date, certificate),
            "reason": reason,
            "page": url_for("certificates.student", student_id=student.id, _external=True),
        },
    )
    db.session.commit()
    return certificate
