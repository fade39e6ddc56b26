"""The demo county: deterministic, realistic enough to demo every screen, and never loaded
next to real accounts or into production."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from tests.support.builders import make_user
from wbl.access import Role
from wbl.auth.models import User, UserRole, password_matches
from wbl.catalog import clearances, rules
from wbl.catalog.clearance_models import SupervisorClearance
from wbl.catalog.manage_offerings import OfferingData
from wbl.catalog.models import (
    Offering,
    OfferingChange,
    OfferingStatus,
    Partner,
    PartnerContact,
)
from wbl.clock import local_today
from wbl.demo import data
from wbl.demo.services import (
    ANCHOR,
    DEMO_PASSWORD,
    YEAR_START,
    DemoRosterError,
    _load_reference,
    _make_plan,
    pathway_code,
    seed_demo,
    zip_centroid,
)
from wbl.errors import DomainError
from wbl.extensions import db
from wbl.placements.models import Application, Placement, PlacementStatus
from wbl.reference import defaults
from wbl.reference.models import ExperienceKind, IndustrySector
from wbl.roster.imports import import_roster
from wbl.roster.models import Guardian, StudentDemographics
from wbl.roster.report import ENTITIES
from wbl.schools.models import ClassSection, District, School
from wbl.storage import storage
from wbl.students.models import StudentProfile

LOGINS = {
    "admin@demo.wbl.example.org": {Role.ADMIN, Role.STAFF},
    "staff@demo.wbl.example.org": {Role.STAFF},
    "district.staff@demo.wbl.example.org": {Role.STAFF},
    "teacher@demo.wbl.example.org": {Role.TEACHER},
    "student@demo.wbl.example.org": {Role.STUDENT},
    "employer@demo.wbl.example.org": {Role.EMPLOYER},
}


def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None, email
    return user


def _count(column: object) -> int:
    return db.session.scalar(select(func.count(column))) or 0  # type: ignore[arg-type]


def test_seed_demo_loads_a_whole_county(app: Flask) -> None:
    summary = seed_demo(seed=2026)
    assert summary is not None

    assert _count(District.id) == 3
    assert _count(School.id) == 10
    per_sector = dict(
        db.session.execute(
            select(IndustrySector.code, func.count(Partner.id))
            .join(Partner, Partner.sector_id == IndustrySector.id)
            .group_by(IndustrySector.code)
        ).all()
    )
    assert len(per_sector) == 15
    assert min(per_sector.values()) >= 10
    assert sum(per_sector.values()) >= 220
    assert _count(Offering.id) >= 800
    kinds = Counter(db.session.scalars(select(Offering.kind)))
    assert set(kinds) == set(ExperienceKind)
    assert _count(StudentProfile.id) == 3000
    assert summary.students == 3000
    assert summary.teachers == 100
    assert db.session.scalar(select(func.count(User.id)).where(User.is_demo.is_(False))) == 0

    # The documented logins work, with the documented roles and scope.
    for email, roles in LOGINS.items():
        user = _user(email)
        assert user.role_set == roles
        assert user.active
        assert email in summary.describe()
    assert password_matches(_user("admin@demo.wbl.example.org"), DEMO_PASSWORD)
    assert DEMO_PASSWORD in summary.describe()
    assert _user("staff@demo.wbl.example.org").district_id is None
    first_school = db.session.scalar(select(School).where(School.name == "Santa Rosa High School"))
    assert first_school is not None
    assert _user("district.staff@demo.wbl.example.org").district_id == first_school.district_id
    assert _user("teacher@demo.wbl.example.org").school_id == first_school.id

    student = db.session.scalar(
        select(StudentProfile).join(User).where(User.email == "student@demo.wbl.example.org")
    )
    assert student is not None
    assert (student.grade, student.age_on(ANCHOR), student.school_id) == (11, 16, first_school.id)
    assert {p.sector.code for p in student.pathways} == {"health"}
    assert student.interests
    assert student.availability

    first_partner = db.session.scalar(select(Partner).where(Partner.external_id == "P0001"))
    assert first_partner is not None
    primary = [c for c in first_partner.contacts if c.is_primary]
    assert [c.user.email for c in primary] == ["employer@demo.wbl.example.org"]

    with pytest.raises(DomainError, match="already loaded"):
        seed_demo(seed=2026)
    assert seed_demo(seed=2026, if_empty=True) is None


def test_demo_rows_are_plausible(app: Flask) -> None:
    seed_demo(seed=7)
    for partner in db.session.scalars(select(Partner)):
        lat, lon = zip_centroid(partner.zip)
        assert partner.latitude is not None
        assert partner.longitude is not None
        assert abs(partner.latitude - lat) < 0.01
        assert abs(partner.longitude - lon) < 0.01
        assert partner.website.endswith(".example.com")
        assert partner.phone.startswith("(707) 555-")
        # The demo is bulk-inserted, not saved through the services: it keeps their rules.
        fields = rules.PartnerFields(
            name=partner.name,
            street_address=partner.street_address,
            city=partner.city,
            website=partner.website,
            phone=partner.phone,
            description=partner.description,
            latitude=partner.latitude,
            longitude=partner.longitude,
            worksite_agreement_date=partner.worksite_agreement_date,
            worksite_agreement_expiry=partner.worksite_agreement_expiry,
        )
        assert rules.partner_problems(fields) == {}, partner.name
    expiries = list(db.session.scalars(select(Partner.insurance_expiry)))
    assert any(e is not None and e < ANCHOR for e in expiries)
    assert any(e is not None and ANCHOR <= e <= ANCHOR + timedelta(days=30) for e in expiries)
    emails = db.session.scalars(select(User.email))
    assert all(e.rsplit("@", 1)[1].split(".")[-2] == "example" for e in emails)
    assert db.session.scalar(
        select(func.count(PartnerContact.id)).where(PartnerContact.is_primary.is_(True))
    ) == _count(Partner.id)

    capacity = {
        ExperienceKind.GUEST_SPEAKER: (20, 40),
        ExperienceKind.WORKPLACE_VISIT: (20, 40),
        ExperienceKind.JOB_SHADOW: (1, 4),
        ExperienceKind.WORK_BASED_PROJECT: (2, 6),
        ExperienceKind.INTERNSHIP: (1, 3),
    }
    offerings = select(Offering).options(
        selectinload(Offering.partner),
        selectinload(Offering.pathways),
        selectinload(Offering.outcomes),
    )
    for offering in db.session.scalars(offerings):
        low, high = capacity[offering.kind]
        assert low <= offering.capacity <= high
        assert rules.offering_problems(OfferingData.of(offering).rule_fields()) == {}
        assert 0 <= offering.seats_taken <= offering.capacity
        assert offering.pathways
        assert 1 <= len(offering.outcomes) <= 3
        assert {p.sector_id for p in offering.pathways} == {offering.partner.sector_id}
        assert offering.start_date is not None
        assert offering.end_date is not None
        assert offering.application_deadline is not None
        assert offering.application_deadline < offering.start_date <= offering.end_date
        assert offering.start_date >= YEAR_START
        if offering.status == OfferingStatus.PUBLISHED:
            assert offering.application_deadline > ANCHOR
        if offering.kind == ExperienceKind.INTERNSHIP:
            assert offering.min_grade == 11
            assert offering.expected_hours is not None
            assert 40 <= offering.expected_hours <= 250

    for profile in db.session.scalars(
        select(StudentProfile).options(selectinload(StudentProfile.pathways))
    ):
        assert profile.graduation_year == 2027 + 12 - profile.grade
        assert 14 <= profile.age_on(YEAR_START) <= 17
        assert 1 <= len(profile.pathways) <= 3
        assert (profile.home_latitude, profile.home_longitude) == zip_centroid(profile.home_zip)


def test_the_same_seed_gives_the_same_county(app: Flask) -> None:
    reference = _load_reference()
    first = _make_plan(random.Random(11), reference)
    again = _make_plan(random.Random(11), reference)
    other = _make_plan(random.Random(12), reference)
    assert first.users == again.users
    assert first.partners == again.partners
    assert first.offerings == again.offerings
    assert first.students == again.students
    assert first.users != other.users
    assert first.offerings != other.offerings


def test_refused_in_production(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "NAME", "production")
    with pytest.raises(DomainError, match="production"):
        seed_demo()
    assert _count(District.id) == 0


def test_refused_next_to_real_accounts(app: Flask) -> None:
    make_user(roles={Role.ADMIN})
    assert seed_demo(if_empty=True) is None
    with pytest.raises(DomainError, match="real user accounts"):
        seed_demo()
    assert _count(Partner.id) == 0


def test_demo_data_matches_the_reference_defaults_and_real_zip_codes() -> None:
    pathways = {pathway_code(code, name) for code, _, names in defaults.SECTORS for name in names}
    sectors = {code for code, _, _ in defaults.SECTORS}
    assert set(data.SECTOR_BUSINESSES) == sectors == set(data.SECTOR_INTERESTS)
    for sector, businesses in data.SECTOR_BUSINESSES.items():
        for business in businesses:
            for name in business.pathways:
                assert pathway_code(sector, name) in pathways, (sector, name)
    for zips, _, _ in data.TOWNS.values():
        for zip_code in zips:
            zip_centroid(zip_code)  # raises for a ZIP outside Sonoma County
    for district in data.DISTRICTS:
        for school in district.schools:
            lat, lon = zip_centroid(school.zip)
            assert abs(school.latitude - lat) < 0.05
            assert abs(school.longitude - lon) < 0.05
            for zip_code, _ in school.home_zips:
                zip_centroid(zip_code)


def test_demo_catalog_extras(app: Flask) -> None:
    """Endorsers have real, cleaned logos; agreements expire; the review queue and the
    teachers' classes have something in them."""
    seed_demo(seed=2026)
    endorsers = db.session.scalars(
        select(Partner).where(Partner.endorses_certificate.is_(True))
    ).all()
    assert endorsers
    for partner in endorsers:
        assert partner.logo_content_type == "image/svg+xml"
        assert storage().read(partner.logo_key).lstrip().startswith(b"<?xml")
    with_agreement = db.session.scalars(
        select(Partner).where(Partner.worksite_agreement_date.is_not(None))
    ).all()
    assert all(
        p.worksite_agreement_expiry == p.worksite_agreement_date + timedelta(days=3 * 365)
        for p in with_agreement
    )
    pending = db.session.scalars(
        select(Offering).where(Offering.status == OfferingStatus.PENDING)
    ).all()
    assert pending
    assert all(o.proposed_by is not None for o in pending)
    assert _count(OfferingChange.id) >= 1
    # Supervisors hold the default clearances, but for a few the compliance list shows.
    assert _count(SupervisorClearance.id) > 0
    staff = db.session.scalar(select(User).join(User.roles).where(UserRole.role == Role.STAFF))
    assert staff is not None
    problems = {r.problem for r in clearances.compliance_rows(staff, local_today())}
    assert "No Fingerprint background check on file" in problems
    assert "Mandated-reporter training expires" in problems
    sections = db.session.scalars(select(ClassSection)).all()
    assert len(sections) == 2 * 100
    assert all(22 <= len(s.students) <= 30 for s in sections[:10])
    assert all(
        {student.school_id for student in s.students} == {s.school_id} for s in sections[:10]
    )


def test_demo_teacher_has_class_events_to_show(app: Flask) -> None:
    from wbl.events.models import EventRequest, EventRequestStatus

    seed_demo(seed=2026)
    requests = db.session.scalars(select(EventRequest).order_by(EventRequest.id)).all()
    assert {r.status for r in requests} == {EventRequestStatus.PENDING, EventRequestStatus.ACCEPTED}
    teacher = _user("teacher@demo.wbl.example.org")
    assert all(r.teacher_id == teacher.id for r in requests)
    student = db.session.scalar(
        select(StudentProfile).where(
            StudentProfile.user_id == _user("student@demo.wbl.example.org").id
        )
    )
    confirmed = next(r for r in requests if r.status is EventRequestStatus.ACCEPTED)
    assert student in confirmed.class_section.students
    assert confirmed.confirmed_option is not None


def test_demo_applications_hold_exactly_their_seats(app: Flask) -> None:
    """Seats taken are the accepted and placed applications whose placement has not ended,
    offering by offering; every role's demo account has applications to look at."""
    seed_demo(seed=2026)
    holding = dict(
        db.session.execute(
            select(Application.offering_id, func.count())
            .outerjoin(Placement, Placement.application_id == Application.id)
            .where(
                Application.status.in_(["accepted", "placed"]),
                # an ended placement gave its seat back
                or_(Placement.id.is_(None), Placement.status == PlacementStatus.ACTIVE),
            )
            .group_by(Application.offering_id)
        ).all()
    )
    for offering_id, seats_taken in db.session.execute(select(Offering.id, Offering.seats_taken)):
        assert seats_taken == holding.get(offering_id, 0)
    placed = db.session.scalar(
        select(func.count(Placement.id)).where(
            Placement.status.in_([PlacementStatus.ACTIVE, PlacementStatus.COMPLETED])
        )
    )
    assert placed == db.session.scalar(
        select(func.count(Application.id)).where(Application.status == "placed")
    )
    student = db.session.scalar(
        select(StudentProfile).where(
            StudentProfile.user_id == _user("student@demo.wbl.example.org").id
        )
    )
    mine = db.session.scalars(select(Application).where(Application.student_id == student.id))
    assert sorted(a.status.value for a in mine) == ["placed", "placed", "submitted"]
    assert all(a.events for a in db.session.scalars(select(Application).limit(20)))


def test_demo_fall_has_hours_evaluations_and_attendance(app: Flask) -> None:
    """The fall placements' hours follow the logging rules; the demo employer has hours of
    the demo student to confirm; ended placements have evaluations; the demo teacher's class
    has attendance for a past guest speaker."""
    from wbl.evaluations.models import PlacementEvaluation
    from wbl.hours.models import EntryStatus, EventAttendance, HourEntry
    from wbl.portfolio.models import Artifact

    seed_demo(seed=2026)
    entries = db.session.scalars(select(HourEntry).options(selectinload(HourEntry.placement)))
    per_day: Counter[tuple[int, object]] = Counter()
    for entry in entries:
        assert entry.work_date < ANCHOR
        assert entry.placement.start_date <= entry.work_date <= entry.placement.end_date
        assert entry.minutes % 15 == 0
        assert (entry.decided_at is None) == (entry.status is EntryStatus.PENDING)
        if entry.status is EntryStatus.REJECTED:
            assert entry.reject_reason
        if entry.status is not EntryStatus.REJECTED:
            per_day[(entry.student_id, entry.work_date)] += entry.minutes
    assert per_day
    assert max(per_day.values()) <= 12 * 60

    student = db.session.scalar(
        select(StudentProfile.id).where(
            StudentProfile.user_id == _user("student@demo.wbl.example.org").id
        )
    )
    employer = _user("employer@demo.wbl.example.org")
    partner = db.session.scalar(
        select(PartnerContact.partner_id).where(PartnerContact.user_id == employer.id)
    )
    waiting = db.session.scalar(
        select(func.count(HourEntry.id))
        .join(Placement, Placement.id == HourEntry.placement_id)
        .join(Offering, Offering.id == Placement.offering_id)
        .where(
            HourEntry.student_id == student,
            HourEntry.status == EntryStatus.PENDING,
            Offering.partner_id == partner,
        )
    )
    assert waiting

    completed = db.session.scalar(
        select(func.count(Placement.id)).where(Placement.status == PlacementStatus.COMPLETED)
    )
    evaluated = db.session.scalar(select(func.count(PlacementEvaluation.id)))
    assert 0 < evaluated <= completed
    drafts = select(func.count(Artifact.id)).where(Artifact.placement_id.is_not(None))
    assert 0 < db.session.scalar(drafts) <= evaluated

    teacher = _user("teacher@demo.wbl.example.org")
    section = db.session.scalar(
        select(ClassSection).where(ClassSection.teacher_id == teacher.id).order_by(ClassSection.id)
    )
    marked = db.session.scalars(
        select(EventAttendance.student_id).join(EventAttendance.event)
    ).all()
    assert sorted(marked) == sorted(s.id for s in section.students)


def test_demo_work_ready_year_has_every_stage(app: Flask, client) -> None:
    """A reviewer pool, the demo student's portfolio with something missing, a portfolio in
    review, one passed and invited, and a certificate that verifies publicly."""
    from wbl.certificates.models import Certificate, Interview
    from wbl.portfolio.services import what_is_missing
    from wbl.reviews.assigning import conflicted_user_ids
    from wbl.reviews.models import PortfolioSubmission, ReviewerVolunteer, SubmissionStatus

    seed_demo(seed=2026)
    assert db.session.scalar(select(func.count()).select_from(ReviewerVolunteer)) >= 2
    student = db.session.scalar(
        select(StudentProfile).where(
            StudentProfile.user_id == _user("student@demo.wbl.example.org").id
        )
    )
    assert what_is_missing(student)  # in progress: something is still missing
    statuses = Counter(s.status for s in db.session.scalars(select(PortfolioSubmission)))
    assert statuses == {SubmissionStatus.IN_REVIEW: 1, SubmissionStatus.PASSED: 2}
    for submission in db.session.scalars(select(PortfolioSubmission)):
        assert what_is_missing(submission.student) == []
        conflicts = conflicted_user_ids(submission.student)
        assert not {a.reviewer_id for a in submission.assignments} & conflicts
    assert db.session.scalar(select(func.count()).select_from(Interview)) == 2
    certificate = db.session.scalar(select(Certificate))
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert certificate.student_name in page
    assert "Valid" in page


def test_demo_people_come_through_the_roster_import(app: Flask, tmp_path: Path) -> None:
    """Districts, schools, teachers, students with their guardians and demographics, and the
    teachers' classes are a OneRoster bundle loaded by the roster import; the same files
    imported again change nothing (the demo's own columns do not fight the roster)."""
    seed_demo(seed=2026, roster_folder=tmp_path)
    assert (tmp_path / "manifest.csv").is_file()

    rostered = {Role.TEACHER, Role.STUDENT}
    users = db.session.scalars(select(User).options(selectinload(User.roles))).all()
    for user in users:
        assert user.is_demo
        if user.role_set & rostered:
            assert user.sourced_id is not None
            assert user.sourced_id.startswith("demo-")
        else:
            assert user.sourced_id is None
    assert len({user.password_hash for user in users}) == 1  # one scrypt hash for everyone
    assert password_matches(_user("teacher@demo.wbl.example.org"), DEMO_PASSWORD)
    assert password_matches(_user("student@demo.wbl.example.org"), DEMO_PASSWORD)
    assert all(d.sourced_id for d in db.session.scalars(select(District)))
    assert all(s.sourced_id and s.zip and s.latitude for s in db.session.scalars(select(School)))

    assert _count(Guardian.id) == _count(StudentDemographics.student_id) == 3000
    student = db.session.scalar(
        select(StudentProfile).join(User).where(User.email == "student@demo.wbl.example.org")
    )
    assert student is not None
    assert student.date_of_birth == date(2010, 3, 14)
    assert (student.guardian_name, student.guardian_email) == (
        "Lucia Reyes",
        "lucia.reyes@example.net",
    )
    assert student.ssid.startswith("DEMO")
    assert student.home_zip == "95404"
    guardian = db.session.scalar(select(Guardian).where(Guardian.student_id == student.id))
    assert guardian is not None
    assert (guardian.full_name, guardian.relationship_kind) == ("Lucia Reyes", "parent")
    demographics = db.session.get(StudentDemographics, student.id)
    assert demographics is not None
    assert demographics.sex in {"male", "female", "unspecified"}
    assert demographics.hispanic_or_latino is not None
    sections = db.session.scalars(select(ClassSection)).all()
    assert all(s.sourced_id and s.course_title == s.name for s in sections)

    again = import_roster(tmp_path, dry_run=True)
    assert again.ok, again.lines()
    for name in ENTITIES:
        counts = again.counts[name]
        assert (counts.created, counts.updated, counts.deactivated) == (0, 0, 0), again.lines()
        assert counts.unchanged > 0


def test_a_roster_problem_stops_the_demo_and_saves_nothing(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A county setting that makes the demo's roster wrong: the SSID read from the e-mail
    # column, longer than an SSID may be.
    monkeypatch.setitem(app.config, "ROSTER_SSID_COLUMN", "email")
    with pytest.raises(DemoRosterError, match=r"users\.csv row 102: email: is longer than 20"):
        seed_demo(seed=2026)
    for column in (District.id, School.id, User.id, Partner.id, Offering.id, ClassSection.id):
        assert _count(column) == 0


def test_demo_has_graduating_concentrators_for_perkins_5s3(app: Flask) -> None:
    from wbl.demo.services import ANCHOR
    from wbl.reporting.perkins import indicator
    from wbl.reporting.reach import ReachFilters, SchoolYear

    seed_demo(seed=2026)
    found = indicator(_user("staff@demo.wbl.example.org"), ReachFilters(SchoolYear.of(ANCHOR)))
    concentrators, participated = found.total.values.values()
    assert concentrators > 20
    assert 0 < participated < concentrators
