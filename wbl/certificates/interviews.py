"""The work ready interview: staff schedule panels and invite students; panelists vote.

Its rules (DOMAIN.md "Work Ready Certificate": portfolio review, then a work ready
interview before a panel, then the certificate) are written in the modules that keep them:
panels.py (a panel, its session and panelists), invitations.py (who is invited, when, and
the calendar e-mails), votes.py (panelists' votes and the decision). This module reads
interviews (a slot, a panelist's list, a student's) and holds what they share.

Status changes are conditional UPDATEs (``invited`` -> ``passed``/``not_passed``/
``cancelled``): a double click or two panelists voting at once decide an interview once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import selectinload

from wbl.access import require
from wbl.auth.models import User
from wbl.certificates.models import (
    Interview,
    InterviewPanel,
    InterviewStatus,
    InterviewVote,
    panel_member,
)
from wbl.certificates.policies import is_panelist
from wbl.errors import DomainError, NotFound
from wbl.extensions import db
from wbl.reviews.models import ScoringLevel
from wbl.schools.models import School
from wbl.scopes import in_staff_district, is_staff
from wbl.students.models import StudentProfile
from wbl.students.services import sees_student

if TYPE_CHECKING:
    # what ``selectinload`` returns and ``.options`` takes; SQLAlchemy exports no public name
    from sqlalchemy.orm.strategy_options import _AbstractLoad


class AlreadyDecided(DomainError):
    message = "This interview has already been decided or cancelled; nothing was changed."


def interview_options() -> tuple[_AbstractLoad, ...]:
    return (
        selectinload(Interview.student).options(
            selectinload(StudentProfile.user),
            selectinload(StudentProfile.school).selectinload(School.district),
        ),
        selectinload(Interview.votes).selectinload(InterviewVote.panelist),
    )


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


def _slot_query() -> Select[Interview]:
    return select(Interview).options(
        selectinload(Interview.panel).selectinload(InterviewPanel.members),
        *interview_options(),
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
