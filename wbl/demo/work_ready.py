"""The demo county's Work Ready Certificate year, so each stage has something to show:

- the reviewer pool: contacts of endorsing partners and two teachers;
- the demo student's portfolio in progress (two ready artifacts, a resume, one letter
  received and one still asked for), so the progress page shows what is missing;
- three students further on: one portfolio in review (one reviewer has scored), one passed
  and invited to an interview panel, one with an issued certificate (verifiable at
  ``/verify/<code>``).

Rows are written directly, as in the rest of the demo; files (a resume, letters) are small
generated PDFs stored through the storage service like any upload.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wbl.access import Role
from wbl.auth.models import User, UserRole
from wbl.catalog.models import Partner, PartnerContact
from wbl.certificates.models import (
    Certificate,
    Interview,
    InterviewPanel,
    InterviewStatus,
    InterviewVote,
)
from wbl.clock import local_to_utc
from wbl.extensions import db
from wbl.placements.models import Placement
from wbl.portfolio.models import (
    Artifact,
    ArtifactOutcome,
    ArtifactSource,
    ArtifactStatus,
    DocumentKind,
    LetterStatus,
    PortfolioDocument,
    Recommendation,
)
from wbl.reference.models import PogOutcome
from wbl.reference.services import active_outcomes
from wbl.reviews.models import (
    PortfolioSubmission,
    ReviewAssignment,
    ReviewerVolunteer,
    ReviewScore,
    SubmissionStatus,
)
from wbl.storage import storage
from wbl.students.models import StudentProfile

_ARTIFACTS = (
    (
        "Food drive logistics plan",
        "I organised our school food drive: schedules, volunteers, a "
        "spreadsheet of donations, and a thank-you letter to the businesses that helped.",
    ),
    (
        "Bridge design challenge",
        "Our team designed and tested a balsa bridge; I kept the test "
        "log and presented why our second design held twice the load.",
    ),
    (
        "Interview with a nurse",
        "I interviewed a pediatric nurse about her path into nursing and "
        "wrote up what surprised me about the job.",
    ),
)


@dataclass(frozen=True, slots=True)
class WorkReadyCounts:
    volunteers: int
    portfolios: int
    certificates: int


def add_work_ready(rng: random.Random, anchor: date, demo_domain: str) -> WorkReadyCounts:
    outcomes = active_outcomes()
    staff = db.session.scalar(select(User).where(User.email == f"staff@{demo_domain}"))
    student_user = db.session.scalar(select(User).where(User.email == f"student@{demo_domain}"))
    teacher = db.session.scalar(select(User).where(User.email == f"teacher@{demo_domain}"))
    if not outcomes or staff is None or student_user is None or teacher is None:
        return WorkReadyCounts(0, 0, 0)
    reviewers = _volunteers(teacher)
    demo_student = db.session.scalar(
        select(StudentProfile).where(StudentProfile.user_id == student_user.id)
    )
    seniors = list(
        db.session.scalars(
            select(StudentProfile)
            .where(
                StudentProfile.grade == 12,
                StudentProfile.school_id != teacher.school_id,
                # no placement, so no reviewer of the pool can be their supervisor
                ~select(Placement.id).where(Placement.student_id == StudentProfile.id).exists(),
            )
            .options(selectinload(StudentProfile.user))
            .order_by(StudentProfile.id)
            .limit(3)
        )
    )
    when = datetime.combine(anchor - timedelta(days=30), time(17), tzinfo=UTC)
    made = 0
    if demo_student is not None:
        _portfolio(rng, demo_student, outcomes[:3], when, letters_received=1, resume=True)
        made += 1
    certificates = 0
    if len(seniors) == 3 and len(reviewers) >= 2:
        in_review, passed, certified = seniors
        for student in seniors:
            _portfolio(rng, student, outcomes, when, letters_received=2, resume=True)
        made += 3
        first, second = reviewers[0], reviewers[1]
        submission = _submission(in_review, SubmissionStatus.IN_REVIEW, when + timedelta(days=3))
        _assign(submission, first, outcomes, scored_at=when + timedelta(days=6), rank=3)
        _assign(submission, second, outcomes, scored_at=None, rank=3)
        for student in (passed, certified):
            done = _submission(student, SubmissionStatus.PASSED, when + timedelta(days=1))
            done.decided_at = when + timedelta(days=9)
            _assign(done, first, outcomes, scored_at=when + timedelta(days=5), rank=3)
            _assign(done, second, outcomes, scored_at=when + timedelta(days=8), rank=4)
        panel = InterviewPanel(
            starts_at=local_to_utc(anchor + timedelta(days=9), time(15, 0)),
            duration_minutes=120,
            location="Sonoma County Office of Education, room 210",
            created_by_id=staff.id,
            members=[first, second],
        )
        past = InterviewPanel(
            starts_at=local_to_utc(anchor - timedelta(days=6), time(15, 0)),
            duration_minutes=90,
            location="Sonoma County Office of Education, room 210",
            created_by_id=staff.id,
            members=[first, second],
        )
        db.session.add_all([panel, past])
        db.session.flush()
        _interview(panel, passed, InterviewStatus.INVITED, outcomes, [])
        held = _interview(past, certified, InterviewStatus.PASSED, outcomes, [first, second])
        db.session.add(
            Certificate(
                code=secrets.token_urlsafe(18),
                student_id=certified.id,
                submission_id=held.submission_id,
                interview_id=held.id,
                student_name=certified.user.full_name,
                outcomes=[o.name for o in outcomes],
                issued_at=datetime.combine(anchor - timedelta(days=2), time(18), tzinfo=UTC),
                issued_by_id=staff.id,
            )
        )
        certificates = 1
    db.session.flush()
    return WorkReadyCounts(len(reviewers), made, certificates)


def _volunteers(teacher: User) -> list[User]:
    """Primary contacts of four endorsing partners, and two teachers of other schools."""
    employers = list(
        db.session.scalars(
            select(User)
            .join(PartnerContact, PartnerContact.user_id == User.id)
            .join(Partner, Partner.id == PartnerContact.partner_id)
            .where(Partner.endorses_certificate.is_(True), PartnerContact.is_primary.is_(True))
            .order_by(Partner.id)
            .limit(4)
        )
    )
    teachers = list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.TEACHER, User.school_id != teacher.school_id)
            .order_by(User.id)
            .limit(2)
        )
    )
    people = employers + teachers
    db.session.add_all(ReviewerVolunteer(user_id=u.id) for u in people)
    return people


def _pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, text=text)
    return bytes(pdf.output())


def _stored(folder: str, text: str) -> tuple[str, int]:
    data = _pdf(text)
    return storage().save(data, folder=folder, extension="pdf"), len(data)


def _portfolio(
    rng: random.Random,
    student: StudentProfile,
    outcomes: list[PogOutcome],
    when: datetime,
    *,
    letters_received: int,
    resume: bool,
) -> None:
    name = student.user.full_name
    for n, outcome in enumerate(outcomes):
        title, body = _ARTIFACTS[n % len(_ARTIFACTS)]
        db.session.add(
            Artifact(
                student_id=student.id,
                title=title if n < len(_ARTIFACTS) else f"{title} ({outcome.name})",
                body=body,
                source=ArtifactSource.CLASS,
                source_note=rng.choice(("English 11", "Engineering Design", "Health Careers")),
                status=ArtifactStatus.READY,
                created_at=when,
                updated_at=when,
                outcomes=[
                    ArtifactOutcome(
                        outcome_id=outcome.id,
                        commentary=f"This shows I am {outcome.name.lower()}: {body[:80]}…",
                    )
                ],
            )
        )
    if resume:
        for kind in (DocumentKind.RESUME, DocumentKind.COVER_LETTER):
            key, size = _stored("portfolio", f"{name}\n{kind.label}")
            db.session.add(
                PortfolioDocument(
                    student_id=student.id,
                    kind=kind,
                    file_key=key,
                    file_name=f"{kind.value.replace('_', '-')}.pdf",
                    content_type="application/pdf",
                    file_size=size,
                    uploaded_at=when,
                )
            )
    for n, (recommender, relation) in enumerate(
        (("Grace Holloway", "CTE teacher"), ("Marcus Bell", "Internship supervisor"))
    ):
        received = n < letters_received
        letter = Recommendation(
            student_id=student.id,
            recommender_name=recommender,
            recommender_email=f"{recommender.split()[0].lower()}.{student.id}@example.org",
            relationship_note=relation,
            status=LetterStatus.RECEIVED if received else LetterStatus.REQUESTED,
            nonce=None if received else secrets.token_hex(16),
            requested_at=when,
            expires_at=when + timedelta(days=60),
            received_at=when + timedelta(days=4) if received else None,
        )
        if received:
            letter.file_key, letter.file_size = _stored(
                "letters", f"To the review panel: I recommend {name}. {recommender}"
            )
            letter.file_name, letter.content_type = "letter.pdf", "application/pdf"
        db.session.add(letter)


def _submission(
    student: StudentProfile, status: SubmissionStatus, at: datetime
) -> PortfolioSubmission:
    submission = PortfolioSubmission(student_id=student.id, status=status, submitted_at=at)
    db.session.add(submission)
    db.session.flush()
    return submission


def _assign(
    submission: PortfolioSubmission,
    reviewer: User,
    outcomes: list[PogOutcome],
    *,
    scored_at: datetime | None,
    rank: int,
) -> None:
    assignment = ReviewAssignment(
        submission_id=submission.id,
        reviewer_id=reviewer.id,
        assigned_at=submission.submitted_at + timedelta(days=1),
        submitted_at=scored_at,
    )
    if scored_at is not None:
        assignment.scores = [
            ReviewScore(outcome_id=o.id, rank=rank, comment="Clear evidence and commentary.")
            for o in outcomes
        ]
    db.session.add(assignment)


def _interview(
    panel: InterviewPanel,
    student: StudentProfile,
    status: InterviewStatus,
    outcomes: list[PogOutcome],
    voters: list[User],
) -> Interview:
    submission = db.session.scalar(
        select(PortfolioSubmission).where(
            PortfolioSubmission.student_id == student.id,
            PortfolioSubmission.status == SubmissionStatus.PASSED,
        )
    )
    assert submission is not None  # noqa: S101 - made just before
    interview = Interview(
        panel_id=panel.id,
        student_id=student.id,
        submission_id=submission.id,
        starts_at=panel.starts_at + timedelta(minutes=20),
        status=status,
        decided_at=panel.starts_at + timedelta(hours=1) if voters else None,
        votes=[
            InterviewVote(
                panelist_id=voter.id,
                scores=[
                    {"outcome_id": o.id, "outcome": o.name, "rank": 3, "comment": ""}
                    for o in outcomes
                ],
                passed=True,
                comment="Poised, specific examples.",
            )
            for voter in voters
        ],
    )
    db.session.add(interview)
    db.session.flush()
    return interview
