"""Teacher externships: the use cases.

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
- **Apply.** A teacher applies once per externship, with a statement, while it is open, the
  apply-by date has not passed and seats are left; they may withdraw while still ``applied``.
- **Place a team.** Staff place two or more applicants together (never fewer than the
  externship's minimum team size), all or nothing. The seats are taken by ONE conditional
  UPDATE (``seats_taken + n <= seats``), so two staff placing teams at once never overbook;
  each applicant moves by compare-and-set from ``applied`` to ``placed``, so an applicant who
  withdrew a moment ago is not placed (and the seats go back with the savepoint).
- **Hours.** A placed teacher logs hours under the same rules as students' hours (the shared
  checks in ``wbl.hours.services``: quarter hours, at most 12 a day in total, not in the
  future, inside the externship's dates); a contact of the partner, or staff, confirms or
  rejects them with a reason the teacher sees. Each step is written to the hours' audit trail
  (``ExternshipHourEvent``), which the teacher, the partner's contacts and staff see.
- **Project.** The placed teacher attaches the classroom project (title, summary, an optional
  file); with a project attached they mark the externship completed (staff may complete it
  at any time).

Scope: staff see every externship and its seat counts (partners are the county's shared
catalog), but a district's staff see and act on only the teachers of their district's schools
(``staff_sees_teacher``): other districts' applications are not found, and the externship's
page and the per-partner and per-school views list only their district's teachers.
Employers see their partners' externships and, of applicants, names and schools only.
Teachers see open externships and those they applied to. Anything else is not found.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wbl.access import Role, require
from wbl.auth.models import User
from wbl.catalog.models import Partner, PartnerContact
from wbl.clock import local_today
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import atomic, db, lock_row, move_status, rows_affected, utcnow
from wbl.externships.models import (
    Externship,
    ExternshipApplication,
    ExternshipHour,
    ExternshipHourEvent,
    ExternshipHourStatus,
    ExternshipStatus,
    ExternshipTeam,
    HourAction,
    TeacherApplicationStatus,
)
from wbl.hours.services import MAX_DESCRIPTION, check_day_total, check_entry, refuse_duplicate
from wbl.notifications.services import queue_email
from wbl.portfolio.files import clean_upload
from wbl.portfolio.services import StoredFile, Upload
from wbl.scopes import acts_for, is_county_wide, is_staff, partner_ids_of, staff_sees_school
from wbl.storage import storage

log = logging.getLogger(__name__)

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_STATEMENT = 4000
MAX_EXPECTED_HOURS = 2000
MAX_REASON = 2000
# Seats and team sizes are small numbers; a bound keeps a typo (or a huge number) a clear
# message instead of a database overflow.
MAX_SEATS = 100
FOLDER = "externships"
# Hours that count towards the daily limit and the totals.
LIVE = (ExternshipHourStatus.PENDING, ExternshipHourStatus.CONFIRMED)
ON_TEAM = (TeacherApplicationStatus.PLACED, TeacherApplicationStatus.COMPLETED)


class AlreadyDecided(DomainError):
    message = "These hours have already been decided; nothing was changed."


# --- who may see and do what ---------------------------------------------------------------


def is_contact_of(user: User, partner_id: int) -> bool:
    return acts_for(user, partner_id)


def can_manage(user: User, externship: Externship) -> bool:
    """Staff, or a contact of the externship's partner."""
    return is_staff(user) or is_contact_of(user, externship.partner_id)


def staff_sees_teacher(user: User, teacher: User) -> bool:
    """County-wide staff see every teacher; a district's staff only the teachers of their
    district's schools (a teacher with no school belongs to no district)."""
    school = teacher.school
    return is_county_wide(user) or (school is not None and staff_sees_school(user, school))


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


def is_teacher_of(user: User, application: ExternshipApplication) -> bool:
    return application.teacher_id == user.id


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
    for contact in _contacts(externship.partner_id):
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


# --- apply ---------------------------------------------------------------------------------


def open_problem(externship: Externship, today: date) -> str | None:
    """Why a teacher cannot apply now, or None."""
    if externship.status is not ExternshipStatus.OPEN:
        return "This externship is not taking applications."
    if externship.apply_by is not None and externship.apply_by < today:
        return f"Applications closed on {externship.apply_by:%B} {externship.apply_by.day}."
    if externship.seats_taken >= externship.seats:
        return "Every seat of this externship is taken."
    left = externship.seats - externship.seats_taken
    if left < externship.min_team_size:
        # Teachers are placed in teams of at least min_team_size: fewer seats fit nobody.
        return (
            f"Only {left} {'seat is' if left == 1 else 'seats are'} left, fewer than a team "
            f"of {externship.min_team_size}; this externship is full."
        )
    return None


@atomic
def apply(actor: User, externship_id: int, statement: str) -> ExternshipApplication:
    require(actor.has_role(Role.TEACHER))
    externship = get_externship(actor, externship_id)
    # Under a lock on the externship, read afresh: closed or cancelled a moment ago is seen.
    externship = lock_row(Externship, externship.id)
    if own_application(actor, externship.id) is not None:
        raise DomainError("You have already applied to this externship.", field="statement")
    problem = open_problem(externship, local_today())
    if problem:
        raise DomainError(problem, field="statement")
    statement = (statement or "").strip()
    if not statement:
        raise DomainError(
            "Say why you want this externship and what you would bring back to class.",
            field="statement",
        )
    if len(statement) > MAX_STATEMENT:
        raise DomainError(
            f"Keep the statement under {MAX_STATEMENT} characters.", field="statement"
        )
    application = ExternshipApplication(
        externship_id=externship.id, teacher_id=actor.id, statement=statement
    )
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:  # the same teacher, twice at the same moment
        raise DomainError(
            "You have already applied to this externship.", field="statement"
        ) from None
    db.session.commit()
    return application


@atomic
def withdraw(actor: User, application_id: int) -> ExternshipApplication:
    application = get_application(actor, application_id)
    require(is_teacher_of(actor, application))
    if not move_status(
        application,
        TeacherApplicationStatus.APPLIED,
        status=TeacherApplicationStatus.WITHDRAWN,
        updated_at=utcnow(),
    ):
        raise DomainError("Only an application still waiting for a decision can be withdrawn.")
    db.session.commit()
    return application


@atomic
def decline(actor: User, application_id: int, note: str) -> ExternshipApplication:
    """Staff turn an applicant down, with a note the teacher sees."""
    application = get_application(actor, application_id)
    require(is_staff(actor))
    note = (note or "").strip()
    if not note:
        raise DomainError("Tell the teacher why (they see this note).", field="note")
    if len(note) > MAX_DESCRIPTION:
        raise DomainError("Keep the note shorter.", field="note")
    if not move_status(
        application,
        TeacherApplicationStatus.APPLIED,
        status=TeacherApplicationStatus.DECLINED,
        decision_note=note,
        updated_at=utcnow(),
    ):
        raise DomainError("This application has already been decided.", field="note")
    externship = application.externship
    queue_email(
        kind="externship_declined",
        to=application.teacher.email,
        template="externships/declined",
        context={"externship": externship, "note": note},
    )
    db.session.commit()
    return application


# --- place teams ---------------------------------------------------------------------------


def _take_seats(externship_id: int, count: int) -> bool:
    """Take ``count`` seats in one conditional UPDATE, or none (the database serialises
    the updates on the row; the CHECK ``seats_taken <= seats`` is the second line)."""
    return (
        rows_affected(
            db.session.execute(
                update(Externship)
                .where(
                    Externship.id == externship_id,
                    Externship.seats_taken + count <= Externship.seats,
                )
                .values(seats_taken=Externship.seats_taken + count)
                .execution_options(synchronize_session=False)
            )
        )
        == 1
    )


@atomic
def place_team(actor: User, externship_id: int, application_ids: Iterable[int]) -> ExternshipTeam:
    """Place the chosen applicants together, all or nothing."""
    require(is_staff(actor))
    externship = get_externship(actor, externship_id)
    if externship.status is ExternshipStatus.CANCELLED:
        raise DomainError("This externship is cancelled.")
    ids = sorted(set(application_ids))
    needed = max(externship.min_team_size, 2)
    if len(ids) < needed:
        raise DomainError(
            f"Place a team of at least {needed} teachers; you chose {len(ids)}. "
            "Nothing was changed."
        )
    applications = list(
        db.session.scalars(
            select(ExternshipApplication)
            .where(
                ExternshipApplication.id.in_(ids),
                ExternshipApplication.externship_id == externship.id,
            )
            .options(selectinload(ExternshipApplication.teacher).selectinload(User.school))
            .order_by(ExternshipApplication.id)
        )
    )
    if len(applications) != len(ids):
        raise NotFound()
    if not all(staff_sees_teacher(actor, a.teacher) for a in applications):
        raise NotFound()  # another district's teacher
    gone = [a for a in applications if a.status is not TeacherApplicationStatus.APPLIED]
    if gone:
        raise DomainError(_not_waiting(gone))
    if not _take_seats(externship.id, len(ids)):
        left = db.session.scalar(
            select(Externship.seats - Externship.seats_taken).where(Externship.id == externship.id)
        )
        raise DomainError(
            f"Not enough seats: the team needs {len(ids)} and {left} "
            f"{'is' if left == 1 else 'are'} left. Nothing was changed."
        )
    db.session.expire(externship, ["seats_taken"])
    team = ExternshipTeam(externship_id=externship.id, placed_by_id=actor.id)
    db.session.add(team)
    db.session.flush()
    for application in applications:
        if not move_status(
            application,
            TeacherApplicationStatus.APPLIED,
            status=TeacherApplicationStatus.PLACED,
            team_id=team.id,
            updated_at=utcnow(),
        ):
            raise DomainError(_not_waiting([application]))
    _tell_team(externship, applications)
    db.session.commit()
    return team


def _not_waiting(applications: list[ExternshipApplication]) -> str:
    names = ", ".join(f"{a.teacher.full_name} ({a.status.value})" for a in applications)
    return f"No longer waiting to be placed: {names}. Nothing was changed."


def _tell_team(externship: Externship, applications: list[ExternshipApplication]) -> None:
    names = ", ".join(a.teacher.full_name for a in applications)
    for application in applications:
        queue_email(
            kind="externship_placed",
            to=application.teacher.email,
            template="externships/placed",
            context={"externship": externship, "names": names},
        )
    for contact in _contacts(externship.partner_id):
        queue_email(
            kind="externship_team",
            to=contact.email,
            template="externships/team",
            context={"externship": externship, "names": names},
        )


def _contacts(partner_id: int) -> list[User]:
    """The partner's active contacts (they hear about their externships' teams)."""
    return list(
        db.session.scalars(
            select(User)
            .join(PartnerContact, PartnerContact.user_id == User.id)
            .where(PartnerContact.partner_id == partner_id, User.active.is_(True))
            .order_by(User.id)
        )
    )


# --- hours ---------------------------------------------------------------------------------


def _trail(hour: ExternshipHour, action: HourAction, actor: User, reason: str = "") -> None:
    """Write one step of the hours' audit trail, with the entry as it now stands."""
    db.session.add(
        ExternshipHourEvent(
            application_id=hour.application_id,
            hour_id=hour.id,
            action=action,
            actor_id=actor.id,
            work_date=hour.work_date,
            minutes=hour.minutes,
            description=hour.description,
            reason=reason,
        )
    )
    db.session.flush()


def _own_placed(actor: User, application_id: int, *, lock: bool = False) -> ExternshipApplication:
    application = get_application(actor, application_id)
    if not is_teacher_of(actor, application):
        raise Forbidden("Only the placed teacher logs their hours.")
    if lock:
        # Read afresh under a lock: withdrawn (the externship cancelled) a moment ago is seen.
        application = lock_row(ExternshipApplication, application.id)
    if application.status is not TeacherApplicationStatus.PLACED:
        raise DomainError(
            "Hours can be logged only while you are placed on the externship.",
            field="work_date",
        )
    return application


def _check_hours(
    application: ExternshipApplication,
    work_date: date,
    minutes: int,
    description: str,
    *,
    ignore_id: int | None = None,
) -> str:
    externship = application.externship
    description = check_entry(
        work_date,
        minutes,
        description,
        externship.starts_on,
        externship.ends_on,
        what="externship",
    )
    # The day's total is summed under a lock on the teacher's row (PostgreSQL; SQLite runs
    # one writer at a time), so two entries sent at once are checked one after the other.
    db.session.execute(select(User.id).where(User.id == application.teacher_id).with_for_update())
    others = [
        ExternshipApplication.teacher_id == application.teacher_id,
        ExternshipHour.status.in_(LIVE),
        ExternshipHour.work_date == work_date,
    ]
    if ignore_id is not None:
        others.append(ExternshipHour.id != ignore_id)
    logged = (
        db.session.scalar(
            select(func.coalesce(func.sum(ExternshipHour.minutes), 0))
            .join(ExternshipApplication, ExternshipHour.application_id == ExternshipApplication.id)
            .where(*others)
        )
        or 0
    )
    check_day_total(logged, minutes)
    duplicate = [
        ExternshipHour.application_id == application.id,
        ExternshipHour.status.in_(LIVE),
        ExternshipHour.work_date == work_date,
        ExternshipHour.minutes == minutes,
        ExternshipHour.description == description,
    ]
    if ignore_id is not None:
        duplicate.append(ExternshipHour.id != ignore_id)
    refuse_duplicate(db.session.scalar(select(ExternshipHour.id).where(*duplicate).limit(1)))
    return description


@atomic
def log_hours(
    actor: User, application_id: int, work_date: date, minutes: int, description: str
) -> ExternshipHour:
    application = _own_placed(actor, application_id, lock=True)
    description = _check_hours(application, work_date, minutes, description)
    hour = ExternshipHour(
        application_id=application.id,
        work_date=work_date,
        minutes=minutes,
        description=description,
    )
    db.session.add(hour)
    db.session.flush()
    _trail(hour, HourAction.CREATED, actor)
    _tell_hours_waiting(application, hour)
    db.session.commit()
    return hour


def _tell_hours_waiting(application: ExternshipApplication, hour: ExternshipHour) -> None:
    """The partner's contacts confirm the hours, so each log is one e-mail to each of them."""
    externship = application.externship
    for contact in _contacts(externship.partner_id):
        queue_email(
            kind="externship_hours",
            to=contact.email,
            template="externships/hours_waiting",
            context={"externship": externship, "application": application, "hour": hour},
        )


def get_hour(actor: User, hour_id: int) -> ExternshipHour:
    hour = db.session.get(ExternshipHour, hour_id)
    if hour is None:
        raise NotFound()
    get_application(actor, hour.application_id)
    return hour


def _own_pending(actor: User, hour_id: int) -> tuple[ExternshipHour, ExternshipApplication]:
    hour = get_hour(actor, hour_id)
    application = _own_placed(actor, hour.application_id)
    if hour.status is not ExternshipHourStatus.PENDING:
        raise AlreadyDecided(
            "Only hours still waiting for the partner can be changed or withdrawn."
        )
    return hour, application


@atomic
def edit_hours(
    actor: User, hour_id: int, work_date: date, minutes: int, description: str
) -> ExternshipHour:
    hour, application = _own_pending(actor, hour_id)
    description = _check_hours(application, work_date, minutes, description, ignore_id=hour.id)
    # Compare-and-set: hours the partner decided a moment ago are not changed under them.
    if not move_status(
        hour,
        ExternshipHourStatus.PENDING,
        work_date=work_date,
        minutes=minutes,
        description=description,
    ):
        raise AlreadyDecided()
    _trail(hour, HourAction.EDITED, actor)
    db.session.commit()
    return hour


@atomic
def delete_hours(actor: User, hour_id: int) -> None:
    hour, _ = _own_pending(actor, hour_id)
    # The trail keeps what was withdrawn; its rows let go of the entry before it goes (the
    # foreign key says SET NULL too, but SQLite enforces it only with foreign keys on).
    _trail(hour, HourAction.WITHDRAWN, actor)
    db.session.execute(
        update(ExternshipHourEvent)
        .where(ExternshipHourEvent.hour_id == hour.id)
        .values(hour_id=None)
        .execution_options(synchronize_session=False)
    )
    deleted = rows_affected(
        db.session.execute(
            delete(ExternshipHour)
            .where(
                ExternshipHour.id == hour.id,
                ExternshipHour.status == ExternshipHourStatus.PENDING,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if deleted != 1:
        raise AlreadyDecided()
    db.session.expunge(hour)
    db.session.commit()


def can_decide(user: User, application: ExternshipApplication) -> bool:
    """A contact of the externship's partner, or staff who see the teacher (their district's,
    or county-wide); never the teacher themself."""
    if application.teacher_id == user.id:
        return False
    return is_contact_of(user, application.externship.partner_id) or staff_sees_teacher(
        user, application.teacher
    )


def _decide(actor: User, hour_id: int, to: ExternshipHourStatus, reason: str) -> ExternshipHour:
    hour = get_hour(actor, hour_id)
    if not can_decide(actor, hour.application):
        raise Forbidden("Only the partner's contacts or staff confirm or reject hours.")
    if not move_status(
        hour,
        ExternshipHourStatus.PENDING,
        status=to,
        reject_reason=reason,
        decided_by_id=actor.id,
        decided_at=utcnow(),
    ):
        raise AlreadyDecided()
    _trail(hour, HourAction(to.value), actor, reason)
    return hour


@atomic
def confirm_hours(actor: User, hour_id: int) -> ExternshipHour:
    hour = _decide(actor, hour_id, ExternshipHourStatus.CONFIRMED, "")
    db.session.commit()
    return hour


@atomic
def reject_hours(actor: User, hour_id: int, reason: str) -> ExternshipHour:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Tell the teacher why (they see this reason).", field="reason")
    if len(reason) > MAX_DESCRIPTION:
        raise DomainError("Keep the reason shorter.", field="reason")
    hour = _decide(actor, hour_id, ExternshipHourStatus.REJECTED, reason)
    application = hour.application
    externship = application.externship
    queue_email(
        kind="externship_hours_rejected",
        to=application.teacher.email,
        template="externships/hours_rejected",
        context={"externship": externship, "hour": hour, "actor": actor, "note": reason},
    )
    db.session.commit()
    return hour


# --- the classroom project -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProjectEdit:
    title: str
    summary: str
    upload: Upload | None = None
    remove_file: bool = False


@atomic
def save_project(actor: User, application_id: int, edit: ProjectEdit) -> ExternshipApplication:
    """Attach (or change) the classroom project; a new file replaces the old one, which is
    deleted once the change is committed (and a new file is deleted if it is not)."""
    application = get_application(actor, application_id)
    if not is_teacher_of(actor, application):
        raise Forbidden("Only the teacher attaches their classroom project.")
    if application.status not in ON_TEAM:
        raise DomainError("Attach a project once you are placed on the externship.")
    title = " ".join((edit.title or "").split())
    summary = (edit.summary or "").strip()
    if not title:
        raise DomainError("Give the project a title.", field="title")
    if len(title) > MAX_TITLE:
        raise DomainError(f"Keep the title under {MAX_TITLE} characters.", field="title")
    if not summary:
        raise DomainError(
            "Summarise the project: what students do and what they learn.", field="summary"
        )
    if len(summary) > MAX_TEXT:
        raise DomainError(f"Keep the summary under {MAX_TEXT} characters.", field="summary")
    cleaned = clean_upload(edit.upload.data, edit.upload.filename) if edit.upload else None
    old_key = application.project_file_key if (cleaned or edit.remove_file) else None
    new_key = None
    if cleaned is not None:
        new_key = storage().save(cleaned.data, folder=FOLDER, extension=cleaned.extension)
        application.project_file_key, application.project_file_name = new_key, cleaned.name
        application.project_content_type = cleaned.content_type
        application.project_file_size = cleaned.size
    elif edit.remove_file:
        application.project_file_key, application.project_file_name = None, ""
        application.project_content_type, application.project_file_size = "", None
    application.project_title, application.project_summary = title, summary
    application.project_submitted_at = utcnow()
    try:
        db.session.flush()
        db.session.commit()
    except BaseException:
        if new_key:
            storage().delete(new_key)
        raise
    if old_key:
        with suppress(NotFound):
            storage().delete(old_key)
    return application


def project_file(actor: User, application_id: int) -> StoredFile:
    """The project's file, for the teacher, staff and the partner's contacts."""
    application = get_application(actor, application_id)
    if not application.project_file_key:
        raise NotFound()
    return StoredFile(
        storage().read(application.project_file_key),
        application.project_file_name,
        application.project_content_type,
    )


@atomic
def complete(actor: User, application_id: int) -> ExternshipApplication:
    """The teacher marks their externship completed once the project is attached; staff may
    complete it at any time."""
    application = get_application(actor, application_id)
    teacher = is_teacher_of(actor, application)
    require(teacher or is_staff(actor))
    if teacher and application.project_submitted_at is None:
        raise DomainError("Attach your classroom project first, then mark it completed.")
    if not move_status(
        application,
        TeacherApplicationStatus.PLACED,
        status=TeacherApplicationStatus.COMPLETED,
        updated_at=utcnow(),
    ):
        raise DomainError("Only a placed teacher's externship can be completed.")
    db.session.commit()
    return application
