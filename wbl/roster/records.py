"""The rows of a OneRoster bundle as the import reads them: the roles it knows, the readers
of one cell (a list of ids, a date, a flag, text within its length, a grade WBL serves), the
school year the bundle's sessions name, and the typed records the planning keeps of a person,
an account, a guardian and a class. Problems go to the bundle; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from wbl.access import Role
from wbl.clock import local_today
from wbl.roster.bundle import Bundle, Row

LOWEST_GRADE, HIGHEST_GRADE = 6, 12  # the grades WBL serves; others are left out
STUDENT_ROLES = frozenset({"student"})
TEACHER_ROLES = frozenset({"teacher"})
GUARDIAN_ROLES = frozenset({"parent", "guardian", "relative"})
# Roles OneRoster knows that have no WBL account from the roster (staff are invited instead).
OTHER_ROLES = frozenset(
    {
        "administrator",
        "aide",
        "proctor",
        "counselor",
        "districtadministrator",
        "principal",
        "siteadministrator",
        "systemadministrator",
    }
)


def split_cell(value: str) -> list[str]:
    if "," not in value:  # most cells name one org or none: no list to build
        value = value.strip()
        return [value] if value else []
    return [part.strip() for part in value.split(",") if part.strip()]


def read_date(bundle: Bundle, name: str, row: Row, column: str) -> date | None:
    text = row.get(column)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        bundle.problem(name, row.number, column, f"{text!r} is not a date (YYYY-MM-DD)")
        return None


def read_flag(bundle: Bundle, name: str, row: Row, column: str) -> bool | None:
    text = row.get(column).lower()
    if not text:
        return None
    if text in {"true", "1", "yes", "y"}:
        return True
    if text in {"false", "0", "no", "n"}:
        return False
    bundle.problem(name, row.number, column, f"{row.get(column)!r} is not true or false")
    return None


def read_text(bundle: Bundle, name: str, row: Row, column: str, limit: int) -> str:
    text = " ".join(row.get(column).split())
    if len(text) > limit:
        bundle.problem(name, row.number, column, f"is longer than {limit} characters")
        return text[:limit]
    return text


def email_problem(email: str) -> str | None:
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or " " in email or len(email) > 254:
        return f"{email!r} is not an e-mail address"
    return None


def is_deleted(row: Row) -> bool:
    return row.get("status").lower() == "tobedeleted"


def served_grade(text: str) -> int | None:
    """The highest grade a ``grades`` cell names (``09``, ``10,11``), None when it names no
    grade WBL serves (``KG``, ``PS``, ``UG``, ``Other``, ``04``)."""
    grades = [int(g) for g in split_cell(text) if g.isdigit()]
    grade = max(grades) if grades else None
    return grade if grade is not None and LOWEST_GRADE <= grade <= HIGHEST_GRADE else None


def school_year_end(bundle: Bundle) -> int:
    """The calendar year the current school year ends in: the academic session of type
    schoolYear that holds today, else the latest; without one, July starts a new year."""
    today = local_today()
    years: list[tuple[date, date, int]] = []
    for row in bundle.rows("academicSessions"):
        start = read_date(bundle, "academicSessions", row, "startDate")
        end = read_date(bundle, "academicSessions", row, "endDate")
        if start and end and end < start:
            bundle.problem("academicSessions", row.number, "endDate", "is before startDate")
        if row.get("type").lower() != "schoolyear" or not (start and end):
            continue
        year_text = row.get("schoolYear")
        year = int(year_text) if year_text.isdigit() else end.year
        years.append((start, end, year))
    for start, end, year in years:
        if start <= today <= end:
            return year
    if years:
        return max(year for _, _, year in years)
    return today.year + 1 if today.month >= 7 else today.year


@dataclass(slots=True)
class Person:
    sourced_id: str
    row: Row
    file: str
    role: str  # "student", "teacher", "guardian" (parent, guardian, relative) or "other"
    kind: str  # the OneRoster role as written
    orgs: list[str]
    active: bool


@dataclass(slots=True)
class Account:
    """A student or teacher account as it should be."""

    sourced_id: str
    role: Role
    email: str
    full_name: str
    active: bool
    school_key: str  # the school's sourcedId
    user_id: int | None  # the existing account, when there is one
    adopt: bool  # matched by e-mail: the account gets its sourcedId now
    grade: int = 0
    birth: date | None = None
    ssid: str = ""
    local_id: str = ""
    guardians: list[str] = field(default_factory=list)


@dataclass(slots=True)
class GuardianInfo:
    sourced_id: str
    kind: str
    full_name: str
    email: str
    phone: str
    language: str
    active: bool
    students: set[str] = field(default_factory=set)


@dataclass(slots=True)
class Klass:
    sourced_id: str
    school_key: str
    name: str
    period: str
    course_code: str
    course_title: str
    active: bool
    record_id: int | None
    teacher_key: str | None = None  # the teacher's sourcedId
    teacher_primary: bool = False
