"""The demo county's people as a OneRoster 1.1 bundle: the files a student information system
exports for WBL.

``seed_demo`` writes the bundle into a temporary folder and loads it with
``wbl.roster.imports.import_roster``, the import a real county uses, so that path runs every
time a demo county is loaded. The bundle holds what OneRoster has columns for: the county,
districts and schools (``orgs.csv``), the school year, courses and the teachers' classes,
teachers, students with their grades and guardians (``users.csv``), class lists
(``enrollments.csv``) and students' birth dates and demographics (``demographics.csv``).
What it has no column for (home ZIP, interests, pathways, passwords, staff, partners, ...)
``seed_demo`` writes itself, finding the rostered rows by the ``sourcedId`` given here.

The files are deterministic: the plan's people, plus demographics, guardians' telephones and
languages, and students' identifiers from a generator of their own (``rng``), so that adding
them moved none of the demo's other rows. The mix of demographics is roughly a Sonoma County
high school's, not real figures. Identifiers are marked DEMO, like the district codes: no
made-up number that looks like a real student's SSID.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from slugify import slugify

from wbl.demo import data
from wbl.demo.catalog import DemoClass

COUNTY_KEY = "demo-county"
SCHOOL_YEAR_KEY = "demo-year-2026-2027"
MODIFIED = "2026-08-15T00:00:00Z"  # fixed, so the same seed writes the same files


def district_key(index: int) -> str:
    return f"demo-district-{index + 1}"


def school_key(index: int) -> str:
    return f"demo-school-{index + 1:02d}"


def teacher_key(index: int) -> str:
    return f"demo-teacher-{index + 1:04d}"


def student_key(index: int) -> str:
    # Zero-padded: the import writes class lists in the order of these ids, the plan's order.
    return f"demo-student-{index + 1:05d}"


def guardian_key(index: int) -> str:
    return f"demo-guardian-{index + 1:05d}"


def class_key(index: int) -> str:
    return f"demo-class-{index + 1:04d}"


@dataclass(frozen=True, slots=True)
class RosterPerson:
    given: str
    family: str
    email: str
    school: int  # index into the schools


@dataclass(frozen=True, slots=True)
class RosterStudent:
    person: RosterPerson
    grade: int
    birth: date
    guardian: RosterPerson


@dataclass(frozen=True, slots=True)
class SchoolYear:
    start: date
    end: date


Rows = list[dict[str, str]]

# The columns written, in the specification's order (the import needs only some of them).
COLUMNS = {
    "orgs": "sourcedId status dateLastModified name type identifier parentSourcedId",
    "academicSessions": "sourcedId status dateLastModified title type startDate endDate "
    "parentSourcedId schoolYear",
    "courses": "sourcedId status dateLastModified schoolYearSourcedId title courseCode grades "
    "orgSourcedId",
    "classes": "sourcedId status dateLastModified title grades courseSourcedId classCode "
    "classType location schoolSourcedId termSourcedIds periods",
    "users": "sourcedId status dateLastModified enabledUser orgSourcedIds role username userIds "
    "givenName familyName middleName identifier email sms phone agentSourcedIds grades password "
    "metadata.preferredLanguage",
    "enrollments": "sourcedId status dateLastModified classSourcedId schoolSourcedId "
    "userSourcedId role primary beginDate endDate",
    "demographics": "sourcedId status dateLastModified birthDate sex "
    "americanIndianOrAlaskaNative asian blackOrAfricanAmerican "
    "nativeHawaiianOrOtherPacificIslander white demographicRaceTwoOrMoreRaces "
    "hispanicOrLatinoEthnicity metadata.englishLearner metadata.disability",
}


def write_bundle(
    folder: Path,
    *,
    county: str,
    year: SchoolYear,
    schools: Sequence[tuple[int, data.SchoolData]],
    teachers: Sequence[RosterPerson],
    students: Sequence[RosterStudent],
    classes: Sequence[DemoClass],
    rng: random.Random,
) -> None:
    """Write ``manifest.csv`` and the data files into ``folder`` (which exists)."""
    files: dict[str, Rows] = {
        "orgs": _orgs(county, schools),
        "academicSessions": [
            {
                "sourcedId": SCHOOL_YEAR_KEY,
                "title": f"{year.start.year}-{year.end.year}",
                "type": "schoolYear",
                "startDate": year.start.isoformat(),
                "endDate": year.end.isoformat(),
                "schoolYear": str(year.end.year),
            }
        ],
        **_classes(schools, classes, year),
    }
    files["demographics"], hispanic = _demographics(students, rng)
    files["users"] = _users(teachers, students, hispanic, rng)
    with (folder / "manifest.csv").open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerows([("propertyName", "value"), ("manifest.version", "1.0")])
        writer.writerows([("oneroster.version", "1.1"), ("source.systemName", "WBL demo")])
        writer.writerows((f"file.{name}", "bulk") for name in sorted(files))
    for name, rows in files.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as file:
            table = csv.DictWriter(file, COLUMNS[name].split())
            table.writeheader()
            table.writerows({"dateLastModified": MODIFIED, **row} for row in rows)


def _orgs(county: str, schools: Sequence[tuple[int, data.SchoolData]]) -> Rows:
    rows = [{"sourcedId": COUNTY_KEY, "name": county, "type": "local"}]
    rows += [
        {
            "sourcedId": district_key(d),
            "name": district.name,
            "type": "district",
            "identifier": district.code,
            "parentSourcedId": COUNTY_KEY,
        }
        for d, district in enumerate(data.DISTRICTS)
    ]
    # No CDS codes for the schools: the demo ships no made-up numbers that look real.
    rows += [
        {
            "sourcedId": school_key(s),
            "name": school.name,
            "type": "school",
            "parentSourcedId": district_key(d),
        }
        for s, (d, school) in enumerate(schools)
    ]
    return rows


def _classes(
    schools: Sequence[tuple[int, data.SchoolData]], classes: Sequence[DemoClass], year: SchoolYear
) -> dict[str, Rows]:
    """courses.csv (each title once per district), classes.csv and enrollments.csv."""
    courses: Rows = []
    course_keys: dict[tuple[int, str], str] = {}
    sections: Rows = []
    enrollments: Rows = []
    dates = {"beginDate": year.start.isoformat(), "endDate": year.end.isoformat()}
    for c, klass in enumerate(classes):
        district = schools[klass.school][0]
        course = course_keys.get((district, klass.name))
        if course is None:
            course = f"demo-course-{district + 1}-{slugify(klass.name)}"
            course_keys[(district, klass.name)] = course
            courses.append(
                {
                    "sourcedId": course,
                    "schoolYearSourcedId": SCHOOL_YEAR_KEY,
                    "title": klass.name,
                    "grades": "09,10,11,12",
                    "orgSourcedId": district_key(district),
                }
            )
        key, school = class_key(c), school_key(klass.school)
        sections.append(
            {
                "sourcedId": key,
                "title": klass.name,
                "grades": "09,10,11,12",
                "courseSourcedId": course,
                "classCode": f"P{klass.period}",
                "classType": "scheduled",
                "schoolSourcedId": school,
                "termSourcedIds": SCHOOL_YEAR_KEY,
                "periods": klass.period,
            }
        )
        enrolled = {"classSourcedId": key, "schoolSourcedId": school, **dates}
        enrollments.append(
            {
                "sourcedId": f"{key}-t",
                "userSourcedId": teacher_key(klass.teacher),
                "role": "teacher",
                "primary": "true",
                **enrolled,
            }
        )
        enrollments += [
            {
                "sourcedId": f"{key}-{n}",
                "userSourcedId": student_key(student),
                "role": "student",
                "primary": "false",
                **enrolled,
            }
            for n, student in enumerate(klass.students, start=1)
        ]
    return {"courses": courses, "classes": sections, "enrollments": enrollments}


def _users(
    teachers: Sequence[RosterPerson],
    students: Sequence[RosterStudent],
    hispanic: Sequence[bool],
    rng: random.Random,
) -> Rows:
    """Teachers, then students (the order their accounts are created in), then a guardian
    each; about half the Hispanic or Latino families prefer Spanish."""
    rows: Rows = []
    for t, teacher in enumerate(teachers):
        rows.append({**_person(teacher_key(t), "teacher", teacher), "username": teacher.email})
    for s, student in enumerate(students):
        rows.append(
            {
                **_person(student_key(s), "student", student.person),
                "username": student.person.email,
                "userIds": f"{{Local:{s + 100001}}}",
                "identifier": f"DEMO{s + 1:06d}",
                "agentSourcedIds": guardian_key(s),
                "grades": f"{student.grade:02d}",
            }
        )
    for s, student in enumerate(students):
        rows.append(
            {
                **_person(guardian_key(s), "parent", student.guardian),
                "phone": f"(707) 555-{rng.randint(100, 199):04d}",
                "agentSourcedIds": student_key(s),
                "metadata.preferredLanguage": (
                    "es" if hispanic[s] and rng.random() < 0.5 else "en"
                ),
            }
        )
    return rows


def _person(key: str, role: str, person: RosterPerson) -> dict[str, str]:
    return {
        "sourcedId": key,
        "enabledUser": "true",
        "orgSourcedIds": school_key(person.school),
        "role": role,
        "givenName": person.given,
        "familyName": person.family,
        "email": person.email,
    }


# Shares of students, roughly a Sonoma County high school's (not real figures).
_HISPANIC = 0.45
_RACES = (
    ("white", 62),
    ("asian", 6),
    ("blackOrAfricanAmerican", 3),
    ("americanIndianOrAlaskaNative", 2),
    ("nativeHawaiianOrOtherPacificIslander", 1),
    ("demographicRaceTwoOrMoreRaces", 9),
    ("", 17),  # not reported
)
_SEXES = (("female", 49), ("male", 49), ("unspecified", 2))


def _demographics(students: Sequence[RosterStudent], rng: random.Random) -> tuple[Rows, list[bool]]:
    """Birth dates (WBL must know who is a minor) and demographics, and who is Hispanic or
    Latino. No meal status: the demo marks free/reduced-meal eligibility itself, for the
    incentive funding examples (``wbl.demo.credentials``)."""
    rows: Rows = []
    hispanics: list[bool] = []
    races = [name for name, _ in _RACES if name]
    for s, student in enumerate(students):
        sex = rng.choices([n for n, _ in _SEXES], weights=[w for _, w in _SEXES])[0]
        race = rng.choices([n for n, _ in _RACES], weights=[w for _, w in _RACES])[0]
        hispanic = rng.random() < _HISPANIC
        learner = rng.random() < (0.3 if hispanic else 0.05)
        disability = rng.random() < 0.12
        hispanics.append(hispanic)
        row = {"sourcedId": student_key(s), "birthDate": student.birth.isoformat(), "sex": sex}
        if race:  # else not reported: the race columns stay empty
            row.update((name, _flag(name == race)) for name in races)
        row["hispanicOrLatinoEthnicity"] = _flag(hispanic)
        row["metadata.englishLearner"] = _flag(learner)
        row["metadata.disability"] = _flag(disability)
        rows.append(row)
    return rows, hispanics


def _flag(value: bool) -> str:
    return "true" if value else "false"
