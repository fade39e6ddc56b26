"""The CALPADS WBLR file for a school year: its records, and the ones that cannot be reported.

The rules (CALPADS Update Flash #229; docs/state-reporting.md):

- The reporting year runs July 1 to June 30 ("2026-2027"). Hours of types 10–20 are the
  ones done in that year: an internship that spans two years is reported in each, with each
  year's hours. Hours are the supervisor's **confirmed** entries only (pending, rejected,
  corrected and withdrawn entries count nowhere, as everywhere in the app).
- A placement is reported when it has confirmed hours in the year and its kind maps to a
  WBLR type (``layout.DEFAULT_TYPE_CODES``, changed by staff in ``ReportingCode``):
  internships → 10, one record per internship with its internship id; online work-based
  projects → 20 and (when staff map a kind to it) 15, one record per student, type, school
  and embedded course, their hours added up. Job shadows, guest speakers and workplace visits
  are not reported. This app records no student-led enterprises (docs/state-reporting.md).
- A record CALPADS would reject is not put in the file: ``WblrReport.left_out`` lists each
  with why (no SSID, no state course code, grade outside 9–12, no school or district code).
  The export refuses to drop them silently: the file is written only when the caller says
  how many it leaves out (``wbl.reporting.services.export``).

Everything is read in at most three statements, whatever the county's size: the codes, the
district (when one is asked for) and one query that adds the year's confirmed minutes up per
placement in SQL and joins what each record needs.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select, true

from wbl import collector
from wbl.auth.models import User
from wbl.catalog.models import Offering
from wbl.errors import DomainError, NotFound
from wbl.evaluations.models import PlacementEvaluation
from wbl.extensions import db
from wbl.hours.models import EntryStatus, HourEntry
from wbl.placements.models import Placement
from wbl.reference.models import ExperienceKind
from wbl.reporting import layout
from wbl.reporting.models import OfferingReporting, ReportingCode
from wbl.reporting.reach import SchoolYear
from wbl.schools.models import District, School
from wbl.scopes import in_staff_district, staff_sees_district
from wbl.students.models import StudentProfile

YEAR_HELP = 'A school year is written "2026-2027": July 1, 2026 to June 30, 2027.'


class BadYear(DomainError):
    message = YEAR_HELP


class NothingToReport(DomainError):
    message = "Nothing to report: no placement with confirmed hours maps to a WBLR type."


def parse_year(text: str) -> SchoolYear:
    """A CALPADS academic year as people write it: "2026-2027" (or "2026-27", as the
    dashboards take it), in this millennium (``SchoolYear.parse``'s rule)."""
    try:
        return SchoolYear.parse(text)
    except DomainError:
        raise BadYear(field="year") from None


def grade_in(year: SchoolYear, graduation_year: int) -> int:
    """The grade a student is in during ``year``, from the year they graduate: the roster's
    grade is today's, and the report may be for a past year."""
    return 12 - (graduation_year - (year.start + 1))


class Fix(enum.StrEnum):
    """What a left-out record needs, and so where staff fix it (the page links each)."""

    STUDENT = "student"  # SSID or grade: the SIS, through the roster
    OFFERING = "offering"  # the state course code: the offering's reporting facts
    SCHOOL = "school"  # the school's CDS code
    DISTRICT = "district"  # the district's county-district code


@dataclass(frozen=True)
class Issue:
    fix: Fix
    message: str


@dataclass(frozen=True)
class Record:
    """One line of the file, or one the file cannot take (``issues``)."""

    values: dict[str, str]
    student_id: int
    student_name: str
    school_id: int
    school_name: str
    district_id: int
    offering_ids: tuple[int, ...]
    offering_titles: tuple[str, ...]
    issues: tuple[Issue, ...] = ()

    @property
    def wbl_type(self) -> str:
        return self.values["wbl_type"]

    @property
    def type_name(self) -> str:
        return layout.WBL_TYPES.get(self.wbl_type, self.wbl_type)

    @property
    def hours(self) -> str:
        return self.values["hours"]

    def sort_key(self) -> tuple[str, str, str, str, str, str, int, int]:
        v = self.values
        return (
            v["reporting_lea"],
            v["school"],
            v["ssid"],
            v["wbl_type"],
            v["internship_id"],
            v["course_code"],
            self.student_id,
            self.school_id,
        )


@dataclass
class SummaryRow:
    school_name: str
    type_name: str
    records: int
    students: int
    hours: int


@dataclass(frozen=True)
class WblrReport:
    year: SchoolYear
    district: District | None
    records: tuple[Record, ...] = field(default=())

    @property
    def valid(self) -> tuple[Record, ...]:
        return tuple(r for r in self.records if not r.issues)

    @property
    def left_out(self) -> tuple[Record, ...]:
        return tuple(r for r in self.records if r.issues)

    def by_school_and_type(self) -> list[SummaryRow]:
        """What the file holds, by school and type: the page shows this, not every line."""
        rows: dict[tuple[str, str], SummaryRow] = {}
        students: dict[tuple[str, str], set[int]] = {}
        for record in self.valid:
            key = (record.school_name, record.wbl_type)
            row = rows.setdefault(key, SummaryRow(record.school_name, record.type_name, 0, 0, 0))
            row.records += 1
            row.hours += int(record.hours)
            students.setdefault(key, set()).add(record.student_id)
            row.students = len(students[key])
        return [rows[key] for key in sorted(rows)]

    def file(self) -> bytes:
        """The caret-delimited file: the valid records only."""
        return layout.render_file(r.values for r in self.valid)

    @property
    def file_name(self) -> str:
        where = f"-{self.district.code or self.district.id}" if self.district else ""
        return f"calpads-wblr-{self.year.code}{where}.txt"


# --- the codes staff may change -----------------------------------------------------------


def codes() -> dict[str, dict[str, str]]:
    """Every mapping: the documented defaults, with the codes staff set over them."""
    found = {mapping: dict(defaults) for mapping, defaults in layout.DEFAULTS.items()}
    for row in db.session.scalars(select(ReportingCode)):
        if row.mapping in found and row.key in found[row.mapping]:
            found[row.mapping][row.key] = row.code
    return found


def type_key(kind: ExperienceKind | str, is_virtual: bool) -> str:
    return f"{kind}:virtual" if is_virtual else str(kind)


# --- building -----------------------------------------------------------------------------


def district_for_report(actor: User | None, district_id: int | None) -> District | None:
    """The district asked for, when the actor sees it (an unknown one, or another district's
    for a district's staff, is not found). ``actor`` None: the command line, county-wide."""
    if district_id is None:
        return None
    district = db.session.get(District, district_id)
    if district is None or (actor is not None and not staff_sees_district(actor, district.id)):
        raise NotFound(f"No district with id {district_id}.")
    return district


def _scope(actor: User | None, district: District | None) -> ColumnElement[bool]:
    """The schools reported: the district asked for (already checked against the actor),
    else what the actor sees as staff (none for anyone else), else (the command line) all."""
    if district is not None:
        return School.district_id == district.id
    if actor is None:
        return true()
    return in_staff_district(actor, School.district_id)


def build_report(
    actor: User | None, year: SchoolYear, district_id: int | None = None
) -> WblrReport:
    """Every WBLR record of ``year`` that ``actor`` sees (all districts for county-wide staff
    and the command line, a district's for its staff), or of one district."""
    district = district_for_report(actor, district_id)
    mapped = codes()
    type_codes = mapped[layout.TYPE_MAPPING]
    reported_kinds = sorted({key.partition(":")[0] for key, code in type_codes.items() if code})
    if not reported_kinds:
        return WblrReport(year, district)
    minutes = (
        select(HourEntry.placement_id, func.sum(HourEntry.minutes).label("minutes"))
        .where(
            HourEntry.status == EntryStatus.CONFIRMED,
            HourEntry.work_date >= year.first_day,
            HourEntry.work_date <= year.last_day,
        )
        .group_by(HourEntry.placement_id)
        .subquery()
    )
    # Through the session's connection (Core rows): the ORM's row processing cost as much
    # as the query itself at 20,000 rows, and there are no entities to load here.
    rows = (
        db.session.connection()
        .execute(
            select(
                minutes.c.minutes,
                Placement.id,
                Offering.id,
                Offering.title,
                Offering.kind,
                Offering.is_virtual,
                OfferingReporting.state_course_code,
                OfferingReporting.lea_sponsored,
                OfferingReporting.certificated_supervised,
                StudentProfile.id,
                StudentProfile.ssid,
                StudentProfile.graduation_year,
                User.full_name,
                School.id,
                School.name,
                School.cds_code,
                District.id,
                District.code,
                PlacementEvaluation.ratings,
            )
            .join(Placement, Placement.id == minutes.c.placement_id)
            .join(Offering, Offering.id == Placement.offering_id)
            .outerjoin(OfferingReporting, OfferingReporting.offering_id == Offering.id)
            .join(StudentProfile, StudentProfile.id == Placement.student_id)
            .join(User, User.id == StudentProfile.user_id)
            .join(School, School.id == StudentProfile.school_id)
            .join(District, District.id == School.district_id)
            .outerjoin(PlacementEvaluation, PlacementEvaluation.placement_id == Placement.id)
            .where(Offering.kind.in_(reported_kinds), _scope(actor, district))
            .order_by(Placement.id)
        )
        .all()
    )
    with collector.paused():
        records = _records(year, rows, type_codes, mapped[layout.EVALUATION_MAPPING])
        return WblrReport(year, district, tuple(sorted(records, key=Record.sort_key)))


@dataclass
class _Group:
    """Placements that make one record (a type 15 or 20 record adds several up)."""

    minutes: int
    base: dict[str, str]
    student_id: int
    student_name: str
    school_id: int
    school_name: str
    district_id: int
    offering_ids: list[int]
    offering_titles: list[str]
    issues: list[Issue]


def _records(
    year: SchoolYear,
    rows: Iterable[Any],  # the rows of build_report's one statement
    type_codes: dict[str, str],
    evaluation_codes: dict[str, str],
) -> list[Record]:
    groups: dict[tuple[object, ...], _Group] = {}
    for (
        minutes,
        placement_id,
        offering_id,
        offering_title,
        kind,
        is_virtual,
        course_code,
        lea_sponsored,
        certificated_supervised,
        student_id,
        ssid,
        graduation_year,
        student_name,
        school_id,
        school_name,
        cds_code,
        district_id,
        district_code,
        ratings,
    ) in rows:
        wbl_type = type_codes.get(type_key(kind, is_virtual), "")
        if not wbl_type:
            continue
        course = (course_code or "").strip()
        internship = wbl_type == layout.INTERNSHIP_TYPE
        values = {
            "record_type": layout.RECORD_TYPE,
            "transaction_type": "",
            "local_record_id": "",
            "reporting_lea": district_code or "",
            "school": (cds_code or "")[-7:],
            "school_nps": "",
            "academic_year": year.code,
            "ssid": ssid or "",
            "wbl_type": wbl_type,
            "internship_id": f"WBL-{placement_id}" if internship else "",
            "course_code": course,
            "evaluation": "",
            "lea_sponsored": "",
            "certificated_supervised": "",
        }
        if internship:
            rated = [r.get("rating") for r in ratings or [] if isinstance(r, dict)]
            values["evaluation"] = evaluation_codes[layout.overall_rating(rated)]
            values["lea_sponsored"] = "N" if lea_sponsored is False else "Y"
            values["certificated_supervised"] = "Y" if certificated_supervised else "N"
            key: tuple[object, ...] = ("placement", placement_id)
        else:
            key = ("group", school_id, student_id, wbl_type, course)
        issues = _issues(year, values, graduation_year, cds_code or "")
        group = groups.get(key)
        if group is None:
            groups[key] = _Group(
                minutes=minutes,
                base=values,
                student_id=student_id,
                student_name=student_name,
                school_id=school_id,
                school_name=school_name,
                district_id=district_id,
                offering_ids=[offering_id],
                offering_titles=[offering_title],
                issues=list(issues),
            )
        else:
            group.minutes += minutes
            if offering_id not in group.offering_ids:
                group.offering_ids.append(offering_id)
                group.offering_titles.append(offering_title)
            group.issues.extend(i for i in issues if i not in group.issues)
    records = []
    for group in groups.values():
        hours = layout.whole_hours(group.minutes)
        values = {**group.base, "hours": str(hours)}
        issues = list(group.issues)
        if hours > 9999:
            issues.append(Issue(Fix.OFFERING, "More than 9,999 hours in one year."))
        records.append(
            Record(
                values=values,
                student_id=group.student_id,
                student_name=group.student_name,
                school_id=group.school_id,
                school_name=group.school_name,
                district_id=group.district_id,
                offering_ids=tuple(group.offering_ids),
                offering_titles=tuple(group.offering_titles),
                issues=tuple(issues),
            )
        )
    return records


def _issues(
    year: SchoolYear, values: dict[str, str], graduation_year: int, cds: str
) -> list[Issue]:
    """Why CALPADS would refuse the record; nothing when it can be reported."""
    found = []
    ssid = values["ssid"]
    if not ssid:
        found.append(Issue(Fix.STUDENT, "No SSID: the roster gave this student none."))
    elif not (len(ssid) == 10 and ssid.isascii() and ssid.isdigit()):
        found.append(Issue(Fix.STUDENT, f"The SSID {ssid!r} is not 10 digits."))
    grade = grade_in(year, graduation_year)
    if not 9 <= grade <= 12:
        found.append(
            Issue(Fix.STUDENT, f"In grade {grade} in {year.code}: CALPADS takes grades 9–12.")
        )
    course = values["course_code"]
    if not course:
        found.append(Issue(Fix.OFFERING, "No state course code for the course it is embedded in."))
    elif not (len(course) == 4 and course.isascii() and course.isdigit()):
        found.append(Issue(Fix.OFFERING, f"The state course code {course!r} is not 4 digits."))
    if not (len(cds) == 14 and cds.isascii() and cds.isdigit()):
        found.append(Issue(Fix.SCHOOL, "The school has no 14-digit CDS code."))
    lea = values["reporting_lea"]
    if not (len(lea) == 7 and lea.isascii() and lea.isdigit()):
        found.append(Issue(Fix.DISTRICT, "The district has no 7-digit county-district code."))
    return found
