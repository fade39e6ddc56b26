"""A placed teacher's hours on their externship.

A placed teacher logs hours under the same rules as students' hours (the shared checks in
``wbl.hours.services``: quarter hours, at most 12 a day in total, not in the future, inside
the externship's dates); a contact of the partner, or staff, confirms or rejects them with a
reason the teacher sees; the teacher may change or withdraw hours still waiting. Withdrawn
hours are kept, marked withdrawn, and count nowhere: the students' audit policy (entries never
vanish). Each step is written to the hours' audit trail (``ExternshipHourEvent``), which the
teacher, the partner's contacts and staff see.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from wbl.auth.models import User
from wbl.errors import DomainError, Forbidden, NotFound
from wbl.extensions import atomic, db, lock_row, move_status, utcnow
from wbl.externships.models import (
    ExternshipApplication,
    ExternshipHour,
    ExternshipHourEvent,
    ExternshipHourStatus,
    HourAction,
    TeacherApplicationStatus,
)
from wbl.externships.policies import can_decide, is_teacher_of
from wbl.externships.services import get_application, partner_contacts
from wbl.hours.services import MAX_DESCRIPTION, check_day_total, check_entry, refuse_duplicate
from wbl.notifications.services import queue_email

# Hours that count towards the daily limit and the totals.
LIVE = (ExternshipHourStatus.PENDING, ExternshipHourStatus.CONFIRMED)


class AlreadyDecided(DomainError):
    message = "These hours have already been decided; nothing was changed."


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
    for contact in partner_contacts(externship.partner_id):
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
def withdraw_hours(actor: User, hour_id: int) -> ExternshipHour:
    """Take back hours still waiting for the partner. They stay, marked withdrawn, as a
    student's withdrawn entry does (``wbl.hours.services.delete_entry``): they no longer count
    towards the totals or the day's limit, and the trail says who withdrew them and when."""
    hour, _ = _own_pending(actor, hour_id)
    if not move_status(hour, ExternshipHourStatus.PENDING, status=ExternshipHourStatus.WITHDRAWN):
        raise AlreadyDecided()
    _trail(hour, HourAction.WITHDRAWN, actor)
    db.session.commit()
    return hour


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
