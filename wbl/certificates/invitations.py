"""Inviting a student to a panel's slot, and cancelling the invitation, with the calendar
e-mails.

The business rules (DOMAIN.md "Work Ready Certificate": portfolio review, then a work ready
interview before a panel, then the certificate):
- Only students whose portfolio passed the review (a submission with status ``passed``) are
  invited, one slot each within the session; slots do not overlap. A student holding an
  invitation, or who has passed an interview, is not invited again (a student who did not
  pass may be invited to a later panel).
- A panelist never interviews their own student: at invitation, no panelist may be a teacher
  at the student's school or of one of the student's classes, nor a contact of a partner
  the student has (or had) a placement with. (A teacher at the student's school counts: it
  is the same circle that may read the student's records.)
- The student and each panelist get an e-mail with a calendar invitation (.ics); a
  cancelled slot sends a cancellation for the same calendar event.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import url_for
from flask_babel import gettext
from sqlalchemy import exists, select

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.certificates import ics
from wbl.certificates.interviews import AlreadyDecided, get_slot, students_in_scope
from wbl.certificates.models import Interview, InterviewPanel, InterviewStatus
from wbl.certificates.panels import get_panel
from wbl.clock import local_to_utc, local_when, to_local
from wbl.errors import DomainError
from wbl.extensions import atomic, db, lock_row, move_status, utcnow
from wbl.i18n import later
from wbl.notifications.services import Attachment, queue_email
from wbl.placements.models import Placement, PlacementStatus
from wbl.reviews.models import PortfolioSubmission, SubmissionStatus
from wbl.reviews.submitting import passed_submission
from wbl.schools.models import ClassSection, class_section_student
from wbl.scopes import is_staff, partner_ids_of, teaches_at
from wbl.students.models import StudentProfile
from wbl.students.services import sees_student

MIN_SLOT, MAX_SLOT = 10, 120
DEFAULT_SLOT = 20
# Holding one of these, a student is not invited again.
HOLDING = (InterviewStatus.INVITED, InterviewStatus.PASSED)


def invitable_students(actor: User) -> list[StudentProfile]:
    """Students in the actor's scope whose portfolio passed and who hold no invitation and
    have not passed an interview: who may be invited."""
    return students_in_scope(
        actor,
        exists().where(
            PortfolioSubmission.student_id == StudentProfile.id,
            PortfolioSubmission.status == SubmissionStatus.PASSED,
        ),
        ~exists().where(Interview.student_id == StudentProfile.id, Interview.status.in_(HOLDING)),
    )


def conflict(user: User, student: StudentProfile) -> str | None:
    """Why ``user`` may not interview ``student`` (their own teacher or supervisor), or None."""
    if user.has_role(Role.TEACHER):
        if teaches_at(user, student.school_id):
            return "a teacher at the student's school"
        teaches = db.session.scalar(
            select(ClassSection.id)
            .join(
                class_section_student,
                class_section_student.c.class_section_id == ClassSection.id,
            )
            .where(
                ClassSection.teacher_id == user.id,
                class_section_student.c.student_id == student.id,
            )
            .limit(1)
        )
        if teaches is not None:
            return "one of the student's teachers"
    if user.has_role(Role.EMPLOYER):
        supervises = db.session.scalar(
            select(Placement.id)
            .join(Offering, Offering.id == Placement.offering_id)
            .where(
                Placement.student_id == student.id,
                Placement.status != PlacementStatus.CANCELLED,
                Offering.partner_id.in_(partner_ids_of(user)),
            )
            .limit(1)
        )
        if supervises is not None:
            return "a supervisor at a partner where the student was placed"
    return None


def _slot_start(panel: InterviewPanel, start: time, duration_minutes: int) -> datetime:
    if not MIN_SLOT <= duration_minutes <= MAX_SLOT:
        raise DomainError(
            f"Choose an interview length from {MIN_SLOT} to {MAX_SLOT} minutes.",
            field="duration_minutes",
        )
    starts_at = local_to_utc(to_local(panel.starts_at).date(), start)
    session_end = panel.starts_at + timedelta(minutes=panel.duration_minutes)
    if starts_at < panel.starts_at or starts_at + timedelta(minutes=duration_minutes) > (
        session_end
    ):
        raise DomainError(
            "Choose a time within the session "
            f"({local_when(panel.starts_at, panel.duration_minutes)}).",
            field="start",
        )
    if starts_at <= utcnow():
        raise DomainError("That time has passed; choose a later one.", field="start")
    end = starts_at + timedelta(minutes=duration_minutes)
    for other in panel.interviews:
        if other.status is InterviewStatus.CANCELLED:
            continue
        other_end = other.starts_at + timedelta(minutes=other.duration_minutes)
        if other.starts_at < end and starts_at < other_end:
            taken = local_when(other.starts_at, other.duration_minutes)
            raise DomainError(f"That overlaps another interview ({taken}).", field="start")
    return starts_at


@atomic
def invite_student(
    actor: User,
    panel_id: int,
    student_id: int,
    start: time,
    duration_minutes: int = DEFAULT_SLOT,
) -> Interview:
    """Give a student whose portfolio passed a slot on the panel, and send the calendar
    invitations. Needs a request context (the e-mails' links)."""
    panel = get_panel(actor, panel_id)
    found = db.session.get(StudentProfile, student_id)
    if found is None or not sees_student(actor, found):
        raise DomainError("Choose a student from the list.", field="student_id")
    student = lock_row(StudentProfile, student_id)  # two staff inviting at once queue here
    name = student.user.full_name
    submission = passed_submission(student.id)
    if submission is None:
        raise DomainError(f"{name}'s portfolio has not passed the review yet.", field="student_id")
    holding = db.session.scalar(
        select(Interview.status)
        .where(Interview.student_id == student.id, Interview.status.in_(HOLDING))
        .limit(1)
    )
    if holding is InterviewStatus.INVITED:
        raise DomainError(f"{name} is already invited to an interview.", field="student_id")
    if holding is InterviewStatus.PASSED:
        raise DomainError(f"{name} has already passed the interview.", field="student_id")
    for member in panel.members:
        if not member.active:
            raise DomainError(
                f"{member.full_name}'s account is no longer active: this panel cannot take "
                "new interviews.",
                field="student_id",
            )
        reason = conflict(member, student)
        if reason:
            raise DomainError(
                f"{member.full_name} is {reason}: a panelist never interviews their own "
                "student. Choose another panel for this student.",
                field="student_id",
            )
    starts_at = _slot_start(panel, start, duration_minutes)
    earlier = next((i for i in panel.interviews if i.student_id == student.id), None)
    if earlier is not None:
        # Only a cancelled slot can be here (one holding or decided was refused above, and
        # a not-passed student is not invited to the same panel twice).
        if earlier.status is not InterviewStatus.CANCELLED:
            raise DomainError(
                f"{name} has already been interviewed by this panel.", field="student_id"
            )
        if not move_status(
            earlier,
            InterviewStatus.CANCELLED,
            status=InterviewStatus.INVITED,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            submission_id=submission.id,
            decided_at=None,
            decision_note="",
        ):
            raise AlreadyDecided()
        db.session.refresh(earlier)
        interview = earlier
    else:
        interview = Interview(
            panel=panel,
            student=student,
            submission_id=submission.id,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
        )
        db.session.add(interview)
        db.session.flush()
    _send_calendar(interview, "REQUEST")
    db.session.commit()
    return interview


def _where(panel: InterviewPanel) -> str:
    lines = []
    if panel.location:
        lines.append(gettext("Where: %(place)s", place=panel.location))
    if panel.video_url:
        lines.append(gettext("Video link: %(link)s", link=panel.video_url))
    return "\n".join(lines)


def _send_calendar(interview: Interview, method: str) -> None:
    """One e-mail with its own .ics to the student and to each panelist."""
    panel, student = interview.panel, interview.student
    where = _where(panel)
    cancel = method == "CANCEL"
    panelists = ", ".join(m.full_name for m in panel.members)
    student_page = url_for("certificates.student", student_id=student.id, _external=True)
    slot_page = url_for("certificates.slot", interview_id=interview.id, _external=True)
    said = {
        "student": student,
        "when": later(local_when, interview.starts_at, interview.duration_minutes),
        "where": later(_where, panel),  # the e-mail's language; the .ics keeps the page's
        "panelists": panelists,
    }
    description = f"Work ready interview. {where}".strip()
    queue_email(
        kind="interview_cancelled" if cancel else "interview_invitation",
        to=student.user.email,
        template="certificates/interview_invitation",
        context={**said, "cancel": cancel, "page": student_page},
        attachment=Attachment(
            "interview.ics",
            f"text/calendar; method={method}",
            ics.interview_ics(
                interview,
                method=method,
                attendee=ics.Person(student.user.full_name, student.user.email),
                summary="Work ready interview",
                description=description,
                url=student_page,
            ),
        ),
    )
    for member in panel.members:
        queue_email(
            kind="interview_cancelled" if cancel else "interview_invitation",
            to=member.email,
            template="certificates/interview_panelist",
            context={**said, "cancel": cancel, "member": member, "page": slot_page},
            attachment=Attachment(
                "interview.ics",
                f"text/calendar; method={method}",
                ics.interview_ics(
                    interview,
                    method=method,
                    attendee=ics.Person(member.full_name, member.email),
                    summary=f"Work ready interview: {student.user.full_name}",
                    description=description,
                    url=slot_page,
                ),
            ),
        )


@atomic
def cancel_interview(actor: User, interview_id: int) -> Interview:
    """Staff cancel an invitation that is not decided yet; everyone gets a cancellation for
    the calendar event. Needs a request context."""
    interview = get_slot(actor, interview_id)
    require(is_staff(actor) and sees_student(actor, interview.student))
    if not move_status(interview, InterviewStatus.INVITED, status=InterviewStatus.CANCELLED):
        raise AlreadyDecided()
    db.session.refresh(interview)
    _send_calendar(interview, "CANCEL")
    db.session.commit()
    return interview
