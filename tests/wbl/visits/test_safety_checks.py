"""The placement's "Safety checks" card (wbl/visits/safety.py): each row's states on
constructed data, who sees the card on the placement page, and its statement count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import current_app

from tests.support.clearance_data import add_clearance, clear_clearances, contact_of
from tests.support.hour_data import ADULT, place
from tests.support.incident_data import report
from tests.support.permit_data import give_all, paid_cast, permit_of, place_paid
from tests.support.placement_data import make_cast
from tests.support.visit_data import record
from wbl.catalog import clearances
from wbl.catalog.clearance_models import ClearanceType
from wbl.clock import local_today
from wbl.extensions import db
from wbl.incidents import services as incident_services
from wbl.placements import permits
from wbl.placements.models import PermitStatus, Placement
from wbl.reference.models import ExperienceKind
from wbl.visits import services as visit_services
from wbl.visits.models import VisitSettings
from wbl.visits.safety import Check, Status, safety_checks

SIGNED = date(2024, 8, 1)


def in_days(value: int | date | None) -> date | None:
    """A date given to a parametrized test: as is, or that many days from today."""
    if value is None or isinstance(value, date):
        return value
    return local_today() + timedelta(days=value)


def checks(actor, placement: Placement) -> dict[str, Check]:
    db.session.expire_all()
    placement = db.session.get(Placement, placement.id)
    with current_app.test_request_context():
        return {c.key: c for c in safety_checks(actor, placement, local_today())}


def row(actor, placement: Placement, key: str) -> tuple[Status, str]:
    found = checks(actor, placement)[key]
    return found.status, found.detail


@pytest.fixture
def adult_cast():
    return make_cast(born=ADULT)


@pytest.fixture
def adult_placement(adult_cast):
    return place(adult_cast)


# --- 1, 2. the partner's agreement and insurance -------------------------------------------


@pytest.mark.parametrize(
    ("signed", "expires", "status", "words"),
    [
        (None, None, Status.PROBLEM, "No worksite agreement on file."),
        (3, None, Status.PROBLEM, "only starts on"),
        (SIGNED, -1, Status.PROBLEM, "expired on"),
        (SIGNED, 20, Status.WARNING, "renew it"),
        (SIGNED, 200, Status.OK, "Current until"),
        (SIGNED, None, Status.OK, "no end date"),
    ],
)
def test_the_agreement_row(adult_cast, adult_placement, signed, expires, status, words) -> None:
    adult_cast.partner.worksite_agreement_date = in_days(signed)
    adult_cast.partner.worksite_agreement_expiry = in_days(expires)
    db.session.flush()
    got, text = row(adult_cast.staff, adult_placement, "agreement")
    assert got is status
    assert words in text


@pytest.mark.parametrize(
    ("expiry", "status", "words"),
    [
        (None, Status.PROBLEM, "No liability insurance on file."),
        (-1, Status.PROBLEM, "expired on"),
        (10, Status.WARNING, "ask for the new certificate"),
        (300, Status.OK, "Current until"),
    ],
)
def test_the_insurance_row(adult_cast, adult_placement, expiry, status, words) -> None:
    adult_cast.partner.insurance_expiry = in_days(expiry)
    db.session.flush()
    got, text = row(adult_cast.staff, adult_placement, "insurance")
    assert got is status
    assert words in text


def test_the_partner_links_are_for_staff_only(adult_cast, adult_placement) -> None:
    staff = checks(adult_cast.staff, adult_placement)
    teacher = checks(adult_cast.teacher, adult_placement)
    assert staff["agreement"].link == f"/catalog/partners/{adult_cast.partner.id}"
    assert teacher["agreement"].link is None
    assert teacher["clearance"].link is None


# --- 3. the supervisor's clearances ----------------------------------------------------------


def test_an_adult_needs_no_clearance(adult_cast, adult_placement) -> None:
    assert row(adult_cast.staff, adult_placement, "clearance") == (
        Status.OK,
        "Not required: the student is an adult.",
    )


@pytest.fixture
def minor_cast():
    return make_cast()


@pytest.fixture
def minor_placement(minor_cast):
    return place_paid(minor_cast)  # unpaid offering: no permit, consent given


def test_a_cleared_supervisor_is_ok(minor_cast, minor_placement) -> None:
    status, text = row(minor_cast.staff, minor_placement, "clearance")
    assert status is Status.OK
    assert "is cleared: Fingerprint background check, Mandated-reporter training." in text


def test_a_lapsed_clearance_is_a_problem_naming_it(minor_cast, minor_placement) -> None:
    contact = contact_of(minor_cast.employer)
    clear_clearances(contact)
    add_clearance(contact, ClearanceType.BACKGROUND_CHECK)
    add_clearance(contact, ClearanceType.MANDATED_REPORTER, expires_in=-1)
    found = checks(minor_cast.staff, minor_placement)["clearance"]
    assert found.status is Status.PROBLEM
    assert found.detail.endswith("lacks: Mandated-reporter training.")
    assert found.link == (
        f"/catalog/partners/{minor_cast.partner.id}/contacts/{contact.id}/clearances"
    )


def test_the_same_rule_refuses_at_acceptance(minor_cast, minor_placement) -> None:
    """One place for the rule: the card's query and the acceptance check agree."""
    contact = contact_of(minor_cast.employer)
    clear_clearances(contact)
    check = clearances.supervisor_check(
        contact.id,
        kind=ExperienceKind.JOB_SHADOW,
        district_id=minor_cast.school.district_id,
        start=None,
    )
    assert check.missing == [ClearanceType.BACKGROUND_CHECK, ClearanceType.MANDATED_REPORTER]
    with current_app.test_request_context(), pytest.raises(clearances.SupervisorNotCleared):
        clearances.require_cleared_supervisor(
            contact,
            partner=minor_cast.partner,
            kind=ExperienceKind.JOB_SHADOW,
            district_id=minor_cast.school.district_id,
            start=None,
        )


def test_a_district_that_requires_nothing(minor_cast, minor_placement) -> None:
    clear_clearances(contact_of(minor_cast.employer))
    with current_app.test_request_context():
        clearances.set_rules(
            minor_cast.staff, minor_cast.school.district_id, {minor_cast.offering.kind: []}
        )
    assert row(minor_cast.staff, minor_placement, "clearance") == (
        Status.OK,
        "Not required by the district for this experience type.",
    )


def test_no_supervisor_named_is_a_problem(minor_cast, minor_placement) -> None:
    minor_placement.supervisor_id = None
    db.session.flush()
    status, text = row(minor_cast.staff, minor_placement, "clearance")
    assert status is Status.PROBLEM
    assert "No supervisor" in text


# --- 4. the work permit ----------------------------------------------------------------------


def test_an_unpaid_placement_needs_no_permit(minor_cast, minor_placement) -> None:
    assert row(minor_cast.staff, minor_placement, "permit")[0] is Status.OK


def test_the_permit_row_follows_the_request(client) -> None:
    cast = paid_cast()
    placement = place_paid(cast)
    assert row(cast.staff, placement, "permit") == (
        Status.WARNING,
        "Requested: 3 parties' parts are missing.",
    )
    give_all(placement)
    assert row(cast.staff, placement, "permit") == (
        Status.WARNING,
        "Every part is in: waiting for the school's decision.",
    )
    with current_app.test_request_context():
        permits.issue(
            cast.staff,
            placement.id,
            permits.Issue(issued_on=local_today(), expires_on=local_today() + timedelta(days=365)),
        )
    status, text = row(cast.staff, placement, "permit")
    assert status is Status.OK
    assert text.startswith("Issued until")
    permit = permit_of(placement)
    permit.expires_on = local_today() + timedelta(days=5)  # before the placement's end
    db.session.flush()
    assert row(cast.staff, placement, "permit")[0] is Status.WARNING
    permit.expires_on = local_today() - timedelta(days=1)
    db.session.flush()
    assert row(cast.staff, placement, "permit")[0] is Status.PROBLEM
    permit.status = PermitStatus.REFUSED
    db.session.flush()
    assert row(cast.staff, placement, "permit") == (Status.PROBLEM, "Refused by the school.")


# --- 5. the worksite visit -------------------------------------------------------------------


def test_a_new_placement_is_not_due_yet(adult_cast, adult_placement) -> None:
    status, text = row(adult_cast.staff, adult_placement, "visit")
    assert status is Status.OK
    assert text.startswith("Not visited yet. Next visit due on")


def test_a_placement_past_the_rule_is_due(adult_cast, adult_placement) -> None:
    db.session.add(VisitSettings(district_id=adult_cast.school.district_id, due_after_days=5))
    db.session.flush()
    status, text = row(adult_cast.staff, adult_placement, "visit")
    assert status is Status.PROBLEM
    assert text.startswith("Visit due since")


def test_an_open_follow_up_is_a_warning(adult_cast, adult_placement) -> None:
    record(adult_cast.teacher, adult_placement, follow_up="Ask for gloves in her size.")
    status, text = row(adult_cast.staff, adult_placement, "visit")
    assert status is Status.WARNING
    assert text.startswith("1 follow-up still open. Last visited on")


def test_a_staff_flag_makes_it_due(adult_cast, adult_placement) -> None:
    record(adult_cast.teacher, adult_placement)
    with current_app.test_request_context():
        visit_services.flag_due(adult_cast.staff, adult_placement.id, "New supervisor")
    status, text = row(adult_cast.staff, adult_placement, "visit")
    assert status is Status.PROBLEM
    assert "flagged by staff" in text


# --- 6. incidents ----------------------------------------------------------------------------


def test_the_incident_row(adult_cast, adult_placement) -> None:
    assert row(adult_cast.staff, adult_placement, "incidents") == (Status.OK, "None reported.")
    incident = report(adult_cast.teacher, adult_placement)
    assert row(adult_cast.staff, adult_placement, "incidents") == (
        Status.PROBLEM,
        "1 incident not closed yet.",
    )
    with current_app.test_request_context():
        incident_services.close(adult_cast.staff, incident.id, "Talked to the supervisor.")
    assert row(adult_cast.staff, adult_placement, "incidents") == (
        Status.OK,
        "The incident is closed.",
    )


# --- the page --------------------------------------------------------------------------------


def page(client, login_as, user, placement: Placement) -> str:
    login_as(user)
    response = client.get(f"/hours/placements/{placement.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_staff_and_the_teacher_see_the_card(client, login_as, adult_cast, adult_placement):
    adult_cast.partner.insurance_expiry = None
    db.session.flush()
    for user in (adult_cast.staff, adult_cast.teacher):
        html = page(client, login_as, user, adult_placement)
        assert "Safety checks" in html
        assert 'data-check="insurance" data-status="problem"' in html
        assert "No liability insurance on file." in html


def test_the_student_and_the_employer_do_not(client, login_as, adult_cast, adult_placement):
    for user in (adult_cast.student.user, adult_cast.employer):
        html = page(client, login_as, user, adult_placement)
        assert "Safety checks" not in html
        assert "data-check=" not in html


def test_the_card_runs_the_same_statements_for_1_or_4_visits_and_incidents(
    client, login_as, count_queries, adult_cast, adult_placement
) -> None:
    login_as(adult_cast.staff)
    path = f"/hours/placements/{adult_placement.id}"

    def statements() -> int:
        client.get(path)  # warm caches
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    record(adult_cast.teacher, adult_placement, on=local_today() - timedelta(days=5))
    report(adult_cast.teacher, adult_placement)
    few = statements()
    for days in (2, 3, 4):
        record(adult_cast.teacher, adult_placement, on=local_today() - timedelta(days=days))
        report(adult_cast.teacher, adult_placement)
    assert statements() == few
