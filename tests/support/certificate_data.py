"""Builders for interviews and certificates (flush, never commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from tests.support.builders import make_employer, make_school, make_student, make_user
from wbl.access import Role
from wbl.auth.models import User
from wbl.certificates import interviews, services
from wbl.certificates.models import (
    Certificate,
    Interview,
    InterviewPanel,
    InterviewStatus,
    InterviewVote,
)
from wbl.clock import local_today
from wbl.extensions import db
from wbl.reviews import submitting
from wbl.reviews.models import PortfolioSubmission, ScoringLevel, SubmissionStatus
from wbl.schools.models import School
from wbl.students.models import StudentProfile

DEFAULT_LEVELS = ((1, "Emerging"), (2, "Developing"), (3, "Proficient"), (4, "Advanced"))


def ensure_levels() -> list[ScoringLevel]:
    """The scoring guide's levels; the default four when the test database has none."""
    if not db.session.scalar(select(func.count(ScoringLevel.id))):
        db.session.add_all(ScoringLevel(rank=r, name=n) for r, n in DEFAULT_LEVELS)
        db.session.flush()
    return interviews.scoring_levels()


def make_passed_submission(student: StudentProfile, *, attempt: int = 1) -> PortfolioSubmission:
    submission = PortfolioSubmission(
        student_id=student.id,
        attempt=attempt,
        status=SubmissionStatus.PASSED,
        decided_at=datetime.now(UTC) - timedelta(days=3),
    )
    db.session.add(submission)
    db.session.flush()
    return submission


def make_panel(
    *,
    members: list[User],
    creator: User | None = None,
    starts_at: datetime | None = None,
    duration_minutes: int = 120,
    location: str = "County Office, Room 2",
    video_url: str = "",
) -> InterviewPanel:
    """A panel; by default in a week at 9:00 UTC."""
    panel = InterviewPanel(
        starts_at=starts_at
        or datetime.now(UTC).replace(hour=16, minute=0, second=0, microsecond=0)
        + timedelta(days=7),
        duration_minutes=duration_minutes,
        location=location,
        video_url=video_url,
        created_by_id=(creator or make_user(roles={Role.STAFF})).id,
        members=members,
    )
    db.session.add(panel)
    db.session.flush()
    return panel


def make_interview(
    panel: InterviewPanel,
    student: StudentProfile,
    *,
    status: InterviewStatus = InterviewStatus.INVITED,
    offset_minutes: int = 0,
    submission: PortfolioSubmission | None = None,
) -> Interview:
    submission = (
        submission or submitting.passed_submission(student.id) or make_passed_submission(student)
    )
    interview = Interview(
        panel=panel,
        student=student,
        submission_id=submission.id,
        starts_at=panel.starts_at + timedelta(minutes=offset_minutes),
        duration_minutes=20,
        status=status,
        decided_at=datetime.now(UTC) if status is InterviewStatus.PASSED else None,
    )
    db.session.add(interview)
    db.session.flush()
    return interview


def held(interview: Interview) -> Interview:
    """The interview has taken place (an hour ago): panelists may now vote."""
    interview.starts_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.flush()
    return interview


def add_vote(interview: Interview, panelist: User, *, passed: bool) -> InterviewVote:
    vote = InterviewVote(
        interview_id=interview.id, panelist_id=panelist.id, scores=[], passed=passed
    )
    db.session.add(vote)
    db.session.flush()
    return vote


@dataclass
class Setting:
    """A student whose portfolio passed, three eligible panelists (an employer, a teacher
    at another school, staff) and district staff whose scope holds the student."""

    school: School
    student: StudentProfile
    submission: PortfolioSubmission
    staff: User
    employer: User
    teacher: User
    staff_panelist: User


def make_setting() -> Setting:
    school = make_school()
    student = make_student(school=school)
    staff = make_user(roles={Role.STAFF}, district=school.district)
    return Setting(
        school=school,
        student=student,
        submission=make_passed_submission(student),
        staff=staff,
        employer=make_employer(),
        teacher=make_user(roles={Role.TEACHER}, school=make_school()),
        staff_panelist=make_user(roles={Role.STAFF}),
    )


def passed_student(setting: Setting | None = None) -> tuple[StudentProfile, Interview]:
    """A student with a passed portfolio and a passed interview (eligible)."""
    setting = setting or make_setting()
    panel = make_panel(members=[setting.employer, setting.teacher], creator=setting.staff)
    interview = make_interview(
        panel, setting.student, status=InterviewStatus.PASSED, submission=setting.submission
    )
    return setting.student, interview


def issue(setting: Setting) -> Certificate:
    """An issued certificate for the setting's student (through the service)."""
    passed_student(setting)
    with current_app.test_request_context():
        return services.issue_certificate(setting.staff, setting.student.id)


def slot_time(panel: InterviewPanel, minutes: int = 0) -> time:
    """A wall-clock time within the panel's session (county-local), ``minutes`` after it starts."""
    from wbl.clock import to_local

    return (to_local(panel.starts_at) + timedelta(minutes=minutes)).time()


def future_day(days: int = 10) -> object:
    return local_today() + timedelta(days=days)
