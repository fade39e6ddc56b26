"""Who sees which panel votes (``wbl.certificates.policies.votes_seen_by``), per role."""

from __future__ import annotations

import pytest

from tests.support.builders import make_employer, make_school, make_student, make_user
from tests.support.certificate_data import add_vote, make_interview, make_panel
from wbl.access import Role
from wbl.auth.models import User
from wbl.certificates.models import Interview, InterviewStatus
from wbl.certificates.policies import votes_seen_by
from wbl.extensions import db


def _interview(status: InterviewStatus) -> tuple[Interview, dict[str, User]]:
    """An interview whose panel is an employer, a teacher and staff; the employer and the
    teacher have voted."""
    people = {
        "employer": make_employer(),
        "teacher": make_user(roles={Role.TEACHER}, school=make_school()),
        "staff_panelist": make_user(roles={Role.STAFF}),
        "staff": make_user(roles={Role.STAFF}),
        "admin": make_user(roles={Role.ADMIN}),
    }
    panel = make_panel(members=[people["employer"], people["teacher"], people["staff_panelist"]])
    interview = make_interview(panel, make_student(), status=status)
    add_vote(interview, people["employer"], passed=True)
    add_vote(interview, people["teacher"], passed=False)
    db.session.expire(interview, ["votes"])
    return interview, people


@pytest.mark.parametrize(
    ("viewer", "seen"),
    [
        ("employer", {"employer"}),  # a panelist: their own vote only
        ("teacher", {"teacher"}),
        ("staff_panelist", set()),  # staff on the panel vote like any panelist
        ("staff", {"employer", "teacher"}),  # staff off the panel follow every vote
        ("admin", {"employer", "teacher"}),
    ],
)
def test_until_the_panel_decides(viewer: str, seen: set[str]) -> None:
    interview, people = _interview(InterviewStatus.INVITED)
    voters = {v.panelist_id for v in votes_seen_by(people[viewer], interview)}
    assert voters == {people[name].id for name in seen}


@pytest.mark.parametrize("status", [InterviewStatus.PASSED, InterviewStatus.NOT_PASSED])
@pytest.mark.parametrize("viewer", ["employer", "teacher", "staff_panelist", "staff", "admin"])
def test_once_decided_everyone_sees_every_vote(status: InterviewStatus, viewer: str) -> None:
    interview, people = _interview(status)
    voters = {v.panelist_id for v in votes_seen_by(people[viewer], interview)}
    assert voters == {people["employer"].id, people["teacher"].id}
