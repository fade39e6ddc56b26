"""Hours on placements: the student logs them, the placement's supervisor confirms or rejects
them. Entries never vanish: every change is written to the entry's audit trail.

Confirm and reject are conditional UPDATEs on ``status == pending`` (a double click or two
supervisors deciding at once change an entry once)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_babel import gettext, pgettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from wbl.access import require
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import atomic, db, move_status, rows_affected, utcnow
from wbl.hours.models import Channel, Digest, EntryStatus, HourEntry, HourEntryEvent, digest_entry
from wbl.i18n import N_
from wbl.placements import minor_hours, permits
from wbl.placements.models import Placement, PlacementStatus
from wbl.placements.policies import is_employer_of, is_student_of, is_teacher_of, staff_sees
from wbl.students.models import StudentProfile

DAY_LIMIT = 12 * 60
MAX_DESCRIPTION = 2000
# Entries whose minutes count (towards the daily limit and the placement's totals).
LIVE = (EntryStatus.PENDING, EntryStatus.CONFIRMED)


class AlreadyDecided(DomainError):
    message = N_("This entry has already been decided; nothing was changed.")


# --- who may see and do what ---------------------------------------------------------------


def _sees(user: User, placement: Placement) -> bool:
    return (
        is_student_of(user, placement)
        or is_teacher_of(user, placement)
        or is_employer_of(user, placement)
        or staff_sees(user, placement)
    )


def get_placement(actor: User, placement_id: int) -> Placement:
    """A placement whose hours the actor may see; anything else is not found."""
    placement = db.session.scalar(
        select(Placement)
        .where(Placement.id == placement_id)
        .options(
            selectinload(Placement.student).selectinload(StudentProfile.user),
            selectinload(Placement.student).selectinload(StudentProfile.school),
            selectinload(Placement.offering).selectinload(Offering.partner),
        )
    )
    if placement is None or not _sees(actor, placement):
        raise NotFound()
    return placement


def get_entry(actor: User, entry_id: int) -> HourEntry:
    entry = db.session.get(HourEntry, entry_id)
    if entry is None:
        raise NotFound()
    get_placement(actor, entry.placement_id)
    return entry


def _own_entry(actor: User, entry_id: int) -> HourEntry:
    entry = get_entry(actor, entry_id)
    require(is_student_of(actor, entry.placement))
    return entry


# --- checks --------------------------------------------------------------------------------


def _event(
    entry: HourEntry,
    action: str,
    actor: User | None,
    via: Channel = Channel.WEB,
    detail: dict[str, object] | None = None,
) -> None:
    db.session.add(
        HourEntryEvent(
            entry_id=entry.id,
            action=action,
            actor_id=actor.id if actor else None,
            via=via,
            detail=detail or {},
        )
    )


def _snapshot(entry: HourEntry) -> dict[str, object]:
    return {
        "work_date": entry.work_date.isoformat(),
        "minutes": entry.minutes,
        "description": entry.description,
    }


def _lock_student(student_id: int) -> None:
    """What is checked and then written for a student (the daily total, an open correction)
    is checked under a lock on the student's row, so two requests sent at the same moment
    are checked one after the other (PostgreSQL; SQLite runs one writer at a time). Held
    until the transaction ends; taking it twice in one transaction is harmless."""
    db.session.execute(
        select(StudentProfile.id).where(StudentProfile.id == student_id).with_for_update()
    )


def check_entry(
    work_date: date,
    minutes: int,
    description: str,
    start: date | None,
    end: date | None,
    *,
    what: str = "placement",
) -> str:
    """The rules every logged entry follows, whoever logs it (a student on a placement, a
    teacher on an externship): quarter hours, at most 12 hours, a description, not a day in
    the future, inside the dates of ``what``. Returns the cleaned description."""
    description = (description or "").strip()
    if minutes <= 0 or minutes % 15:
        raise DomainError(gettext("Use quarter hours: 0.25, 0.5, 0.75…"), field="hours")
    if minutes > DAY_LIMIT:
        raise DomainError(gettext("You can log at most 12 hours a day."), field="hours")
    if not description:
        raise DomainError(gettext("Say what you did."), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(
            gettext(
                "Keep the description under %(MAX_DESCRIPTION)s characters.",
                MAX_DESCRIPTION=MAX_DESCRIPTION,
            ),
            field="description",
        )
    if work_date > local_today():
        raise DomainError(
            gettext("You cannot log hours for a day in the future."), field="work_date"
        )
    if (start and work_date < start) or (end and work_date > end):
        raise DomainError(
            gettext(
                "That day is outside the %(what)s's dates (%(value)s).",
                what={"placement": gettext("placement"), "externship": gettext("externship")}.get(
                    what, what
                ),
                value=_dates(start, end),
            ),
            field="work_date",
        )
    return description


def check_day_total(logged: int, minutes: int) -> None:
    """At most 12 hours a day in total: ``logged`` minutes already on that day, ``minutes``
    more asked for (the caller sums under a lock on the person's row)."""
    if logged + minutes > DAY_LIMIT:
        left = max(DAY_LIMIT - logged, 0)
        raise DomainError(
            gettext(
                "You can log at most 12 hours a day in total; you have %(value)s on that day "
                "already (%(value2)s left).",
                value=_hours(logged),
                value2=_hours(left),
            ),
            field="hours",
        )


def _check(
    placement: Placement,
    work_date: date,
    minutes: int,
    description: str,
    *,
    ignore_id: int | None = None,
) -> str:
    """The rules every entry follows; returns the cleaned description."""
    description = check_entry(
        work_date, minutes, description, placement.start_date, placement.end_date
    )
    blocked = permits.hours_blocked(placement, work_date)
    if blocked:
        raise DomainError(blocked, field="work_date")
    _lock_student(placement.student_id)
    others = [HourEntry.student_id == placement.student_id, HourEntry.status.in_(LIVE)]
    if ignore_id is not None:
        others.append(HourEntry.id != ignore_id)
    logged = (
        db.session.scalar(
            select(func.coalesce(func.sum(HourEntry.minutes), 0)).where(
                *others, HourEntry.work_date == work_date
            )
        )
        or 0
    )
    check_day_total(logged, minutes)
    age = permits.hour_limits_apply(placement, work_date)
    if age is not None:
        monday, sunday = minor_hours.week_of(work_date)
        week = db.session.scalar(
            select(func.coalesce(func.sum(HourEntry.minutes), 0)).where(
                *others, HourEntry.work_date.between(monday, sunday)
            )
        )
        minor_hours.check_minor_hours(
            age, work_date, day_logged=logged, week_logged=week or 0, minutes=minutes
        )
    duplicate = db.session.scalar(
        select(HourEntry.id).where(
            *others,
            HourEntry.placement_id == placement.id,
            HourEntry.work_date == work_date,
            HourEntry.minutes == minutes,
            HourEntry.description == description,
        )
    )
    refuse_duplicate(duplicate)
    return description


def refuse_duplicate(duplicate: int | None) -> None:
    """An entry exactly like a live one (same day, minutes and description) is a double
    click or a resend, not new work; teachers' externship hours follow the same rule."""
    if duplicate is not None:
        raise DomainError(
            gettext("You have already logged exactly this entry for that day."), field="description"
        )


def _hours(minutes: int) -> str:
    value = f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
    return f"{value} hour" if value == "1" else f"{value} hours"


def _dates(start: date | None, end: date | None) -> str:
    return f"{start.isoformat() if start else '…'} to {end.isoformat() if end else '…'}"


def _active_placement_of(actor: User, placement_id: int) -> Placement:
    placement = get_placement(actor, placement_id)
    require(is_student_of(actor, placement))
    if placement.status is PlacementStatus.PAUSED:
        raise DomainError(
            gettext(
                "This placement is paused by the program staff: no hours can be logged "
                "until they resume it."
            ),
            field="work_date",
        )
    if placement.status is not PlacementStatus.ACTIVE:
        raise DomainError(
            gettext("Hours can be logged only on an active placement."), field="work_date"
        )
    return placement


# --- the student's use cases ---------------------------------------------------------------


@atomic
def log_hours(
    actor: User, placement_id: int, work_date: date, minutes: int, description: str
) -> HourEntry:
    placement = _active_placement_of(actor, placement_id)
    if placement.start_date is not None and placement.starts_after(local_today()):
        raise DomainError(
            gettext(
                "This placement starts on %(value)s: log your hours from that day.",
                value=placement.start_date.isoformat(),
            ),
            field="work_date",
        )
    description = _check(placement, work_date, minutes, description)
    entry = HourEntry(
        placement_id=placement.id,
        student_id=placement.student_id,
        work_date=work_date,
        minutes=minutes,
        description=description,
    )
    db.session.add(entry)
    db.session.flush()
    _event(entry, "created", actor, detail={"after": _snapshot(entry)})
    db.session.commit()
    return entry


def _require_pending(entry: HourEntry, doing: str) -> None:
    if entry.status is not EntryStatus.PENDING:
        raise DomainError(
            gettext(
                "Only an entry waiting for the supervisor can be %(doing)s; a confirmed entry is "
                "corrected with a new entry.",
                doing=doing,
            ),
            field="description",
        )


@atomic
def edit_entry(
    actor: User, entry_id: int, work_date: date, minutes: int, description: str
) -> HourEntry:
    entry = _own_entry(actor, entry_id)
    _require_pending(entry, gettext("edited"))
    placement = _active_placement_of(actor, entry.placement_id)
    description = _check(placement, work_date, minutes, description, ignore_id=entry.id)
    before = _snapshot(entry)
    entry.work_date, entry.minutes, entry.description = work_date, minutes, description
    db.session.flush()
    _event(entry, "edited", actor, detail={"before": before, "after": _snapshot(entry)})
    db.session.commit()
    return entry


@atomic
def delete_entry(actor: User, entry_id: int) -> HourEntry:
    """Withdraw a pending entry: it stays, marked deleted."""
    entry = _own_entry(actor, entry_id)
    _require_pending(entry, pgettext("an hour entry", "withdrawn"))
    if not move_status(entry, EntryStatus.PENDING, status=EntryStatus.DELETED, updated_at=utcnow()):
        raise AlreadyDecided()
    _event(entry, "deleted", actor, detail={"before": _snapshot(entry)})
    db.session.commit()
    return entry


@atomic
def correct_entry(
    actor: User, entry_id: int, work_date: date, minutes: int, description: str
) -> HourEntry:
    """A confirmed entry is corrected by a new pending entry that references it; the original
    becomes ``corrected`` when the supervisor confirms the correction."""
    original = _own_entry(actor, entry_id)
    _lock_student(original.student_id)
    if original.status is not EntryStatus.CONFIRMED:
        raise DomainError(
            gettext(
                "Only a confirmed entry is corrected; edit or withdraw one that is still waiting."
            ),
            field="description",
        )
    open_correction = db.session.scalar(
        select(HourEntry.id).where(
            HourEntry.corrects_id == original.id, HourEntry.status == EntryStatus.PENDING
        )
    )
    if open_correction is not None:
        raise DomainError(
            gettext("A correction of this entry is already waiting for the supervisor."),
            field="description",
        )
    placement = _active_placement_of(actor, original.placement_id)
    if (work_date, minutes, (description or "").strip()) == (
        original.work_date,
        original.minutes,
        original.description,
    ):
        raise DomainError(gettext("The correction changes nothing."), field="hours")
    # The original still counts until the correction is confirmed; the new one replaces it.
    description = _check(placement, work_date, minutes, description, ignore_id=original.id)
    entry = HourEntry(
        placement_id=placement.id,
        student_id=placement.student_id,
        work_date=work_date,
        minutes=minutes,
        description=description,
        corrects_id=original.id,
    )
    db.session.add(entry)
    db.session.flush()
    _event(
        entry,
        "created",
        actor,
        detail={"after": _snapshot(entry), "corrects": original.id},
    )
    _event(original, "correction_requested", actor, detail={"correction": entry.id})
    db.session.commit()
    return entry


# --- the supervisor's use cases ------------------------------------------------------------


def _decide(actor: User, entry: HourEntry, to: EntryStatus, via: Channel, reason: str = "") -> None:
    now = utcnow()
    if not move_status(
        entry,
        EntryStatus.PENDING,
        status=to,
        reject_reason=reason,
        decided_by_id=actor.id,
        decided_at=now,
        decided_via=via,
        updated_at=now,
    ):
        raise AlreadyDecided()
    db.session.expire(entry)
    detail: dict[str, object] = {"reason": reason} if reason else {}
    _event(entry, to.value, actor, via, detail)


def _supervised_entry(actor: User, entry_id: int) -> HourEntry:
    entry = get_entry(actor, entry_id)
    if not is_employer_of(actor, entry.placement):
        raise Forbidden(gettext("Only the placement's supervisor can confirm or reject hours."))
    return entry


@atomic
def confirm(actor: User, entry_ids: Iterable[int], via: Channel = Channel.WEB) -> int:
    """Confirm one or many pending entries; returns how many changed (entries someone else
    decided first are skipped). Confirming a correction marks the original ``corrected``."""
    ids = sorted(set(entry_ids))
    if not ids:
        raise DomainError(gettext("Choose at least one entry to confirm."))
    entries = [_supervised_entry(actor, entry_id) for entry_id in ids]
    confirmed = 0
    for entry in entries:
        try:
            _decide(actor, entry, EntryStatus.CONFIRMED, via)
        except AlreadyDecided:
            continue
        confirmed += 1
        if entry.corrects_id is not None:
            changed = rows_affected(
                db.session.execute(
                    update(HourEntry)
                    .where(
                        HourEntry.id == entry.corrects_id,
                        HourEntry.status == EntryStatus.CONFIRMED,
                    )
                    .values(status=EntryStatus.CORRECTED, updated_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
            )
            if changed == 1:
                original = db.session.get(HourEntry, entry.corrects_id)
                assert original is not None  # noqa: S101 - just updated
                db.session.expire(original)
                _event(original, "corrected", actor, via, {"by": entry.id})
    db.session.commit()
    return confirmed


@atomic
def reject(actor: User, entry_id: int, reason: str, via: Channel = Channel.WEB) -> HourEntry:
    reason = (reason or "").strip()
    entry = _supervised_entry(actor, entry_id)
    if not reason:
        raise DomainError(gettext("Tell the student why (they see this reason)."), field="reason")
    if len(reason) > MAX_DESCRIPTION:
        raise DomainError(gettext("Keep the reason shorter."), field="reason")
    _decide(actor, entry, EntryStatus.REJECTED, via, reason)
    db.session.commit()
    return entry


# --- from the signed link in the supervisor's e-mail (wbl/hours/links.py) -------------------


def in_digest(digest: Digest, entry_ids: Iterable[int]) -> list[int]:
    """The ids, if the digest holds every one of them: a link decides only the entries its
    e-mail listed, so an id from anywhere else is not found and nothing changes."""
    ids = sorted(set(entry_ids))
    held = set(
        db.session.scalars(
            select(digest_entry.c.entry_id).where(digest_entry.c.digest_id == digest.id)
        )
    )
    if not set(ids) <= held:
        raise NotFound()
    return ids


def confirm_from_link(digest: Digest, entry_ids: Iterable[int]) -> int:
    """Confirm entries of a digest as its supervisor, through the e-mail channel. ``confirm``
    checks that the supervisor still supervises each one (a contact since removed is refused
    before anything changes) and skips entries already decided."""
    return confirm(digest.user, in_digest(digest, entry_ids), via=Channel.EMAIL)


def reject_from_link(digest: Digest, entry_id: int, reason: str) -> HourEntry:
    """Reject one entry of a digest as its supervisor, through the e-mail channel."""
    [held] = in_digest(digest, [entry_id])
    return reject(digest.user, held, reason, via=Channel.EMAIL)
