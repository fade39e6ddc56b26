"""Worksite visits: recorded by staff or a teacher of the student's school, against the
district's checklist; follow-ups closed by staff; placements flagged "visit due" by hand;
the district's checklist and rule kept by its staff (issue 21; the rules of who sees what are
in ``policies``, the "visit due" rule in ``rules``).

Every public function here is one use case and one transaction (``@atomic``): a refusal
leaves nothing behind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from wbl.access import require
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.clock import local_today
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, lock_row, rows_affected, utcnow
from wbl.i18n import N_
from wbl.placements.models import Placement, PlacementStatus
from wbl.schools.models import District
from wbl.students.models import StudentProfile
from wbl.visits import policies, queries
from wbl.visits.models import (
    ChecklistAnswer,
    VisitChecklistItem,
    VisitDueFlag,
    VisitSettings,
    WorksiteVisit,
    WorksiteVisitAnswer,
)
from wbl.visits.rules import MAX_DUE_AFTER_DAYS, MAX_ITEM_LENGTH, MAX_ITEMS, MIN_DUE_AFTER_DAYS

MAX_NOTES = 4000
MAX_FOLLOW_UP = 1000
MAX_FLAG_REASON = 500


class ChecklistChanged(DomainError):
    message = N_("The district's checklist changed while you were filling it in: answer it again.")


class FollowUpAlreadyClosed(DomainError):
    message = N_("This follow-up has already been closed; nothing was changed.")


@dataclass(frozen=True, slots=True)
class VisitReport:
    visited_on: date
    # The answers in the checklist's order, and the key of the checklist they answer.
    answers: tuple[ChecklistAnswer | None, ...]
    checklist_key: str
    notes: str = ""
    follow_up_needed: bool = False
    follow_up: str = ""


def checklist_key(items: list[str]) -> str:
    """A short fingerprint of a checklist's wording: the form carries it, so answers given
    to one wording are never stored against another."""
    return hashlib.sha256("\n".join(items).encode()).hexdigest()[:16]


# --- reading ---------------------------------------------------------------------------------


def get_placement(actor: User, placement_id: int) -> Placement:
    """A placement whose visits ``actor`` sees; anything else is not found."""
    placement = db.session.scalar(
        select(Placement)
        .where(Placement.id == placement_id)
        .options(
            selectinload(Placement.student).selectinload(StudentProfile.user),
            selectinload(Placement.student).selectinload(StudentProfile.school),
            selectinload(Placement.offering).selectinload(Offering.partner),
        )
    )
    if placement is None or not policies.sees_visits(actor, placement):
        raise NotFound()
    return placement


def get_visit(actor: User, visit_id: int) -> WorksiteVisit:
    visit = db.session.scalar(
        select(WorksiteVisit)
        .where(WorksiteVisit.id == visit_id)
        .options(
            selectinload(WorksiteVisit.answers),
            selectinload(WorksiteVisit.visitor),
            selectinload(WorksiteVisit.follow_up_closed_by),
        )
    )
    if visit is None:
        raise NotFound()
    get_placement(actor, visit.placement_id)  # NotFound outside the actor's scope
    return visit


def district_of(placement: Placement) -> int:
    return placement.student.school.district_id


def flag_of(placement_id: int) -> VisitDueFlag | None:
    return db.session.get(VisitDueFlag, placement_id)


# --- recording a visit -----------------------------------------------------------------------


def _check(placement: Placement, report: VisitReport, items: list[str], today: date) -> None:
    if report.checklist_key != checklist_key(items):
        raise ChecklistChanged()
    if report.visited_on > today:
        raise DomainError(
            gettext("The day of the visit cannot be in the future."), field="visited_on"
        )
    if placement.start_date is not None and report.visited_on < placement.start_date:
        raise DomainError(
            gettext(
                "The placement started on %(day)s: give a day from then on.",
                day=placement.start_date.isoformat(),
            ),
            field="visited_on",
        )
    if len(report.answers) != len(items) or any(a is None for a in report.answers):
        raise DomainError(gettext("Answer every item of the checklist."), field="answers")
    if len(report.notes.strip()) > MAX_NOTES:
        raise DomainError(
            gettext("Keep the notes under %(n)s characters.", n=MAX_NOTES),
            field="notes",
        )
    if report.follow_up_needed and not report.follow_up.strip():
        raise DomainError(gettext("Say what follow-up is needed."), field="follow_up")
    if len(report.follow_up.strip()) > MAX_FOLLOW_UP:
        raise DomainError(
            gettext("Keep the follow-up under %(n)s characters.", n=MAX_FOLLOW_UP),
            field="follow_up",
        )


@atomic
def record_visit(actor: User, placement_id: int, report: VisitReport) -> WorksiteVisit:
    """Staff or a teacher who sees the placement records a visit to its worksite, with the
    district's checklist answered item by item; the items' wording is stored with the answers.
    The placement's "visit due" flag, if staff had set one, is cleared."""
    placement = get_placement(actor, placement_id)
    role = policies.visitor_role(actor, placement)
    if role is None:  # get_placement made sure of it; this is for mypy
        raise NotFound()
    if placement.status is PlacementStatus.CANCELLED:
        raise DomainError(gettext("This placement was cancelled: there is no worksite to visit."))
    items = queries.checklist(district_of(placement))
    _check(placement, report, items, local_today())
    needed = report.follow_up_needed
    visit = WorksiteVisit(
        placement=placement,
        visited_on=report.visited_on,
        visitor_id=actor.id,
        visitor_role=role,
        notes=report.notes.strip(),
        follow_up_needed=needed,
        follow_up=report.follow_up.strip() if needed else "",
        answers=[
            WorksiteVisitAnswer(position=i, item_text=text, answer=answer)
            for i, (text, answer) in enumerate(zip(items, report.answers, strict=True))
        ],
    )
    db.session.add(visit)
    db.session.execute(delete(VisitDueFlag).where(VisitDueFlag.placement_id == placement.id))
    db.session.commit()
    return visit


# --- follow-ups and flags (staff) ------------------------------------------------------------


@atomic
def close_follow_up(actor: User, visit_id: int, outcome: str) -> WorksiteVisit:
    """Staff close a visit's follow-up with what was done. A compare-and-set: of two staff
    closing it at once, one does and the other is told it already was."""
    visit = get_visit(actor, visit_id)
    require(policies.manages(actor, visit.placement))
    text = outcome.strip()
    if not text:
        raise DomainError(gettext("Write what was done."), field="outcome")
    if len(text) > MAX_FOLLOW_UP:
        raise DomainError(
            gettext("Keep it under %(n)s characters.", n=MAX_FOLLOW_UP),
            field="outcome",
        )
    if not visit.follow_up_needed:
        raise DomainError(gettext("This visit asked for no follow-up."))
    closed = rows_affected(
        db.session.execute(
            update(WorksiteVisit)
            .where(WorksiteVisit.id == visit.id, WorksiteVisit.follow_up_closed_at.is_(None))
            .values(
                follow_up_closed_at=utcnow(),
                follow_up_closed_by_id=actor.id,
                follow_up_outcome=text,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if closed != 1:
        raise FollowUpAlreadyClosed()
    db.session.expire(visit)
    db.session.commit()
    return visit


@atomic
def flag_due(actor: User, placement_id: int, reason: str) -> VisitDueFlag:
    """Staff mark a placement "visit due" by hand; flagging it again updates the reason."""
    placement = get_placement(actor, placement_id)
    require(policies.manages(actor, placement))
    if placement.status not in (PlacementStatus.ACTIVE, PlacementStatus.PAUSED):
        raise DomainError(gettext("Only an active or paused placement can be due a visit."))
    text = reason.strip()
    if len(text) > MAX_FLAG_REASON:
        raise DomainError(
            gettext("Keep the reason under %(n)s characters.", n=MAX_FLAG_REASON),
            field="reason",
        )
    # The placement's row, locked: two staff flagging it at once take turns, so the second
    # updates the first's flag instead of inserting a second one.
    lock_row(Placement, placement.id)
    flag = db.session.get(VisitDueFlag, placement.id, populate_existing=True)
    if flag is None:
        flag = VisitDueFlag(placement_id=placement.id)
        db.session.add(flag)
    flag.reason, flag.flagged_by_id, flag.flagged_at = text, actor.id, utcnow()
    db.session.commit()
    return flag


@atomic
def unflag_due(actor: User, placement_id: int) -> None:
    """Staff take the hand-set flag off (the rule may still make it due)."""
    placement = get_placement(actor, placement_id)
    require(policies.manages(actor, placement))
    db.session.execute(delete(VisitDueFlag).where(VisitDueFlag.placement_id == placement.id))
    db.session.commit()


# --- the district's checklist and rule -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChecklistSettings:
    items: tuple[str, ...]
    due_after_days: int


def get_district(actor: User, district_id: int) -> District:
    district = db.session.get(District, district_id)
    if district is None or not policies.keeps_checklist(actor, district.id):
        raise NotFound()
    return district


def parse_items(text: str) -> tuple[str, ...]:
    """One item a line; blank lines dropped, spaces tidied."""
    return tuple(" ".join(line.split()) for line in text.splitlines() if line.strip())


@atomic
def save_checklist(actor: User, district_id: int, settings: ChecklistSettings) -> None:
    """Replace the district's checklist and its "visit due" interval. Visits already recorded
    keep the wording they were answered with."""
    district = get_district(actor, district_id)
    items = settings.items
    if not items:
        raise DomainError(gettext("Give at least one checklist item."), field="items")
    if len(items) > MAX_ITEMS:
        raise DomainError(
            gettext("Keep the checklist to %(n)s items.", n=MAX_ITEMS),
            field="items",
        )
    if any(len(item) > MAX_ITEM_LENGTH for item in items):
        raise DomainError(
            gettext("Keep each item under %(n)s characters.", n=MAX_ITEM_LENGTH),
            field="items",
        )
    if len({item.casefold() for item in items}) != len(items):
        raise DomainError(gettext("Each item may appear only once."), field="items")
    days = settings.due_after_days
    if not MIN_DUE_AFTER_DAYS <= days <= MAX_DUE_AFTER_DAYS:
        raise DomainError(
            gettext(
                "Give a number of days from %(low)s to %(high)s.",
                low=MIN_DUE_AFTER_DAYS,
                high=MAX_DUE_AFTER_DAYS,
            ),
            field="due_after_days",
        )
    # The district's row, locked: two staff saving at once take turns (the second replaces
    # the first's list) instead of inserting two lists.
    lock_row(District, district.id)
    db.session.execute(
        delete(VisitChecklistItem).where(VisitChecklistItem.district_id == district.id)
    )
    db.session.flush()
    db.session.add_all(
        VisitChecklistItem(district_id=district.id, position=i, text=item)
        for i, item in enumerate(items)
    )
    row = db.session.get(VisitSettings, district.id, populate_existing=True)
    if row is None:
        db.session.add(VisitSettings(district_id=district.id, due_after_days=days))
    else:
        row.due_after_days = days
    db.session.commit()
