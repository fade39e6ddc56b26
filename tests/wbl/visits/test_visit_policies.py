"""Who sees and records visits, flags placements and keeps a checklist: each role once."""

from __future__ import annotations

import pytest

from tests.support.builders import make_district, make_school, make_user
from tests.support.hour_data import ADULT, place
from tests.support.placement_data import make_cast
from wbl.access import Role
from wbl.visits import policies
from wbl.visits.models import VisitorRole


@pytest.fixture
def cast():
    return make_cast(born=ADULT)


def test_each_role(cast) -> None:
    placement = place(cast)
    district_id = cast.school.district_id
    district_staff = make_user(roles={Role.STAFF}, district=cast.school.district)
    county_staff = make_user(roles={Role.STAFF})
    admin = make_user(roles={Role.ADMIN})
    other_staff = make_user(roles={Role.STAFF}, district=make_district())
    other_teacher = make_user(roles={Role.TEACHER}, school=make_school())
    expected = {
        district_staff: (VisitorRole.STAFF, True, True, False),
        county_staff: (VisitorRole.STAFF, True, True, True),
        admin: (VisitorRole.STAFF, True, True, True),
        cast.teacher: (VisitorRole.TEACHER, False, False, False),
        other_staff: (None, False, False, False),
        other_teacher: (None, False, False, False),
        cast.employer: (None, False, False, False),
        cast.student.user: (None, False, False, False),
    }
    for user, (role, manages, keeps, chooses) in expected.items():
        assert policies.visitor_role(user, placement) is role, user.email
        assert policies.sees_visits(user, placement) is (role is not None)
        assert policies.manages(user, placement) is manages, user.email
        assert policies.keeps_checklist(user, district_id) is keeps, user.email
        assert policies.chooses_district(user) is chooses, user.email
