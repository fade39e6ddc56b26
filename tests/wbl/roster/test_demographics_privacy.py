"""A student's demographics never reach a page a teacher or an employer can open.

The documented example roster is imported (it gives Ana Martinez, s-1001, the flags English
learner, Hispanic or Latino and free or reduced-price meals); her rostered teacher and an
employer she applied to then open every page of theirs that shows her, and none of them
names a demographic. Both are refused the aggregates page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import current_app
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.support.builders import make_employer, make_offering, make_partner
from tests.support.roster_files import EXAMPLE
from wbl.auth.models import User
from wbl.extensions import db
from wbl.placements import applications
from wbl.roster.imports import import_roster
from wbl.roster.models import StudentDemographics
from wbl.schools.models import ClassSection
from wbl.students.models import StudentProfile

#: What a demographics row could put on a page: the labels of the aggregates page and the
#: words a template would use for the flags.
DEMOGRAPHIC_WORDS = re.compile(
    r"english.learner|\bell\b|hispanic|latino|\basian\b|african.american|pacific.islander|"
    r"american.indian|alaska.native|two.or.more.races|disabilit|\biep\b|free.or.reduced|"
    r"reduced.price|free/reduced|\bfrl\b|demographic|\bfemale\b|\bsex\b",
    re.IGNORECASE,
)


def _get(client: FlaskClient, user: User, url: str) -> tuple[int, str]:
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def _visible_text(html: str) -> str:
    """The page's words as read (the stylesheet and script names left out)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def rostered() -> dict[str, Any]:
    report = import_roster(EXAMPLE, dry_run=False)
    assert report.ok, report.problems
    ana = db.session.scalar(select(StudentProfile).join(User).where(User.sourced_id == "s-1001"))
    assert ana is not None
    demographics = db.session.get(StudentDemographics, ana.id)
    assert demographics is not None
    assert demographics.english_learner
    assert demographics.hispanic_or_latino
    teacher = db.session.scalar(select(User).where(User.sourced_id == "t-100"))
    section = db.session.scalar(select(ClassSection).where(ClassSection.sourced_id == "cls-ag-3"))
    assert teacher is not None
    assert section is not None
    partner = make_partner()
    employer = make_employer(partner=partner)
    offering = make_offering(partner=partner)
    db.session.commit()
    with current_app.test_request_context():
        application = applications.apply(
            ana.user, offering.id, "I would like to learn.", share_resume=True
        )
        applications.teacher_decide(teacher, application.id, approve=True, comment="")
    return {
        "ana": ana,
        "teacher": teacher,
        "section": section,
        "employer": employer,
        "application": application,
    }


def test_the_teachers_pages_about_the_student_name_no_demographic(client, rostered) -> None:
    ana, teacher, section = rostered["ana"], rostered["teacher"], rostered["section"]
    urls = [
        "/home",
        "/classes",
        f"/classes/{section.id}/edit",
        f"/logs/classes/{section.id}",
        f"/logs/schools/{ana.school_id}",
        f"/logs/students/{ana.id}",
        f"/readiness/classes/{section.id}",
        f"/readiness/students/{ana.id}",
        f"/pathways/schools/{ana.school_id}",
        f"/pathways/students/{ana.id}",
        f"/credentials/students/{ana.id}",
        f"/portfolio/students/{ana.id}",
        f"/portfolio/students/{ana.id}/progress",
        "/applications",
        f"/applications/{rostered['application'].id}",
    ]
    shown = 0
    for url in urls:
        status, body = _get(client, teacher, url)
        assert status < 500, url
        if status == 200:
            shown += 1
            found = DEMOGRAPHIC_WORDS.search(_visible_text(body))
            assert found is None, f"{url} shows {found.group(0)!r}"
    assert shown >= 10
    # The class list does name Ana: the page was about her.
    assert "Ana Martinez" in _get(client, teacher, f"/classes/{section.id}/edit")[1]


def test_the_employers_pages_about_the_applicant_name_no_demographic(client, rostered) -> None:
    ana, employer = rostered["ana"], rostered["employer"]
    urls = [
        "/home",
        "/applications",
        f"/applications/{rostered['application'].id}",
        f"/portfolio/students/{ana.id}",
        f"/portfolio/students/{ana.id}/progress",
        "/evaluations/",
        "/hours/inbox",
    ]
    statuses: dict[str, int] = {}
    shown = 0
    for url in urls:
        status, body = _get(client, employer, url)
        statuses[url] = status
        assert status < 500, url
        if status == 200:
            shown += 1
            found = DEMOGRAPHIC_WORDS.search(_visible_text(body))
            assert found is None, f"{url} shows {found.group(0)!r}"
    assert shown >= 4, statuses
    assert (
        "Ana Martinez" in _get(client, employer, f"/applications/{rostered['application'].id}")[1]
    )


def test_teachers_and_employers_are_refused_the_aggregates(client, rostered) -> None:
    for who in ("teacher", "employer"):
        for url in ("/roster/demographics", "/roster/import"):
            assert _get(client, rostered[who], url)[0] == 403, (who, url)
        home = _get(client, rostered[who], "/home")[1]
        assert "/roster/" not in home
    assert _get(client, rostered["ana"].user, "/roster/demographics")[0] == 403
