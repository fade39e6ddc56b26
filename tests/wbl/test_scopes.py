"""The scope facts of ``wbl.scopes``, for every role: administrator, county staff, district
staff, teacher, student, employer, and an account with no role."""

from __future__ import annotations

import pytest

from tests.support.builders import (
    make_employer,
    make_student,
    make_user,
)
from tests.support.role_cast import ROLES, County, make_county, user_of
from wbl import scopes
from wbl.access import Role
from wbl.catalog.models import Partner, PartnerContact
from wbl.extensions import db
from wbl.schools.models import District, School


@pytest.fixture
def county() -> County:
    return make_county()


@pytest.mark.parametrize(
    ("role", "staff", "county_wide"),
    [
        ("admin", True, True),
        ("county_staff", True, True),
        ("district_staff", True, False),
        ("teacher", False, False),
        ("student", False, False),
        ("employer", False, False),
        ("none", False, False),
    ],
)
def test_staff_and_county_wide(county: County, role: str, staff: bool, county_wide: bool) -> None:
    user = user_of(role, county)
    assert scopes.is_staff(user) is staff
    assert scopes.is_county_wide(user) is county_wide
    assert user.is_county_wide is county_wide
    assert scopes.can_run_jobs(user) is county_wide  # every job works county-wide


@pytest.mark.parametrize("role", ROLES)
def test_district_and_school_of(county: County, role: str) -> None:
    user = user_of(role, county)
    assert scopes.district_of(user) == user.district_id
    assert scopes.school_of(user) == user.school_id


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        ("admin", True, True),
        ("county_staff", True, True),
        ("district_staff", True, False),
        ("teacher", False, False),
        ("student", False, False),
        ("employer", False, False),
        ("none", False, False),
    ],
)
def test_staff_sees_records(county: County, role: str, own: bool, other: bool) -> None:
    user = user_of(role, county)
    other_student = make_student(school=county.other_school)
    assert scopes.staff_sees_district(user, county.school.district_id) is own
    assert scopes.staff_sees_district(user, county.other_school.district_id) is other
    assert scopes.staff_sees_school(user, county.school) is own
    assert scopes.staff_sees_school(user, county.other_school) is other
    assert scopes.staff_sees_student(user, county.student) is own
    assert scopes.staff_sees_student(user, other_student) is other


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        ("admin", True, True),
        ("county_staff", True, True),
        ("district_staff", True, False),
        ("teacher", False, False),
        ("student", False, False),
        ("employer", False, False),
        ("none", False, False),
    ],
)
def test_rows_in_the_staff_district(county: County, role: str, own: bool, other: bool) -> None:
    """The SQL condition keeps the rows ``staff_sees_district`` allows (a teacher's or a
    student's account has a district too, yet sees none of its rows as staff)."""
    user = user_of(role, county)
    seen = [s for s, sees in ((county.school, own), (county.other_school, other)) if sees]
    both = (county.school, county.other_school)
    schools = db.session.scalars(
        db.select(School.id).where(
            School.id.in_([s.id for s in both]), scopes.in_staff_district(user, School.district_id)
        )
    )
    districts = db.session.scalars(
        db.select(District.id).where(
            District.id.in_([s.district_id for s in both]),
            scopes.in_staff_district(user, District.id),
        )
    )
    assert set(schools) == {s.id for s in seen}
    assert set(districts) == {s.district_id for s in seen}


@pytest.mark.parametrize(
    ("role", "teaches"),
    [
        ("admin", False),
        ("county_staff", False),
        ("district_staff", False),
        ("teacher", True),
        ("student", False),
        ("employer", False),
        ("none", False),
    ],
)
def test_teaches(county: County, role: str, teaches: bool) -> None:
    user = user_of(role, county)
    other_student = make_student(school=county.other_school)
    assert scopes.teaches(user, county.student) is teaches
    assert scopes.teaches_at(user, county.school.id) is teaches
    assert scopes.teaches(user, other_student) is False
    assert scopes.teaches_at(user, county.other_school.id) is False


def test_a_teacher_without_a_school_teaches_no_one(county: County) -> None:
    teacher = make_user(roles={Role.TEACHER})
    assert scopes.teaches(teacher, county.student) is False


@pytest.mark.parametrize(
    ("role", "speaks"),
    [
        ("admin", False),
        ("county_staff", False),
        ("district_staff", False),
        ("teacher", False),
        ("student", False),
        ("employer", True),
        ("none", False),
    ],
)
def test_partners_an_employer_speaks_for(county: County, role: str, speaks: bool) -> None:
    user = user_of(role, county)
    expected = {county.partner.id} if speaks else set()
    assert set(db.session.scalars(scopes.partner_ids_of(user))) == expected
    assert scopes.partner_id_set(user) == frozenset(expected)
    assert scopes.speaks_for(user, county.partner.id) is speaks
    assert scopes.speaks_for(user, county.other_partner.id) is False
    partners = db.session.scalars(
        db.select(Partner.id).where(Partner.id.in_(scopes.partner_ids_of(user)))
    )
    assert set(partners) == expected


def test_partners_of_an_account_id(county: County) -> None:
    """A signed link carries only the account's id."""
    employer = make_employer(partner=county.partner)
    partners = set(db.session.scalars(scopes.partner_ids_of(employer.id)))
    assert partners == {county.partner.id}


@pytest.mark.parametrize(
    ("role", "acts"),
    [
        ("admin", False),
        ("county_staff", False),
        ("district_staff", False),
        ("teacher", False),
        ("student", False),
        ("employer", True),
        ("none", False),
    ],
)
def test_acts_for_a_partner(county: County, role: str, acts: bool) -> None:
    user = user_of(role, county)
    assert scopes.acts_for(user, county.partner.id) is acts
    assert scopes.acts_for(user, county.other_partner.id) is False


@pytest.mark.parametrize("role", ["teacher", "student", "none"])
def test_a_contact_without_the_employer_role_acts_for_no_one(county: County, role: str) -> None:
    """A contact whose account is not (or no longer) an employer's speaks for the partner on
    paper but may not act for it."""
    user = user_of(role, county)
    db.session.add(PartnerContact(partner=county.partner, user=user))
    db.session.flush()
    assert scopes.speaks_for(user, county.partner.id) is True
    assert scopes.acts_for(user, county.partner.id) is False
