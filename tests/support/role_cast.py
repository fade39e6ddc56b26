"""One account of every role on a small county, for the tests of scope facts and policies:
administrator, county staff, district staff, teacher, student, employer, and an account with
no role."""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.builders import (
    make_district,
    make_employer,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from wbl.access import Role
from wbl.auth.models import User
from wbl.catalog.models import Partner
from wbl.extensions import db
from wbl.schools.models import School
from wbl.students.models import StudentProfile

ROLES = ("admin", "county_staff", "district_staff", "teacher", "student", "employer", "none")


@dataclass
class County:
    """Two districts with a school each, a student at the first school, and one partner."""

    school: School
    other_school: School
    student: StudentProfile
    partner: Partner
    other_partner: Partner


def make_county() -> County:
    school = make_school()
    other_school = make_school(district=make_district())
    return County(
        school=school,
        other_school=other_school,
        student=make_student(school=school),
        partner=make_partner(),
        other_partner=make_partner(),
    )


def user_of(role: str, county: County) -> User:
    """An account of ``role`` whose district, school or partner is the county's first."""
    if role == "admin":
        return make_user(roles={Role.ADMIN}, district=county.school.district)
    if role == "county_staff":
        return make_user(roles={Role.STAFF})
    if role == "district_staff":
        return make_user(roles={Role.STAFF}, district=county.school.district)
    if role == "teacher":
        return make_user(roles={Role.TEACHER}, school=county.school)
    if role == "student":
        return county.student.user
    if role == "employer":
        return make_employer(partner=county.partner)
    user = make_user(school=county.school)
    user.roles = []
    db.session.flush()
    return user
