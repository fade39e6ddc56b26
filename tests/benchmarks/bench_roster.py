"""Benchmark: the roster import (issue 15) at the scale of a county.

Run: ``.venv/bin/python tests/benchmarks/bench_roster.py`` from the repository root (``make
bench`` runs it). It writes a OneRoster 1.1 bulk bundle (a folder of CSV files) into a
temporary folder: the county office, 3 districts, 21 high schools, a school year, 30 courses,
10,000 classes, 50,000 users (45,000 students in grades 9–12 with their demographics, 1,500
teachers, 3,500 parents linked to their children through ``agentSourcedIds``) and 200,000
enrollments (190,000 of students, one teacher per class). The data are made up and the same
on every run (``random.Random(15)``). Then, on a throw-away SQLite file built with the real
migrations and the reference data, it times the first import and an unchanged re-import
through ``import_roster`` (what ``flask roster import`` calls), and reads the process's peak
memory.

The issue's targets: the first import under 60 s, the unchanged re-import under 20 s, under
1 GB of memory, on SQLite on a 2-core machine. It exits with 1 when one is missed. Peak memory
is ``ru_maxrss``, the resident set of the whole process at its highest (Python objects,
SQLite's page cache, the CSV text, the app itself): what the machine has to hold. tracemalloc
would see only Python's own allocations and slow the import down several times. Not a pytest
module.
"""

from __future__ import annotations

import csv
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from flask_migrate import upgrade

from config import DevelopmentConfig
from wbl import create_app
from wbl.roster.imports import import_roster
from wbl.roster.report import RosterReport
from wbl.seeding import seed_reference

DISTRICTS = 3
SCHOOLS = 21
CLASSES = 10_000
STUDENTS = 45_000
TEACHERS = 1_500
PARENTS = 3_500
ENROLLMENTS = 200_000
FIRST_TARGET_S = 60.0
AGAIN_TARGET_S = 20.0
MEMORY_TARGET_BYTES = 2**30

# Made-up names, split into lists where the bundle is written.
GIVEN_NAMES = """
    Ana Jordan Kiran Lee Maria Daniel Sofia Mateo Emma Liam Olivia Noah Camila Diego Mia Ethan
    Isabella Lucas Valeria Aiden Ximena Gabriel Chloe Leo Aaliyah Elijah Priya Arjun Mei Hiroshi
    Fatima Omar Grace Samuel Lucia Santiago Hannah Wyatt Zoe Julian
"""
FAMILY_NAMES = """
    Martinez Nguyen Singh Thompson Garcia Lopez Hernandez Kim Patel Rivera Okafor Smith Johnson
    Chen Ramirez Torres Flores Wong Gonzalez Sanchez Davis Brown Wilson Anderson Cruz Reyes
    Morales Ortiz Gutierrez Chavez Ramos Ruiz Alvarez Mendoza Castillo Jimenez
"""
COURSES = (
    ("7160", "Agriculture and Natural Resources"),
    ("7271", "Health Science Pathway"),
    ("7380", "Information and Communication Technologies"),
    ("7510", "Building and Construction Trades"),
    ("7610", "Engineering and Architecture"),
    ("7710", "Hospitality, Tourism and Recreation"),
    ("7800", "Manufacturing and Product Development"),
    ("7900", "Transportation"),
    ("2100", "English 9"),
    ("2110", "English 10"),
)
# The header of each file (OneRoster 1.1 CSV binding, every column of the specification).
HEADERS = {
    "orgs": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
    "academicSessions": (
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear"
    ),
    "courses": (
        "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,"
        "orgSourcedId,subjects,subjectCodes"
    ),
    "classes": (
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,"
        "location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods"
    ),
    "users": (
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
        "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,"
        "password"
    ),
    "enrollments": (
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
        "primary,beginDate,endDate"
    ),
    "demographics": (
        "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,"
        "blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
        "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,"
        "stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus,"
        "metadata.englishLearner,metadata.disability,metadata.freeReducedMeals"
    ),
}
RACES = (
    "americanIndianOrAlaskaNative",
    "asian",
    "blackOrAfricanAmerican",
    "nativeHawaiianOrOtherPacificIslander",
    "white",
    "demographicRaceTwoOrMoreRaces",
)
# Every file a OneRoster 1.1 manifest names (bulk or absent).
MANIFEST_FILES = """
    academicSessions categories classes classResources courses courseResources demographics
    enrollments lineItems orgs resources results users
"""
MODIFIED = "2026-08-01"
YEAR = {"beginDate": "2026-08-12", "endDate": "2027-06-04"}


def _write(folder: Path, name: str, rows: list[dict[str, str]]) -> None:
    """One data file; columns a row does not name are empty, and every row was last modified
    on the same day."""
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, HEADERS[name].split(","), restval="")
        writer.writeheader()
        writer.writerows({"dateLastModified": MODIFIED, **row} for row in rows)


def _flag(rng: random.Random, chance: float) -> str:
    return "true" if rng.random() < chance else "false"


def write_bundle(folder: Path, rng: random.Random) -> dict[str, int]:
    """The county's OneRoster 1.1 bulk bundle; the number of rows of each file."""
    given_names, family_names = GIVEN_NAMES.split(), FAMILY_NAMES.split()
    files = {"academicSessions", "classes", "courses", "demographics", "enrollments"}
    files |= {"orgs", "users"}
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerows([["propertyName", "value"], ["manifest.version", "1.0"]])
        writer.writerow(["oneroster.version", "1.1"])
        for name in MANIFEST_FILES.split():
            writer.writerow([f"file.{name}", "bulk" if name in files else "absent"])
        writer.writerows([["source.systemName", "Bench SIS"], ["source.systemCode", "BENCH"]])

    county = "Bench County Office of Education"
    orgs = [{"sourcedId": "org-county", "name": county, "type": "local", "identifier": "4900000"}]
    for d in range(DISTRICTS):
        name = f"Bench Unified District {d + 1}"
        orgs.append(
            {"sourcedId": f"org-d{d}", "name": name, "type": "district", "identifier": _cds(d)}
        )
    schools: list[str] = []
    for s in range(SCHOOLS):
        district = s % DISTRICTS
        schools.append(f"org-s{s}")
        orgs.append(
            {
                "sourcedId": f"org-s{s}",
                "name": f"Bench High School {s + 1}",
                "type": "school",
                "identifier": f"{_cds(district)}{4900000 + s:07d}",
                "parentSourcedId": f"org-d{district}",
            }
        )
    _write(folder, "orgs", orgs)

    year = {"type": "schoolYear", "schoolYear": "2027"}
    term = {"type": "semester", "parentSourcedId": "as-2027", "schoolYear": "2027"}
    _write(
        folder,
        "academicSessions",
        [
            {"sourcedId": "as-2027", "title": "2026-2027", **year, **_dates("08-12", "06-04")},
            {"sourcedId": "as-2027-s1", "title": "Fall 2026", **term, **_dates("08-12", "01-15")},
            {"sourcedId": "as-2027-s2", "title": "Spring 2027", **term, **_dates("01-19", "06-04")},
        ],
    )

    courses = [
        {
            "sourcedId": f"crs-{d}-{code}",
            "schoolYearSourcedId": "as-2027",
            "title": title,
            "courseCode": code,
            "grades": "9,10,11,12",
            "orgSourcedId": f"org-d{d}",
            "subjects": "CTE",
        }
        for d in range(DISTRICTS)
        for code, title in COURSES
    ]
    _write(folder, "courses", courses)

    # teachers and classes: each school has its share of both; a class's teacher teaches there
    teachers_at: dict[str, list[str]] = {s: [] for s in schools}
    teacher_school: dict[str, str] = {}
    for t in range(TEACHERS):
        school = schools[t % SCHOOLS]
        teachers_at[school].append(f"t-{t}")
        teacher_school[f"t-{t}"] = school
    classes_at: dict[str, list[str]] = {s: [] for s in schools}
    classes = []
    enrollments: list[dict[str, str]] = []
    for c in range(CLASSES):
        school = schools[c % SCHOOLS]
        code, title = COURSES[rng.randrange(len(COURSES))]
        period = str(1 + c % 7)
        key = f"cls-{c}"
        classes_at[school].append(key)
        classes.append(
            {
                "sourcedId": key,
                "title": f"{title} - Period {period} ({c})",
                "grades": "9,10,11,12",
                "courseSourcedId": f"crs-{int(school[5:]) % DISTRICTS}-{code}",
                "classCode": f"C{c}",
                "classType": "scheduled",
                "location": f"Room {c % 40 + 1}",
                "schoolSourcedId": school,
                "termSourcedIds": "as-2027-s1" if c % 2 else "as-2027-s2",
                "subjects": "CTE",
                "periods": period,
            }
        )
        teacher = rng.choice(teachers_at[school])
        enrollments.append(_enrollment(len(enrollments), key, school, teacher, "teacher"))
    _write(folder, "classes", classes)

    # students: 4 classes each, 10,000 of them a fifth; parents of one or two children
    users: list[dict[str, str]] = []
    demographics: list[dict[str, str]] = []
    student_school = [schools[i % SCHOOLS] for i in range(STUDENTS)]
    parents_of: dict[int, list[str]] = {}
    children_of: list[list[int]] = []
    unparented = list(range(STUDENTS))
    rng.shuffle(unparented)
    for p in range(PARENTS):
        children = [unparented.pop() for _ in range(2 if p % 3 == 0 else 1)]
        children_of.append(children)
        for child in children:
            parents_of.setdefault(child, []).append(f"p-{p}")
    fifth_classes = ENROLLMENTS - CLASSES - 4 * STUDENTS
    for i in range(STUDENTS):
        school = student_school[i]
        given, family = rng.choice(given_names), rng.choice(family_names)
        grade = 9 + rng.randrange(4)
        key = f"s-{i}"
        users.append(
            {
                "sourcedId": key,
                "enabledUser": "true",
                "orgSourcedIds": school,
                "role": "student",
                "username": f"s{i}",
                "userIds": f"{{Local:{100000 + i}}}",
                "givenName": given,
                "familyName": family,
                "identifier": f"{4400000000 + i}",  # the SSID
                "email": f"{given}.{family}.{i}@students.bench.example.org".lower(),
                "agentSourcedIds": ",".join(parents_of.get(i, [])),
                "grades": f"{grade:02d}",
            }
        )
        born = 2026 - 5 - grade - (1 if rng.random() < 0.6 else 0)
        race = rng.randrange(len(RACES))
        demographics.append(
            {
                "sourcedId": key,
                "birthDate": f"{born}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}",
                "sex": rng.choice(("female", "male", "female", "male", "other")),
                **{column: "true" if n == race else "false" for n, column in enumerate(RACES)},
                "hispanicOrLatinoEthnicity": _flag(rng, 0.45),
                "countryOfBirthCode": "US",
                "stateOfBirthAbbreviation": "CA",
                "metadata.englishLearner": _flag(rng, 0.15),
                "metadata.disability": _flag(rng, 0.1),
                "metadata.freeReducedMeals": _flag(rng, 0.5),
            }
        )
        for klass in rng.sample(classes_at[school], 5 if i < fifth_classes else 4):
            enrollments.append(_enrollment(len(enrollments), klass, school, key, "student"))
    for t in range(TEACHERS):
        given, family = rng.choice(given_names), rng.choice(family_names)
        users.append(
            {
                "sourcedId": f"t-{t}",
                "enabledUser": "true",
                "orgSourcedIds": teacher_school[f"t-{t}"],
                "role": "teacher",
                "username": f"t{t}",
                "userIds": f"{{Local:T{t}}}",
                "givenName": given,
                "familyName": family,
                "email": f"{given}.{family}.t{t}@bench.example.org".lower(),
            }
        )
    for p, children in enumerate(children_of):
        given, family = rng.choice(given_names), rng.choice(family_names)
        users.append(
            {
                "sourcedId": f"p-{p}",
                "enabledUser": "true",
                "orgSourcedIds": student_school[children[0]],
                "role": "parent" if p % 7 else "guardian",
                "givenName": given,
                "familyName": family,
                # one in ten has no e-mail address (a phone number only)
                "email": f"{given}.{family}.p{p}@example.com".lower() if p % 10 else "",
                "phone": f"707-555-{p % 10000:04d}",
                "agentSourcedIds": ",".join(f"s-{c}" for c in children),
            }
        )
    _write(folder, "users", users)
    _write(folder, "demographics", demographics)
    _write(folder, "enrollments", enrollments)
    return {
        "orgs": len(orgs),
        "classes": len(classes),
        "users": len(users),
        "enrollments": len(enrollments),
    }


def _cds(district: int) -> str:
    """A district's CDS code: county 49 and a five-digit district number."""
    return f"49{70000 + district * 100:05d}"


def _dates(start: str, end: str) -> dict[str, str]:
    """A session's first and last day, given as MM-DD: August to December are 2026."""
    return {
        "startDate": f"{2026 if start >= '08' else 2027}-{start}",
        "endDate": f"{2026 if end >= '08' else 2027}-{end}",
    }


def _enrollment(number: int, klass: str, school: str, user: str, role: str) -> dict[str, str]:
    return {
        "sourcedId": f"e-{number}",
        "classSourcedId": klass,
        "schoolSourcedId": school,
        "userSourcedId": user,
        "role": role,
        "primary": "true" if role == "teacher" else "false",
        **YEAR,
    }


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def _result(report: RosterReport) -> str:
    return "; ".join(report.lines())


def main() -> None:
    rows = ["| step | time | target | result |", "| --- | --- | --- | --- |"]
    missed: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        bundle = Path(folder) / "oneroster"
        bundle.mkdir()
        started = time.perf_counter()
        sizes = write_bundle(bundle, random.Random(15))
        megabytes = sum(f.stat().st_size for f in bundle.iterdir()) / 2**20
        rows.append(
            f"| write the OneRoster 1.1 bundle | {time.perf_counter() - started:.1f} s | | "
            f"{sizes['users']:,} users, {sizes['enrollments']:,} enrollments, "
            f"{sizes['classes']:,} classes, {sizes['orgs']} orgs; {megabytes:.0f} MB of CSV |"
        )

        class Config(DevelopmentConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/bench.sqlite"
            UPLOAD_FOLDER = f"{folder}/uploads"

        app = create_app(Config)
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            seed_reference()
        before = _peak_bytes()  # the app, the migrations and writing the bundle
        for case, target in (
            ("first import", FIRST_TARGET_S),
            ("re-import, unchanged", AGAIN_TARGET_S),
        ):
            with app.app_context():
                started, cpu = time.perf_counter(), time.process_time()
                report = import_roster(bundle, dry_run=False)
                took, cpu = time.perf_counter() - started, time.process_time() - cpu
            if not report.ok:
                sys.exit("\n".join(str(p) for p in report.problems[:20]))
            if case.startswith("re-import"):
                changed = sum(c.created + c.updated + c.deactivated for c in report.counts.values())
                if changed:
                    missed.append(f"the re-import changed {changed} rows: {_result(report)}")
            passed = took < target
            if not passed:
                missed.append(f"{case}: {took:.1f} s, the target is under {target:.0f} s")
            rows.append(
                f"| {case} | {took:.1f} s | < {target:.0f} s | "
                f"{cpu:.1f} s of CPU; {_result(report)} |"
            )
        peak = _peak_bytes()
        if peak >= MEMORY_TARGET_BYTES:
            missed.append(f"peak memory {peak / 2**20:.0f} MiB, the target is under 1 GiB")
        rows.append(
            f"| peak memory of the process (ru_maxrss) | {peak / 2**20:.0f} MiB | < 1 GiB | "
            f"{before / 2**20:.0f} MiB before the first import (app, migrations, bundle) |"
        )
    print("\n".join(rows))
    if missed:
        print("\n".join(f"MISSED: {m}" for m in missed))
        sys.exit(1)


if __name__ == "__main__":
    main()
