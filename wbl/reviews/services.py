"""Reviewing Work Ready portfolios with the scoring guide (issue 7, DOMAIN.md "Work Ready
Certificate").

- The scoring guide is the county's: levels ranked 1..N (Emerging, Developing, Proficient,
  Advanced by default), a descriptor per level and active Portrait of a Graduate outcome, and
  the passing rule: every outcome at ``pass_rank`` or above.
- The volunteer pool: employers who speak for a partner that endorses the certificate, and
  educators (teachers, staff) sign themselves up; staff can add or remove eligible people.
- A student submits a complete portfolio (``wbl.portfolio.services.what_is_missing`` is the
  one rule for "complete"); one open submission at a time; a returned portfolio is revised
  and submitted again as the next attempt.
- Staff assign two reviewers by hand or automatically. Never a conflict of interest: not the
  student, not a teacher at the student's school (a class teacher is one, and any teacher at
  the school is excluded too: they may know the student from the hallway, and the pool is
  large enough without them), not a contact of a partner where the student has or had a
  placement (a supervisor, or a colleague of one). The automatic choice spreads the load:
  fewest open reviews first, ties by account id, so the result is deterministic.
- Each reviewer scores every outcome once, with a comment (required below the passing
  level). With both in: an outcome where the two differ by more than one level goes to staff;
  otherwise the outcome's level is the lower of the two (two adjacent scores: the portfolio
  must convince both reviewers that it reaches a level). Every outcome at ``pass_rank`` or
  above passes; otherwise the portfolio is returned for revision.

Every status change is a conditional UPDATE (a double click or two people acting at once
decide once); a student's submission takes a row lock on the student and relies on the
unique ``(student_id, attempt)`` so a double submit makes one submission.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_request_context, url_for
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User, UserRole, normalize_email
from wbl.catalog.models import Offering, Partner, PartnerContact
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, move_status, rows_affected, utcnow
from wbl.notifications.services import queue_email
from wbl.placements.models import Placement
from wbl.reference.models import PogOutcome
from wbl.reference.services import active_outcomes
from wbl.reviews.models import (
    PortfolioSubmission,
    ReviewAssignment,
    ReviewerVolunteer,
    ReviewResolution,
    ReviewScore,
    ScoringDescriptor,
    ScoringGuide,
    ScoringLevel,
    SubmissionStatus,
)
from wbl.reviews.policies import staff_sees
from wbl.schools.models import ClassSection, class_section_student
from wbl.scopes import is_staff, partner_ids_of
from wbl.students.models import StudentProfile
from wbl.students.services import own_profile

log = logging.getLogger(__name__)

REVIEWERS_PER_SUBMISSION = 2
MAX_LEVEL_NAME = 60
MAX_DESCRIPTOR = 2000
MAX_COMMENT = 2000
# A student has at most one of these at a time.
OPEN = (SubmissionStatus.SUBMITTED, SubmissionStatus.IN_REVIEW, SubmissionStatus.NEEDS_DECISION)
DECIDED = (SubmissionStatus.PASSED, SubmissionStatus.RETURNED)


class AlreadyChanged(DomainError):
    message = "Someone else changed this first; reload the page to see where it stands."


# --- the scoring guide ------------------------------------------------------------------------


def levels() -> list[ScoringLevel]:
    return list(db.session.scalars(select(ScoringLevel).order_by(ScoringLevel.rank)))


def guide() -> ScoringGuide:
    """The passing rule (one row; seeded, and made here if a database has none)."""
    row = db.session.scalar(select(ScoringGuide).order_by(ScoringGuide.id).limit(1))
    if row is None:
        row = ScoringGuide(pass_rank=3)
        db.session.add(row)
        db.session.flush()
    return row


def pass_rank() -> int:
    return guide().pass_rank


def descriptors() -> dict[tuple[int, int], str]:
    """``(rank, outcome_id) -> descriptor`` for the whole guide, in one query."""
    rows = db.session.execute(
        select(ScoringLevel.rank, ScoringDescriptor.outcome_id, ScoringDescriptor.text).join(
            ScoringLevel, ScoringLevel.id == ScoringDescriptor.level_id
        )
    )
    return {(rank, outcome_id): text for rank, outcome_id, text in rows}


def level_names() -> dict[int, str]:
    return {level.rank: level.name for level in levels()}


@dataclass(frozen=True, slots=True)
class GuideEdit:
    """Level names by rank (1..N, ranks never change), descriptors by ``(rank, outcome_id)``,
    and the passing level."""

    names: Mapping[int, str]
    texts: Mapping[tuple[int, int], str]
    pass_rank: int


def _require_staff(actor: User) -> None:
    require(is_staff(actor))


@atomic
def save_guide(actor: User, edit: GuideEdit) -> ScoringGuide:
    """Staff rename levels, describe each level for each active outcome, and set the passing
    level. Level names are required and unique (case-insensitively): reviewers choose by name."""
    _require_staff(actor)
    current = levels()
    seen: dict[str, int] = {}
    for level in current:
        name = (edit.names.get(level.rank) or "").strip()
        if not name:
            raise DomainError("Give the level a name.", field=f"level_{level.rank}")
        if len(name) > MAX_LEVEL_NAME:
            raise DomainError(
                f"Keep a level's name under {MAX_LEVEL_NAME} characters.",
                field=f"level_{level.rank}",
            )
        if name.casefold() in seen:
            raise DomainError(
                f"Level {seen[name.casefold()]} is already called “{name}”.",
                field=f"level_{level.rank}",
            )
        seen[name.casefold()] = level.rank
        level.name = name
    if edit.pass_rank not in {level.rank for level in current}:
        raise DomainError("Choose the passing level from the list.", field="pass_rank")
    existing = {
        (d.level_id, d.outcome_id): d for d in db.session.scalars(select(ScoringDescriptor))
    }
    by_rank = {level.rank: level for level in current}
    outcome_ids = {o.id for o in active_outcomes()}
    for (rank, outcome_id), raw in edit.texts.items():
        target = by_rank.get(rank)
        if target is None or outcome_id not in outcome_ids:
            continue
        text = (raw or "").strip()
        if len(text) > MAX_DESCRIPTOR:
            raise DomainError(
                f"Keep a descriptor under {MAX_DESCRIPTOR} characters.",
                field=f"text_{rank}_{outcome_id}",
            )
        row = existing.get((target.id, outcome_id))
        if row is None:
            db.session.add(ScoringDescriptor(level_id=target.id, outcome_id=outcome_id, text=text))
        else:
            row.text = text
    rule = guide()
    rule.pass_rank = edit.pass_rank
    rule.updated_by_id = actor.id
    rule.updated_at = utcnow()
    db.session.commit()
    return rule


# --- the volunteer pool -------------------------------------------------------------------------


def endorsing_partner_names(user: User) -> list[str]:
    return list(
        db.session.scalars(
            select(Partner.name)
            .where(
                Partner.id.in_(partner_ids_of(user)),
                Partner.endorses_certificate.is_(True),
                Partner.active.is_(True),
            )
            .order_by(Partner.name)
        )
    )


def why_not_eligible(user: User) -> str | None:
    """Why ``user`` may not review portfolios (``None``: they may). Educators (teachers, staff)
    and employers who speak for a partner that endorses the certificate may (DOMAIN.md:
    endorsing employers score portfolios)."""
    if not user.active:
        return "This account is not active."
    if user.has_role(Role.TEACHER) or is_staff(user):
        return None
    if user.has_role(Role.EMPLOYER):
        if endorsing_partner_names(user):
            return None
        return (
            "Portfolio reviewers come from partners that endorse the Work Ready Certificate. "
            "Your organisation does not endorse it yet: ask the program staff how to."
        )
    return "Only educators and employers of endorsing partners review portfolios."


def volunteer_of(user_id: int) -> ReviewerVolunteer | None:
    return db.session.get(ReviewerVolunteer, user_id)


def join_pool(user: User) -> ReviewerVolunteer:
    """``user`` in the active pool, inside the caller's transaction (flushes, never commits):
    the volunteer themselves, staff by e-mail, and the approval of a volunteer's sign-up.
    Refused, on the ``email`` field, for someone the rules above do not let review."""
    reason = why_not_eligible(user)
    if reason is not None:
        raise DomainError(reason, field="email")
    row = volunteer_of(user.id)
    if row is None:
        row = ReviewerVolunteer(user_id=user.id, active=True)
        db.session.add(row)
    elif not row.active:
        row.active = True
        row.signed_up_at = utcnow()
    db.session.flush()
    return row


@atomic
def volunteer(actor: User) -> ReviewerVolunteer:
    """Sign oneself up to review portfolios."""
    row = join_pool(actor)
    db.session.commit()
    return row


def _leave_pool(user_id: int) -> None:
    """Out of the pool: reviews already assigned stay (staff replace a reviewer by hand)."""
    db.session.execute(
        update(ReviewerVolunteer)
        .where(ReviewerVolunteer.user_id == user_id)
        .values(active=False)
        .execution_options(synchronize_session="fetch")
    )


@atomic
def stop_volunteering(actor: User) -> None:
    _leave_pool(actor.id)
    db.session.commit()


@atomic
def add_to_pool(actor: User, email: str) -> ReviewerVolunteer:
    """Staff add an eligible person to the pool by their account's e-mail address."""
    _require_staff(actor)
    address = normalize_email(email or "")
    if not address:
        raise DomainError("Enter the person's e-mail address.", field="email")
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None:
        raise DomainError("There is no account with that e-mail address.", field="email")
    row = join_pool(user)
    db.session.commit()
    return row


@atomic
def remove_from_pool(actor: User, user_id: int) -> None:
    _require_staff(actor)
    if volunteer_of(user_id) is None:
        raise NotFound()
    _leave_pool(user_id)
    db.session.commit()


@dataclass(frozen=True, slots=True)
class PoolMember:
    user: User
    active: bool
    open_reviews: int
    done_reviews: int
    partners: list[str] = field(default_factory=list)


def _open_load() -> dict[int, int]:
    """Open reviews per reviewer: assigned, not yet scored, on a submission still in review."""
    rows = db.session.execute(
        select(ReviewAssignment.reviewer_id, func.count(ReviewAssignment.id))
        .join(PortfolioSubmission, PortfolioSubmission.id == ReviewAssignment.submission_id)
        .where(
            ReviewAssignment.submitted_at.is_(None),
            PortfolioSubmission.status == SubmissionStatus.IN_REVIEW,
        )
        .group_by(ReviewAssignment.reviewer_id)
    )
    return dict(rows.all())


def pool() -> list[PoolMember]:
    """Everyone who signed up (active first), with their load: a fixed number of queries."""
    volunteers = list(
        db.session.scalars(
            select(ReviewerVolunteer)
            .join(User, User.id == ReviewerVolunteer.user_id)
            .options(selectinload(ReviewerVolunteer.user))
            .order_by(ReviewerVolunteer.active.desc(), User.full_name, User.id)
        )
    )
    ids = [v.user_id for v in volunteers]
    load = _open_load()
    done = dict(
        db.session.execute(
            select(ReviewAssignment.reviewer_id, func.count(ReviewAssignment.id))
            .where(
                ReviewAssignment.reviewer_id.in_(ids), ReviewAssignment.submitted_at.is_not(None)
            )
            .group_by(ReviewAssignment.reviewer_id)
        ).all()
    )
    partners: dict[int, list[str]] = {}
    for user_id, name in db.session.execute(
        select(PartnerContact.user_id, Partner.name)
        .join(Partner, Partner.id == PartnerContact.partner_id)
        .where(PartnerContact.user_id.in_(ids))
        .order_by(Partner.name)
    ):
        partners.setdefault(user_id, []).append(name)
    return [
        PoolMember(
            user=v.user,
            active=v.active,
            open_reviews=load.get(v.user_id, 0),
            done_reviews=done.get(v.user_id, 0),
            partners=partners.get(v.user_id, []),
        )
        for v in volunteers
    ]


# --- submitting -------------------------------------------------------------------------------


def what_is_missing(student: StudentProfile) -> list[str]:
    """The portfolio-complete rule lives with the portfolio (one rule for everyone)."""
    from wbl.portfolio import services as portfolio

    return portfolio.what_is_missing(student)


def submissions_of(student_id: int) -> list[PortfolioSubmission]:
    """A student's submissions, the latest first."""
    return list(
        db.session.scalars(
            select(PortfolioSubmission)
            .where(PortfolioSubmission.student_id == student_id)
            .order_by(PortfolioSubmission.attempt.desc())
        )
    )


def open_submission(student_id: int) -> PortfolioSubmission | None:
    return db.session.scalar(
        select(PortfolioSubmission).where(
            PortfolioSubmission.student_id == student_id, PortfolioSubmission.status.in_(OPEN)
        )
    )


def passed_submission(student_id: int) -> PortfolioSubmission | None:
    """The student's passed portfolio review (the latest, should there be more), or ``None``:
    what the work ready interview and the certificate wait for."""
    return db.session.scalar(
        select(PortfolioSubmission)
        .where(
            PortfolioSubmission.student_id == student_id,
            PortfolioSubmission.status == SubmissionStatus.PASSED,
        )
        .order_by(PortfolioSubmission.attempt.desc())
        .limit(1)
    )


class Incomplete(DomainError):
    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__("Your portfolio is not complete yet: " + "; ".join(missing) + ".")


def _link(endpoint: str, **values: Any) -> str:
    """An absolute link for an e-mail (inside a request; elsewhere, none)."""
    if not has_request_context():
        return ""
    return url_for(endpoint, _external=True, **values)


def _program_inbox() -> str:
    """The program's shared inbox (``PROGRAM_EMAIL``), or "" when none is configured."""
    return str(current_app.config.get("PROGRAM_EMAIL", ""))


@atomic
def submit_portfolio(actor: User) -> PortfolioSubmission:
    """The student submits a complete portfolio for review: refused with what is missing,
    while another submission is open, or once one has passed. The student's row is locked
    (PostgreSQL) and ``(student_id, attempt)`` is unique, so a double submit makes one."""
    student = own_profile(actor)
    db.session.execute(
        select(StudentProfile.id).where(StudentProfile.id == student.id).with_for_update()
    )
    missing = what_is_missing(student)
    if missing:
        raise Incomplete(missing)
    if open_submission(student.id) is not None:
        raise DomainError("Your portfolio is already submitted and waiting for its review.")
    if passed_submission(student.id) is not None:
        raise DomainError("Your portfolio has already passed its review.")
    attempt = (
        db.session.scalar(
            select(func.coalesce(func.max(PortfolioSubmission.attempt), 0)).where(
                PortfolioSubmission.student_id == student.id
            )
        )
        or 0
    ) + 1
    submission = PortfolioSubmission(
        student_id=student.id, attempt=attempt, status=SubmissionStatus.SUBMITTED
    )
    try:
        with db.session.begin_nested():
            db.session.add(submission)
            db.session.flush()
    except IntegrityError:
        raise DomainError(
            "Your portfolio is already submitted and waiting for its review."
        ) from None
    if to := _program_inbox():
        queue_email(
            kind="portfolio_submitted",
            to=to,
            template="reviews/portfolio_submitted",
            context={
                "actor": actor,
                "student": student,
                "attempt": attempt,
                "link": _link("reviews.submission", submission_id=submission.id),
            },
        )
    db.session.commit()
    return submission


@atomic
def withdraw_submission(actor: User, submission_id: int) -> PortfolioSubmission:
    """The student takes back an open submission no reviewer has scored yet."""
    student = own_profile(actor)
    submission = db.session.get(PortfolioSubmission, submission_id)
    if submission is None or submission.student_id != student.id:
        raise NotFound()
    scored = select(ReviewAssignment.id).where(
        ReviewAssignment.submission_id == submission.id,
        ReviewAssignment.submitted_at.is_not(None),
    )
    changed = rows_affected(
        db.session.execute(
            update(PortfolioSubmission)
            .where(
                PortfolioSubmission.id == submission.id,
                PortfolioSubmission.status.in_(
                    (SubmissionStatus.SUBMITTED, SubmissionStatus.IN_REVIEW)
                ),
                ~scored.exists(),
            )
            .values(status=SubmissionStatus.WITHDRAWN, decided_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    )
    if changed != 1:
        raise DomainError(
            "This submission can no longer be withdrawn: a reviewer has already scored it, "
            "or it has been decided."
        )
    db.session.expire(submission)
    for assignment in submission.assignments:
        queue_email(
            kind="review_cancelled",
            to=assignment.reviewer.email,
            template="reviews/review_cancelled",
            context={"reviewer": assignment.reviewer, "why": "withdrawn"},
        )
    db.session.commit()
    return submission


# --- scope -----------------------------------------------------------------------------------


def get_submission(actor: User, submission_id: int) -> PortfolioSubmission:
    """A submission for staff who may see it (anyone else: not found)."""
    submission = db.session.scalar(
        select(PortfolioSubmission)
        .where(PortfolioSubmission.id == submission_id)
        .options(
            selectinload(PortfolioSubmission.student).selectinload(StudentProfile.user),
            selectinload(PortfolioSubmission.student).selectinload(StudentProfile.school),
            selectinload(PortfolioSubmission.assignments).selectinload(ReviewAssignment.reviewer),
        )
    )
    if submission is None or not staff_sees(actor, submission):
        raise NotFound()
    return submission


def get_assignment(actor: User, assignment_id: int) -> ReviewAssignment:
    """One of the reviewer's own assignments (anyone else's: not found)."""
    assignment = db.session.scalar(
        select(ReviewAssignment)
        .where(ReviewAssignment.id == assignment_id)
        .options(
            selectinload(ReviewAssignment.submission)
            .selectinload(PortfolioSubmission.student)
            .selectinload(StudentProfile.user),
            selectinload(ReviewAssignment.scores),
        )
    )
    if assignment is None or assignment.reviewer_id != actor.id:
        raise NotFound()
    return assignment


def assignments_of(actor: User) -> list[ReviewAssignment]:
    """The reviewer's assignments: open ones first, then the latest."""
    return list(
        db.session.scalars(
            select(ReviewAssignment)
            .where(ReviewAssignment.reviewer_id == actor.id)
            .options(
                selectinload(ReviewAssignment.submission)
                .selectinload(PortfolioSubmission.student)
                .selectinload(StudentProfile.user),
                selectinload(ReviewAssignment.submission)
                .selectinload(PortfolioSubmission.student)
                .selectinload(StudentProfile.school),
            )
            .order_by(ReviewAssignment.submitted_at.is_not(None), ReviewAssignment.id.desc())
        )
    )


# --- assigning reviewers -----------------------------------------------------------------------


def conflicted_user_ids(student: StudentProfile) -> set[int]:
    """People who must not review this student: the student; every teacher at the student's
    school and every teacher of a class the student is in (wherever that class is); every
    contact of a partner where the student has or had a placement, in any status."""
    ids = {student.user_id}
    ids.update(
        db.session.scalars(
            select(ClassSection.teacher_id)
            .join(
                class_section_student, class_section_student.c.class_section_id == ClassSection.id
            )
            .where(class_section_student.c.student_id == student.id)
        )
    )
    ids.update(
        db.session.scalars(
            select(User.id)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.school_id == student.school_id, UserRole.role == Role.TEACHER)
        )
    )
    ids.update(
        db.session.scalars(
            select(PartnerContact.user_id)
            .join(Offering, Offering.partner_id == PartnerContact.partner_id)
            .join(Placement, Placement.offering_id == Offering.id)
            .where(Placement.student_id == student.id)
        )
    )
    return ids


def conflict_reason(user: User, student: StudentProfile) -> str | None:
    """Why ``user`` may not review this student, in words for staff (``None``: no conflict)."""
    if user.id == student.user_id:
        return "A student cannot review their own portfolio."
    if user.id not in conflicted_user_ids(student):
        return None
    if user.has_role(Role.EMPLOYER) and db.session.scalar(
        select(Placement.id)
        .join(Offering, Offering.id == Placement.offering_id)
        .where(Offering.partner_id.in_(partner_ids_of(user)), Placement.student_id == student.id)
        .limit(1)
    ):
        return (
            f"{user.full_name} speaks for a partner where the student has a placement "
            "(a supervisor)."
        )
    return f"{user.full_name} is a teacher of the student (or at the student's school)."


@dataclass(frozen=True, slots=True)
class Candidate:
    user: User
    open_reviews: int


def candidates(submission: PortfolioSubmission) -> list[Candidate]:
    """Active volunteers who are still eligible and have no conflict with the student, the
    least loaded first (ties by account id: the same pool always gives the same choice)."""
    conflicted = conflicted_user_ids(submission.student)
    already = {a.reviewer_id for a in submission.assignments}
    users = list(
        db.session.scalars(
            select(User)
            .join(ReviewerVolunteer, ReviewerVolunteer.user_id == User.id)
            .where(ReviewerVolunteer.active.is_(True), User.active.is_(True))
            .order_by(User.id)
        )
    )
    load = _open_load()
    eligible = [
        Candidate(user=u, open_reviews=load.get(u.id, 0))
        for u in users
        if u.id not in conflicted and u.id not in already and why_not_eligible(u) is None
    ]
    return sorted(eligible, key=lambda c: (c.open_reviews, c.user.id))


def _check_reviewer(submission: PortfolioSubmission, user_id: int, field: str) -> User:
    user = db.session.get(User, user_id)
    row = volunteer_of(user_id)
    if user is None or row is None or not row.active:
        raise DomainError("Choose reviewers from the active volunteer pool.", field=field)
    reason = why_not_eligible(user)
    if reason is not None:
        raise DomainError(f"{user.full_name} cannot review portfolios: {reason}", field=field)
    conflict = conflict_reason(user, submission.student)
    if conflict is not None:
        raise DomainError(f"Conflict of interest: {conflict}", field=field)
    return user


def _invite(assignment: ReviewAssignment, reviewer: User, student_name: str) -> None:
    link = _link("reviews.assignment", assignment_id=assignment.id)
    queue_email(
        kind="review_assigned",
        to=reviewer.email,
        template="reviews/assigned",
        context={"reviewer": reviewer, "student_name": student_name, "link": link},
    )


def _assign(actor: User, submission: PortfolioSubmission, reviewers: Sequence[User]) -> None:
    if not move_status(submission, SubmissionStatus.SUBMITTED, status=SubmissionStatus.IN_REVIEW):
        raise AlreadyChanged("Reviewers have already been assigned to this submission.")
    for reviewer in reviewers:
        assignment = ReviewAssignment(
            submission_id=submission.id, reviewer_id=reviewer.id, assigned_by_id=actor.id
        )
        db.session.add(assignment)
        db.session.flush()
        _invite(assignment, reviewer, submission.student.user.full_name)
    db.session.expire(submission, ["assignments"])


@atomic
def assign_reviewers(
    actor: User, submission_id: int, reviewer_ids: Sequence[int]
) -> PortfolioSubmission:
    """Staff choose the two reviewers of a submitted portfolio."""
    submission = get_submission(actor, submission_id)
    ids = [i for i in reviewer_ids if i]
    if len(ids) != REVIEWERS_PER_SUBMISSION or len(set(ids)) != len(ids):
        raise DomainError("Choose two different reviewers.", field="first")
    if submission.status is not SubmissionStatus.SUBMITTED:
        raise AlreadyChanged("Reviewers have already been assigned to this submission.")
    reviewers = [
        _check_reviewer(submission, user_id, name)
        for user_id, name in zip(ids, ("first", "second"), strict=True)
    ]
    _assign(actor, submission, reviewers)
    db.session.commit()
    return submission


@atomic
def auto_assign(actor: User, submission_id: int) -> PortfolioSubmission:
    """The two least loaded volunteers without a conflict."""
    submission = get_submission(actor, submission_id)
    if submission.status is not SubmissionStatus.SUBMITTED:
        raise AlreadyChanged("Reviewers have already been assigned to this submission.")
    chosen = candidates(submission)[:REVIEWERS_PER_SUBMISSION]
    if len(chosen) < REVIEWERS_PER_SUBMISSION:
        raise DomainError(
            "There are not enough volunteers without a conflict of interest to assign two "
            "reviewers. Add people to the pool first."
        )
    _assign(actor, submission, [c.user for c in chosen])
    db.session.commit()
    return submission


@atomic
def replace_reviewer(actor: User, assignment_id: int, reviewer_id: int) -> ReviewAssignment:
    """Staff replace a reviewer who has not sent their scores yet."""
    old = db.session.get(ReviewAssignment, assignment_id)
    if old is None:
        raise NotFound()
    submission = get_submission(actor, old.submission_id)
    if submission.status is not SubmissionStatus.IN_REVIEW:
        raise DomainError("Only a portfolio in review can change reviewers.", field="reviewer")
    if reviewer_id in {a.reviewer_id for a in submission.assignments}:
        raise DomainError("That person already reviews this portfolio.", field="reviewer")
    new_reviewer = _check_reviewer(submission, reviewer_id, "reviewer")
    previous = old.reviewer
    removed = rows_affected(
        db.session.execute(
            delete(ReviewAssignment)
            .where(ReviewAssignment.id == old.id, ReviewAssignment.submitted_at.is_(None))
            .execution_options(synchronize_session=False)
        )
    )
    if removed != 1:
        raise DomainError(
            "That reviewer has already sent their scores; they cannot be replaced.",
            field="reviewer",
        )
    db.session.expunge(old)
    assignment = ReviewAssignment(
        submission_id=submission.id, reviewer_id=new_reviewer.id, assigned_by_id=actor.id
    )
    db.session.add(assignment)
    db.session.flush()
    db.session.expire(submission, ["assignments"])
    _invite(assignment, new_reviewer, submission.student.user.full_name)
    queue_email(
        kind="review_cancelled",
        to=previous.email,
        template="reviews/review_cancelled",
        context={"reviewer": previous, "why": "reassigned"},
    )
    db.session.commit()
    return assignment


# --- scoring and the decision -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Score:
    rank: int | None
    comment: str


@dataclass(frozen=True, slots=True)
class OutcomeResult:
    """One outcome of a submission: each reviewer's score (in assignment order: "Reviewer 1",
    "Reviewer 2"), staff's resolution if any, and the level that counts."""

    outcome: PogOutcome
    scores: list[ReviewScore | None]
    resolution: ReviewResolution | None
    level: int | None  # None: not decided yet
    needs_decision: bool


@atomic
def submit_scores(actor: User, assignment_id: int, scores: Mapping[int, Score]) -> ReviewAssignment:
    """The reviewer scores every active outcome, once (final). A comment is required for a
    level below passing (the student needs to know what to improve)."""
    assignment = get_assignment(actor, assignment_id)
    submission = assignment.submission
    # Both reviewers finishing at once: the second to take the lock sees the first's scores.
    db.session.execute(
        select(PortfolioSubmission.id)
        .where(PortfolioSubmission.id == submission.id)
        .with_for_update()
    )
    if assignment.submitted_at is not None:
        raise DomainError("You have already sent your scores for this portfolio.")
    if submission.status is not SubmissionStatus.IN_REVIEW:
        raise DomainError("This portfolio is no longer in review.")
    ranks = {level.rank for level in levels()}
    passing = pass_rank()
    names = level_names()
    outcomes = active_outcomes()
    for outcome in outcomes:
        score = scores.get(outcome.id)
        name = f"rank_{outcome.id}"
        if score is None or score.rank not in ranks:
            raise DomainError(f"Choose a level for {outcome.name}.", field=name)
        comment = score.comment.strip()
        if len(comment) > MAX_COMMENT:
            raise DomainError(
                f"Keep the comment under {MAX_COMMENT} characters.", field=f"comment_{outcome.id}"
            )
        if score.rank < passing and not comment:
            raise DomainError(
                f"Below {names[passing]}: say what the student should improve.",
                field=f"comment_{outcome.id}",
            )
    now = utcnow()
    sent = rows_affected(
        db.session.execute(
            update(ReviewAssignment)
            .where(ReviewAssignment.id == assignment.id, ReviewAssignment.submitted_at.is_(None))
            .values(submitted_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    if sent != 1:
        raise DomainError("You have already sent your scores for this portfolio.")
    for outcome in outcomes:
        score = scores[outcome.id]
        assert score.rank is not None  # noqa: S101 - checked above
        db.session.add(
            ReviewScore(
                assignment_id=assignment.id,
                outcome_id=outcome.id,
                rank=score.rank,
                comment=score.comment.strip(),
            )
        )
    db.session.flush()
    db.session.expire(assignment)
    db.session.expire(submission, ["assignments"])
    _conclude_if_complete(submission)
    db.session.commit()
    return assignment


def outcome_results(submission: PortfolioSubmission) -> list[OutcomeResult]:
    """Every outcome scored on the submission (else the active ones), with its scores."""
    assignments = sorted(submission.assignments, key=lambda a: a.id)
    scores = list(
        db.session.scalars(
            select(ReviewScore)
            .join(ReviewAssignment, ReviewAssignment.id == ReviewScore.assignment_id)
            .where(ReviewAssignment.submission_id == submission.id)
        )
    )
    by = {(s.assignment_id, s.outcome_id): s for s in scores}
    resolutions = {
        r.outcome_id: r
        for r in db.session.scalars(
            select(ReviewResolution).where(ReviewResolution.submission_id == submission.id)
        )
    }
    scored_ids = {s.outcome_id for s in scores}
    outcomes = (
        list(
            db.session.scalars(
                select(PogOutcome)
                .where(PogOutcome.id.in_(scored_ids))
                .order_by(PogOutcome.position, PogOutcome.id)
            )
        )
        if scored_ids
        else active_outcomes()
    )
    both_in = len(assignments) == REVIEWERS_PER_SUBMISSION and all(
        a.submitted_at is not None for a in assignments
    )
    results = []
    for outcome in outcomes:
        row = [by.get((a.id, outcome.id)) for a in assignments]
        ranks = [s.rank for s in row if s is not None]
        resolution = resolutions.get(outcome.id)
        disagree = both_in and len(ranks) >= 2 and max(ranks) - min(ranks) > 1
        if resolution is not None:
            level: int | None = resolution.rank
        elif both_in and ranks and not disagree:
            level = min(ranks)
        else:
            level = None
        results.append(
            OutcomeResult(
                outcome=outcome,
                scores=row,
                resolution=resolution,
                level=level,
                needs_decision=disagree and resolution is None,
            )
        )
    return results


def _decide(
    submission: PortfolioSubmission, *, from_status: SubmissionStatus, by: User | None
) -> SubmissionStatus:
    """Move the submission on from ``from_status`` by the results (conditional)."""
    results = outcome_results(submission)
    if any(r.needs_decision for r in results):
        to = SubmissionStatus.NEEDS_DECISION
    elif all(r.level is not None and r.level >= pass_rank() for r in results):
        to = SubmissionStatus.PASSED
    else:
        to = SubmissionStatus.RETURNED
    values: dict[str, object] = {"status": to}
    if to in DECIDED:
        values |= {"decided_at": utcnow(), "decided_by_id": by.id if by else None}
    if not move_status(submission, from_status, **values):
        raise AlreadyChanged()
    db.session.expire(submission)
    student = submission.student
    if to is SubmissionStatus.NEEDS_DECISION:
        if inbox := _program_inbox():
            queue_email(
                kind="review_needs_decision",
                to=inbox,
                template="reviews/needs_decision",
                context={
                    "student": student,
                    "link": _link("reviews.submission", submission_id=submission.id),
                },
            )
    else:
        queue_email(
            kind="review_result",
            to=student.user.email,
            template="reviews/result",
            context={
                "student": student,
                "passed": to is SubmissionStatus.PASSED,
                "link": _link("reviews.feedback"),
            },
        )
    return to


def _conclude_if_complete(submission: PortfolioSubmission) -> None:
    assignments = submission.assignments
    if len(assignments) == REVIEWERS_PER_SUBMISSION and all(
        a.submitted_at is not None for a in assignments
    ):
        _decide(submission, from_status=SubmissionStatus.IN_REVIEW, by=None)


@atomic
def resolve(
    actor: User, submission_id: int, ranks: Mapping[int, int | None], note: str = ""
) -> PortfolioSubmission:
    """Staff decide each outcome the reviewers disagreed on; then the passing rule applies
    to the whole portfolio."""
    submission = get_submission(actor, submission_id)
    if submission.status is not SubmissionStatus.NEEDS_DECISION:
        raise AlreadyChanged("This portfolio does not wait for a decision.")
    allowed = {level.rank for level in levels()}
    open_ones = [r for r in outcome_results(submission) if r.needs_decision]
    for result in open_ones:
        rank = ranks.get(result.outcome.id)
        if rank not in allowed:
            raise DomainError(
                f"Choose a level for {result.outcome.name}.", field=f"rank_{result.outcome.id}"
            )
    for result in open_ones:
        rank = ranks[result.outcome.id]
        assert rank is not None  # noqa: S101 - checked above
        db.session.add(
            ReviewResolution(
                submission_id=submission.id,
                outcome_id=result.outcome.id,
                rank=rank,
                note=note.strip(),
                decided_by_id=actor.id,
            )
        )
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AlreadyChanged() from None
    if note.strip():
        submission.decision_note = note.strip()
        db.session.flush()
    _decide(submission, from_status=SubmissionStatus.NEEDS_DECISION, by=actor)
    db.session.commit()
    return submission


# --- what the student sees ----------------------------------------------------------------------


def student_view_results(submission: PortfolioSubmission) -> list[OutcomeResult]:
    """The results a student may read: only once decided (scores are never shown while the
    review is open), reviewers anonymous (the page says "Reviewer 1", "Reviewer 2")."""
    if submission.status not in DECIDED:
        return []
    return outcome_results(submission)
