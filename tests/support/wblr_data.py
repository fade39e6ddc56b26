"""Test data for the CALPADS WBLR file: a district and school with real CALPADS codes,
rostered students (SSID, graduation year), and placements with hour entries written as rows
(the hour rules are the hours feature's tests; here only what was confirmed matters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tests.support.builders import (
    make_district,
    make_offering,
    make_school,
    make_student,
    make_user,
)
from wbl.access import Role
from wbl.catalog.models import Offering
from wbl.evaluations.models import PlacementEvaluation
from wbl.extensions import db
from wbl.hours.models import EntryStatus, HourEntry
from wbl.placements.models import Application, ApplicationStatus, Placement, PlacementStatus
from wbl.reference.models import ExperienceKind
from wbl.reporting.models import OfferingReporting
from wbl.schools.models import District, School
from wbl.students.models import StudentProfile

_counter = iter(range(1, 10**6))


def calpads_school(*, district: District | None = None) -> School:
    """A school whose district has a 7-digit county-district code and which has a 14-digit
    CDS code (the builders' defaults have neither)."""
    n = next(_counter)
    district = district or make_district()
    if not (len(district.code) == 7 and district.code.isdigit()):
        district.code = f"49{n:05d}"
    school = make_school(district=district)
    school.cds_code = f"{district.code}{n:07d}"
    db.session.flush()
    return school


def rostered_student(
    *, school: School, ssid: str | None = None, grade: int = 11, name: str | None = None
) -> StudentProfile:
    n = next(_counter)
    user = make_user(roles={Role.STUDENT}, school=school, full_name=name or f"Student {n}")
    student = make_student(school=school, grade=grade, user=user)
    student.ssid = f"{1000000000 + n}" if ssid is None else ssid
    db.session.flush()
    return student


def reported_offering(
    *,
    kind: ExperienceKind = ExperienceKind.INTERNSHIP,
    virtual: bool = False,
    course_code: str | None = "7000",
    lea_sponsored: bool = True,
    certificated_supervised: bool = False,
    title: str | None = None,
) -> Offering:
    offering = make_offering(kind=kind, title=title)
    offering.is_virtual = virtual
    if course_code is not None:
        db.session.add(
            OfferingReporting(
                offering_id=offering.id,
                state_course_code=course_code,
                lea_sponsored=lea_sponsored,
                certificated_supervised=certificated_supervised,
            )
        )
    db.session.flush()
    return offering


@dataclass(frozen=True)
class Hours:
    day: date
    minutes: int
    status: EntryStatus = EntryStatus.CONFIRMED


def placed(
    student: StudentProfile,
    offering: Offering,
    hours: list[Hours],
    *,
    ratings: list[int | None] | None = None,
) -> Placement:
    """A placement of ``student`` on ``offering`` with ``hours``; ``ratings``: the
    supervisor's evaluation's category ratings (None: no evaluation)."""
    application = Application(
        student_id=student.id,
        offering_id=offering.id,
        statement="I want to learn.",
        status=ApplicationStatus.PLACED,
    )
    db.session.add(application)
    db.session.flush()
    placement = Placement(
        application_id=application.id,
        student_id=student.id,
        offering_id=offering.id,
        status=PlacementStatus.ACTIVE,
    )
    db.session.add(placement)
    db.session.flush()
    for entry in hours:
        db.session.add(
            HourEntry(
                placement_id=placement.id,
                student_id=student.id,
                work_date=entry.day,
                minutes=entry.minutes,
                description="Worked.",
                status=entry.status,
            )
        )
    if ratings is not None:
        evaluator = make_user(roles={Role.EMPLOYER})
        db.session.add(
            PlacementEvaluation(
                placement_id=placement.id,
                evaluator_id=evaluator.id,
                ratings=[
                    {"code": f"c{i}", "name": f"Category {i}", "rating": r}
                    for i, r in enumerate(ratings)
                ],
            )
        )
    db.session.flush()
    return placement
