"""Benchmark: the roster import (issue 15) at the scale of a county.

Run: ``.venv/bin/python tests/benchmarks/bench_roster.py`` from the repository root (``make
bench`` runs it). It writes a OneRoster 1.1 bulk bundle (a folder of CSV files) into a
temporary folder: the county office, 3 districts, 21 high schools, a school year, 40 courses,
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
from wbl.reference.services import seed_reference
from wbl.roster.imports import RosterReport, import_roster

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

GIVEN = [
    "Ana",
    "Jordan",
    "Kiran",
    "Lee",
    "Maria",
    "Daniel",
    "Sofia",
    "Mateo",
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Camila",
    "Diego",
    "Mia",
    "Ethan",
    "Isabella",
    "Lucas",
    "Valeria",
    "Aiden",
    "Ximena",
    "Gabriel",
    "Chloe",
    "Leo",
    "Aaliyah",
    "Elijah",
    "Priya",
    "Arjun",
    "Mei",
    "Hiroshi",
    "Fatima",
    "Omar",
    "Grace",
    "Samuel",
    "Lucia",
    "Santiago",
    "Hannah",
    "Wyatt",
    "Zoe",
    "Julian",
]
FAMILY = [
    "Martinez",
    "Nguyen",
    "Singh",
    "Thompson",
    "Garcia",
    "Lopez",
    "Hernandez",
    "Kim",
    "Patel",
    "Rivera",
    "Okafor",
    "Smith",
    "Johnson",
    "Chen",
    "Ramirez",
    "Torres",
    "Flores",
    "Wong",
    "Gonzalez",
    "Sanchez",
    "Davis",
    "Brown",
    "Wilson",
    "Anderson",
    "Cruz",
    "Reyes",
    "Morales",
    "Ortiz",
    "Gutierrez",
    "Chavez",
    "Ramos",
    "Ruiz",
    "Alvarez",
    "Mendoza",
    "Castillo",
    "Jimenez",
]
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
USER_COLUMNS = (
    "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,"
    "givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password"
)
DEMOGRAPHIC_COLUMNS = (
    "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,"
    "blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
    "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,"
    "stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus,metadata.englishLearner,"
    "metadata.disability,metadata.freeReducedMeals"
)
MODIFIED = "2026-08-01"


def _write(folder: Path, name: str, header: str, rows: list[list[str]]) -> None:
    """One CSV file; ``header`` is the header row as written, columns separated by commas."""
    with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header.split(","))
        writer.writerows(rows)


def _flag(rng: random.Random, chance: float) -> str:
    return "true" if rng.random() < chance else "false"


def write_bundle(folder: Path, rng: random.Random) -> dict[str, int]:
    """The county's OneRoster 1.1 bulk bundle; the number of rows of each file."""
    sizes: dict[str, int] = {}
    files = ("academicSessions", "classes", "courses", "demographics", "enrollments")
    present = {*files, "orgs", "users"}
    manifest = [["manifest.version", "1.0"], ["oneroster.version", "1.1"]]
    for name in [
        "academicSessions",
        "categories",
        "classes",
        "classResources",
        "courses",
        "courseResources",
        "demographics",
        "enrollments",
        "lineItems",
        "orgs",
        "resources",
        "results",
        "users",
    ]:
        manifest.append([f"file.{name}", "bulk" if name in present else "absent"])
    manifest += [["source.systemName", "Bench SIS"], ["source.systemCode", "BENCH"]]
    _write(folder, "manifest", "propertyName,value", manifest)

    orgs = [
        ["org-county", "", MODIFIED, "Bench County Office of Education", "local", "4900000", ""]
    ]
    schools: list[str] = []
    for d in range(DISTRICTS):
        code = f"49{70000 + d * 100:05d}"
        orgs.append(
            [f"org-d{d}", "", MODIFIED, f"Bench Unified District {d + 1}", "district", code, ""]
        )
    for s in range(SCHOOLS):
        district = s % DISTRICTS
        cds = f"49{70000 + district * 100:05d}{4900000 + s:07d}"
        orgs.append(
            [
                f"org-s{s}",
                "",
                MODIFIED,
                f"Bench High School {s + 1}",
                "school",
                cds,
                f"org-d{district}",
            ]
        )
        schools.append(f"org-s{s}")
    _write(
        folder,
        "orgs",
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId",
        orgs,
    )
    sizes["orgs"] = len(orgs)

    sessions = [
        [
            "as-2027",
            "",
            MODIFIED,
            "2026-2027",
            "schoolYear",
            "2026-08-12",
            "2027-06-04",
            "",
            "2027",
        ],
        [
            "as-2027-s1",
            "",
            MODIFIED,
            "Fall 2026",
            "semester",
            "2026-08-12",
            "2027-01-15",
            "as-2027",
            "2027",
        ],
        [
            "as-2027-s2",
            "",
            MODIFIED,
            "Spring 2027",
            "semester",
            "2027-01-19",
            "2027-06-04",
            "as-2027",
            "2027",
        ],
    ]
    _write(
        folder,
        "academicSessions",
        "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear",
        sessions,
    )

    courses = []
    for d in range(DISTRICTS):
        for code, title in COURSES:
            courses.append(
                [
                    f"crs-{d}-{code}",
                    "",
                    MODIFIED,
                    "as-2027",
                    title,
                    code,
                    "9,10,11,12",
                    f"org-d{d}",
                    "CTE",
                    "",
                ]
            )
    _write(
        folder,
        "courses",
        "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes",
        courses,
    )
    sizes["courses"] = len(courses)

    # teachers and classes: each school has its share of both; a class's teacher teaches there
    teachers_at: dict[str, list[str]] = {s: [] for s in schools}
    teacher_school: dict[str, str] = {}
    for t in range(TEACHERS):
        school = schools[t % SCHOOLS]
        teachers_at[school].append(f"t-{t}")
        teacher_school[f"t-{t}"] = school
    classes_at: dict[str, list[str]] = {s: [] for s in schools}
    class_rows = []
    enrollments: list[list[str]] = []
    for c in range(CLASSES):
        school = schools[c % SCHOOLS]
        district = int(school[5:]) % DISTRICTS
        code, title = COURSES[rng.randrange(len(COURSES))]
        period = str(1 + c % 7)
        key = f"cls-{c}"
        classes_at[school].append(key)
        term = "as-2027-s1" if c % 2 else "as-2027-s2"
        class_rows.append(
            [
                key,
                "",
                MODIFIED,
                f"{title} - Period {period} ({c})",
                "9,10,11,12",
                f"crs-{district}-{code}",
                f"C{c}",
                "scheduled",
                f"Room {c % 40 + 1}",
                school,
                term,
                "CTE",
                "",
                period,
            ]
        )
        teacher = rng.choice(teachers_at[school])
        enrollments.append(
            [
                f"e-{len(enrollments)}",
                "",
                MODIFIED,
                key,
                school,
                teacher,
                "teacher",
                "true",
                "2026-08-12",
                "2027-06-04",
            ]
        )
    _write(
        folder,
        "classes",
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods",
        class_rows,
    )
    sizes["classes"] = len(class_rows)

    # students: 4 classes each, 10,000 of them a fifth; parents of one or two children
    users: list[list[str]] = []
    demographics: list[list[str]] = []
    student_school = [schools[i % SCHOOLS] for i in range(STUDENTS)]
    parents_of: dict[int, list[str]] = {}
    children_of: list[list[int]] = []
    unparented = list(range(STUDENTS))
    rng.shuffle(unparented)
    for p in range(PARENTS):
        count = 2 if p % 3 == 0 else 1
        children = [unparented.pop() for _ in range(count)]
        children_of.append(children)
        for child in children:
            parents_of.setdefault(child, []).append(f"p-{p}")
    student_enrollments = ENROLLMENTS - CLASSES
    extra = student_enrollments - 4 * STUDENTS
    for i in range(STUDENTS):
        school = student_school[i]
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        grade = 9 + rng.randrange(4)
        key = f"s-{i}"
        users.append(
            [
                key,
                "",
                MODIFIED,
                "true",
                school,
                "student",
                f"s{i}",
                f"{{Local:{100000 + i}}}",
                given,
                family,
                "",
                f"{4400000000 + i}",
                f"{given}.{family}.{i}@students.bench.example.org".lower(),
                "",
                "",
                ",".join(parents_of.get(i, [])),
                f"{grade:02d}",
                "",
            ]
        )
        year = 2026 - 5 - grade - (1 if rng.random() < 0.6 else 0)
        birth = f"{year}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}"
        race = rng.randrange(6)
        demographics.append(
            [
                key,
                "",
                MODIFIED,
                birth,
                rng.choice(("female", "male", "female", "male", "other")),
                "true" if race == 0 else "false",
                "true" if race == 1 else "false",
                "true" if race == 2 else "false",
                "true" if race == 3 else "false",
                "true" if race == 4 else "false",
                "true" if race == 5 else "false",
                _flag(rng, 0.45),
                "US",
                "CA",
                "",
                "",
                _flag(rng, 0.15),
                _flag(rng, 0.1),
                _flag(rng, 0.5),
            ]
        )
        for klass in rng.sample(classes_at[school], 5 if i < extra else 4):
            enrollments.append(
                [
                    f"e-{len(enrollments)}",
                    "",
                    MODIFIED,
                    klass,
                    school,
                    key,
                    "student",
                    "false",
                    "2026-08-12",
                    "2027-06-04",
                ]
            )
    for t in range(TEACHERS):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        users.append(
            [
                f"t-{t}",
                "",
                MODIFIED,
                "true",
                teacher_school[f"t-{t}"],
                "teacher",
                f"t{t}",
                f"{{Local:T{t}}}",
                given,
                family,
                "",
                "",
                f"{given}.{family}.t{t}@bench.example.org".lower(),
                "",
                "",
                "",
                "",
                "",
            ]
        )
    for p, children in enumerate(children_of):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        email = f"{given}.{family}.p{p}@example.com".lower() if p % 10 else ""
        users.append(
            [
                f"p-{p}",
                "",
                MODIFIED,
                "true",
                student_school[children[0]],
                "parent" if p % 7 else "guardian",
                "",
                "",
                given,
                family,
                "",
                "",
                email,
                "",
                f"707-555-{p % 10000:04d}",
                ",".join(f"s-{c}" for c in children),
                "",
                "",
            ]
        )
    _write(folder, "users", USER_COLUMNS, users)
    _write(folder, "demographics", DEMOGRAPHIC_COLUMNS, demographics)
    _write(
        folder,
        "enrollments",
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate",
        enrollments,
    )
    sizes["users"] = len(users)
    sizes["enrollments"] = len(enrollments)
    return sizes


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
