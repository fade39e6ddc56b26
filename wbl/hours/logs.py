"""Experience logs and the staff hours report: the read side of hours and class events.

A student's experience log lists every experience: the class events their teacher recorded
them at (present or absent) and their placements, each with its confirmed and pending hours,
the day of its last activity and the supervisor's evaluation when there is one. A class's and
a school's logs give one row per student with totals; staff see hours by partner, school and
experience type, and the active placements with no hours for 14 days.

Hours that count are the supervisor-confirmed ones; entries waiting for the supervisor are
"pending"; rejected, withdrawn and corrected (replaced) entries count nowhere. Time at class
events is the teacher's record, shown apart from placement hours.

Who sees what (FERPA, legitimate educational interest): a student their own log; teachers the
students of their own school (a class's log: its own teacher); CTE staff their district's
schools (county staff all). Anything else is not found. Every list is a fixed number of
aggregate queries, whatever the number of students.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from flask_babel import format_decimal, gettext, pgettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    ScalarSelect,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import joinedload, selectinload

from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Offering, Partner
from wbl.clock import local_to_utc, local_today, to_local
from wbl.errors import DomainError, NotFound
from wbl.evaluations.models import RATINGS, PlacementEvaluation
from wbl.events.models import EventDateOption, EventRequest
from wbl.extensions import db, utcnow
from wbl.hours.minutes import hours_text
from wbl.hours.models import EntryStatus, EventAttendance, HourEntry
from wbl.imports.writing import csv_bytes
from wbl.pagination import PageInfo, paginate_rows
from wbl.placements.models import Placement, PlacementStatus
from wbl.reference.models import ExperienceKind
from wbl.schools.models import ClassSection, School, class_section_student
from wbl.scopes import in_staff_district, is_staff, staff_sees_school, teaches_at
from wbl.students.models import StudentProfile

STALE_DAYS = 14


def _sum_status(status: EntryStatus) -> ColumnElement[int]:
    return func.coalesce(
        func.sum(case((HourEntry.status == status, HourEntry.minutes), else_=0)), 0
    )


def _chosen_option() -> ColumnElement[bool]:
    return and_(EventDateOption.request_id == EventRequest.id, EventDateOption.chosen.is_(True))


def _latest(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return max(known) if known else None


def _local_day(value: datetime | None) -> date | None:
    return to_local(value).date() if value is not None else None


# --- scope ---------------------------------------------------------------------------------


def own_student_id(actor: User) -> int:
    """The signed-in student's profile (a student account without one: not found)."""
    found = db.session.scalar(select(StudentProfile.id).where(StudentProfile.user_id == actor.id))
    if found is None:
        raise NotFound("Your student profile is not set up yet.")
    return found


def get_class(actor: User, class_id: int) -> ClassSection:
    """A class's log: its own teacher, or staff whose scope its school is in."""
    section = db.session.scalar(
        select(ClassSection)
        .where(ClassSection.id == class_id)
        .options(selectinload(ClassSection.school), selectinload(ClassSection.teacher))
    )
    if section is None:
        raise NotFound()
    if not (
        (actor.has_role(Role.TEACHER) and section.teacher_id == actor.id)
        or staff_sees_school(actor, section.school)
    ):
        raise NotFound()
    return section


def get_school(actor: User, school_id: int) -> School:
    """A school's log: its teachers, or staff whose scope it is in."""
    school = db.session.get(School, school_id)
    if school is None or not (teaches_at(actor, school.id) or staff_sees_school(actor, school)):
        raise NotFound()
    return school


def teacher_classes(actor: User) -> list[ClassSection]:
    """The teacher's classes (active first), for the logs' index page."""
    return list(
        db.session.scalars(
            select(ClassSection)
            .where(ClassSection.teacher_id == actor.id)
            .order_by(
                ClassSection.active.desc(), ClassSection.period, ClassSection.name, ClassSection.id
            )
        )
    )


def visible_schools(actor: User) -> list[School]:
    """The schools whose logs the actor opens: a teacher's own; staff their district's (all,
    county staff)."""
    query = select(School).where(School.active.is_(True)).order_by(School.name)
    if is_staff(actor):
        query = query.where(in_staff_district(actor, School.district_id))
    elif actor.has_role(Role.TEACHER) and actor.school_id is not None:
        query = query.where(School.id == actor.school_id)
    else:
        return []
    return list(db.session.scalars(query))


# --- one student's log ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvaluationSummary:
    submitted_at: datetime
    average: float | None  # of the rated categories (N/A left out); None: nothing rated

    @property
    def submitted_on(self) -> date:
        return to_local(self.submitted_at).date()

    @property
    def label(self) -> str:
        """ "Average 3.3 of 4 (Meets)", or "" when nothing was rated."""
        if self.average is None:
            return ""
        band = _band(min(max(round(self.average), 1), 4))
        return gettext(
            "Average %(average)s of 4 (%(band)s)",
            average=format_decimal(round(self.average, 1), "0.0"),
            band=band,
        )


def _band(rating: int) -> str:
    """A rating's word (``evaluations.models.RATINGS``) in the reader's language."""
    words = {
        1: pgettext("an evaluation rating", "Does not meet"),
        2: pgettext("an evaluation rating", "Partially meets"),
        3: pgettext("an evaluation rating", "Meets"),
        4: pgettext("an evaluation rating", "Above expectations"),
    }
    return words.get(rating, RATINGS.get(rating, ""))


def summarize(evaluation: PlacementEvaluation) -> EvaluationSummary:
    ratings = [r.get("rating") for r in (evaluation.ratings or [])]
    values = [float(r) for r in ratings if isinstance(r, int | float) and not isinstance(r, bool)]
    return EvaluationSummary(evaluation.submitted_at, sum(values) / len(values) if values else None)


@dataclass(frozen=True, slots=True)
class EventLine:
    event: EventRequest
    starts_at: datetime | None
    present: bool
    minutes: int

    @property
    def day(self) -> date | None:
        return _local_day(self.starts_at)

    @property
    def attendance(self) -> str:
        """The word the log page and its CSV show."""
        return (
            pgettext("attendance", "Present") if self.present else pgettext("attendance", "Absent")
        )


@dataclass(frozen=True, slots=True)
class PlacementLine:
    placement: Placement
    confirmed: int  # minutes
    pending: int
    last_activity: date | None  # the latest day with an entry (any but withdrawn)
    evaluation: EvaluationSummary | None


@dataclass(frozen=True, slots=True)
class StudentLog:
    student: StudentProfile
    events: list[EventLine]
    placements: list[PlacementLine]

    @property
    def confirmed(self) -> int:
        return sum(p.confirmed for p in self.placements)

    @property
    def pending(self) -> int:
        return sum(p.pending for p in self.placements)

    @property
    def events_attended(self) -> int:
        return sum(1 for e in self.events if e.present)

    @property
    def event_minutes(self) -> int:
        return sum(e.minutes for e in self.events if e.present)

    @property
    def last_activity(self) -> date | None:
        return _latest(
            *(p.last_activity for p in self.placements),
            *(e.day for e in self.events if e.present),
        )


def student_log(student: StudentProfile) -> StudentLog:
    """Every experience of one student (the caller has checked scope with ``get_student``)."""
    placements = list(
        db.session.scalars(
            select(Placement)
            .where(Placement.student_id == student.id)
            .options(selectinload(Placement.offering).selectinload(Offering.partner))
            .order_by(Placement.start_date.desc(), Placement.id.desc())
        )
    )
    totals = {
        placement_id: (confirmed, pending, last)
        for placement_id, confirmed, pending, last in db.session.execute(
            select(
                HourEntry.placement_id,
                _sum_status(EntryStatus.CONFIRMED),
                _sum_status(EntryStatus.PENDING),
                func.max(case((HourEntry.status != EntryStatus.DELETED, HourEntry.work_date))),
            )
            .where(HourEntry.student_id == student.id)
            .group_by(HourEntry.placement_id)
        )
    }
    evaluations = {
        e.placement_id: summarize(e)
        for e in db.session.scalars(
            select(PlacementEvaluation).where(
                PlacementEvaluation.placement_id.in_(
                    select(Placement.id).where(Placement.student_id == student.id)
                )
            )
        )
    }
    events = [
        EventLine(event, starts_at, row.present, row.minutes)
        for row, event, starts_at in db.session.execute(
            select(EventAttendance, EventRequest, EventDateOption.starts_at)
            .join(EventRequest, EventRequest.id == EventAttendance.event_id)
            .outerjoin(EventDateOption, _chosen_option())
            .where(EventAttendance.student_id == student.id)
            .options(selectinload(EventRequest.partner), selectinload(EventRequest.offering))
            .order_by(EventDateOption.starts_at.desc(), EventRequest.id.desc())
        )
    ]
    lines = []
    for placement in placements:
        confirmed, pending, last = totals.get(placement.id, (0, 0, None))
        lines.append(
            PlacementLine(placement, confirmed, pending, last, evaluations.get(placement.id))
        )
    return StudentLog(student=student, events=events, placements=lines)


def placement_hours(student_id: int, statuses: Iterable[PlacementStatus]) -> list[PlacementLine]:
    """The student's placements in ``statuses`` (latest start first) with their offering and
    partner and their confirmed and pending minutes, in one query: the home page's card,
    which shows neither events nor evaluations (``evaluation`` is left None)."""
    totals = (
        select(
            HourEntry.placement_id,
            _sum_status(EntryStatus.CONFIRMED).label("confirmed"),
            _sum_status(EntryStatus.PENDING).label("pending"),
            func.max(case((HourEntry.status != EntryStatus.DELETED, HourEntry.work_date))).label(
                "last"
            ),
        )
        .where(HourEntry.student_id == student_id)
        .group_by(HourEntry.placement_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Placement,
            func.coalesce(totals.c.confirmed, 0),
            func.coalesce(totals.c.pending, 0),
            totals.c.last,
        )
        .outerjoin(totals, totals.c.placement_id == Placement.id)
        .where(Placement.student_id == student_id, Placement.status.in_(list(statuses)))
        .options(joinedload(Placement.offering).joinedload(Offering.partner))
        .order_by(Placement.start_date.desc(), Placement.id.desc())
    )
    return [
        PlacementLine(placement, confirmed, pending, last, None)
        for placement, confirmed, pending, last in rows
    ]


def student_log_csv(log: StudentLog, kind_names: dict[str, str]) -> bytes:
    """A student's log as a spreadsheet, for the student (and their teachers and staff): its
    headers and words in the reader's language, as the page (docs/i18n.md, "Downloads")."""
    header = [
        gettext("Experience"),
        gettext("Type"),
        gettext("Partner"),
        gettext("Status"),
        gettext("Start"),
        gettext("End"),
        gettext("Confirmed hours"),
        gettext("Pending hours"),
        gettext("Event hours"),
        gettext("Last activity"),
        gettext("Supervisor evaluation"),
    ]
    rows: list[list[object]] = []
    for line in log.placements:
        p = line.placement
        evaluation = ""
        if line.evaluation:
            evaluation = line.evaluation.label or (
                gettext("Evaluated on %(day)s", day=line.evaluation.submitted_on.isoformat())
            )
        rows.append(
            [
                p.offering.title,
                kind_names.get(p.offering.kind.value, p.offering.kind.value),
                p.offering.partner.name,
                p.status.label,
                p.start_date,
                p.end_date,
                hours_text(line.confirmed),
                hours_text(line.pending),
                "",
                line.last_activity,
                evaluation,
            ]
        )
    for e in log.events:
        rows.append(
            [
                e.event.topic,
                kind_names.get(e.event.kind.value, e.event.kind.value),
                e.event.partner.name,
                e.attendance,
                e.day,
                e.day,
                "",
                "",
                hours_text(e.minutes if e.present else 0),
                e.day if e.present else None,
                "",
            ]
        )
    rows.append(
        [
            gettext("Total"),
            "",
            "",
            "",
            None,
            None,
            hours_text(log.confirmed),
            hours_text(log.pending),
            hours_text(log.event_minutes),
            log.last_activity,
            "",
        ]
    )
    return csv_bytes(header, rows)


# --- a class's or a school's students, one row each ----------------------------------------

GROUP_PER_PAGE = 50


class GroupSort(StrEnum):
    """The columns a class's or school's log sorts by (the last activity mixes an entry's day
    with an event's local day, which the database cannot compare: it does not sort)."""

    NAME = "name"
    GRADE = "grade"
    PLACEMENTS = "placements"
    EVENTS = "events"
    CONFIRMED = "confirmed"
    PENDING = "pending"


@dataclass(frozen=True, slots=True)
class GroupFilters:
    """A name to look for, a column to sort by (``-confirmed``: most first) and a page."""

    q: str = ""
    sort: GroupSort = GroupSort.NAME
    descending: bool = False
    page: int = 1

    @classmethod
    def parse(cls, q: str | None, sort: str | None, page: int = 1) -> GroupFilters:
        """From the query string: an unknown sort is by name, a long name is cut short."""
        text = (sort or "").strip()
        try:
            key = GroupSort(text.removeprefix("-"))
        except ValueError:
            return cls((q or "")[:100].strip(), GroupSort.NAME, False, page)
        return cls((q or "")[:100].strip(), key, text.startswith("-"), page)

    @property
    def sort_arg(self) -> str:
        return ("-" if self.descending else "") + self.sort.value

    def sort_link(self, key: str) -> str:
        """A column heading's ``sort``: the same column turns around; another starts with
        names and grades A-Z and 9-12, figures most first."""
        column = GroupSort(key)
        if column is self.sort:
            return ("" if self.descending else "-") + column.value
        return column.value if column in (GroupSort.NAME, GroupSort.GRADE) else f"-{column.value}"


@dataclass(slots=True)
class StudentRow:
    student_id: int
    name: str
    grade: int | None
    placements: int = 0
    events_attended: int = 0
    confirmed: int = 0  # minutes
    pending: int = 0
    last_activity: date | None = None


@dataclass(frozen=True, slots=True)
class GroupLog:
    """One page of a class's or school's students, and the totals over every student who
    matches the filters (all pages)."""

    rows: list[StudentRow]
    total: StudentRow
    count: int  # students who match, on every page
    page: Pagination
    filters: GroupFilters


def class_students(section: ClassSection) -> Select[int]:
    """The class's students (the caller has checked scope with ``get_class``)."""
    return select(class_section_student.c.student_id).where(
        class_section_student.c.class_section_id == section.id
    )


def school_students(school: School) -> Select[int]:
    """The school's students with an active account (scope checked with ``get_school``)."""
    return (
        select(StudentProfile.id)
        .join(User, User.id == StudentProfile.user_id)
        .where(StudentProfile.school_id == school.id, User.active.is_(True))
    )


def _people(student_ids: Select[int], q: str) -> Select[*tuple[Any, ...]]:
    """The students of the scope whose name contains ``q`` (any case): id, name, grade."""
    people = (
        select(StudentProfile.id, User.full_name.label("name"), StudentProfile.grade)
        .join(User, User.id == StudentProfile.user_id)
        .where(StudentProfile.id.in_(student_ids.scalar_subquery()))
    )
    if q:
        people = people.where(func.lower(User.full_name).contains(q.lower(), autoescape=True))
    return people


def _placement_count(ids: ScalarSelect[int]) -> Select[*tuple[Any, ...]]:
    return select(Placement.student_id, func.count(Placement.id).label("placements")).where(
        Placement.student_id.in_(ids), Placement.status != PlacementStatus.CANCELLED
    )


def _hour_sums(ids: ScalarSelect[int]) -> Select[*tuple[Any, ...]]:
    return select(
        HourEntry.student_id,
        _sum_status(EntryStatus.CONFIRMED).label("confirmed"),
        _sum_status(EntryStatus.PENDING).label("pending"),
        func.max(case((HourEntry.status != EntryStatus.DELETED, HourEntry.work_date))).label(
            "last_entry"
        ),
    ).where(HourEntry.student_id.in_(ids))


def _events_attended(ids: ScalarSelect[int]) -> Select[*tuple[Any, ...]]:
    return (
        select(
            EventAttendance.student_id,
            func.count(EventAttendance.id).label("attended"),
            func.max(EventDateOption.starts_at).label("last_event"),
        )
        .join(EventRequest, EventRequest.id == EventAttendance.event_id)
        .outerjoin(EventDateOption, _chosen_option())
        .where(EventAttendance.student_id.in_(ids), EventAttendance.present.is_(True))
    )


def _group_rows(
    student_ids: Select[int], filters: GroupFilters, limit: int | None, offset: int = 0
) -> Select[*tuple[Any, ...]]:
    """The matching students' rows in the filters' order (then by name), ``limit`` of them
    from ``offset`` (None: all). Sorted by name or grade, the page is chosen first and only
    its students' figures are aggregated; sorted by a figure, every matching student's."""
    people = _people(student_ids, filters.q)
    by_student = filters.sort in (GroupSort.NAME, GroupSort.GRADE)

    def ordered(
        statement: Select[*tuple[Any, ...]], name: Any, grade: Any, figure: Any
    ) -> Select[*tuple[Any, ...]]:
        key = {GroupSort.NAME: name, GroupSort.GRADE: grade}.get(filters.sort, figure)
        return statement.order_by(
            key.desc() if filters.descending else key,
            name,
            statement.selected_columns[0],
        )

    if by_student:
        people = ordered(people, User.full_name, StudentProfile.grade, None)
        people = people.limit(limit).offset(offset)
    chosen = people.cte("people")
    ids = select(chosen.c.id).scalar_subquery()
    placements = _placement_count(ids).group_by(Placement.student_id).subquery("placements")
    hours = _hour_sums(ids).group_by(HourEntry.student_id).subquery("hours")
    events = _events_attended(ids).group_by(EventAttendance.student_id).subquery("events")
    figure = {
        GroupSort.PLACEMENTS: func.coalesce(placements.c.placements, 0),
        GroupSort.EVENTS: func.coalesce(events.c.attended, 0),
        GroupSort.CONFIRMED: func.coalesce(hours.c.confirmed, 0),
        GroupSort.PENDING: func.coalesce(hours.c.pending, 0),
    }.get(filters.sort)
    rows = ordered(
        select(
            chosen.c.id,
            chosen.c.name,
            chosen.c.grade,
            func.coalesce(placements.c.placements, 0),
            func.coalesce(events.c.attended, 0),
            func.coalesce(hours.c.confirmed, 0),
            func.coalesce(hours.c.pending, 0),
            hours.c.last_entry,
            events.c.last_event,
        )
        .select_from(chosen)
        .outerjoin(placements, placements.c.student_id == chosen.c.id)
        .outerjoin(hours, hours.c.student_id == chosen.c.id)
        .outerjoin(events, events.c.student_id == chosen.c.id),
        chosen.c.name,
        chosen.c.grade,
        figure,
    )
    return rows if by_student else rows.limit(limit).offset(offset)


def _student_row(row: Sequence[Any]) -> StudentRow:
    student_id, name, grade, placements, attended, confirmed, pending, last_entry, last_event = row
    return StudentRow(
        student_id,
        name,
        grade,
        placements,
        attended,
        confirmed,
        pending,
        _latest(last_entry, _local_day(last_event)),
    )


def _without_student(statement: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    return statement.with_only_columns(*list(statement.selected_columns)[1:])


def _totals(student_ids: Select[int], q: str) -> Select[*tuple[Any, ...]]:
    """How many students match, and their placements, events and hours together."""
    people = _people(student_ids, q).cte("people")
    ids = select(people.c.id).scalar_subquery()
    counted = select(func.count().label("n")).select_from(people).subquery("counted")
    placements = _placement_count(ids).with_only_columns(
        func.count(Placement.id).label("placements")
    )
    # Over every student at once: the per-student column goes (PostgreSQL refuses an
    # ungrouped column beside aggregates).
    hours = _without_student(_hour_sums(ids)).subquery("hours")
    events = _without_student(_events_attended(ids)).subquery("events")
    return select(
        counted.c.n,
        placements.scalar_subquery(),
        events.c.attended,
        hours.c.confirmed,
        hours.c.pending,
        hours.c.last_entry,
        events.c.last_event,
    ).select_from(counted.join(hours, true()).join(events, true()))


def _group_total(student_ids: Select[int], q: str) -> tuple[StudentRow, int]:
    """The Total row over every matching student, and how many they are: one statement of
    four aggregates (none grouped), whatever their number."""
    count, placed, attended, confirmed, pending, last_entry, last_event = db.session.execute(
        _totals(student_ids, q)
    ).one()
    total = StudentRow(0, "Total", None, placed, attended, confirmed, pending)
    total.last_activity = _latest(last_entry, _local_day(last_event))
    return total, count


def group_log(
    student_ids: Select[int], filters: GroupFilters, *, per_page: int | None = None
) -> GroupLog:
    """One page of the students of ``student_ids`` (``class_students``, ``school_students``)
    with their figures, and the totals over all of them: two statements whatever their
    number, each aggregating in the database."""
    total, count = _group_total(student_ids, filters.q)
    page = paginate_rows(
        lambda limit, offset: _group_rows(student_ids, filters, limit, offset),
        page=filters.page,
        per_page=per_page or GROUP_PER_PAGE,
        total=count,
    )
    return GroupLog([_student_row(r) for r in page.items], total, count, page, filters)


def class_log(section: ClassSection, filters: GroupFilters | None = None) -> GroupLog:
    return group_log(class_students(section), filters or GroupFilters())


def school_log(school: School, filters: GroupFilters | None = None) -> GroupLog:
    """The school's students with an active account."""
    return group_log(school_students(school), filters or GroupFilters())


GROUP_HEADER = [
    "Student",
    "Grade",
    "Placements",
    "Class events attended",
    "Confirmed hours",
    "Pending hours",
    "Last activity",
]


def group_log_csv(student_ids: Select[int], filters: GroupFilters) -> bytes:
    """Every matching student (not one page) in the page's order, and the Total row."""
    total, _ = _group_total(student_ids, filters.q)
    rows = [_student_row(r) for r in db.session.execute(_group_rows(student_ids, filters, None))]
    return csv_bytes(
        GROUP_HEADER,
        [
            [
                r.name,
                r.grade,
                r.placements,
                r.events_attended,
                hours_text(r.confirmed),
                hours_text(r.pending),
                r.last_activity,
            ]
            for r in [*rows, total]
        ],
    )


# --- the staff report ----------------------------------------------------------------------

REPORT_PER_PAGE = 25  # partners, and flagged placements, on a page of the report


@dataclass(frozen=True, slots=True)
class DateRange:
    start: date | None = None
    end: date | None = None

    def check(self) -> DateRange:
        if self.start and self.end and self.end < self.start:
            raise DomainError("The end date is before the start date.", field="end")
        return self


@dataclass(slots=True)
class HoursRow:
    key: str
    name: str
    confirmed: int = 0  # minutes
    pending: int = 0
    event_minutes: int = 0  # time at class events (present)


@dataclass(slots=True)
class HoursTable:
    """Rows (all of them, or one page's) and the Total over every row (all pages)."""

    rows: list[HoursRow]
    total: HoursRow
    page: PageInfo | None = None  # a paged table's page

    @classmethod
    def whole(cls, rows: list[HoursRow]) -> HoursTable:
        """A table with every row, its Total added up from them."""
        return cls(
            rows,
            HoursRow(
                "",
                "Total",
                sum(r.confirmed for r in rows),
                sum(r.pending for r in rows),
                sum(r.event_minutes for r in rows),
            ),
        )


@dataclass(frozen=True, slots=True)
class StalePlacement:
    """A flagged placement with what the report shows of it."""

    placement_id: int
    student_id: int
    student_name: str
    school_name: str
    offering_title: str
    partner_name: str
    start_date: date | None
    last_entry: date | None


@dataclass(frozen=True, slots=True)
class HoursReport:
    period: DateRange
    by_partner: HoursTable  # one page of partners (every partner in the CSV)
    by_school: HoursTable
    by_kind: HoursTable
    stale: list[StalePlacement]  # one page
    stale_page: Pagination | None  # None in the CSV, which leaves them out


def _district_students(actor: User) -> Select[int] | None:
    """The students a district's staff report on; None: all (county staff)."""
    if actor.is_county_wide:
        return None
    return (
        select(StudentProfile.id)
        .join(School, School.id == StudentProfile.school_id)
        .where(in_staff_district(actor, School.district_id))
    )


@dataclass(frozen=True, slots=True)
class _ReportScope:
    entries: list[ColumnElement[bool]]
    events: list[ColumnElement[bool]]

    @classmethod
    def of(cls, actor: User, period: DateRange) -> _ReportScope:
        """Confirmed and pending entries dated in the period, and presence at class events
        that start in it, of the actor's students."""
        scope = _district_students(actor)
        entries: list[ColumnElement[bool]] = [
            HourEntry.status.in_((EntryStatus.CONFIRMED, EntryStatus.PENDING))
        ]
        events: list[ColumnElement[bool]] = [EventAttendance.present.is_(True)]
        if scope is not None:
            entries.append(HourEntry.student_id.in_(scope.scalar_subquery()))
            events.append(EventAttendance.student_id.in_(scope.scalar_subquery()))
        if period.start:
            entries.append(HourEntry.work_date >= period.start)
            events.append(EventDateOption.starts_at >= local_to_utc(period.start, time.min))
        if period.end:
            entries.append(HourEntry.work_date <= period.end)
            events.append(
                EventDateOption.starts_at < local_to_utc(period.end + timedelta(days=1), time.min)
            )
        return cls(entries, events)

    def hours_grouped(self) -> CompoundSelect[*tuple[Any, ...]]:
        """Confirmed, pending and class-event minutes by partner, school and experience type
        together, in one statement: entries and events each grouped by the three, one after
        the other. The report adds them up by each grouping in Python (a few hundred rows for
        a county), so every grouping covers the same entries and events and adds up to the
        same totals."""
        entries = (
            select(
                Partner.id,
                Partner.name,
                School.id,
                School.name,
                Offering.kind,
                _sum_status(EntryStatus.CONFIRMED),
                _sum_status(EntryStatus.PENDING),
                literal(0),
            )
            .select_from(HourEntry)
            .join(Placement, Placement.id == HourEntry.placement_id)
            .join(Offering, Offering.id == Placement.offering_id)
            .join(Partner, Partner.id == Offering.partner_id)
            .join(StudentProfile, StudentProfile.id == HourEntry.student_id)
            .join(School, School.id == StudentProfile.school_id)
            .where(*self.entries)
            .group_by(Partner.id, Partner.name, School.id, School.name, Offering.kind)
        )
        events = (
            select(
                Partner.id,
                Partner.name,
                School.id,
                School.name,
                EventRequest.kind,
                literal(0),
                literal(0),
                func.coalesce(func.sum(EventAttendance.minutes), 0),
            )
            .select_from(EventAttendance)
            .join(EventRequest, EventRequest.id == EventAttendance.event_id)
            .join(EventDateOption, _chosen_option())
            .join(Partner, Partner.id == EventRequest.partner_id)
            .join(StudentProfile, StudentProfile.id == EventAttendance.student_id)
            .join(School, School.id == StudentProfile.school_id)
            .where(*self.events)
            .group_by(Partner.id, Partner.name, School.id, School.name, EventRequest.kind)
        )
        return union_all(entries, events)


@dataclass(slots=True)
class _Groupings:
    """The report's three groupings, added up from ``hours_grouped``'s rows."""

    partners: dict[int, HoursRow] = field(default_factory=dict)
    schools: dict[int, HoursRow] = field(default_factory=dict)
    kinds: dict[str, HoursRow] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[Sequence[Any]], kind_names: dict[str, str]) -> _Groupings:
        groupings = cls()
        for partner_id, partner, school_id, school, kind, confirmed, pending, minutes in rows:
            code = ExperienceKind(kind).value
            targets: tuple[tuple[dict[Any, HoursRow], object, str], ...] = (
                (groupings.partners, partner_id, partner),
                (groupings.schools, school_id, school),
                (groupings.kinds, code, kind_names.get(code, code)),
            )
            for group, key, name in targets:
                row = group.get(key)
                if row is None:
                    row = group[key] = HoursRow(str(key), name)
                row.confirmed += int(confirmed)
                row.pending += int(pending)
                row.event_minutes += int(minutes)
        return groupings

    @staticmethod
    def by_name(group: dict[Any, HoursRow]) -> list[HoursRow]:
        """The rows with any time, by name (then key), as the report lists them."""
        rows = [r for r in group.values() if r.confirmed or r.pending or r.event_minutes]
        return sorted(rows, key=lambda r: (r.name.casefold(), _natural(r.key)))


def _natural(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (0, key)


def hours_report(
    actor: User,
    period: DateRange,
    kind_names: dict[str, str],
    *,
    today: date | None = None,
    partner_page: int = 1,
    stale_page: int = 1,
    every_partner: bool = False,
) -> HoursReport:
    """Confirmed and pending placement hours (by the entry's day) and time at class events
    (by the event's day) in ``period``, by partner, school and experience type; and the
    active placements with no hours for 14 days. District staff see their district's.

    Partners and flagged placements come a page at a time (``every_partner``: all partners
    and no flagged placements, for the CSV); schools and types, a few, all at once. The
    totals are over everything: the types' rows add up to every partner's too."""
    period = period.check()
    groupings = _Groupings.of(
        db.session.execute(_ReportScope.of(actor, period).hours_grouped()), kind_names
    )
    by_school = HoursTable.whole(groupings.by_name(groupings.schools))
    by_kind = HoursTable.whole(groupings.by_name(groupings.kinds))
    partners = groupings.by_name(groupings.partners)
    if every_partner:
        by_partner = HoursTable(partners, by_kind.total)
        return HoursReport(period, by_partner, by_school, by_kind, [], None)
    page = PageInfo.clamp(partner_page, REPORT_PER_PAGE, len(partners))
    by_partner = HoursTable(
        partners[page.offset : page.offset + page.per_page], by_kind.total, page
    )
    stale = stale_placements(actor, today or local_today(), page=stale_page)
    return HoursReport(
        period, by_partner, by_school, by_kind, [_stale_row(r) for r in stale.items], stale
    )


def _stale(actor: User, today: date) -> tuple[list[ColumnElement[bool]], ScalarSelect[date]]:
    """What makes a placement stale for the actor: active, started at least 14 days ago, no
    entry (of any status but withdrawn) dated in the last 14 days, in the actor's scope; and
    the day of each placement's last entry."""
    cutoff = today - timedelta(days=STALE_DAYS)
    live = HourEntry.status != EntryStatus.DELETED
    recent = exists().where(
        HourEntry.placement_id == Placement.id, live, HourEntry.work_date > cutoff
    )
    last_entry = (
        select(func.max(HourEntry.work_date))
        .where(HourEntry.placement_id == Placement.id, live)
        .correlate(Placement)
        .scalar_subquery()
    )
    started = or_(
        Placement.start_date <= cutoff,
        and_(
            Placement.start_date.is_(None),
            Placement.created_at <= utcnow() - timedelta(days=STALE_DAYS),
        ),
    )
    conditions = [Placement.status == PlacementStatus.ACTIVE, started, ~recent]
    scope = _district_students(actor)
    if scope is not None:
        conditions.append(Placement.student_id.in_(scope.scalar_subquery()))
    return conditions, last_entry


def stale_placements(actor: User, today: date, *, page: int = 1) -> Pagination:
    """Active placements that started at least 14 days ago with no entry (of any status but
    withdrawn) dated in the last 14 days: the student may have stopped going, or stopped
    logging. Oldest last entry first, a page at a time (rows for ``_stale_row``): the
    columns the report shows, with the student, school, offering and partner joined in."""
    conditions, last_entry = _stale(actor, today)
    query = (
        select(
            Placement.id,
            Placement.student_id,
            User.full_name,
            School.name,
            Offering.title,
            Partner.name,
            Placement.start_date,
            last_entry,
        )
        .join(StudentProfile, StudentProfile.id == Placement.student_id)
        .join(User, User.id == StudentProfile.user_id)
        .join(School, School.id == StudentProfile.school_id)
        .join(Offering, Offering.id == Placement.offering_id)
        .join(Partner, Partner.id == Offering.partner_id)
        .where(*conditions)
        .order_by(last_entry.is_(None).desc(), last_entry, Placement.start_date, Placement.id)
    )
    return paginate_rows(
        lambda limit, offset: query.limit(limit).offset(offset),
        page=page,
        per_page=REPORT_PER_PAGE,
        total=stale_count(actor, today),
    )


def _stale_row(row: Sequence[Any]) -> StalePlacement:
    return StalePlacement(*row)


def stale_count(actor: User, today: date) -> int:
    """How many placements ``stale_placements`` lists, counted in the database."""
    conditions, _ = _stale(actor, today)
    return db.session.scalar(select(func.count(Placement.id)).where(*conditions)) or 0


def report_csv(report: HoursReport) -> bytes:
    """The three tables, every row (``hours_report(..., every_partner=True)``)."""
    header = ["Grouped by", "Name", "Confirmed hours", "Pending hours", "Class-event hours"]
    rows: list[list[object]] = []
    for label, table in (
        ("Partner", report.by_partner),
        ("School", report.by_school),
        ("Experience type", report.by_kind),
    ):
        for r in [*table.rows, table.total]:
            rows.append(
                [
                    label,
                    r.name,
                    hours_text(r.confirmed),
                    hours_text(r.pending),
                    hours_text(r.event_minutes),
                ]
            )
    return csv_bytes(header, rows)
