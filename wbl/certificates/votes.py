"""Panelists' votes and the decision they make.

The business rules (DOMAIN.md "Work Ready Certificate": portfolio review, then a work ready
interview before a panel, then the certificate):
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

from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from wbl.access import require
from wbl.auth.models import User
from wbl.certificates.interviews import AlreadyDecided, get_slot, scoring_levels
from wbl.certificates.models import Interview, InterviewStatus, InterviewVote, panel_member
from wbl.certificates.panels import MAX_NOTES
from wbl.certificates.policies import is_panelist
from wbl.clock import local_when
from wbl.errors import DomainError
from wbl.extensions import atomic, db, lock_row, move_status, utcnow
from wbl.i18n import later
from wbl.notifications.services import queue_email
from wbl.reference.services import active_outcomes

MAX_COMMENT = 1000


@dataclass(frozen=True, slots=True)
class OutcomeScore:
    rank: int | None
    comment: str = ""


@dataclass(frozen=True, slots=True)
class VoteInput:
    scores: Mapping[int, OutcomeScore]  # by outcome id
    passed: bool | None
    comment: str = ""


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
                "when": later(local_when, interview.starts_at),
                "note": interview.decision_note,
                "page": page,
                "staff_page": staff_page,
            },
        )
