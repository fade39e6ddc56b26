"""Partners' impact: one business's school year, and the county's partners at a glance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.builders import (
    make_employer,
    make_offering,
    make_partner,
    make_school,
    make_student,
    make_user,
)
from tests.support.event_data import make_event_request
from tests.support.log_data import attend, make_entry, make_placement
from wbl.access import Role
from wbl.catalog.models import PartnerContact
from wbl.clock import local_today
from wbl.errors import Forbidden, NotFound
from wbl.evaluations.models import PlacementEvaluation
from wbl.events.models import EventRequestStatus
from wbl.extensions import db
from wbl.hours.models import EntryStatus
from wbl.placements.models import PlacementStatus
from wbl.reference.models import ExperienceKind
from wbl.reporting.partners import partner_impact, partners_overview
from wbl.reporting.reach import SchoolYear


@pytest.fixture
def year() -> SchoolYear:
    return SchoolYear.of(local_today())


def _evaluate(placement, evaluator, skills: dict[str, int]) -> None:
    db.session.add(
        PlacementEvaluation(
            placement_id=placement.id,
            evaluator_id=evaluator.id,
            ratings=[{"code": c, "name": c.title(), "rating": r} for c, r in skills.items()],
            outcome_ratings=[{"code": "communicator", "name": "Communicator", "rating": 4}],
            submitted_at=datetime.now(UTC),
        )
    )
    db.session.flush()


@pytest.fixture
def hosted(year) -> dict:
    partner = make_partner(name="Sunrise Vet Clinic")
    employer = make_employer(partner=partner)
    shadow = make_offering(partner=partner, kind=ExperienceKind.JOB_SHADOW)
    internship = make_offering(partner=partner, kind=ExperienceKind.INTERNSHIP)
    ana, ben = make_student(), make_student()
    day = year.first_day + timedelta(days=30)
    first = make_placement(
        ana, offering=shadow, start=day, end=day, status=PlacementStatus.COMPLETED
    )
    second = make_placement(ana, offering=internship, start=day)
    make_placement(ben, offering=internship, start=day)
    visit = make_offering(partner=partner, kind=ExperienceKind.JOB_SHADOW)
    make_placement(ben, offering=visit, start=day, status=PlacementStatus.CANCELLED)
    earlier = make_offering(partner=partner, kind=ExperienceKind.JOB_SHADOW)
    make_placement(ben, offering=earlier, start=year.first_day - timedelta(days=1))  # last year
    make_entry(second, day, minutes=90)
    make_entry(second, day, minutes=600, status=EntryStatus.PENDING)
    _evaluate(first, employer, {"foundational": 3, "applied": 4})
    _evaluate(second, employer, {"foundational": 4})
    teacher = make_user(roles={Role.TEACHER}, school=make_school())
    event = make_event_request(
        teacher=teacher, partner=partner, status=EventRequestStatus.ACCEPTED, chosen=1
    )
    event.options[0].starts_at = datetime(year.start, 10, 1, 17, tzinfo=UTC)
    for student in event.class_section.students[:2]:
        attend(event, student)
    db.session.flush()
    return {"partner": partner, "employer": employer}


def test_a_partners_year_in_counts_and_averages(year, hosted) -> None:
    found = partner_impact(hosted["employer"], hosted["partner"].id, year)
    assert found.students == 2  # Ana twice, Ben once: two students
    assert found.placements_by_kind == {ExperienceKind.JOB_SHADOW: 1, ExperienceKind.INTERNSHIP: 2}
    assert found.completed == 1
    assert found.hours == 1.5  # the pending entry is not confirmed yet
    assert (found.events, found.event_students) == (1, 2)
    assert found.evaluations == 2
    assert {a.name: (a.average, a.ratings) for a in found.skills} == {
        "Foundational": (3.5, 2),
        "Applied": (4.0, 1),
    }
    assert [(a.name, a.average) for a in found.outcomes] == [("Communicator", 4.0)]


def test_another_partners_employer_does_not_find_it(year, hosted) -> None:
    with pytest.raises(NotFound):
        partner_impact(make_employer(), hosted["partner"].id, year)
    with pytest.raises(NotFound):
        partner_impact(make_student().user, hosted["partner"].id, year)
    assert partner_impact(make_user(roles={Role.STAFF}), hosted["partner"].id, year).students == 2


def test_the_overview_ranks_partners_by_hours(year, hosted) -> None:
    quiet = make_partner(name="Quiet Co")
    quiet.endorses_certificate = True
    quiet.worksite_agreement_expiry = local_today() - timedelta(days=1)
    db.session.flush()
    found = partners_overview(make_user(roles={Role.STAFF}), year, local_today())
    assert found.top[0].name == "Sunrise Vet Clinic"
    assert found.top[0].hours == 1.5
    assert "Quiet Co" not in [line.name for line in found.top]  # hosted nothing
    assert found.endorsing >= 1
    assert found.lapsed >= 1
    assert found.hosting >= 1
    with pytest.raises(Forbidden):
        partners_overview(hosted["employer"], year, local_today())


@pytest.mark.parametrize(
    ("who", "expected"), [("student", 403), ("teacher", 403), ("employer", 403), ("staff", 200)]
)
def test_only_staff_see_the_overview(client, login_as, who, expected) -> None:
    people = {
        "student": lambda: make_student().user,
        "teacher": lambda: make_user(roles={Role.TEACHER}, school=make_school()),
        "employer": make_employer,
        "staff": lambda: make_user(roles={Role.STAFF}),
    }
    login_as(people[who]())
    assert client.get("/reports/partners").status_code == expected


def test_the_employer_opens_and_prints_their_impact_report(client, login_as, hosted) -> None:
    login_as(hosted["employer"])
    home = client.get("/home").get_data(as_text=True)
    url = f"/reports/partners/{hosted['partner'].id}"
    assert f'href="{url}"' in home
    page = client.get(url).get_data(as_text=True)
    assert "Sunrise Vet Clinic" in page
    assert 'id="impact-skills"' in page
    assert 'name="district"' not in page  # the year only
    assert 'aria-label="breadcrumb"' not in page  # an employer has no overview to go back to
    login_as(make_employer())
    assert client.get(url).status_code == 404
    login_as(make_user(roles={Role.TEACHER}, school=make_school()))
    assert client.get(url).status_code == 403


def test_staff_reach_a_partners_report_from_the_overview(client, login_as, hosted) -> None:
    login_as(make_user(roles={Role.STAFF}))
    page = client.get("/reports/partners").get_data(as_text=True)
    assert f"/reports/partners/{hosted['partner'].id}?year=" in page
    assert 'href="/reports/partners"' in page  # the menu and the tab
    report = client.get(f"/reports/partners/{hosted['partner'].id}").get_data(as_text=True)
    assert 'aria-label="breadcrumb"' in report  # back to the overview


def test_a_contact_who_is_no_longer_an_employer_is_refused(client, login_as, hosted) -> None:
    contact = make_user(roles={Role.TEACHER}, school=make_school())
    db.session.add(PartnerContact(partner=hosted["partner"], user=contact))
    db.session.flush()
    login_as(contact)
    assert client.get(f"/reports/partners/{hosted['partner'].id}").status_code == 403
