"""The weekly teacher digest: what their school's students did in the past seven days.

Teachers follow their students' experiences (DESIGN.md: "see experience logs, hours … of
their students"); once a week each active teacher gets one e-mail listing the new activity
of their school's students: hour entries logged, confirmed or rejected, placements started
or completed, class-event attendance recorded; with a link to the school's experience log.
A teacher whose students did nothing gets nothing.

Idempotent: the e-mail and a ``Digest(kind="teacher", period=<the county-local week's
Monday>)`` row are written in one transaction, and teachers who already have that week's row
are skipped, so running the job twice (or after a crash) sends nothing twice. The unique
(kind, user, period) constraint stops a concurrent second run at the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import url_for
from flask_babel import format_date, format_decimal, gettext, ngettext
from sqlalchemy import and_, func, or_, select

from wbl.access import Role
from wbl.auth.models import User, UserRole
from wbl.catalog.models import Offering, Partner
from wbl.clock import to_local
from wbl.events.models import EventRequest
from wbl.extensions import atomic, db
from wbl.hours.models import Digest, EventAttendance, HourEntry, HourEntryEvent
from wbl.i18n import N_, is_english, later
from wbl.notifications.services import queue_email
from wbl.placements.models import Placement, PlacementStatus
from wbl.schools.models import School
from wbl.students.models import StudentProfile

KIND = "teacher"
WINDOW = timedelta(days=7)
MAX_STUDENTS = 40  # per e-mail; the school's log has the rest

KIND_WORDS = {"guest_speaker": N_("a guest speaker"), "workplace_visit": N_("a workplace visit")}

# What a student's hour entries went through this week, one line per action, made when the
# e-mail is rendered (later), so in the teacher's language.


def _logged(count: int, hours: str) -> str:
    return ngettext(
        "%(num)s hour entry logged (%(hours)s)",
        "%(num)s hour entries logged (%(hours)s)",
        count,
        hours=hours,
    )


def _confirmed(count: int, hours: str) -> str:
    return ngettext(
        "%(num)s hour entry confirmed (%(hours)s)",
        "%(num)s hour entries confirmed (%(hours)s)",
        count,
        hours=hours,
    )


def _rejected(count: int, hours: str) -> str:
    return ngettext(
        "%(num)s hour entry rejected (%(hours)s)",
        "%(num)s hour entries rejected (%(hours)s)",
        count,
        hours=hours,
    )


SAID = {"created": _logged, "confirmed": _confirmed, "rejected": _rejected}


def week_of(now: datetime) -> date:
    """The Monday of the county-local week ``now`` falls in: the digest's period."""
    day = to_local(now).date()
    return day - timedelta(days=day.weekday())


@dataclass(slots=True)
class _Student:
    name: str
    lines: list[str] = field(default_factory=list)


def _hours(minutes: int) -> str:
    value = f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
    if not is_english():
        value = format_decimal(minutes / 60, "#,##0.##")
    return ngettext("%(hours)s hour", "%(hours)s hours", 1 if minutes == 60 else 2, hours=value)


def _activity(since: datetime, now: datetime) -> dict[int, dict[int, _Student]]:
    """Per school, per student: the lines of what happened in (since, now]. Three queries,
    whatever the number of students."""
    schools: dict[int, dict[int, _Student]] = defaultdict(dict)

    def student(school_id: int, student_id: int, name: str) -> _Student:
        return schools[school_id].setdefault(student_id, _Student(name))

    who = (StudentProfile.school_id, StudentProfile.id, User.full_name)
    for school_id, student_id, name, action, count, minutes in db.session.execute(
        select(
            *who,
            HourEntryEvent.action,
            func.count(HourEntryEvent.id),
            func.coalesce(func.sum(HourEntry.minutes), 0),
        )
        .join(HourEntry, HourEntry.id == HourEntryEvent.entry_id)
        .join(StudentProfile, StudentProfile.id == HourEntry.student_id)
        .join(User, User.id == StudentProfile.user_id)
        .where(
            HourEntryEvent.at > since,
            HourEntryEvent.at <= now,
            HourEntryEvent.action.in_(tuple(SAID)),
        )
        .group_by(*who, HourEntryEvent.action)
        .order_by(HourEntryEvent.action)
    ):
        student(school_id, student_id, name).lines.append(
            later(SAID[action], count, later(_hours, minutes))
        )

    first_day, today = to_local(since).date(), to_local(now).date()
    placement_rows = db.session.execute(
        select(
            *who,
            Placement.start_date,
            Placement.status,
            Placement.completed_at,
            Placement.end_date,
            Offering.title,
            Partner.name,
        )
        .join(StudentProfile, StudentProfile.id == Placement.student_id)
        .join(User, User.id == StudentProfile.user_id)
        .join(Offering, Offering.id == Placement.offering_id)
        .join(Partner, Partner.id == Offering.partner_id)
        .where(
            or_(
                and_(
                    Placement.status != PlacementStatus.CANCELLED,
                    Placement.start_date > first_day,
                    Placement.start_date <= today,
                ),
                and_(
                    Placement.status == PlacementStatus.COMPLETED,
                    or_(
                        and_(Placement.completed_at > since, Placement.completed_at <= now),
                        and_(
                            Placement.completed_at.is_(None),
                            Placement.end_date >= first_day,
                            Placement.end_date < today,
                        ),
                    ),
                ),
            )
        )
        .order_by(Placement.start_date, Placement.id)
    )
    for (
        school_id,
        student_id,
        name,
        start,
        status,
        completed_at,
        end,
        title,
        partner,
    ) in placement_rows:
        lines = student(school_id, student_id, name).lines
        if start is not None and first_day < start <= today:
            lines.append(
                later(
                    gettext,
                    N_("started a placement: %(title)s at %(partner)s"),
                    title=title,
                    partner=partner,
                )
            )
        if status is PlacementStatus.COMPLETED and (
            (completed_at is not None and since < completed_at <= now)
            or (completed_at is None and end is not None and first_day <= end < today)
        ):
            lines.append(
                later(
                    gettext,
                    N_("completed a placement: %(title)s at %(partner)s"),
                    title=title,
                    partner=partner,
                )
            )

    for school_id, student_id, name, present, minutes, kind, partner in db.session.execute(
        select(
            *who,
            EventAttendance.present,
            EventAttendance.minutes,
            EventRequest.kind,
            Partner.name,
        )
        .join(EventAttendance, EventAttendance.student_id == StudentProfile.id)
        .join(User, User.id == StudentProfile.user_id)
        .join(EventRequest, EventRequest.id == EventAttendance.event_id)
        .join(Partner, Partner.id == EventRequest.partner_id)
        .where(EventAttendance.recorded_at > since, EventAttendance.recorded_at <= now)
        .order_by(EventAttendance.id)
    ):
        words = KIND_WORDS.get(kind.value, N_("a class event"))
        what = later(
            gettext, N_("%(event)s (%(partner)s)"), event=later(gettext, words), partner=partner
        )
        student(school_id, student_id, name).lines.append(
            later(
                gettext,
                N_("attended %(event)s, %(hours)s"),
                event=what,
                hours=later(_hours, minutes),
            )
            if present
            else later(gettext, N_("was absent from %(event)s"), event=what)
        )
    return schools


def _short_day(value: date) -> str:
    """ "Dec 1, 2026" ("1 dic 2026" in Spanish)."""
    if not is_english():
        return format_date(value, "medium")
    return f"{value:%b} {value.day}, {value.year}"


def _context(
    teacher: User, school: School, students: dict[int, _Student], since: date
) -> dict[str, Any]:
    """What email/hours/teacher_digest.txt lists: the first MAX_STUDENTS students by name."""
    listed = sorted(students.values(), key=lambda s: s.name.casefold())
    return {
        "teacher": teacher,
        "school": school,
        "since": later(_short_day, since),
        "students": listed[:MAX_STUDENTS],
        "more": max(len(listed) - MAX_STUDENTS, 0),
        "link": url_for("logs.school_log", school_id=school.id, _external=True),
    }


@atomic
def send_teacher_digests(now: datetime) -> str:
    """One e-mail per active teacher whose school's students did something in the seven
    days up to ``now``; at most one per teacher per week."""
    since = now - WINDOW
    period = week_of(now)
    activity = _activity(since, now)
    if not activity:
        return "0 teacher digest(s) queued"
    already = select(Digest.user_id).where(Digest.kind == KIND, Digest.period == period)
    teachers = list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                UserRole.role == Role.TEACHER,
                User.active.is_(True),
                User.school_id.in_(tuple(activity)),
                User.id.not_in(already),
            )
            .order_by(User.id)
        )
    )
    schools = {
        s.id: s for s in db.session.scalars(select(School).where(School.id.in_(tuple(activity))))
    }
    first_day = to_local(since).date()
    for teacher in teachers:
        assert teacher.school_id is not None  # noqa: S101 - filtered on above
        school = schools[teacher.school_id]
        db.session.add(Digest(kind=KIND, user_id=teacher.id, period=period, sent_at=now))
        queue_email(
            kind="teacher_digest",
            to=teacher.email,
            template="hours/teacher_digest",
            context=_context(teacher, school, activity[teacher.school_id], first_day),
        )
    db.session.commit()
    return f"{len(teachers)} teacher digest(s) queued"
