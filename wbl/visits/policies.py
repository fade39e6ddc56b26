"""Who may see and record worksite visits.

- staff who see the student (``wbl.scopes``: their district's students, every student for
  county staff) see a placement's visits, record one, flag the placement "visit due" by hand,
  close follow-ups and keep their district's checklist and rule;
- a teacher of the student's school sees the placement's visits and records one (teachers
  make many of these visits); they do not flag or close follow-ups, which is the program's
  coordination work;
- employers and students see nothing of visits: the checklist is the district's view of the
  worksite (a "no" is about the employer), and a supervisor is told what matters in person.
  A visit's date is not shown to them either: nothing they need to act on.

Anyone else (another school's teacher, another district's staff) is told 404: the placement
is not theirs to see.
"""

from __future__ import annotations

from wbl.auth.models import User
from wbl.placements.models import Placement
from wbl.placements.policies import is_teacher_of, staff_sees
from wbl.scopes import is_county_wide, is_staff, staff_sees_district
from wbl.visits.models import VisitorRole


def visitor_role(user: User, placement: Placement) -> VisitorRole | None:
    """In what capacity ``user`` sees and records visits on ``placement``; None: not at all."""
    if staff_sees(user, placement):
        return VisitorRole.STAFF
    if is_teacher_of(user, placement):
        return VisitorRole.TEACHER
    return None


def sees_visits(user: User, placement: Placement) -> bool:
    return visitor_role(user, placement) is not None


def manages(user: User, placement: Placement) -> bool:
    """Flag "visit due", close a follow-up: staff who see the student."""
    return staff_sees(user, placement)


def keeps_checklist(user: User, district_id: int) -> bool:
    """A district's checklist and rule: its own staff, and county-wide staff."""
    return staff_sees_district(user, district_id)


def chooses_district(user: User) -> bool:
    """County-wide staff pick which district's checklist they edit; a district's staff edit
    their own."""
    return is_staff(user) and is_county_wide(user)
