"""The volunteer pool of portfolio reviewers (issue 7, DOMAIN.md "Work Ready Certificate").

Employers who speak for a partner that endorses the certificate, and educators (teachers,
staff) sign themselves up; staff can add or remove eligible people. A reviewer's load is
their open reviews, which the automatic assignment spreads (``wbl.reviews.assigning``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User, normalize_email
from wbl.catalog.models import Partner, PartnerContact
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, utcnow
from wbl.reviews.models import (
    PortfolioSubmission,
    ReviewAssignment,
    ReviewerVolunteer,
    SubmissionStatus,
)
from wbl.scopes import is_staff, partner_ids_of


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
    require(is_staff(actor))
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
    require(is_staff(actor))
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


def open_load() -> dict[int, int]:
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
    load = open_load()
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
