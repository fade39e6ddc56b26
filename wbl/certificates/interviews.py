"""The work ready interview: staff schedule panels and invite students; panelists vote.

The business rules (DOMAIN.md "Work Ready Certificate": portfolio review, then a work ready
interview before a panel, then the certificate):
- A panel is a session (a county-local date, time and length) at a place or on a video link
  (http or https only), with two or three panelists: employers or educators, i.e. any active
  user with the employer, teacher or staff role.
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
- Each panelist records a level per active Portrait of a Graduate outcome (the scoring
  guide's levels) with an optional comment, and a decision, pass or not. A vote is final.
  When every panelist has voted, the interview is decided by majority: it passes when more
  than half of the votes say pass, so a tie (one of two) does not pass. The student and
  staff are told.

Status changes are conditional UPDATEs (``invited`` -> ``passed``/``not_passed``/
``cancelled``): a double click or two panelists voting at once decide an interview once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import current_app, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User, UserRole
from wbl.catalog.models import Offering
from wbl.certificates import ics
from wbl.certificates.models import (
    Interview,
    InterviewPanel,
    InterviewStatus,
    InterviewVote,
    panel_member,
)
from wbl.certificates.policies import is_panelist
from wbl.clock import local_to_utc, local_when, to_local
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, lock_row, move_status, utcnow
from wbl.notifications.services import Attachment, queue_email
from wbl.pagination import paginate
from wbl.placements.models import Placement, PlacementStatus
from wbl.reference.services import active_outcomes
from wbl.reviews.models import PortfolioSubmission, ScoringLevel, SubmissionStatus
from wbl.reviews.submitting import passed_submission
from wbl.schools.models import ClassSection, School, class_section_student
from wbl.scopes import in_staff_district, is_staff, partner_ids_of, teaches_at
from wbl.students.models import StudentProfile
from wbl.students.services import sees_student

if TYPE_CHECKING:
    # what ``selectinload`` returns and ``.options`` takes; SQLAlchemy exports no public name
    from sqlalchemy.orm.strategy_options import _AbstractLoad

MIN_PANELISTS, MAX_PANELISTS = 2, 3
PANELIST_ROLES = (Role.EMPLOYER, Role.TEACHER, Role.STAFF)
MIN_SESSION, MAX_SESSION = 15, 8 * 60
MIN_SLOT, MAX_SLOT = 10, 120
DEFAULT_SLOT = 20
MAX_LOCATION = 200
MAX_URL = 500
MAX_NOTES = 2000
MAX_COMMENT = 1000
PANELS_PER_PAGE = 25
# Holding one of these, a student is not invited again.
HOLDING = (InterviewStatus.INVITED, InterviewStatus.PASSED)


class AlreadyDecided(DomainError):
    message = "This interview has already been decided or cancelled; nothing was changed."


@dataclass(frozen=True, slots=True)
class PanelInput:
    day: date
    start: time
    duration_minutes: int
    location: str
    video_url: str
    notes: str
    member_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class OutcomeScore:
    rank: int | None
    comment: str = ""


@dataclass(frozen=True, slots=True)
class VoteInput:
    scores: Mapping[int, OutcomeScore]  # by outcome id
    passed: bool | None
    comment: str = ""


# --- reading -------------------------------------------------------------------------------


def panelist_candidates() -> list[User]:
    """Active employers, teachers and staff, by name (who may sit on a panel)."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active.is_(True),
                exists().where(UserRole.user_id == User.id, UserRole.role.in_(PANELIST_ROLES)),
            )
            .order_by(User.full_name, User.id)
        )
    )


def panel_page(actor: User, page: int) -> Pagination:
    """Panels, the latest session first, with their panelists and interviews loaded."""
    require(is_staff(actor))
    statement = (
        select(InterviewPanel)
        .options(
            selectinload(InterviewPanel.members),
            selectinload(InterviewPanel.interviews),
        )
        .order_by(InterviewPanel.starts_at.desc(), InterviewPanel.id.desc())
    )
    return paginate(statement, page=page, per_page=PANELS_PER_PAGE)


def _interview_options() -> tuple[_AbstractLoad, ...]:
    return (
        selectinload(Interview.student).options(
            selectinload(StudentProfile.user),
            selectinload(StudentProfile.school).selectinload(School.district),
        ),
        selectinload(Interview.votes).selectinload(InterviewVote.panelist),
    )


def get_panel(actor: User, panel_id: int) -> InterviewPanel:
    """A panel, for staff (panels are the county program's; the students on it are shown
    to each staff member by their own scope, see ``visible_interviews``)."""
    require(is_staff(actor))
    panel = db.session.scalar(
        select(InterviewPanel)
        .where(InterviewPanel.id == panel_id)
        .options(
            selectinload(InterviewPanel.members),
            selectinload(InterviewPanel.interviews).options(*_interview_options()),
        )
    )
    if panel is None:
        raise NotFound()
    return panel


def visible_interviews(actor: User, panel: InterviewPanel) -> tuple[list[Interview], int]:
    """The panel's interviews of students the actor sees, and how many others there are."""
    shown = [i for i in panel.interviews if sees_student(actor, i.student)]
    return shown, len(panel.interviews) - len(shown)


def students_in_scope(actor: User, *conditions: ColumnElement[bool]) -> list[StudentProfile]:
    """Students of the staff member's district (county staff: all) that meet ``conditions``,
    by name."""
    require(is_staff(actor))
    statement = (
        select(StudentProfile)
        .join(School, School.id == StudentProfile.school_id)
        .join(User, User.id == StudentProfile.user_id)
        .where(in_staff_district(actor, School.district_id), *conditions)
        .options(selectinload(StudentProfile.user), selectinload(StudentProfile.school))
        .order_by(User.full_name, StudentProfile.id)
    )
    return list(db.session.scalars(statement))


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


def _slot_query() -> Select[Interview]:
    return select(Interview).options(
        selectinload(Interview.panel).selectinload(InterviewPanel.members),
        *_interview_options(),
    )


def get_slot(actor: User, interview_id: int) -> Interview:
    """An interview for one of its panelists or for staff who see the student."""
    interview = db.session.scalar(_slot_query().where(Interview.id == interview_id))
    if interview is None or not (
        is_panelist(actor, interview.panel)
        or (is_staff(actor) and sees_student(actor, interview.student))
    ):
        raise NotFound()
    return interview


def my_interviews(actor: User) -> list[Interview]:
    """The interviews on panels the actor sits on (cancelled ones left out), soonest first."""
    return list(
        db.session.scalars(
            _slot_query()
            .join(panel_member, panel_member.c.panel_id == Interview.panel_id)
            .where(
                panel_member.c.user_id == actor.id,
                Interview.status != InterviewStatus.CANCELLED,
            )
            .order_by(Interview.starts_at, Interview.id)
        )
    )


def student_interviews(student_id: int) -> list[Interview]:
    """A student's interviews, the latest first (the caller checked the scope)."""
    return list(
        db.session.scalars(
            select(Interview)
            .where(Interview.student_id == student_id)
            .options(selectinload(Interview.panel))
            .order_by(Interview.starts_at.desc(), Interview.id.desc())
        )
    )


def scoring_levels() -> list[ScoringLevel]:
    return list(db.session.scalars(select(ScoringLevel).order_by(ScoringLevel.rank)))


# --- creating panels -----------------------------------------------------------------------


def _clean_url(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    if len(value) > MAX_URL:
        raise DomainError(f"Keep the link under {MAX_URL} characters.", field="video_url")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in value:
        raise DomainError(
            "Enter the full video link, starting with https:// (or http://).", field="video_url"
        )
    return value


def _members(member_ids: tuple[int, ...]) -> list[User]:
    chosen = list(dict.fromkeys(i for i in member_ids if i))
    if len(chosen) < MIN_PANELISTS or len(chosen) > MAX_PANELISTS:
        raise DomainError(
            f"Choose {MIN_PANELISTS} or {MAX_PANELISTS} different panelists.", field="member_ids"
        )
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_(chosen)).options(selectinload(User.roles))
        )
    }
    members = []
    for user_id in chosen:
        user = users.get(user_id)
        if user is None or not user.active or not (user.role_set & set(PANELIST_ROLES)):
            raise DomainError(
                "Panelists are employers, teachers or staff with an active account.",
                field="member_ids",
            )
        members.append(user)
    return members


@atomic
def create_panel(actor: User, data: PanelInput) -> InterviewPanel:
    require(is_staff(actor))
    if not MIN_SESSION <= data.duration_minutes <= MAX_SESSION:
        raise DomainError(
            f"Choose a session length from {MIN_SESSION} to {MAX_SESSION} minutes.",
            field="duration_minutes",
        )
    starts_at = local_to_utc(data.day, data.start)
    if starts_at <= utcnow():
        raise DomainError("Choose a date and time in the future.", field="day")
    location = " ".join(data.location.split())
    if len(location) > MAX_LOCATION:
        raise DomainError(f"Keep the place under {MAX_LOCATION} characters.", field="location")
    video_url = _clean_url(data.video_url)
    if not location and not video_url:
        raise DomainError("Give the place, or a video link, or both.", field="location")
    notes = data.notes.strip()
    if len(notes) > MAX_NOTES:
        raise DomainError(f"Keep the notes under {MAX_NOTES} characters.", field="notes")
    panel = InterviewPanel(
        starts_at=starts_at,
        duration_minutes=data.duration_minutes,
        location=location,
        video_url=video_url,
        notes=notes,
        created_by_id=actor.id,
        members=_members(data.member_ids),
    )
    db.session.add(panel)
    db.session.commit()
    return panel


# --- inviting ------------------------------------------------------------------------------


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
        lines.append(f"Where: {panel.location}")
    if panel.video_url:
        lines.append(f"Video link: {panel.video_url}")
    return "\n".join(lines)


def _send_calendar(interview: Interview, method: str) -> None:
    """One e-mail with its own .ics to the student and to each panelist."""
    panel, student = interview.panel, interview.student
    when = local_when(interview.starts_at, interview.duration_minutes)
    where = _where(panel)
    cancel = method == "CANCEL"
    panelists = ", ".join(m.full_name for m in panel.members)
    student_page = url_for("certificates.student", student_id=student.id, _external=True)
    slot_page = url_for("certificates.slot", interview_id=interview.id, _external=True)
    said = {"student": student, "when": when, "where": where, "panelists": panelists}
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


# --- voting --------------------------------------------------------------------------------


def _clean_scores(data: VoteInput) -> list[dict[str, object]]:
    ranks = {level.rank for level in scoring_levels()}
    if not ranks:
        raise DomainError(
            "The scoring guide has no levels yet: ask the work-based learning office."
        )
    cleaned: list[dict[str, object]] = []
    for outcome in active_outcomes():
        score = data.scores.get(outcome.id) or OutcomeScore(None)
        if score.rank not in ranks:
            raise DomainError(f"Choose a level for {outcome.name}.", field=f"rank_{outcome.id}")
        comment = score.comment.strip()
        if len(comment) > MAX_COMMENT:
            raise DomainError(
                f"Keep the comment under {MAX_COMMENT} characters.", field=f"comment_{outcome.id}"
            )
        cleaned.append(
            {
                "outcome_id": outcome.id,
                "outcome": outcome.name,
                "rank": score.rank,
                "comment": comment,
            }
        )
    return cleaned


@atomic
def record_vote(actor: User, interview_id: int, data: VoteInput) -> InterviewVote:
    """A panelist's levels and decision (final). The last vote decides the interview.
    Needs a request context (the e-mails' links)."""
    interview = get_slot(actor, interview_id)
    require(is_panelist(actor, interview.panel))
    scores = _clean_scores(data)
    if data.passed is None:
        raise DomainError("Choose pass or not pass.", field="passed")
    comment = data.comment.strip()
    if len(comment) > MAX_NOTES:
        raise DomainError(f"Keep the comment under {MAX_NOTES} characters.", field="comment")
    # The last two panelists voting at once: the second sees the first's vote and decides.
    interview = lock_row(Interview, interview.id)
    if interview.status is not InterviewStatus.INVITED:
        raise AlreadyDecided()
    if interview.starts_at > utcnow():
        raise DomainError(
            "The interview has not taken place yet: record your levels and decision once it "
            f"has started ({local_when(interview.starts_at, interview.duration_minutes)})."
        )
    if db.session.get(InterviewVote, (interview.id, actor.id)) is not None:
        raise DomainError("You have already recorded your decision; a vote is final.")
    vote = InterviewVote(
        interview_id=interview.id,
        panelist_id=actor.id,
        scores=scores,
        passed=data.passed,
        comment=comment,
    )
    try:
        with db.session.begin_nested():
            db.session.add(vote)
    except IntegrityError:
        raise DomainError("You have already recorded your decision; a vote is final.") from None
    _decide_if_complete(interview)
    db.session.commit()
    return vote


def _decide_if_complete(interview: Interview) -> None:
    panel_size = db.session.scalar(
        select(func.count())
        .select_from(panel_member)
        .where(panel_member.c.panel_id == interview.panel_id)
    )
    votes = list(
        db.session.scalars(select(InterviewVote).where(InterviewVote.interview_id == interview.id))
    )
    if not panel_size or len(votes) < panel_size:
        return
    passes = sum(1 for v in votes if v.passed)
    # A majority passes; a tie (one of two) does not.
    status = InterviewStatus.PASSED if passes * 2 > len(votes) else InterviewStatus.NOT_PASSED
    note = f"{passes} of {len(votes)} panelists voted pass."
    if not move_status(
        interview, InterviewStatus.INVITED, status=status, decided_at=utcnow(), decision_note=note
    ):
        raise AlreadyDecided()
    db.session.refresh(interview)
    _tell_decision(interview)


def _tell_decision(interview: Interview) -> None:
    student = interview.student
    passed = interview.status is InterviewStatus.PASSED
    page = url_for("certificates.student", student_id=student.id, _external=True)
    queue_email(
        kind="interview_decided",
        to=student.user.email,
        template="certificates/interview_decided",
        context={"student": student, "passed": passed, "page": page},
    )
    staff_page = url_for("certificates.slot", interview_id=interview.id, _external=True)
    creator = db.session.get(User, interview.panel.created_by_id)
    recipients = [creator.email] if creator is not None and creator.active else []
    program = current_app.config.get("PROGRAM_EMAIL") or ""
    if program and program not in recipients:
        recipients.append(program)
    for address in recipients:
        queue_email(
            kind="interview_decided_staff",
            to=address,
            template="certificates/interview_decided_staff",
            context={
                "student": student,
                "passed": passed,
                "when": local_when(interview.starts_at),
                "note": interview.decision_note,
                "page": page,
                "staff_page": staff_page,
            },
        )
