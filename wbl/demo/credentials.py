"""The demo county's industry credentials, WorkKeys scores and incentive funding.

A catalog of real credential names across sectors (points in the style of Ohio's list,
1–12; about two thirds on the incentive-qualified list), each district's graduation policy
for some of them, earned credentials (mostly verified, some waiting, one rejected, one
expired), WorkKeys scores, free/reduced-price lunch flags for about 40 % of students, and a
2026-27 incentive program year with Colorado's defaults whose appropriations run short in
tier 2, so the report shows prorating.

The demo student (Ana Reyes, Health) has 6 of 12 Health points verified, one credential
waiting for verification and WorkKeys 4/4/4 (12 of 14), so her progress page has something
to say. Rows are bulk-inserted (as in ``services.py``); evidence files are one small stored
PDF per credential, shared by the rows that earned it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from fpdf import FPDF
from sqlalchemy import insert, select, update

from wbl.auth.models import User
from wbl.credentials.models import (
    Credential,
    DistrictCredentialPolicy,
    EarnedStatus,
    ScoreSource,
    StudentCredential,
    Subject,
    WorkKeysScore,
    WorkKeysTest,
)
from wbl.extensions import db
from wbl.incentives.models import Appropriation, CompletionType, StaffCompletion
from wbl.incentives.report import requested_by_tier
from wbl.incentives.services import add_program_year, colorado_defaults
from wbl.reference.models import IndustrySector
from wbl.schools.models import District, School
from wbl.storage import storage
from wbl.students.models import StudentProfile


@dataclass(frozen=True, slots=True)
class _Cred:
    name: str
    issuer: str
    sector: str
    points: int
    validity_months: int | None
    code: str | None
    qualified: bool


CATALOG: tuple[_Cred, ...] = (
    _Cred("CPR and First Aid", "American Heart Association", "health", 1, 24, None, False),
    _Cred(
        "Certified Nursing Assistant",
        "State Nurse Aide Registry",
        "health",
        6,
        24,
        "CO-HS-001",
        True,
    ),
    _Cred(
        "Pharmacy Technician (CPhT)",
        "Pharmacy Technician Certification Board",
        "health",
        6,
        24,
        "CO-HS-002",
        True,
    ),
    _Cred(
        "Emergency Medical Responder",
        "National Registry of EMTs",
        "health",
        4,
        24,
        "CO-HS-003",
        True,
    ),
    _Cred(
        "Phlebotomy Technician", "National Healthcareer Association", "health", 3, 24, None, True
    ),
    _Cred(
        "Medical Terminology", "National Healthcareer Association", "health", 2, None, None, False
    ),
    _Cred("CompTIA A+", "CompTIA", "ict", 12, 36, "CO-IT-001", True),
    _Cred("CompTIA Network+", "CompTIA", "ict", 12, 36, "CO-IT-002", True),
    _Cred("CompTIA IT Fundamentals+", "CompTIA", "ict", 3, None, "CO-IT-003", True),
    _Cred(
        "Microsoft Office Specialist: Excel", "Microsoft", "business_finance", 3, None, None, True
    ),
    _Cred(
        "Microsoft Office Specialist: Word", "Microsoft", "business_finance", 2, None, None, False
    ),
    _Cred("QuickBooks Certified User", "Intuit", "business_finance", 3, None, None, True),
    _Cred(
        "NIMS Measurement, Materials and Safety",
        "National Institute for Metalworking Skills",
        "manufacturing",
        4,
        None,
        "CO-MF-001",
        True,
    ),
    _Cred(
        "OSHA 10-Hour General Industry",
        "OSHA Training Institute",
        "manufacturing",
        1,
        None,
        None,
        False,
    ),
    _Cred(
        "AWS Certified Welder", "American Welding Society", "manufacturing", 6, 6, "CO-MF-002", True
    ),
    _Cred(
        "Certified Production Technician",
        "Manufacturing Skill Standards Council",
        "manufacturing",
        6,
        None,
        None,
        True,
    ),
    _Cred(
        "OSHA 10-Hour Construction",
        "OSHA Training Institute",
        "building_trades",
        1,
        None,
        None,
        False,
    ),
    _Cred("NCCER Core Curriculum", "NCCER", "building_trades", 4, None, "CO-CN-001", True),
    _Cred(
        "HBI Pre-Apprenticeship Certificate Training",
        "Home Builders Institute",
        "building_trades",
        6,
        None,
        None,
        True,
    ),
    _Cred(
        "Pesticide Applicator (Qualified)",
        "State Department of Agriculture",
        "agriculture",
        3,
        36,
        None,
        True,
    ),
    _Cred(
        "Certified Veterinary Assistant",
        "Texas Veterinary Medical Association",
        "agriculture",
        6,
        None,
        None,
        True,
    ),
    _Cred(
        "ServSafe Food Handler",
        "National Restaurant Association",
        "hospitality",
        1,
        36,
        None,
        False,
    ),
    _Cred(
        "ServSafe Manager",
        "National Restaurant Association",
        "hospitality",
        3,
        60,
        "CO-HO-001",
        True,
    ),
    _Cred(
        "ASE Entry-Level Maintenance and Light Repair",
        "ASE Education Foundation",
        "transportation",
        4,
        24,
        None,
        True,
    ),
    _Cred("Adobe Certified Professional: Photoshop", "Adobe", "arts_media", 3, 36, None, False),
)

_AP_COURSES = ("AP Computer Science Principles", "AP Computer Science A")
_PRE_APPRENTICESHIPS = (
    "Construction pre-apprenticeship (HBI PACT)",
    "Electrical pre-apprenticeship",
)
_APPRENTICESHIPS = (
    "Registered apprenticeship: electrician",
    "Registered apprenticeship: CNC machinist",
)

PROGRAM_YEAR = ("2026-27", date(2026, 7, 1), date(2027, 6, 30))
FRL_SHARE = 0.4


def add_credentials(rng: random.Random, anchor: date, demo_domain: str) -> None:
    staff = db.session.scalar(select(User.id).where(User.email == f"staff@{demo_domain}"))
    if staff is None:
        return
    credentials = _catalog()
    _policies(rng, credentials)
    students: list[Any] = list(
        db.session.execute(
            select(
                StudentProfile.id, StudentProfile.user_id, StudentProfile.grade, School.district_id
            )
            .join(School, StudentProfile.school_id == School.id)
            .order_by(StudentProfile.id)
        )
    )
    demo_user = db.session.scalar(select(User.id).where(User.email == f"student@{demo_domain}"))
    demo = next((s for s in students if s.user_id == demo_user), None)
    _earned(rng, anchor, credentials, students, demo, staff)
    _workkeys(rng, anchor, students, demo, staff)
    _frl(rng, students, demo)
    _incentives(rng, anchor, students, staff)
    db.session.flush()


def _catalog() -> list[tuple[_Cred, int]]:
    sectors: dict[str, int] = {
        row.code: row.id
        for row in db.session.execute(select(IndustrySector.code, IndustrySector.id))
    }
    known = [c for c in CATALOG if c.sector in sectors]
    ids = db.session.execute(
        insert(Credential).returning(Credential.id, sort_by_parameter_order=True),
        [
            {
                "name": c.name,
                "issuer": c.issuer,
                "sector_id": sectors[c.sector],
                "points": c.points,
                "validity_months": c.validity_months,
                "external_code": c.code,
                "incentive_qualified": c.qualified,
                "active": True,
            }
            for c in known
        ],
    ).scalars()
    return list(zip(known, ids, strict=True))


def _policies(rng: random.Random, credentials: list[tuple[_Cred, int]]) -> None:
    """Each district accepts about two thirds of the catalog for graduation; a few count
    toward English or math (Colorado's Graduation Guidelines)."""
    subjects = (Subject.NEITHER, Subject.ENGLISH, Subject.MATH, Subject.BOTH)
    rows = []
    for district_id in db.session.scalars(select(District.id).order_by(District.id)):
        for _cred, cred_id in credentials:
            if rng.random() < 0.25:
                continue
            accepted = rng.random() < 0.85
            rows.append(
                {
                    "district_id": district_id,
                    "credential_id": cred_id,
                    "accepted_for_graduation": accepted,
                    "counts_toward": (
                        rng.choices(subjects, weights=(5, 2, 2, 1))[0]
                        if accepted
                        else Subject.NEITHER
                    ),
                }
            )
    db.session.execute(insert(DistrictCredentialPolicy), rows)


def _pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=text)
    return bytes(pdf.output())


def _evidence(cred: _Cred) -> dict[str, Any]:
    data = _pdf(f"Certificate of completion: {cred.name} ({cred.issuer})")
    return {
        "file_key": storage().save(data, folder="credentials", extension="pdf"),
        "file_name": "certificate.pdf",
        "content_type": "application/pdf",
        "file_size": len(data),
    }


def _earned(
    rng: random.Random,
    anchor: date,
    credentials: list[tuple[_Cred, int]],
    students: list[Any],
    demo: Any,
    staff: int,
) -> None:
    """About a fifth of the students have earned one to three credentials since the fall of
    2025; the newest ones may still be waiting for verification."""
    evidence = {cred_id: _evidence(cred) for cred, cred_id in credentials}
    by_name = {cred.name: (cred, cred_id) for cred, cred_id in credentials}
    first_day = date(2025, 9, 1)
    span = (anchor - timedelta(days=3) - first_day).days
    rows: list[dict[str, Any]] = []

    def add(student: Any, cred: _Cred, cred_id: int, earned: date, status: EarnedStatus) -> None:
        decided = status is not EarnedStatus.PENDING
        at = datetime.combine(min(earned + timedelta(days=3), anchor), time(17), tzinfo=UTC)
        rows.append(
            {
                "student_id": student.id,
                "credential_id": cred_id,
                "earned_on": earned,
                "expires_on": (
                    earned + relativedelta(months=cred.validity_months)
                    if cred.validity_months
                    else None
                ),
                "status": status,
                **evidence[cred_id],
                "note": "",
                "recorded_by_id": student.user_id,
                "recorded_at": datetime.combine(earned, time(20), tzinfo=UTC),
                "decided_by_id": staff if decided else None,
                "decided_at": at if decided else None,
                "reject_reason": (
                    "The certificate's name does not match the student's; upload the one "
                    "with your full name."
                    if status is EarnedStatus.REJECTED
                    else ""
                ),
            }
        )

    others = [s for s in students if s is not demo]
    for student in rng.sample(others, len(others) // 5):
        for cred, cred_id in rng.sample(credentials, rng.choice((1, 1, 1, 2, 2, 3))):
            earned = first_day + timedelta(days=rng.randrange(span))
            recent = earned > anchor - timedelta(days=21)
            status = (
                EarnedStatus.PENDING if recent and rng.random() < 0.6 else EarnedStatus.VERIFIED
            )
            add(student, cred, cred_id, earned, status)
    if others:
        cred, cred_id = by_name.get("CPR and First Aid", credentials[0])
        add(others[0], cred, cred_id, date(2024, 5, 10), EarnedStatus.VERIFIED)  # expired
        cred, cred_id = by_name.get("ServSafe Food Handler", credentials[0])
        add(others[1], cred, cred_id, anchor - timedelta(days=10), EarnedStatus.REJECTED)
    if demo is not None:
        for name, earned, status in (
            ("CPR and First Aid", date(2026, 2, 7), EarnedStatus.VERIFIED),
            ("Phlebotomy Technician", date(2026, 9, 26), EarnedStatus.VERIFIED),
            ("Medical Terminology", date(2026, 10, 17), EarnedStatus.VERIFIED),
            ("Emergency Medical Responder", anchor - timedelta(days=4), EarnedStatus.PENDING),
        ):
            if name in by_name:
                add(demo, *by_name[name], earned, status)
    db.session.execute(insert(StudentCredential), rows)


def _workkeys(rng: random.Random, anchor: date, students: list[Any], demo: Any, staff: int) -> None:
    """Most juniors and seniors took WorkKeys in the spring; levels cluster at 4–5."""
    rows = []
    tested = date(2026, 4, 14)
    for student in students:
        if student is demo:
            levels = dict.fromkeys(WorkKeysTest, 4)
        elif student.grade >= 11 and rng.random() < 0.6:
            levels = {
                test: rng.choices((3, 4, 5, 6, 7), weights=(2, 4, 4, 2, 1))[0]
                for test in WorkKeysTest
            }
        else:
            continue
        rows += [
            {
                "student_id": student.id,
                "test": test,
                "level": level,
                "tested_on": tested,
                "source": ScoreSource.IMPORT,
                "entered_by_id": staff,
                "entered_at": datetime.combine(tested + timedelta(days=30), time(16), tzinfo=UTC),
            }
            for test, level in levels.items()
        ]
    db.session.execute(insert(WorkKeysScore), rows)


def _frl(rng: random.Random, students: list[Any], demo: Any) -> None:
    eligible = [s.id for s in students if s is demo or rng.random() < FRL_SHARE]
    for start in range(0, len(eligible), 500):
        db.session.execute(
            update(StudentProfile)
            .where(StudentProfile.id.in_(eligible[start : start + 500]))
            .values(frl_eligible=True)
            .execution_options(synchronize_session=False)
        )


def _incentives(rng: random.Random, anchor: date, students: list[Any], staff: int) -> None:
    """The 2026-27 program year (Colorado's defaults; internships need 20 confirmed hours),
    a few staff-entered completions per district, and each district's appropriation: tier 1
    in full and a bit over half of tier 2 (so tier 2 is prorated and tier 3 gets nothing)."""
    label, starts_on, ends_on = PROGRAM_YEAR
    year = add_program_year(
        replace(colorado_defaults(label, starts_on, ends_on), internship_min_hours=20)
    )
    by_district: dict[int, list[Any]] = {}
    for student in students:
        by_district.setdefault(student.district_id, []).append(student)
    span = (anchor - timedelta(days=1) - starts_on).days
    rows = []
    for district_id in sorted(by_district):
        seniors = [s for s in by_district[district_id] if s.grade >= 11]
        picks = rng.sample(seniors, min(4, len(seniors)))
        kinds = (
            (CompletionType.AP_COURSE, _AP_COURSES),
            (CompletionType.PRE_APPRENTICESHIP, _PRE_APPRENTICESHIPS),
            (CompletionType.APPRENTICESHIP, _APPRENTICESHIPS),
            (CompletionType.PRE_APPRENTICESHIP, _PRE_APPRENTICESHIPS),
        )
        for student, (kind, names) in zip(picks, kinds, strict=False):
            name = rng.choice(names)
            rows.append(
                {
                    "student_id": student.id,
                    "completion_type": kind,
                    "name": name,
                    "name_key": name.lower(),
                    "completed_on": starts_on + timedelta(days=rng.randrange(span)),
                    "note": "",
                    "entered_by_id": staff,
                }
            )
    db.session.execute(insert(StaffCompletion), rows)
    db.session.flush()
    appropriations = []
    for district_id in sorted(by_district):
        tiers = requested_by_tier(year, district_id)
        first, second = tiers.get(1, 0), tiers.get(2, 0)
        cents = first + (second * 55 // 100) // 10_000 * 10_000  # whole hundreds of dollars
        appropriations.append(
            {"program_year_id": year.id, "district_id": district_id, "amount_cents": cents}
        )
    db.session.execute(insert(Appropriation), appropriations)
