"""Read-side selects for hours: a placement's entries, a supervisor's inbox, an audit trail."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import selectinload

from wbl.access import Role
from wbl.auth.models import User, UserRole
from wbl.catalog.models import Offering, PartnerContact
from wbl.hours.models import EntryStatus, HourEntry, HourEntryEvent, digest_entry
from wbl.placements.models import Placement
from wbl.scopes import partner_ids_of
from wbl.students.models import StudentProfile


def placement_entries(placement_id: int) -> Select[HourEntry]:
    """Every entry of a placement (withdrawn, rejected and corrected ones too), newest day first."""
    return (
        select(HourEntry)
        .where(HourEntry.placement_id == placement_id)
        .options(selectinload(HourEntry.decided_by))
        .order_by(HourEntry.work_date.desc(), HourEntry.id.desc())
    )


def placement_totals(placement_id: int) -> Select[int, int]:
    """(confirmed minutes, pending minutes) of a placement."""

    def total(status: EntryStatus) -> ColumnElement[int]:
        return func.coalesce(
            func.sum(case((HourEntry.status == status, HourEntry.minutes), else_=0)), 0
        )

    return select(total(EntryStatus.CONFIRMED), total(EntryStatus.PENDING)).where(
        HourEntry.placement_id == placement_id
    )


def supervisor_pending(user_id: int) -> Select[HourEntry]:
    """Pending entries on the placements of every partner the user is a contact of, grouped by
    student and placement (a fixed number of queries, whatever the number of entries)."""
    partners = partner_ids_of(user_id)
    return (
        select(HourEntry)
        .join(Placement, Placement.id == HourEntry.placement_id)
        .join(Offering, Offering.id == Placement.offering_id)
        .join(StudentProfile, StudentProfile.id == HourEntry.student_id)
        .where(HourEntry.status == EntryStatus.PENDING, Offering.partner_id.in_(partners))
        .options(
            selectinload(HourEntry.placement).selectinload(Placement.offering),
            selectinload(HourEntry.student).selectinload(StudentProfile.user),
            selectinload(HourEntry.corrects),
        )
        .order_by(StudentProfile.id, Placement.id, HourEntry.work_date, HourEntry.id)
    )


def audit_trail(entry_id: int) -> Select[HourEntryEvent]:
    return (
        select(HourEntryEvent)
        .where(HourEntryEvent.entry_id == entry_id)
        .options(selectinload(HourEntryEvent.actor))
        .order_by(HourEntryEvent.at, HourEntryEvent.id)
    )


def pending_by_supervisor() -> Select[int, int]:
    """(user id, entry id) for every pending entry and every active employer user who is a
    contact of the entry's partner: who the weekly e-mail and the reminders go to."""
    employers = select(UserRole.user_id).where(UserRole.role == Role.EMPLOYER)
    return (
        select(PartnerContact.user_id, HourEntry.id)
        .join(Placement, Placement.id == HourEntry.placement_id)
        .join(Offering, Offering.id == Placement.offering_id)
        .join(PartnerContact, PartnerContact.partner_id == Offering.partner_id)
        .join(User, User.id == PartnerContact.user_id)
        .where(
            HourEntry.status == EntryStatus.PENDING,
            User.active.is_(True),
            User.id.in_(employers),
        )
        .order_by(PartnerContact.user_id, HourEntry.id)
    )


def entries_for_mail(entry_ids: Iterable[int]) -> Select[HourEntry]:
    """Entries with what an e-mail lists about them (student, offering, partner)."""
    return (
        select(HourEntry)
        .where(HourEntry.id.in_(list(entry_ids)))
        .options(
            selectinload(HourEntry.student).selectinload(StudentProfile.user),
            selectinload(HourEntry.placement)
            .selectinload(Placement.offering)
            .selectinload(Offering.partner),
        )
        .order_by(HourEntry.student_id, HourEntry.placement_id, HourEntry.work_date, HourEntry.id)
    )


def digest_entries(digest_id: int) -> Select[HourEntry]:
    """A digest's entries with all the signed-link page shows (a fixed number of queries)."""
    in_digest = select(digest_entry.c.entry_id).where(digest_entry.c.digest_id == digest_id)
    return (
        select(HourEntry)
        .where(HourEntry.id.in_(in_digest))
        .options(
            selectinload(HourEntry.student).selectinload(StudentProfile.user),
            selectinload(HourEntry.placement)
            .selectinload(Placement.offering)
            .selectinload(Offering.partner),
            selectinload(HourEntry.decided_by),
            selectinload(HourEntry.corrects),
        )
        .order_by(HourEntry.student_id, HourEntry.placement_id, HourEntry.work_date, HourEntry.id)
    )


def confirmed_in(placement_ids: Select[int]) -> Select[HourEntry]:
    """The confirmed entries of these placements (the hours that count), by id: the API's
    lists, whose scope is the placements the caller sees."""
    return (
        select(HourEntry)
        .where(HourEntry.status == EntryStatus.CONFIRMED, HourEntry.placement_id.in_(placement_ids))
        .order_by(HourEntry.id)
    )
