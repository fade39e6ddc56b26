"""The roster import on the documented example bundles: what it creates, that a second import
changes nothing, deactivation and return, adoption by e-mail, and every problem reported with
nothing written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.support.builders import PASSWORD, make_employer, make_user
from tests.support.roster_files import (
    add_row,
    drop_row,
    edit_row,
    example_bundle,
    read_rows,
    set_manifest,
    write_rows,
    zipped,
)
from wbl.access import Role
from wbl.auth.models import User
from wbl.extensions import db
from wbl.roster.imports import import_roster
from wbl.roster.models import Guardian, StudentDemographics
from wbl.roster.report import RosterReport
from wbl.schools.models import ClassSection, District, School
from wbl.students.models import StudentProfile

ANA = "ana.martinez@students.lagunavalley.example.org"


def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None, email
    return user


def _profile(email: str) -> StudentProfile:
    profile = db.session.scalar(select(StudentProfile).join(User).where(User.email == email))
    assert profile is not None, email
    return profile


def _counts(report: RosterReport) -> dict[str, tuple[int, int, int, int]]:
    return {
        name: (c.created, c.updated, c.unchanged, c.deactivated)
        for name, c in report.counts.items()
    }


def _imported(path: Path | bytes) -> RosterReport:
    report = import_roster(path, dry_run=False)
    assert report.ok, [str(p) for p in report.problems]
    return report


def _total(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_the_example_bundle_becomes_a_county(tmp_path: Path, version: str) -> None:
    report = _imported(example_bundle(tmp_path, version))

    assert report.version == version
    assert _counts(report) == {
        "orgs": (3, 0, 0, 0),
        "users": (6, 0, 0, 0),
        "guardians": (4, 0, 0, 0),
        "classes": (2, 0, 0, 0),
        "enrollments": (4, 0, 0, 0),
    }
    district = db.session.scalar(select(District).where(District.sourced_id == "org-d1"))
    assert district is not None
    assert (district.name, district.code) == ("Laguna Valley Unified School District", "4970920")
    school = db.session.scalar(select(School).where(School.sourced_id == "org-s1"))
    assert school is not None
    assert (school.cds_code, school.district_id) == ("49709204930017", district.id)

    ana = _profile(ANA)
    assert ana.user.role_set == {Role.STUDENT}
    assert (ana.user.school_id, ana.user.district_id) == (school.id, district.id)
    assert (ana.grade, ana.date_of_birth) == (11, date(2010, 3, 14))
    assert ana.graduation_year == 2028  # the example's school year ends in 2027
    assert (ana.ssid, ana.local_id) == ("4417781120", "1001")
    # the parent with an e-mail address is where consent links go
    assert (ana.guardian_name, ana.guardian_email) == ("Rosa Martinez", "rosa.martinez@example.com")
    assert ana.frl_eligible is True
    guardian = db.session.scalar(select(Guardian).where(Guardian.student_id == ana.id))
    assert guardian is not None
    assert (guardian.relationship_kind, guardian.phone) == ("parent", "707-555-0141")
    demographics = db.session.get(StudentDemographics, ana.id)
    assert demographics is not None
    assert (demographics.sex, demographics.hispanic_or_latino) == ("female", True)
    assert (demographics.english_learner, demographics.disability) == (True, False)

    klass = db.session.scalar(select(ClassSection).where(ClassSection.sourced_id == "cls-ag-3"))
    assert klass is not None
    assert (klass.name, klass.period, klass.course_code) == (
        "Agriscience 2 - Period 3",
        "3",
        "7160",
    )
    assert klass.teacher.email == "mrivera@lagunavalley.example.org"
    assert klass.teacher.role_set == {Role.TEACHER}
    assert sorted(s.user.email for s in klass.students) == [
        ANA,
        "jordan.nguyen@students.lagunavalley.example.org",
    ]


def test_importing_the_same_files_again_changes_nothing(tmp_path: Path) -> None:
    bundle = example_bundle(tmp_path)
    _imported(bundle)
    before = [_total(m) for m in (User, StudentProfile, Guardian, ClassSection)]

    again = _imported(zipped(bundle))  # the same files, zipped

    assert _counts(again) == {
        "orgs": (0, 0, 3, 0),
        "users": (0, 0, 6, 0),
        "guardians": (0, 0, 4, 0),
        "classes": (0, 0, 2, 0),
        "enrollments": (0, 0, 4, 0),
    }
    assert [_total(m) for m in (User, StudentProfile, Guardian, ClassSection)] == before


def test_a_dry_run_reports_and_writes_nothing(tmp_path: Path) -> None:
    users = _total(User)
    report = import_roster(example_bundle(tmp_path), dry_run=True)
    assert report.ok
    assert report.counts["users"].created == 6
    assert "users: 6 would be created" in report.lines()[1]
    assert _total(User) == users
    assert _total(School) == 0 or not db.session.scalar(
        select(School).where(School.sourced_id.is_not(None))
    )


def test_a_change_in_the_sis_is_an_update(tmp_path: Path) -> None:
    bundle = example_bundle(tmp_path)
    _imported(bundle)
    edit_row(bundle, "users", "s-1001", familyName="Martínez-Ruiz", grades="12")
    edit_row(bundle, "classes", "cls-hs-5", title="Medical Careers 2 - Period 5")

    report = _imported(bundle)

    assert report.counts["users"].updated == 1
    assert report.counts["classes"].updated == 1
    ana = _profile(ANA)
    assert (ana.user.full_name, ana.grade, ana.graduation_year) == ("Ana Martínez-Ruiz", 12, 2027)


def test_a_student_missing_from_a_bulk_file_is_deactivated_and_keeps_everything(
    tmp_path: Path, client: object
) -> None:
    bundle = example_bundle(tmp_path)
    _imported(bundle)
    profile_id = _profile(ANA).id
    drop_row(bundle, "users", "s-1001")
    drop_row(bundle, "demographics", "s-1001")
    drop_row(bundle, "enrollments", "e-2")
    edit_row(bundle, "users", "p-501", agentSourcedIds="")

    report = _imported(bundle)

    assert report.counts["users"].deactivated == 1
    assert report.counts["enrollments"].deactivated == 1
    ana = _user(ANA)
    assert ana.active is False
    assert db.session.get(StudentProfile, profile_id) is not None  # nothing deleted
    assert db.session.get(StudentDemographics, profile_id) is not None
    klass = db.session.scalar(select(ClassSection).where(ClassSection.sourced_id == "cls-ag-3"))
    assert klass is not None
    assert ANA not in {s.user.email for s in klass.students}

    # a returning sourcedId is active again
    returned = _imported(example_bundle(tmp_path))
    assert returned.counts["users"].updated == 1
    assert _user(ANA).active is True


def test_a_delta_file_deactivates_what_it_marks_tobedeleted(tmp_path: Path) -> None:
    bundle = example_bundle(tmp_path)
    _imported(bundle)
    delta = example_bundle(tmp_path, name="delta")
    set_manifest(
        delta,
        users="delta",
        enrollments="delta",
        orgs="absent",
        classes="absent",
        courses="absent",
        academicSessions="absent",
        demographics="absent",
    )
    for name in ("orgs", "classes", "courses", "academicSessions", "demographics"):
        (delta / f"{name}.csv").unlink()
    users = [r for r in read_rows(delta, "users") if r["sourcedId"] == "s-1004"]
    users[0]["status"] = "tobedeleted"
    write_rows(delta, "users", users)
    enrollments = [r for r in read_rows(delta, "enrollments") if r["sourcedId"] == "e-6"]
    enrollments[0]["status"] = "tobedeleted"
    write_rows(delta, "enrollments", enrollments)

    report = _imported(delta)

    assert report.counts["users"].deactivated == 1
    assert report.counts["enrollments"].deactivated == 1
    assert _user("lee.thompson@students.lagunavalley.example.org").active is False
    assert _user(ANA).active is True  # a delta file deactivates only what it says


def test_an_inactive_student_cannot_sign_in_and_returns_when_enabled(
    tmp_path: Path, client: FlaskClient, post_form: Callable[..., Any]
) -> None:
    bundle = example_bundle(tmp_path)
    _imported(bundle)
    _user(ANA).set_password(PASSWORD)
    db.session.commit()
    assert post_form("/login", {"email": ANA, "password": PASSWORD}).status_code == 302
    client.delete_cookie("session")  # signed out

    edit_row(bundle, "users", "s-1001", enabledUser="false")
    assert _imported(bundle).counts["users"].deactivated == 1
    refused = post_form("/login", {"email": ANA, "password": PASSWORD})
    assert refused.status_code == 200  # the form again, with the refusal
    assert _user(ANA).active is False

    edit_row(bundle, "users", "s-1001", enabledUser="true")
    _imported(bundle)
    assert post_form("/login", {"email": ANA, "password": PASSWORD}).status_code == 302


def test_an_invited_account_is_adopted_not_duplicated(tmp_path: Path) -> None:
    invited = make_user(roles={Role.STUDENT}, email=ANA.upper(), full_name="Ana M.")
    db.session.commit()

    report = _imported(example_bundle(tmp_path))

    assert report.counts["users"].created == 5
    assert report.counts["users"].updated == 1
    adopted = _user(ANA)
    assert adopted.id == invited.id
    assert adopted.sourced_id == "s-1001"
    assert adopted.full_name == "Ana Martinez"
    assert _profile(ANA).grade == 11  # the profile staff could not make exists now


def test_an_address_of_an_employer_is_not_adopted(tmp_path: Path) -> None:
    employer = make_employer()
    db.session.commit()
    bundle = example_bundle(tmp_path)
    edit_row(bundle, "users", "s-1001", email=employer.email)

    report = import_roster(bundle, dry_run=False)

    assert [str(p) for p in report.problems] == [
        f"users.csv row 4: email: {employer.email} belongs to an existing employer account, "
        "which cannot become a student"
    ]


def test_every_problem_is_reported_by_file_row_and_column_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    bundle = example_bundle(tmp_path)
    add_row(
        bundle,
        "orgs",
        sourcedId="org-s9",
        name="Lost High",
        type="school",
        parentSourcedId="org-nowhere",
    )
    add_row(
        bundle,
        "enrollments",
        sourcedId="e-9",
        classSourcedId="cls-none",
        userSourcedId="s-1001",
        role="student",
    )
    add_row(
        bundle,
        "users",
        sourcedId="s-1009",
        enabledUser="true",
        orgSourcedIds="",
        role="student",
        givenName="No",
        familyName="Org",
        email="no.org@example.org",
        grades="11",
    )
    add_row(
        bundle,
        "users",
        sourcedId="s-1001",
        enabledUser="true",
        orgSourcedIds="org-s1",
        role="student",
        givenName="Twice",
        familyName="Over",
        email="t@example.org",
        grades="11",
    )
    edit_row(bundle, "demographics", "s-1002", birthDate="2008-13-40")
    edit_row(bundle, "users", "t-200", role="janitor")
    add_row(bundle, "demographics", sourcedId="s-1009", birthDate="2010-01-01")
    users = _total(User)

    report = import_roster(bundle, dry_run=False)

    assert [str(p) for p in report.problems] == [
        "demographics.csv row 3: birthDate: '2008-13-40' is not a date (YYYY-MM-DD)",
        "enrollments.csv row 8: classSourcedId: unknown class 'cls-none'",
        "orgs.csv row 6: parentSourcedId: unknown district org 'org-nowhere'",
        "users.csv row 3: role: 'janitor' is not a OneRoster role",
        "users.csv row 12: orgSourcedIds: the user has no org",
        "users.csv row 13: sourcedId: duplicate sourcedId 's-1001' (row 4)",
    ]
    assert report.summary.startswith("6 problems found; nothing was imported.")
    assert _total(User) == users


def test_a_student_needs_a_birth_date(tmp_path: Path) -> None:
    bundle = example_bundle(tmp_path)
    drop_row(bundle, "demographics", "s-1003")
    report = import_roster(bundle, dry_run=False)
    assert [str(p) for p in report.problems] == [
        "users.csv row 6: sourcedId: no birthDate for this student in demographics.csv: WBL "
        "must know who is a minor"
    ]


def test_students_outside_grades_6_to_12_are_left_out(tmp_path: Path) -> None:
    bundle = example_bundle(tmp_path)
    edit_row(bundle, "users", "s-1003", grades="KG")
    report = _imported(bundle)
    assert report.counts["users"].created == 5
    assert report.notes[0] == "1 student left out: their grade is not 6–12."
    assert not db.session.scalar(select(User).where(User.sourced_id == "s-1003"))


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"not a zip", "bundle: this is not a .zip file (export the OneRoster files as a zip)"),
        (None, "bundle: manifest.csv is missing (OneRoster bundles start with it)"),
    ],
)
def test_a_file_that_is_not_a_bundle(tmp_path: Path, data: bytes | None, problem: str) -> None:
    if data is None:
        bundle = example_bundle(tmp_path)
        (bundle / "manifest.csv").unlink()
        data = zipped(bundle)
    report = import_roster(data, dry_run=False)
    assert [str(p) for p in report.problems] == [problem]


def test_a_version_wbl_does_not_read(tmp_path: Path) -> None:
    bundle = example_bundle(tmp_path)
    manifest = bundle / "manifest.csv"
    manifest.write_text(
        manifest.read_text().replace("oneroster.version,1.1", "oneroster.version,1.0")
    )
    report = import_roster(bundle, dry_run=True)
    assert [str(p) for p in report.problems] == [
        "manifest.csv: oneroster.version: 1.0 is not a version WBL reads (1.1 or 1.2)"
    ]


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    bundle = example_bundle(tmp_path)
    users = bundle / "users.csv"
    users.write_text(users.read_text().replace(",role,", ",kind,", 1))
    report = import_roster(bundle, dry_run=True)
    assert [str(p) for p in report.problems] == [
        "users.csv row 1: role: this column is missing from the header"
    ]


def test_a_zip_that_unpacks_past_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = zipped(example_bundle(tmp_path))
    monkeypatch.setattr("wbl.roster.bundle.MAX_BUNDLE_BYTES", 1024)
    report = import_roster(data, dry_run=True)
    assert [str(p) for p in report.problems] == [
        "bundle: the files unpack to more than 0 MB; import the roster in parts (a delta file)"
    ]
