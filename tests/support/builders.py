"""Keyword-only builders for test data. Each one adds and flushes, never commits."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from sqlalchemy import select

from wbl.access import Role
from wbl.auth.models import User, UserRole, normalize_email
from wbl.catalog.clearance_models import ClearanceType, SupervisorClearance
from wbl.catalog.models import Offering, OfferingStatus, Partner, PartnerContact
from wbl.clock import local_today
from wbl.extensions import db
from wbl.reference.models import ExperienceKind, IndustrySector, Pathway
from wbl.schools.models import ClassSection, District, School
from wbl.students.models import StudentProfile, Transportation

PASSWORD = "correct horse battery"
_seq = itertools.count(1)
_password_hash: str | None = None


def _n() -> int:
    return next(_seq)


def make_district(*, name: str | None = None) -> District:
    n = _n()
    district = District(name=name or f"District {n}", code=f"D{n:05d}")
    db.session.add(district)
    db.session.flush()
    return district


def make_school(*, district: District | None = None, name: str | None = None) -> School:
    n = _n()
    school = School(
        district=district or make_district(),
        name=name or f"School {n}",
        city="Santa Rosa",
        zip="95401",
        latitude=38.44,
        longitude=-122.71,
    )
    db.session.add(school)
    db.session.flush()
    return school


def make_user(
    *,
    roles: set[Role] | None = None,
    email: str | None = None,
    full_name: str | None = None,
    district: District | None = None,
    school: School | None = None,
    active: bool = True,
    password: str | None = PASSWORD,
) -> User:
    global _password_hash
    n = _n()
    user = User(
        email=normalize_email(email or f"user{n}@example.org"),
        full_name=full_name or f"Test User {n}",
        active=active,
        district=district,
        school=school,
        roles=[UserRole(role=r) for r in sorted(roles or {Role.STUDENT})],
    )
    if password == PASSWORD:
        if _password_hash is None:
            user.set_password(PASSWORD)
            _password_hash = user.password_hash
        user.password_hash = _password_hash
    elif password is not None:
        user.set_password(password)
    if school is not None and district is None:
        user.district_id = school.district_id
    db.session.add(user)
    db.session.flush()
    return user


def pathway(code: str = "health.patient_care") -> Pathway:
    found = db.session.scalar(select(Pathway).where(Pathway.code == code))
    assert found is not None, f"no pathway {code}"
    return found


def sector(code: str = "health") -> IndustrySector:
    found = db.session.scalar(select(IndustrySector).where(IndustrySector.code == code))
    assert found is not None, f"no sector {code}"
    return found


def make_student(
    *,
    school: School | None = None,
    grade: int = 11,
    date_of_birth: date = date(2010, 3, 1),
    user: User | None = None,
    pathways: list[Pathway] | None = None,
    home_zip: str = "95401",
) -> StudentProfile:
    school = school or make_school()
    user = user or make_user(roles={Role.STUDENT}, school=school)
    profile = StudentProfile(
        user=user,
        school=school,
        grade=grade,
        graduation_year=2028 - (grade - 11) + 0,
        date_of_birth=date_of_birth,
        home_zip=home_zip,
        home_latitude=38.44,
        home_longitude=-122.71,
        max_travel_miles=15,
        transportation=Transportation.CAR,
        interests="I like helping people and biology",
        availability=["after_school"],
        guardian_name="Pat Guardian",
        guardian_email=f"guardian{_n()}@example.org",
        pathways=pathways if pathways is not None else [pathway()],
    )
    db.session.add(profile)
    db.session.flush()
    return profile


def make_partner(
    *,
    name: str | None = None,
    sector_code: str = "health",
    insurance_expiry: date | None = date(2030, 1, 1),
    worksite_agreement_date: date | None = date(2025, 8, 1),
) -> Partner:
    partner = Partner(
        name=name or f"Partner {_n()}",
        sector=sector(sector_code),
        street_address="1 Main St",
        city="Santa Rosa",
        zip="95401",
        latitude=38.44,
        longitude=-122.71,
        insurance_expiry=insurance_expiry,
        worksite_agreement_date=worksite_agreement_date,
    )
    db.session.add(partner)
    db.session.flush()
    return partner


def make_employer(*, partner: Partner | None = None, cleared: bool = True) -> User:
    """A partner's primary contact. ``cleared``: with every supervisor clearance current for
    years (wbl/catalog/clearances.py), so minors may be accepted under them as before."""
    partner = partner or make_partner()
    user = make_user(roles={Role.EMPLOYER})
    contact = PartnerContact(partner=partner, user=user, is_primary=True)
    db.session.add(contact)
    db.session.flush()
    if cleared:
        today = local_today()
        for kind in ClearanceType:
            db.session.add(
                SupervisorClearance(
                    contact_id=contact.id,
                    kind=kind,
                    completed_on=today - timedelta(days=30),
                    expires_on=today + timedelta(days=3 * 365),
                )
            )
        db.session.flush()
    return user


def make_offering(
    *,
    partner: Partner | None = None,
    kind: ExperienceKind = ExperienceKind.JOB_SHADOW,
    capacity: int = 5,
    status: OfferingStatus = OfferingStatus.PUBLISHED,
    start_date: date | None = None,
    title: str | None = None,
    pathways: list[Pathway] | None = None,
) -> Offering:
    start = start_date or local_today() + timedelta(days=30)
    offering = Offering(
        partner=partner or make_partner(),
        kind=kind,
        title=title or f"Offering {_n()}",
        description="Learn on the job.",
        capacity=capacity,
        status=status,
        start_date=start,
        end_date=start + timedelta(days=1),
        pathways=pathways if pathways is not None else [pathway()],
    )
    db.session.add(offering)
    db.session.flush()
    return offering


def make_class_section(
    *,
    teacher: User,
    students: list[StudentProfile] | None = None,
    name: str | None = None,
    period: str = "3",
) -> ClassSection:
    """A teacher's class at the teacher's school (the teacher must have one)."""
    assert teacher.school_id is not None, "a class belongs to the teacher's school"
    section = ClassSection(
        school_id=teacher.school_id,
        teacher=teacher,
        name=name or f"Class {_n()}",
        period=period,
        students=students or [],
    )
    db.session.add(section)
    db.session.flush()
    return section
