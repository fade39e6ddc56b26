"""Teacher externships: finding one in scope, offering it, and its status.

- **Offer.** Staff post an externship for any partner; a contact of the partner (an employer)
  may post and edit their own partner's externships too. Employers' externships open at once,
  as their offerings' edits do for a known partner: staff see every externship on their list
  and can edit or cancel one, so no separate approval step is kept.
- **Close, reopen, cancel.** Staff, or a contact of the partner, close an open externship to
  new applications and reopen it; or cancel it for good, with a reason (a cancelled one is
  never reopened). Cancelling frees nothing silently: every placed teacher comes off the
  team (their application becomes ``withdrawn`` with the reason as its note, their seat goes
  back, so ``seats_taken`` keeps counting the teachers still on a team), every applicant
  still waiting is ``declined`` with the reason, and each of them, and the partner's contacts,
  is e-mailed through the outbox. A teacher who already completed keeps it (their hours and
  project stand). Hours logged before the cancellation stay: the partner may still confirm or
  reject those waiting, but no new hours are logged. Each status change is a compare-and-set
  (``move_status``), so two clicks change it once.

The other use cases: ``selection`` (apply, decline, place a team), ``teacher_hours`` (a
placed teacher's hours), ``projects`` (the classroom project, completing); who may do what is
``policies``.

Scope: staff see every externship and its seat counts (partners are the county's shared
catalog), but a district's staff see and act on only the teachers of their district's schools
(``staff_sees_teacher``): other districts' applications are not found, and the externship's
page and the per-partner and per-school views list only their district's teachers.
Employers see their partners' externships and, of applicants, names and schools only.
Teachers see open externships and those they applied to. Anything else is not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.catalog.models import Partner, PartnerContact
from wbl.clock import local_today
from wbl.errors import DomainError, NotFound
from wbl.extensions import atomic, db, lock_row, move_status, utcnow
from wbl.externships.models import (
    Externship,
    ExternshipApplication,
    ExternshipStatus,
    TeacherApplicationStatus,
)
from wbl.externships.policies import can_manage, is_contact_of, staff_sees_teacher
from wbl.notifications.services import queue_email
from wbl.scopes import is_staff, partner_ids_of

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_EXPECTED_HOURS = 2000
MAX_REASON = 2000
# Seats and team sizes are small numbers; a bound keeps a typo (or a huge number) a clear
# message instead of a database overflow.
MAX_SEATS = 100


# --- the externship and its applications, in the actor's scope ----------------------------


def own_application(user: User, externship_id: int) -> ExternshipApplication | None:
    """The teacher's own application to the externship, if any."""
    return db.session.scalar(
        select(ExternshipApplication).where(
            ExternshipApplication.externship_id == externship_id,
            ExternshipApplication.teacher_id == user.id,
        )
    )


def _sees(user: User, externship: Externship) -> bool:
    if can_manage(user, externship):
        return True
    if not user.has_role(Role.TEACHER):
        return False
    return (
        externship.status is ExternshipStatus.OPEN
        or own_application(user, externship.id) is not None
    )


def get_externship(actor: User, externship_id: int) -> Externship:
    """An externship the actor may see; anything else is not found."""
    externship = db.session.scalar(
        select(Externship)
        .where(Externship.id == externship_id)
        .options(selectinload(Externship.partner))
    )
    if externship is None or not _sees(actor, externship):
        raise NotFound()
    return externship


def _managed(actor: User, externship_id: int) -> Externship:
    externship = get_externship(actor, externship_id)
    require(can_manage(actor, externship))
    return externship


def get_application(actor: User, application_id: int) -> ExternshipApplication:
    """An application the actor may see: the teacher's own, or any of an externship the actor
    manages (staff, the partner's contacts)."""
    application = db.session.scalar(
        select(ExternshipApplication)
        .where(ExternshipApplication.id == application_id)
        .options(
            selectinload(ExternshipApplication.externship).selectinload(Externship.partner),
            selectinload(ExternshipApplication.teacher).selectinload(User.school),
        )
    )
    if application is None:
        raise NotFound()
    if application.teacher_id != actor.id:
        if not can_manage(actor, application.externship):
            raise NotFound()
        if is_staff(actor) and not staff_sees_teacher(actor, application.teacher):
            raise NotFound()  # another district's teacher
    return application


# --- offer ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExternshipDraft:
    partner_id: int
    title: str
    description: str
    starts_on: date
    ends_on: date
    expected_hours: int | None
    seats: int
    min_team_size: int
    apply_by: date | None


def partners_for(actor: User) -> list[Partner]:
    """The partners the actor may post an externship for (staff: every active partner)."""
    query = select(Partner).where(Partner.active.is_(True)).order_by(Partner.name)
    if not is_staff(actor):
        query = query.where(Partner.id.in_(partner_ids_of(actor)))
    return list(db.session.scalars(query))


def _check_draft(draft: ExternshipDraft, *, new: bool, seats_taken: int = 0) -> tuple[str, str]:
    title = " ".join((draft.title or "").split())
    description = (draft.description or "").strip()
    if not title:
        raise DomainError("Give the externship a title.", field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(f"Keep the title under {MAX_TITLE} characters.", field="title")
    if len(description) > MAX_TEXT:
        raise DomainError(f"Keep the description under {MAX_TEXT} characters.", field="description")
    if draft.ends_on < draft.starts_on:
        raise DomainError("The externship must end on or after its first day.", field="ends_on")
    today = local_today()
    if new and draft.starts_on < today:
        raise DomainError("The first day cannot be in the past.", field="starts_on")
    if draft.apply_by is not None:
        if draft.apply_by > draft.starts_on:
            raise DomainError(
                "Teachers must apply by the first day at the latest.", field="apply_by"
            )
        if new and draft.apply_by < today:
            raise DomainError("The apply-by date cannot be in the past.", field="apply_by")
    if draft.expected_hours is not None and not 1 <= draft.expected_hours <= MAX_EXPECTED_HOURS:
        raise DomainError(
            f"Expected hours are between 1 and {MAX_EXPECTED_HOURS}.", field="expected_hours"
        )
    if draft.min_team_size < 2:
        raise DomainError("Teachers go in teams of two or more.", field="min_team_size")
    if draft.min_team_size > MAX_SEATS:
        raise DomainError(f"A team has at most {MAX_SEATS} teachers.", field="min_team_size")
    if draft.seats < 2:
        raise DomainError("An externship needs at least 2 seats (a team).", field="seats")
    if draft.seats > MAX_SEATS:
        raise DomainError(f"An externship has at most {MAX_SEATS} seats.", field="seats")
    if draft.seats < draft.min_team_size:
        raise DomainError(
            f"With a minimum team of {draft.min_team_size}, offer at least "
            f"{draft.min_team_size} seats.",
            field="seats",
        )
    if draft.seats < seats_taken:
        raise DomainError(
            f"{seats_taken} seats are already taken by placed teachers; offer at least that many.",
            field="seats",
        )
    return title, description


def _fill(externship: Externship, draft: ExternshipDraft, title: str, description: str) -> None:
    externship.title, externship.description = title, description
    externship.starts_on, externship.ends_on = draft.starts_on, draft.ends_on
    externship.expected_hours, externship.apply_by = draft.expected_hours, draft.apply_by
    externship.seats, externship.min_team_size = draft.seats, draft.min_team_size


def _partner_for(actor: User, partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None or not (is_staff(actor) or is_contact_of(actor, partner.id)):
        raise DomainError("Choose one of the partners in the list.", field="partner_id")
    if not partner.active:
        raise DomainError(f"{partner.name} is no longer an active partner.", field="partner_id")
    return partner


@atomic
def create_externship(actor: User, draft: ExternshipDraft) -> Externship:
    require(is_staff(actor) or actor.has_role(Role.EMPLOYER))
    partner = _partner_for(actor, draft.partner_id)
    title, description = _check_draft(draft, new=True)
    externship = Externship(partner=partner, created_by_id=actor.id, seats_taken=0)
    _fill(externship, draft, title, description)
    db.session.add(externship)
    db.session.flush()
    db.session.commit()
    return externship


@atomic
def edit_externship(actor: User, externship_id: int, draft: ExternshipDraft) -> Externship:
    """Change an externship (not its partner). Seats are checked against the seats taken
    under a lock on the row, so a team placed meanwhile is counted."""
    externship = _managed(actor, externship_id)
    if externship.status is ExternshipStatus.CANCELLED:
        raise DomainError("This externship is cancelled; it can no longer be changed.")
    externship = lock_row(Externship, externship.id)
    # Read again under the lock: it may have been cancelled while this request waited.
    if externship.status is ExternshipStatus.CANCELLED:
        raise DomainError("This externship is cancelled; it can no longer be changed.")
    title, description = _check_draft(draft, new=False, seats_taken=externship.seats_taken)
    _fill(externship, draft, title, description)
    db.session.flush()
    db.session.commit()
    return externship


# --- close, reopen, cancel ------------------------------------------------------------------


def _refuse_move(externship: Externship, wanted: ExternshipStatus) -> DomainError:
    """Why the externship did not move: it was cancelled, or is already where it was asked
    to go (a second click, or someone else a moment before)."""
    now = externship.status  # expired by move_status, so read afresh
    if now is ExternshipStatus.CANCELLED:
        return DomainError("This externship is cancelled; it cannot be closed or reopened.")
    if now is wanted:
        return DomainError(f"This externship is already {wanted.value}; nothing was changed.")
    return DomainError(f"This externship is {now.value}; nothing was changed.")


def _move(
    actor: User, externship_id: int, from_: ExternshipStatus, to: ExternshipStatus
) -> Externship:
    externship = _managed(actor, externship_id)
    if not move_status(externship, from_, status=to):
        raise _refuse_move(externship, to)
    return externship


@atomic
def close_externship(actor: User, externship_id: int) -> Externship:
    """Stop taking applications (the teams already placed go on as before)."""
    externship = _move(actor, externship_id, ExternshipStatus.OPEN, ExternshipStatus.CLOSED)
    db.session.commit()
    return externship


@atomic
def reopen_externship(actor: User, externship_id: int) -> Externship:
    """Take applications again; only a closed externship reopens, never a cancelled one."""
    externship = _move(actor, externship_id, ExternshipStatus.CLOSED, ExternshipStatus.OPEN)
    db.session.commit()
    return externship


@atomic
def cancel_externship(actor: User, externship_id: int, reason: str) -> Externship:
    """Cancel for good, with a reason everyone affected is sent (see the module's notes)."""
    externship = _managed(actor, externship_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "Say why the externship is cancelled (the teachers are sent this).", field="reason"
        )
    if len(reason) > MAX_REASON:
        raise DomainError(f"Keep the reason under {MAX_REASON} characters.", field="reason")
    values = {
        "status": ExternshipStatus.CANCELLED,
        "cancel_reason": reason,
        "cancelled_by_id": actor.id,
        "cancelled_at": utcnow(),
    }
    if not (
        move_status(externship, ExternshipStatus.OPEN, **values)
        or move_status(externship, ExternshipStatus.CLOSED, **values)
    ):
        raise DomainError("This externship is already cancelled; nothing was changed.")
    applications = list(
        db.session.scalars(
            select(ExternshipApplication)
            .where(
                ExternshipApplication.externship_id == externship.id,
                ExternshipApplication.status.in_(
                    (TeacherApplicationStatus.PLACED, TeacherApplicationStatus.APPLIED)
                ),
            )
            .options(selectinload(ExternshipApplication.teacher))
            .order_by(ExternshipApplication.id)
        )
    )
    note = f"The externship was cancelled: {reason}"
    freed = 0
    for application in applications:
        was = application.status
        to = (
            TeacherApplicationStatus.WITHDRAWN
            if was is TeacherApplicationStatus.PLACED
            else TeacherApplicationStatus.DECLINED
        )
        # Compare-and-set: a teacher who completed or withdrew a moment ago is left as is.
        if not move_status(application, was, status=to, decision_note=note, updated_at=utcnow()):
            continue
        placed = was is TeacherApplicationStatus.PLACED
        freed += placed
        _tell_cancelled(externship, application.teacher.email, reason, placed=placed)
    if freed:
        db.session.execute(
            update(Externship)
            .where(Externship.id == externship.id)
            .values(seats_taken=Externship.seats_taken - freed)
            .execution_options(synchronize_session=False)
        )
        db.session.expire(externship, ["seats_taken"])
    for contact in partner_contacts(externship.partner_id):
        if contact.id != actor.id:
            queue_email(
                kind="externship_cancelled",
                to=contact.email,
                template="externships/cancelled",
                context={"externship": externship, "actor": actor, "note": reason},
            )
    db.session.commit()
    return externship


def _tell_cancelled(externship: Externship, email: str, reason: str, *, placed: bool) -> None:
    queue_email(
        kind="externship_cancelled",
        to=email,
        template="externships/application_cancelled",
        context={"externship": externship, "placed": placed, "note": reason},
    )


# --- the partner's contacts ------------------------------------------------------------------


def partner_contacts(partner_id: int) -> list[User]:
    """The partner's active contacts (they hear about their externships' teams)."""
    return list(
        db.session.scalars(
            select(User)
            .join(PartnerContact, PartnerContact.user_id == User.id)
            .where(PartnerContact.partner_id == partner_id, User.active.is_(True))
            .order_by(User.id)
        )
    )
