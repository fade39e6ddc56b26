"""Who may report, read and act on an incident, for every role of the shared cast
(tests/support/role_cast): the rules ``wbl.incidents.policies`` states, each built on the
placement's people (``wbl.placements.policies``) and the scope facts of ``wbl.scopes``."""

from __future__ import annotations

import pytest

from tests.support.builders import make_class_section, make_employer, make_offering, make_user
from tests.support.hour_data import yesterday
from tests.support.role_cast import ROLES, County, make_county, user_of
from wbl.access import Role
from wbl.extensions import db
from wbl.incidents import policies
from wbl.incidents.models import Incident, IncidentKind, ReporterRole
from wbl.placements.models import Application, ApplicationStatus, Placement

EXPECTED = {
    # role: (reports as, reads in full, manages)
    "admin": (ReporterRole.STAFF, True, True),
    "county_staff": (ReporterRole.STAFF, True, True),
    "district_staff": (ReporterRole.STAFF, True, True),
    "teacher": (ReporterRole.TEACHER, False, False),  # of the school, not the student's class
    "student": (ReporterRole.STUDENT, False, False),
    "employer": (ReporterRole.SUPERVISOR, False, False),
    "none": (None, False, False),
}


@pytest.fixture
def county() -> County:
    return make_county()


def _incident(county: County) -> Incident:
    offering = make_offering(partner=county.partner)
    application = Application(
        student=county.student,
        offering=offering,
        statement="I would like to learn.",
        status=ApplicationStatus.PLACED,
    )
    placement = Placement(application=application, student=county.student, offering=offering)
    incident = Incident(
        placement=placement,
        reporter_role=ReporterRole.STAFF,
        kind=IncidentKind.INJURY,
        occurred_on=yesterday(),
        description="Cut a finger on a box cutter.",
    )
    db.session.add_all([application, placement, incident])
    db.session.flush()
    return incident


@pytest.mark.parametrize("role", ROLES)
def test_each_role(county: County, role: str) -> None:
    user = user_of(role, county)
    incident = _incident(county)
    reports_as, reads, manages = EXPECTED[role]
    assert policies.reporter_role(user, incident.placement) is reports_as
    assert policies.reads_in_full(user, incident) is reads
    assert policies.manages(user, incident) is manages
    assert policies.is_reporter(user, incident) is False
    incident.reporter_id = user.id
    assert policies.is_reporter(user, incident) is True


def test_the_students_class_teacher_reads_it_and_does_not_manage_it(county: County) -> None:
    teacher = user_of("teacher", county)
    make_class_section(teacher=teacher, students=[county.student])
    incident = _incident(county)
    assert policies.reads_in_full(teacher, incident) is True
    assert policies.manages(teacher, incident) is False


def test_other_districts_and_other_partners_are_out_of_it(county: County) -> None:
    incident = _incident(county)
    others = [
        make_user(roles={Role.STAFF}, district=county.other_school.district),
        make_user(roles={Role.TEACHER}, school=county.other_school),
        make_employer(partner=county.other_partner),
    ]
    for other in others:
        assert policies.reporter_role(other, incident.placement) is None
        assert policies.reads_in_full(other, incident) is False
        assert policies.manages(other, incident) is False
