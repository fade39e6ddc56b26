"""The roster import: a OneRoster bundle becomes districts, schools, student and teacher
accounts with their profiles, guardians, demographics, classes and class lists.

The rules (docs/import-formats.md has the mapping column by column):

- **Idempotent by ``sourcedId``.** Each row is found again by the id the student information
  system gave it; importing the same files again changes nothing. Rows that existed before
  the roster are adopted, not duplicated: districts by CDS code or name, schools by CDS code
  or name, accounts by e-mail address.
- **Deactivate, never delete.** A person, org or class missing from a *bulk* file, or marked
  ``tobedeleted`` in a *delta* file, is deactivated: an inactive student keeps every record,
  cannot sign in and is sent no e-mail. A returning ``sourcedId`` is active again. An ended
  enrollment takes the student off that class list (the student's records stay).
- **All or nothing.** The whole bundle is checked first; any problem, and nothing is written.
  The writing is one transaction.
- **Fast enough for a county.** Everything is read once, compared in memory, and written in
  bulk statements: 50,000 users and 200,000 enrollments in well under a minute on SQLite
  (``make bench``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from wbl.access import Role
from wbl.auth.models import User, UserRole, normalize_email
from wbl.clock import local_today
from wbl.errors import DomainError
from wbl.extensions import atomic, db, utcnow
from wbl.imports.report import Problem, problems_summary
from wbl.roster.bundle import Bundle, Mode, Row, read_bundle
from wbl.roster.models import Guardian, StudentDemographics
from wbl.schools.models import ClassSection, District, School, class_section_student
from wbl.students.models import StudentProfile

ENTITIES = ("orgs", "users", "guardians", "classes", "enrollments")
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
COUNTY_ORG_TYPES = frozenset({"local", "state", "national", "department"})
CHUNK = 500  # ids per IN (...) list

# Demographics beyond the specification come as extension columns; these are read.
EXTENSION_COLUMNS = {
    "english_learner": ("metadata.englishLearner", "metadata.ell"),
    "disability": ("metadata.disability", "metadata.iep"),
    "free_reduced_meals": (
        "metadata.freeReducedMeals",
        "metadata.freeReducedLunch",
        "metadata.frl",
    ),
}
RACE_COLUMNS = {
    "american_indian_or_alaska_native": "americanIndianOrAlaskaNative",
    "asian": "asian",
    "black_or_african_american": "blackOrAfricanAmerican",
    "native_hawaiian_or_other_pacific_islander": "nativeHawaiianOrOtherPacificIslander",
    "white": "white",
    "two_or_more_races": "demographicRaceTwoOrMoreRaces",
    "hispanic_or_latino": "hispanicOrLatinoEthnicity",
}
SEXES = frozenset({"male", "female", "other", "unspecified"})


class RosterConflict(DomainError):
    message = (
        "The roster changed while it was being imported (another import at the same time?). "
        "Nothing was changed; import the files again."
    )


@dataclass(slots=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0

    def line(self, name: str, *, dry_run: bool) -> str:
        verb = " would be" if dry_run else ""
        return (
            f"{name}: {self.created}{verb} created, {self.updated}{verb} updated, "
            f"{self.unchanged} unchanged, {self.deactivated}{verb} deactivated"
        )


@dataclass(slots=True)
class RosterReport:
    dry_run: bool
    version: str = ""
    counts: dict[str, Counts] = field(default_factory=lambda: {e: Counts() for e in ENTITIES})
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was left out, and why

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        return [self.counts[name].line(name, dry_run=self.dry_run) for name in ENTITIES]

    @property
    def summary(self) -> str:
        if self.problems:
            return problems_summary(self.problems, what="files")
        return "; ".join(self.lines()) + "."


Progress = Callable[[str], None]


@atomic
def import_roster(
    source: Path | bytes, *, dry_run: bool, progress: Progress | None = None, commit: bool = True
) -> RosterReport:
    """Check a OneRoster bundle (a folder, a .zip path or a .zip's bytes) and, unless
    ``dry_run`` or anything is wrong, import it in one transaction.

    ``commit=False`` writes (flushed) inside the caller's transaction and leaves committing to
    the caller: ``seed-demo`` loads the roster and the demo's own rows as one transaction.
    A problem or a dry run writes nothing (and leaves the session as it was); a failure while
    writing rolls the session back, the caller's pending rows with it."""
    step = progress or (lambda _label: None)
    step("reading the files")
    bundle = read_bundle(source)
    report = RosterReport(dry_run=dry_run, version=bundle.version)
    if bundle.fatal:
        report.problems = bundle.problems
        return report
    plan = _Planner(bundle, report)
    with db.session.no_autoflush:
        plan.check(step)
    report.problems.sort(key=lambda p: (p.file, p.row or 0))
    if report.problems or dry_run:
        return report  # checking only read: nothing to undo
    try:
        plan.write(step)
        if commit:
            step("saving")
            db.session.commit()
        else:
            db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise RosterConflict() from None
    except BaseException:
        db.session.rollback()
        raise
    return report


# ---------------------------------------------------------------------------------------
# Small readers


def _split(value: str) -> list[str]:
    if "," not in value:  # most cells name one org or none: no list to build
        value = value.strip()
        return [value] if value else []
    return [part.strip() for part in value.split(",") if part.strip()]


def _day(bundle: Bundle, name: str, row: Row, column: str) -> date | None:
    text = row.get(column)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        bundle.problem(name, row.number, column, f"{text!r} is not a date (YYYY-MM-DD)")
        return None


def _flag(bundle: Bundle, name: str, row: Row, column: str) -> bool | None:
    text = row.get(column).lower()
    if not text:
        return None
    if text in {"true", "1", "yes", "y"}:
        return True
    if text in {"false", "0", "no", "n"}:
        return False
    bundle.problem(name, row.number, column, f"{row.get(column)!r} is not true or false")
    return None


def _text(bundle: Bundle, name: str, row: Row, column: str, limit: int) -> str:
    text = " ".join(row.get(column).split())
    if len(text) > limit:
        bundle.problem(name, row.number, column, f"is longer than {limit} characters")
        return text[:limit]
    return text


def _email_problem(email: str) -> str | None:
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain or " " in email or len(email) > 254:
        return f"{email!r} is not an e-mail address"
    return None


def _deleted(row: Row) -> bool:
    return row.get("status").lower() == "tobedeleted"


def _grade(text: str) -> int | None:
    """The highest grade a ``grades`` cell names (``09``, ``10,11``), None when it names no
    grade WBL serves (``KG``, ``PS``, ``UG``, ``Other``, ``04``)."""
    grades = [int(g) for g in _split(text) if g.isdigit()]
    grade = max(grades) if grades else None
    return grade if grade is not None and LOWEST_GRADE <= grade <= HIGHEST_GRADE else None


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _school_year_end(bundle: Bundle) -> int:
    """The calendar year the current school year ends in: the academic session of type
    schoolYear that holds today, else the latest; without one, July starts a new year."""
    today = local_today()
    years: list[tuple[date, date, int]] = []
    for row in bundle.rows("academicSessions"):
        start = _day(bundle, "academicSessions", row, "startDate")
        end = _day(bundle, "academicSessions", row, "endDate")
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


# ---------------------------------------------------------------------------------------
# Planning: every row checked and compared with what is stored, nothing written


@dataclass(slots=True)
class _Person:
    sourced_id: str
    row: Row
    file: str
    role: str  # "student", "teacher", "guardian" (parent, guardian, relative) or "other"
    kind: str  # the OneRoster role as written
    orgs: list[str]
    active: bool


@dataclass(slots=True)
class _Account:
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
class _GuardianInfo:
    sourced_id: str
    kind: str
    full_name: str
    email: str
    phone: str
    language: str
    active: bool
    students: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Klass:
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


class _Planner:
    def __init__(self, bundle: Bundle, report: RosterReport) -> None:
        self.bundle = bundle
        self.report = report
        self.counts = report.counts
        config = current_app.config
        self.ssid_column = config.get("ROSTER_SSID_COLUMN", "identifier")
        self.local_id_column = config.get("ROSTER_LOCAL_ID_COLUMN", "")
        # orgs
        self.districts: dict[str, District] = {}  # sourcedId → stored or new (unsaved) row
        self.schools: dict[str, School] = {}
        self.org_changes: list[tuple[Any, dict[str, Any]]] = []
        # people
        self.accounts: dict[str, _Account] = {}
        self.guardians: dict[str, _GuardianInfo] = {}
        self.skipped_students: set[str] = set()
        self.people: dict[str, _Person] = {}
        # stored state, read once
        self.stored_users: dict[str, tuple[int, str, str, bool, int | None]] = {}
        self.user_by_email: dict[str, tuple[int, str | None]] = {}
        self.user_roles: dict[int, set[Role]] = defaultdict(set)
        self.profiles: dict[int, dict[str, Any]] = {}
        # writes, prepared
        self.user_inserts: list[dict[str, Any]] = []
        self.user_updates: list[dict[str, Any]] = []
        self.role_inserts: list[tuple[str, Role]] = []
        self.profile_inserts: list[_Account] = []
        self.profile_updates: list[dict[str, Any]] = []
        self.deactivate_user_ids: list[int] = []
        self.guardian_inserts: list[dict[str, Any]] = []  # student as sourcedId: resolved later
        self.guardian_updates: list[dict[str, Any]] = []
        self.consent_contacts: dict[str, tuple[str, str]] = {}
        self.demographic_rows: dict[str, dict[str, Any]] = {}
        self.demographic_existing: dict[int, dict[str, Any]] = {}  # student id → stored
        self.frl: dict[str, bool] = {}
        self.classes: dict[str, _Klass] = {}
        self.class_inserts: list[_Klass] = []
        self.class_updates: list[dict[str, Any]] = []
        self.enrollment_inserts: set[tuple[str, str]] = set()  # (class, student) sourcedIds
        self.enrollment_deletes: set[tuple[int, int]] = set()  # (class id, student id)

    # -- the whole check --------------------------------------------------------------

    def check(self, step: Progress) -> None:
        step("checking orgs")
        self.school_year_end = _school_year_end(self.bundle)
        self._orgs()
        step("checking users")
        self._load_users()
        self._people()
        self._accounts()
        step("checking guardians and demographics")
        self._guardians()
        self._demographics()
        step("checking classes and enrollments")
        self._classes()
        self._enrollments()
        self.report.problems.extend(self.bundle.problems)

    def problem(self, name: str, row: Row | None, column: str, message: str) -> None:
        self.bundle.problem(name, row.number if row else None, column, message)

    # -- orgs ---------------------------------------------------------------------------

    def _orgs(self) -> None:
        stored_districts = list(db.session.scalars(select(District)))
        stored_schools = list(db.session.scalars(select(School)))
        for district in stored_districts:
            if district.sourced_id:
                self.districts[district.sourced_id] = district
        for school in stored_schools:
            if school.sourced_id:
                self.schools[school.sourced_id] = school
        rows = self.bundle.rows("orgs")
        seen: set[str] = set()
        district_rows = [r for r in rows if r.get("type").lower() == "district"]
        school_rows = [r for r in rows if r.get("type").lower() == "school"]
        for row in rows:
            kind = row.get("type").lower()
            if kind not in {"district", "school"} and kind not in COUNTY_ORG_TYPES:
                self.problem("orgs", row, "type", f"{row.get('type')!r} is not an org type")
        names = _Names("district", stored_districts)
        for row in district_rows:
            seen.add(row.get("sourcedId"))
            self._district(row, stored_districts, names)
        school_names = _Names("school", stored_schools)
        for row in school_rows:
            seen.add(row.get("sourcedId"))
            self._school(row, stored_schools, school_names)
        if self.bundle.mode("orgs") is Mode.BULK:
            stored: list[District | School] = [*stored_districts, *stored_schools]
            for record in stored:
                if record.sourced_id and record.sourced_id not in seen and record.active:
                    self.org_changes.append((record, {"active": False}))
                    self.counts["orgs"].deactivated += 1

    def _org_record(
        self, row: Row, stored: list[Any], code_attr: str, code: str, name: str
    ) -> Any | None:
        sourced_id = row.get("sourcedId")
        for record in stored:
            if record.sourced_id == sourced_id:
                return record
        for record in stored:
            if record.sourced_id is None and code and getattr(record, code_attr) == code:
                return record
        for record in stored:
            if record.sourced_id is None and record.name == name:
                return record
        return None

    def _org_plan(self, record: Any, values: dict[str, Any], *, deleted: bool) -> None:
        counts = self.counts["orgs"]
        if deleted:
            if record is not None and record.active:
                self.org_changes.append((record, {"active": False}))
                counts.deactivated += 1
            return
        if record is None:
            counts.created += 1
            return
        changed = {k: v for k, v in values.items() if getattr(record, k) != v}
        if changed:
            self.org_changes.append((record, changed))
            counts.updated += 1
        else:
            counts.unchanged += 1

    def _district(self, row: Row, stored: list[District], names: _Names) -> None:
        sourced_id = row.get("sourcedId")
        name = _text(self.bundle, "orgs", row, "name", 120)
        code = _text(self.bundle, "orgs", row, "identifier", 20)
        record = self._org_record(row, stored, "code", code, name)
        if _deleted(row):
            self._org_plan(record, {}, deleted=True)
            return
        if not name:
            self.problem("orgs", row, "name", "is empty")
        if not code and record is None:
            self.problem("orgs", row, "identifier", "a district needs its CDS code here")
        names.claim(self, row, record, name)
        code = code or (record.code if record else "")
        if any(d is not record and d.code == code for d in stored):
            self.problem("orgs", row, "identifier", f"another district has the code {code}")
        values = {"name": name, "code": code, "sourced_id": sourced_id, "active": True}
        self._org_plan(record, values, deleted=False)
        if record is None:
            record = District(**values)
            self.org_changes.append((record, {}))
        self.districts[sourced_id] = record

    def _school(self, row: Row, stored: list[School], names: _Names) -> None:
        sourced_id = row.get("sourcedId")
        name = _text(self.bundle, "orgs", row, "name", 120)
        cds = _text(self.bundle, "orgs", row, "identifier", 20)
        record = self._org_record(row, stored, "cds_code", cds, name)
        if _deleted(row):
            self._org_plan(record, {}, deleted=True)
            return
        parent = row.get("parentSourcedId")
        district = self.districts.get(parent)
        if district is None:
            self.problem(
                "orgs",
                row,
                "parentSourcedId",
                f"unknown district org {parent!r}"
                if parent
                else "a school needs its district's sourcedId here",
            )
            return
        if not name:
            self.problem("orgs", row, "name", "is empty")
        names.claim(self, row, record, name)
        cds_code = cds or (record.cds_code if record else None)
        if cds_code and any(s is not record and s.cds_code == cds_code for s in stored):
            self.problem("orgs", row, "identifier", f"another school has the CDS code {cds_code}")
        values = {"name": name, "cds_code": cds_code, "sourced_id": sourced_id, "active": True}
        if record is not None:
            values["district"] = district
        self._org_plan(record, values, deleted=False)
        if record is None:
            # Not tied to its district until written: a row tied to a stored one would join
            # the session at once (a dry run writes nothing, not even by autoflush).
            record = School(**values)
            self.org_changes.append((record, {"district": district}))
        self.schools[sourced_id] = record

    # -- people ---------------------------------------------------------------------------

    def _load_users(self) -> None:
        """Every account's id, e-mail and roster id, and the rostered ones' roles and
        profiles: one pass each, whatever the file's size."""
        for user_id, email, sourced_id, full_name, active, school_id in db.session.execute(
            select(
                User.id, User.email, User.sourced_id, User.full_name, User.active, User.school_id
            )
        ):
            self.user_by_email[email] = (user_id, sourced_id)
            if sourced_id:
                self.stored_users[sourced_id] = (user_id, email, full_name, active, school_id)
        for user_id, role in db.session.execute(select(UserRole.user_id, UserRole.role)):
            self.user_roles[user_id].add(role)
        columns = (
            StudentProfile.id,
            StudentProfile.user_id,
            StudentProfile.school_id,
            StudentProfile.grade,
            StudentProfile.graduation_year,
            StudentProfile.date_of_birth,
            StudentProfile.ssid,
            StudentProfile.local_id,
            StudentProfile.guardian_name,
            StudentProfile.guardian_email,
            StudentProfile.frl_eligible,
        )
        for values in db.session.execute(select(*columns)):
            record = dict(values._mapping)
            self.profiles[record["user_id"]] = record

    def _people(self) -> None:
        """Each user's role and orgs: from users.csv in 1.1, from roles.csv in 1.2."""
        roles: dict[str, list[tuple[bool, str, str]]] = defaultdict(list)
        users = {row.get("sourcedId") for row in self.bundle.rows("users")}
        for row in self.bundle.rows("roles"):
            if _deleted(row):
                continue
            user = row.get("userSourcedId")
            if user not in users:
                self.problem("roles", row, "userSourcedId", f"unknown user {user!r}")
                continue
            primary = row.get("roleType").lower() == "primary"
            roles[user].append((not primary, row.get("role"), row.get("orgSourcedId")))
        for row in self.bundle.rows("users"):
            sourced_id = row.get("sourcedId")
            if self.bundle.version == "1.1":
                kind, orgs = row.get("role"), _split(row.get("orgSourcedIds"))
            else:
                found = sorted(roles.get(sourced_id, []))
                kind = found[0][1] if found else ""
                orgs = [org for _, role, org in found if role == kind]
                primary_org = row.get("primaryOrgSourcedId")
                if primary_org:
                    orgs.insert(0, primary_org)
            active = not _deleted(row) and row.get("enabledUser").lower() != "false"
            lowered = kind.lower()
            if lowered in STUDENT_ROLES:
                role = "student"
            elif lowered in TEACHER_ROLES:
                role = "teacher"
            elif lowered in GUARDIAN_ROLES:
                role = "guardian"
            elif lowered in OTHER_ROLES or _deleted(row):
                role = "other"
            else:
                file = "users" if self.bundle.version == "1.1" else "roles"
                self.problem(
                    "users",
                    row,
                    "role",
                    f"{kind!r} is not a OneRoster role" if kind else f"no role (in {file}.csv)",
                )
                role = "other"  # known, so that its enrollments are not reported as well
            self.people[sourced_id] = _Person(sourced_id, row, "users", role, lowered, orgs, active)

    def _accounts(self) -> None:
        demographics = {row.get("sourcedId"): row for row in self.bundle.rows("demographics")}
        emails: dict[str, int] = {}
        skipped = 0
        for person in self.people.values():
            if person.role not in {"student", "teacher"}:
                continue
            row = person.row
            stored = self.stored_users.get(person.sourced_id)
            if not person.active:
                self._deactivate(stored)
                continue
            role = Role.STUDENT if person.role == "student" else Role.TEACHER
            grade = 0
            if role is Role.STUDENT:
                if not row.get("grades"):
                    self.problem("users", row, "grades", "a student needs a grade")
                    continue
                found = _grade(row.get("grades"))
                if found is None:
                    skipped += 1
                    self.skipped_students.add(person.sourced_id)
                    self._deactivate(stored)
                    continue
                grade = found
            email = normalize_email(row.get("email"))
            if not email:
                self.problem(
                    "users", row, "email", "is empty: students and teachers sign in by e-mail"
                )
                continue
            problem = _email_problem(email)
            if problem:
                self.problem("users", row, "email", problem)
                continue
            if email in emails:
                self.problem(
                    "users", row, "email", f"{email} is also the address in row {emails[email]}"
                )
                continue
            emails[email] = row.number
            given = row.get("preferredGivenName") or row.get("givenName")
            family = row.get("preferredFamilyName") or row.get("familyName")
            full_name = " ".join(f"{given} {family}".split())
            if not full_name:
                self.problem("users", row, "givenName", "the name is empty")
                continue
            if len(full_name) > 120:
                self.problem("users", row, "familyName", "the name is longer than 120 characters")
                continue
            school_key = next((org for org in person.orgs if org in self.schools), None)
            if school_key is None:
                self.problem(
                    "users" if self.bundle.version == "1.1" else "roles",
                    row,
                    "orgSourcedIds" if self.bundle.version == "1.1" else "orgSourcedId",
                    "none of this user's orgs is a school in orgs.csv or already in WBL"
                    if person.orgs
                    else "the user has no org",
                )
                continue
            user_id, adopt = self._match(person, email, role, stored)
            if user_id is False:
                continue
            account = _Account(
                person.sourced_id, role, email, full_name, True, school_key, user_id, adopt, grade
            )
            if role is Role.STUDENT:
                self._student_details(account, person, demographics.get(person.sourced_id))
            self.accounts[person.sourced_id] = account
        if skipped:
            self.report.notes.append(
                f"{skipped} student{'s' if skipped != 1 else ''} left out: their grade is not "
                f"{LOWEST_GRADE}–{HIGHEST_GRADE}."
            )
        self._plan_accounts()
        if self.bundle.mode("users") is Mode.BULK:
            listed = set(self.people)
            for sourced_id, (user_id, _e, _n, active, _s) in self.stored_users.items():
                if sourced_id not in listed and active:
                    self.deactivate_user_ids.append(user_id)
                    self.counts["users"].deactivated += 1

    def _deactivate(self, stored: tuple[int, str, str, bool, int | None] | None) -> None:
        if stored is not None and stored[3]:
            self.deactivate_user_ids.append(stored[0])
            self.counts["users"].deactivated += 1

    def _match(
        self, person: _Person, email: str, role: Role, stored: tuple[Any, ...] | None
    ) -> tuple[Any, bool]:
        """The account this person is: by roster id, else an account with the address
        (adopted). ``(False, False)`` after a problem."""
        holder = self.user_by_email.get(email)
        if stored is not None:
            if holder is not None and holder[0] != stored[0]:
                self.problem(
                    "users", person.row, "email", f"{email} is already another account's address"
                )
                return False, False
            return stored[0], False
        if holder is None:
            return None, False
        user_id, other = holder
        if other:
            self.problem(
                "users",
                person.row,
                "email",
                f"{email} belongs to another rostered person (sourcedId {other!r})",
            )
            return False, False
        roles = self.user_roles.get(user_id, set())
        clash = roles & (
            {Role.EMPLOYER}
            | ({Role.STAFF, Role.ADMIN, Role.TEACHER} if role is Role.STUDENT else set())
        )
        if clash:
            names = ", ".join(sorted(r.label.lower() for r in clash))
            self.problem(
                "users",
                person.row,
                "email",
                f"{email} belongs to an existing {names} account, which cannot become a "
                f"{role.label.lower()}",
            )
            return False, False
        return user_id, True

    def _student_details(self, account: _Account, person: _Person, demo: Row | None) -> None:
        row = person.row
        profile = self.profiles.get(account.user_id) if account.user_id else None
        birth = None
        if demo is not None and demo.get("birthDate"):
            birth = _day(self.bundle, "demographics", demo, "birthDate")  # a bad one: a problem
        elif profile is not None:
            birth = profile["date_of_birth"]
        else:
            self.problem(
                "users",
                row,
                "sourcedId",
                "no birthDate for this student in demographics.csv: WBL must know who is a minor",
            )
        account.birth = birth
        account.ssid = _text(self.bundle, "users", row, self.ssid_column, 20)
        account.local_id = self._local_id(row)
        account.guardians = _split(row.get("agentSourcedIds"))

    def _local_id(self, row: Row) -> str:
        if self.local_id_column:
            return _text(self.bundle, "users", row, self.local_id_column, 40)
        for item in _split(row.get("userIds").replace("}", "},")):
            kind, _, value = item.strip("{}").partition(":")
            if kind.strip().lower() in {"local", "localid", "sis", "studentnumber", "permid"}:
                return value.strip()[:40]
        return ""

    def _plan_accounts(self) -> None:
        now = utcnow()
        counts = self.counts["users"]
        for account in self.accounts.values():
            school = self.schools[account.school_key]
            school_id = school.id  # None for a school this import creates
            if account.user_id is None:
                counts.created += 1
                self.user_inserts.append(
                    {
                        "email": account.email,
                        "full_name": account.full_name,
                        "active": True,
                        "sourced_id": account.sourced_id,
                        "school_key": account.school_key,
                        "created_at": now,
                    }
                )
                self.role_inserts.append((account.sourced_id, account.role))
                if account.role is Role.STUDENT:
                    self.profile_inserts.append(account)
                continue
            changed = False
            user_id = account.user_id
            stored = self.stored_users.get(account.sourced_id)
            current = (
                (stored[1], stored[2], stored[3], stored[4]) if stored else (None, None, None, None)
            )
            wanted = (account.email, account.full_name, True, school_id)
            if account.adopt or current != wanted or school_id is None:
                changed = True
                self.user_updates.append(
                    {
                        "id": user_id,
                        "email": account.email,
                        "full_name": account.full_name,
                        "active": True,
                        "sourced_id": account.sourced_id,
                        "school_key": account.school_key,
                    }
                )
            if account.role not in self.user_roles.get(user_id, set()):
                changed = True
                self.role_inserts.append((account.sourced_id, account.role))
            if account.role is Role.STUDENT:
                profile = self.profiles.get(user_id)
                if profile is None:
                    changed = True
                    self.profile_inserts.append(account)
                else:
                    values = self._profile_values(account)
                    if school_id is None or any(
                        profile[k] != v for k, v in values.items() if k != "school_key"
                    ):
                        changed = True
                        self.profile_updates.append({"id": profile["id"], **values})
            if changed:
                counts.updated += 1
            else:
                counts.unchanged += 1

    def _profile_values(self, account: _Account) -> dict[str, Any]:
        school = self.schools[account.school_key]
        return {
            "school_id": school.id,
            "school_key": account.school_key,
            "grade": account.grade,
            "graduation_year": self.school_year_end + (HIGHEST_GRADE - account.grade),
            "date_of_birth": account.birth,
            "ssid": account.ssid,
            "local_id": account.local_id,
        }

    # -- guardians ------------------------------------------------------------------------

    def _guardians(self) -> None:
        for person in self.people.values():
            if person.role != "guardian":
                continue
            row = person.row
            email = normalize_email(row.get("email"))
            if email and _email_problem(email):
                self.problem("users", row, "email", _email_problem(email) or "")
                email = ""
            given = row.get("preferredGivenName") or row.get("givenName")
            family = row.get("preferredFamilyName") or row.get("familyName")
            info = _GuardianInfo(
                person.sourced_id,
                person.kind if person.kind in GUARDIAN_ROLES else "guardian",
                " ".join(f"{given} {family}".split())[:120],
                email,
                (row.get("phone") or row.get("sms"))[:40],
                (row.get("metadata.preferredLanguage") or row.get("preferredLanguage"))[:35],
                person.active,
            )
            info.students.update(_split(row.get("agentSourcedIds")))
            self.guardians[person.sourced_id] = info
        for account in self.accounts.values():
            if account.role is not Role.STUDENT:
                continue
            for agent in account.guardians:
                if agent in self.guardians:
                    self.guardians[agent].students.add(account.sourced_id)
                elif agent not in self.people:
                    row = self.people[account.sourced_id].row
                    self.problem("users", row, "agentSourcedIds", f"unknown user {agent!r}")
        self._plan_guardians()

    def _plan_guardians(self) -> None:
        wanted: dict[str, dict[str, _GuardianInfo]] = defaultdict(dict)
        for info in self.guardians.values():
            for student in info.students:
                if student in self.accounts:
                    wanted[student][info.sourced_id] = info
        student_ids = {
            self.profiles[a.user_id]["id"]: a.sourced_id
            for a in self.accounts.values()
            if a.user_id is not None and a.user_id in self.profiles
        }
        stored: dict[str, dict[str, Guardian]] = defaultdict(dict)
        ids = list(student_ids)
        for chunk in _chunks(ids):
            for guardian in db.session.scalars(
                select(Guardian).where(Guardian.student_id.in_(chunk))
            ):
                stored[student_ids[guardian.student_id]][guardian.sourced_id] = guardian
        counts = self.counts["guardians"]
        full = self.bundle.mode("users") is Mode.BULK
        for student_key, account in self.accounts.items():
            if account.role is not Role.STUDENT:
                continue
            mine = wanted.get(student_key, {})
            for key, info in mine.items():
                values = {
                    "relationship_kind": info.kind,
                    "full_name": info.full_name,
                    "email": info.email,
                    "phone": info.phone,
                    "language": info.language,
                    "active": info.active,
                }
                record = stored[student_key].get(key)
                if record is None:
                    counts.created += 1
                    self.guardian_inserts.append(
                        {"student_key": student_key, "sourced_id": key, **values}
                    )
                elif any(getattr(record, k) != v for k, v in values.items()):
                    if record.active and not info.active:
                        counts.deactivated += 1
                    else:
                        counts.updated += 1
                    self.guardian_updates.append({"id": record.id, **values})
                else:
                    counts.unchanged += 1
            if full:
                for key, record in stored[student_key].items():
                    if key not in mine and record.active:
                        counts.deactivated += 1
                        self.guardian_updates.append({"id": record.id, "active": False})
            contacts = sorted(
                (info for info in mine.values() if info.active and info.email),
                key=lambda g: (g.kind != "parent" and g.kind != "guardian", g.sourced_id),
            )
            if contacts:
                self.consent_contacts[student_key] = (contacts[0].full_name, contacts[0].email)

    # -- demographics ---------------------------------------------------------------------

    def _demographics(self) -> None:
        columns = self.bundle.columns.get("demographics", ())
        extensions = {
            name: next((c for c in aliases if c in columns), None)
            for name, aliases in EXTENSION_COLUMNS.items()
        }
        for row in self.bundle.rows("demographics"):
            key = row.get("sourcedId")
            person = self.people.get(key)
            if person is None and key not in self.stored_users:
                self.problem("demographics", row, "sourcedId", f"unknown user {key!r}")
                continue
            if key not in self.accounts or self.accounts[key].role is not Role.STUDENT:
                continue  # a teacher's or a guardian's demographics are not kept
            sex = row.get("sex").lower()
            if sex and sex not in SEXES:
                self.problem(
                    "demographics",
                    row,
                    "sex",
                    f"{row.get('sex')!r} is not male, female, other or unspecified",
                )
            values: dict[str, Any] = {"sex": sex}
            for name, column in RACE_COLUMNS.items():
                values[name] = _flag(self.bundle, "demographics", row, column)
            for name, extension in extensions.items():
                values[name] = (
                    _flag(self.bundle, "demographics", row, extension) if extension else None
                )
            self.demographic_rows[key] = values
            if values["free_reduced_meals"] is not None:
                self.frl[key] = values["free_reduced_meals"]
        profile_ids = [
            self.profiles[a.user_id]["id"]
            for key, a in self.accounts.items()
            if key in self.demographic_rows and a.user_id in self.profiles
        ]
        stored_columns: list[Any] = [StudentDemographics.student_id] + [
            getattr(StudentDemographics, name)
            for name in ("sex", *RACE_COLUMNS, *EXTENSION_COLUMNS)
        ]
        for chunk in _chunks(profile_ids):
            for stored in db.session.execute(
                select(*stored_columns).where(StudentDemographics.student_id.in_(chunk))
            ):
                values = dict(stored._mapping)
                self.demographic_existing[values.pop("student_id")] = values

    # -- classes and enrollments ----------------------------------------------------------

    def _classes(self) -> None:
        courses: dict[str, tuple[str, str]] = {}
        for row in self.bundle.rows("courses"):
            courses[row.get("sourcedId")] = (
                _text(self.bundle, "courses", row, "courseCode", 40),
                _text(self.bundle, "courses", row, "title", 120),
            )
        stored: dict[str, ClassSection] = {
            str(c.sourced_id): c
            for c in db.session.scalars(
                select(ClassSection).where(ClassSection.sourced_id.is_not(None))
            )
        }
        self.stored_classes = stored
        for row in self.bundle.rows("classes"):
            key = row.get("sourcedId")
            record = stored.get(key)
            if _deleted(row):
                self.classes[key] = _Klass(
                    key, "", "", "", "", "", False, record.id if record else None
                )
                continue
            school_key = row.get("schoolSourcedId")
            if school_key not in self.schools:
                self.problem(
                    "classes", row, "schoolSourcedId", f"unknown school org {school_key!r}"
                )
                continue
            course_key = row.get("courseSourcedId")
            if course_key in courses:
                code, title = courses[course_key]
            elif self.bundle.mode("courses") is not Mode.ABSENT and course_key:
                self.problem("classes", row, "courseSourcedId", f"unknown course {course_key!r}")
                continue
            else:
                code, title = (record.course_code, record.course_title) if record else ("", "")
            name = _text(self.bundle, "classes", row, "title", 120)
            if not name:
                self.problem("classes", row, "title", "is empty")
                continue
            period = _text(self.bundle, "classes", row, "periods", 200)
            period = _split(period)[0][:20] if period else ""
            self.classes[key] = _Klass(
                key, school_key, name, period, code, title, True, record.id if record else None
            )

    def _enrollments(self) -> None:
        teacher_ids = {a.sourced_id for a in self.accounts.values() if a.role is Role.TEACHER}
        # A delta file may give a new class to a teacher rostered before, whom it does not list.
        teacher_ids |= {
            key
            for key, (user_id, _email, _name, active, _school) in self.stored_users.items()
            if active and key not in self.people and Role.TEACHER in self.user_roles[user_id]
        }
        wanted: dict[str, set[str]] = defaultdict(set)
        ended: set[tuple[str, str]] = set()
        skipped = 0
        for row in self.bundle.rows("enrollments"):
            class_key = row.get("classSourcedId")
            user_key = row.get("userSourcedId")
            if class_key not in self.classes and class_key not in self.stored_classes:
                self.problem("enrollments", row, "classSourcedId", f"unknown class {class_key!r}")
                continue
            known = user_key in self.people or user_key in self.stored_users
            if not known:
                self.problem("enrollments", row, "userSourcedId", f"unknown user {user_key!r}")
                continue
            role = row.get("role").lower()
            if role not in {"student", "teacher", "administrator", "proctor", "aide", "guardian"}:
                self.problem(
                    "enrollments", row, "role", f"{row.get('role')!r} is not an enrollment role"
                )
                continue
            if _deleted(row):
                ended.add((class_key, user_key))
                continue
            if role == "teacher" and user_key in teacher_ids:
                klass = self.classes.get(class_key)
                primary = row.get("primary").lower() == "true"
                if klass is not None and (
                    klass.teacher_key is None or (primary and not klass.teacher_primary)
                ):
                    klass.teacher_key, klass.teacher_primary = user_key, primary
            elif role == "student":
                if user_key in self.skipped_students:
                    skipped += 1
                elif self._is_student(user_key):
                    wanted[class_key].add(user_key)
        self._plan_classes()
        self._plan_enrollments(wanted, ended)
        if skipped:
            self.report.notes.append(
                f"{skipped} enrollment{'s' if skipped != 1 else ''} of students left out were "
                "not imported."
            )

    def _is_student(self, key: str) -> bool:
        """A student of this import, or (a delta) a rostered account the file does not list."""
        if key in self.accounts:
            return self.accounts[key].role is Role.STUDENT
        return key in self.stored_users and key not in self.people

    def _plan_classes(self) -> None:
        counts = self.counts["classes"]
        without_teacher = 0
        stored_teachers = {sid: uid for sid, (uid, *_rest) in self.stored_users.items()}
        for key, klass in self.classes.items():
            record = self.stored_classes.get(key)
            if not klass.active:
                if record is not None and record.active:
                    counts.deactivated += 1
                    self.class_updates.append({"id": record.id, "active": False})
                continue
            if klass.teacher_key:
                teacher_id = stored_teachers.get(klass.teacher_key)
            elif record is not None:
                teacher_id = record.teacher_id
            else:
                without_teacher += 1
                klass.active = False
                continue
            school = self.schools[klass.school_key]
            values = {
                "name": klass.name,
                "period": klass.period,
                "course_code": klass.course_code,
                "course_title": klass.course_title,
                "active": True,
            }
            if record is None:
                counts.created += 1
                self.class_inserts.append(klass)
                continue
            if (
                any(getattr(record, k) != v for k, v in values.items())
                or school.id != record.school_id
                or teacher_id != record.teacher_id
            ):
                counts.updated += 1
                self.class_updates.append(
                    {
                        "id": record.id,
                        "school_key": klass.school_key,
                        "teacher_key": klass.teacher_key,
                        **values,
                    }
                )
            else:
                counts.unchanged += 1
        if self.bundle.mode("classes") is Mode.BULK:
            for key, record in self.stored_classes.items():
                if key not in self.classes and record.active:
                    counts.deactivated += 1
                    self.class_updates.append({"id": record.id, "active": False})
        if without_teacher:
            self.report.notes.append(
                f"{without_teacher} class{'es' if without_teacher != 1 else ''} without a teacher "
                "enrollment left out (a WBL class belongs to a teacher)."
            )

    def _plan_enrollments(self, wanted: dict[str, set[str]], ended: set[tuple[str, str]]) -> None:
        counts = self.counts["enrollments"]
        class_ids = {record.id: key for key, record in self.stored_classes.items()}
        profile_owner = {p["id"]: uid for uid, p in self.profiles.items()}
        user_key = {uid: sid for sid, (uid, *_rest) in self.stored_users.items()}
        stored: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
        ids = list(class_ids)
        for chunk in _chunks(ids):
            for class_id, student_id in db.session.execute(
                select(
                    class_section_student.c.class_section_id, class_section_student.c.student_id
                ).where(class_section_student.c.class_section_id.in_(chunk))
            ):
                owner = profile_owner.get(student_id)
                key = user_key.get(owner) if owner is not None else None
                if key is not None:
                    stored[class_ids[class_id]][key] = (class_id, student_id)
        full = self.bundle.mode("enrollments") is Mode.BULK
        for class_key, klass in self.classes.items():
            if not klass.active:
                continue
            for student_key in wanted.get(class_key, ()):
                if student_key in stored[class_key]:
                    counts.unchanged += 1
                else:
                    counts.created += 1
                    self.enrollment_inserts.add((class_key, student_key))
        for class_key, students in wanted.items():
            if class_key not in self.classes:  # a delta enrollment in a stored class
                for student_key in students:
                    if student_key in stored[class_key]:
                        counts.unchanged += 1
                    else:
                        counts.created += 1
                        self.enrollment_inserts.add((class_key, student_key))
        for class_key, members in stored.items():
            for student_key, pair in members.items():
                gone = (class_key, student_key) in ended or (
                    full and student_key not in wanted.get(class_key, set())
                )
                if gone:
                    counts.deactivated += 1
                    self.enrollment_deletes.add(pair)

    # -- writing --------------------------------------------------------------------------

    def write(self, step: Progress) -> None:
        step("writing orgs")
        for record, changes in self.org_changes:
            for name, value in changes.items():
                setattr(record, name, value)
            db.session.add(record)
        db.session.flush()
        school_ids = {key: school.id for key, school in self.schools.items()}
        school_district = {key: school.district_id for key, school in self.schools.items()}
        step("writing users")
        if self.user_inserts:
            db.session.execute(
                insert(User),
                [
                    {
                        **{k: v for k, v in row.items() if k != "school_key"},
                        "school_id": school_ids[row["school_key"]],
                        "district_id": school_district[row["school_key"]],
                    }
                    for row in self.user_inserts
                ],
            )
        if self.user_updates:
            db.session.execute(
                update(User),
                [
                    {
                        **{k: v for k, v in row.items() if k != "school_key"},
                        "school_id": school_ids[row["school_key"]],
                        "district_id": school_district[row["school_key"]],
                    }
                    for row in self.user_updates
                ],
            )
        if self.deactivate_user_ids:
            db.session.execute(
                update(User), [{"id": uid, "active": False} for uid in self.deactivate_user_ids]
            )
        ids = self._user_ids()
        if self.role_inserts:
            db.session.execute(
                insert(UserRole),
                [{"user_id": ids[sid], "role": role} for sid, role in self.role_inserts],
            )
        step("writing student profiles")
        self._write_profiles(ids, school_ids)
        profile_ids = self._profile_ids(ids)
        step("writing guardians and demographics")
        self._write_guardians(profile_ids)
        self._write_demographics(profile_ids)
        step("writing classes and enrollments")
        self._write_classes(ids, school_ids)
        self._write_enrollments(profile_ids)

    def _user_ids(self) -> dict[str, int]:
        return {
            str(sid): uid
            for uid, sid in db.session.execute(
                select(User.id, User.sourced_id).where(User.sourced_id.is_not(None))
            )
        }

    def _profile_ids(self, ids: dict[str, int]) -> dict[str, int]:
        owner = {uid: sid for sid, uid in ids.items()}
        return {
            owner[uid]: pid
            for pid, uid in db.session.execute(select(StudentProfile.id, StudentProfile.user_id))
            if uid in owner
        }

    def _write_profiles(self, ids: dict[str, int], school_ids: dict[str, int]) -> None:
        schools = self.schools
        inserts = []
        for account in self.profile_inserts:
            school = schools[account.school_key]
            values = self._profile_values(account)
            values.pop("school_key")
            guardian = self.consent_contacts.get(account.sourced_id, ("", ""))
            inserts.append(
                {
                    **values,
                    "school_id": school_ids[account.school_key],
                    "user_id": ids[account.sourced_id],
                    "home_zip": school.zip,
                    "home_latitude": school.latitude,
                    "home_longitude": school.longitude,
                    "guardian_name": guardian[0],
                    "guardian_email": guardian[1],
                    "frl_eligible": self.frl.get(account.sourced_id, False),
                }
            )
        if inserts:
            db.session.execute(insert(StudentProfile), inserts)
        updates = []
        for row in self.profile_updates:
            values = {k: v for k, v in row.items() if k != "school_key"}
            values["school_id"] = school_ids[row["school_key"]]
            updates.append(values)
        # the consent contact and meal status follow the roster when it says something
        by_user = {
            self.profiles[a.user_id]["id"]: (a.sourced_id, self.profiles[a.user_id])
            for a in self.accounts.values()
            if a.user_id in self.profiles
        }
        pending = {row["id"]: row for row in updates}
        for profile_id, (key, stored) in by_user.items():
            extra: dict[str, Any] = {}
            contact = self.consent_contacts.get(key)
            if contact and (stored["guardian_name"], stored["guardian_email"]) != contact:
                extra.update(guardian_name=contact[0], guardian_email=contact[1])
            if key in self.frl and stored["frl_eligible"] != self.frl[key]:
                extra["frl_eligible"] = self.frl[key]
            if extra:
                pending.setdefault(profile_id, {"id": profile_id}).update(extra)
        if pending:
            db.session.execute(update(StudentProfile), list(pending.values()))

    def _write_guardians(self, profile_ids: dict[str, int]) -> None:
        if self.guardian_inserts:
            db.session.execute(
                insert(Guardian),
                [
                    {
                        **{k: v for k, v in row.items() if k != "student_key"},
                        "student_id": profile_ids[row["student_key"]],
                    }
                    for row in self.guardian_inserts
                ],
            )
        if self.guardian_updates:
            db.session.execute(update(Guardian), self.guardian_updates)

    def _write_demographics(self, profile_ids: dict[str, int]) -> None:
        now = utcnow()
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for key, values in self.demographic_rows.items():
            student_id = profile_ids.get(key)
            if student_id is None:
                continue
            stored = self.demographic_existing.get(student_id)
            if stored == values:
                continue  # unchanged: updated_at keeps the day they last changed
            row = {"student_id": student_id, **values, "updated_at": now}
            (inserts if stored is None else updates).append(row)
        if inserts:
            db.session.execute(insert(StudentDemographics), inserts)
        if updates:
            db.session.execute(update(StudentDemographics), updates)

    def _write_classes(self, ids: dict[str, int], school_ids: dict[str, int]) -> None:
        now = utcnow()
        if self.class_inserts:
            db.session.execute(
                insert(ClassSection),
                [
                    {
                        "sourced_id": k.sourced_id,
                        "school_id": school_ids[k.school_key],
                        # a new class always has its teacher: _plan_classes leaves one without
                        "teacher_id": ids[k.teacher_key],  # type: ignore[index]
                        "name": k.name,
                        "period": k.period,
                        "course_code": k.course_code,
                        "course_title": k.course_title,
                        "active": True,
                        "created_at": now,
                    }
                    for k in self.class_inserts
                ],
            )
        updates = []
        for row in self.class_updates:
            values = {k: v for k, v in row.items() if k not in {"school_key", "teacher_key"}}
            if "school_key" in row:
                values["school_id"] = school_ids[row["school_key"]]
            if row.get("teacher_key"):
                values["teacher_id"] = ids[row["teacher_key"]]
            updates.append(values)
        if updates:
            db.session.execute(update(ClassSection), updates)

    def _write_enrollments(self, profile_ids: dict[str, int]) -> None:
        if not (self.enrollment_inserts or self.enrollment_deletes):
            return
        class_ids = {
            sid: cid
            for cid, sid in db.session.execute(
                select(ClassSection.id, ClassSection.sourced_id).where(
                    ClassSection.sourced_id.is_not(None)
                )
            )
        }
        if self.enrollment_deletes:
            table = class_section_student
            db.session.execute(
                delete(table).where(
                    table.c.class_section_id == bindparam("class_id"),
                    table.c.student_id == bindparam("student_id"),
                ),
                [{"class_id": c, "student_id": s} for c, s in self.enrollment_deletes],
            )
        rows = [
            {"class_section_id": class_ids[c], "student_id": profile_ids[s]}
            for c, s in sorted(self.enrollment_inserts)
            if c in class_ids and s in profile_ids
        ]
        if rows:
            db.session.execute(insert(class_section_student), rows)


class _Names:
    """Org names are unique in WBL: two orgs may not end up with one name."""

    def __init__(self, what: str, stored: Iterable[Any]) -> None:
        self.what = what
        self.owner: dict[str, Any] = {record.name: record for record in stored}
        self.claimed: dict[str, int] = {}

    def claim(self, planner: _Planner, row: Row, record: Any | None, name: str) -> None:
        if name in self.claimed:
            planner.problem("orgs", row, "name", f"row {self.claimed[name]} has the same name")
            return
        self.claimed[name] = row.number
        holder = self.owner.get(name)
        if holder is not None and holder is not record:
            planner.problem(
                "orgs",
                row,
                "name",
                f"another {self.what} in WBL is already called {name!r}",
            )
