"""The features' ``policies.py`` predicates, for every role (the cast of tests/support/role_cast):
each is built on the scope facts of ``wbl.scopes`` and answers here as the services and the
pages rely on. The first district, school and partner are the cast's own."""

from __future__ import annotations

import pytest

from tests.support.builders import make_offering, make_school, make_student, make_user
from tests.support.event_data import make_event_request
from tests.support.externship_data import make_application, make_externship
from tests.support.role_cast import ROLES, County, make_county, user_of
from wbl import scopes
from wbl.access import Role
from wbl.catalog import policies as catalog
from wbl.errors import NotFound
from wbl.events import policies as events
from wbl.events.models import EventRequestStatus
from wbl.extensions import db
from wbl.externships import policies as externships
from wbl.placements import policies as placements
from wbl.placements.models import Application, ApplicationStatus

STAFF = {"admin", "county_staff", "district_staff"}


@pytest.fixture
def county() -> County:
    return make_county()


# --- catalog ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_keeps_the_catalog(county: County, role: str) -> None:
    user = user_of(role, county)
    own, other = make_offering(partner=county.partner), make_offering(partner=county.other_partner)
    staff, employer = role in STAFF, role == "employer"
    assert catalog.can_manage_partner(user, county.partner) is staff
    assert catalog.can_propose_for(user, county.partner) is employer
    assert catalog.can_propose_for(user, county.other_partner) is False
    assert catalog.manager_of(user, own) == ("staff" if staff else "employer" if employer else None)
    assert catalog.manager_of(user, other) == ("staff" if staff else None)
    if staff or employer:
        assert catalog.get_offering_to_manage(user, own.id) is own
        assert catalog.get_partner(user, county.partner.id) is county.partner
    else:
        with pytest.raises(NotFound):
            catalog.get_offering_to_manage(user, own.id)
        with pytest.raises(NotFound):
            catalog.get_partner(user, county.partner.id)
    if not staff:  # another partner's offering looks like it does not exist
        with pytest.raises(NotFound):
            catalog.get_offering_to_manage(user, other.id)


# --- placements ------------------------------------------------------------------------------


def _application(county: County, status: ApplicationStatus) -> Application:
    application = Application(
        student=county.student,
        offering=make_offering(partner=county.partner),
        statement="I would like to learn.",
        status=status,
    )
    db.session.add(application)
    db.session.flush()
    return application


@pytest.mark.parametrize(
    ("role", "before_approval", "after_approval"),
    [
        ("admin", True, True),
        ("county_staff", True, True),
        ("district_staff", True, True),
        ("teacher", True, True),
        ("student", True, True),
        ("employer", False, True),  # the partner sees it once a teacher approved it
        ("none", False, False),
    ],
)
def test_who_sees_an_application(
    county: County, role: str, before_approval: bool, after_approval: bool
) -> None:
    user = user_of(role, county)
    submitted = _application(county, ApplicationStatus.SUBMITTED)
    approved = _application(county, ApplicationStatus.APPROVED)
    assert placements.sees(user, submitted) is before_approval
    assert placements.sees(user, approved) is after_approval
    assert placements.is_student_of(user, approved) is (role == "student")
    assert placements.is_teacher_of(user, approved) is (role == "teacher")
    assert placements.is_employer_of(user, approved) is (role == "employer")
    assert placements.staff_sees(user, approved) is (role in STAFF)


def test_district_staff_and_teachers_of_another_district_do_not_see_it(county: County) -> None:
    approved = _application(county, ApplicationStatus.APPROVED)
    elsewhere = make_school(district=county.other_school.district)
    staff = make_user(roles={Role.STAFF}, district=elsewhere.district)
    teacher = make_user(roles={Role.TEACHER}, school=elsewhere)
    assert placements.sees(staff, approved) is False
    assert placements.sees(teacher, approved) is False


# --- externships -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "manages", "decides"),
    [
        ("admin", True, True),
        ("county_staff", True, True),
        ("district_staff", True, True),  # the applicant teaches in their district
        ("teacher", False, False),
        ("student", False, False),
        ("employer", True, True),
        ("none", False, False),
    ],
)
def test_who_manages_an_externship(county: County, role: str, manages: bool, decides: bool) -> None:
    user = user_of(role, county)
    externship = make_externship(partner=county.partner)
    applicant = make_user(roles={Role.TEACHER}, school=county.school)
    application = make_application(externship=externship, teacher=applicant)
    assert externships.can_manage(user, externship) is manages
    assert externships.can_decide(user, application) is decides
    assert externships.is_teacher_of(user, application) is False
    assert externships.can_decide(applicant, application) is False  # never their own hours
    assert externships.is_teacher_of(applicant, application) is True


def test_district_staff_decide_only_for_their_district_teachers(county: County) -> None:
    staff = user_of("district_staff", county)
    externship = make_externship(partner=county.other_partner)
    theirs = make_application(
        externship=externship, teacher=make_user(roles={Role.TEACHER}, school=county.school)
    )
    others = make_application(
        externship=externship,
        teacher=make_user(roles={Role.TEACHER}, school=county.other_school),
    )
    assert externships.can_decide(staff, theirs) is True
    assert externships.can_decide(staff, others) is False


# --- class events ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_answers_and_cancels_a_class_event(county: County, role: str) -> None:
    user = user_of(role, county)
    asking = user if role == "teacher" else make_user(roles={Role.TEACHER}, school=county.school)
    pending = make_event_request(teacher=asking, partner=county.partner)
    declined = make_event_request(
        teacher=asking, partner=county.partner, status=EventRequestStatus.DECLINED
    )
    partner_ids = scopes.partner_id_set(user)
    assert events.can_decide(user, pending, partner_ids) is (role == "employer")
    assert events.can_decide(user, declined, partner_ids) is False  # already answered
    assert events.can_cancel(user, pending) is (role == "teacher")
    assert events.can_cancel(user, declined) is False


def test_a_student_of_the_school_is_no_teacher(county: County) -> None:
    """Roles, not places, decide: a student at the teacher's school cancels nothing."""
    student = make_student(school=county.school).user
    request = make_event_request(partner=county.partner)
    assert events.can_cancel(student, request) is False
