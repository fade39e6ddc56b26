"""Supervisor clearance pages: who may open them (403 for employers, teachers and students on
the staff pages, 404 out of scope), the form's messages, the document only for staff, the
employer's read-only status, the compliance list and the menus that reach them."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from tests.support.builders import (
    make_district,
    make_employer,
    make_offering,
    make_partner,
    make_student,
    make_user,
)
from tests.support.clearance_data import add_clearance, clear_clearances, contact_of
from tests.support.placement_data import approved, make_cast
from tests.support.upload_files import EXECUTABLE, pdf_bytes
from wbl.access import Role
from wbl.catalog import clearances
from wbl.catalog.clearance_models import ClearanceType, SupervisorClearance
from wbl.clock import local_today
from wbl.extensions import db
from wbl.placements.models import ApplicationStatus
from wbl.reference.models import ExperienceKind


def page(contact) -> str:  # type: ignore[no-untyped-def]
    return f"/catalog/partners/{contact.partner_id}/contacts/{contact.id}/clearances"


@pytest.fixture
def contact():
    return contact_of(make_employer(cleared=False))


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, 302),
        (Role.STUDENT, 403),
        (Role.TEACHER, 403),
        (Role.EMPLOYER, 403),
        (Role.STAFF, 200),
        (Role.ADMIN, 200),
    ],
)
def test_the_staff_pages_are_for_staff(client, login_as, contact, role, expected) -> None:
    row = add_clearance(contact, ClearanceType.BACKGROUND_CHECK)
    if role is Role.STUDENT:
        login_as(make_student().user)
    elif role is Role.EMPLOYER:
        login_as(contact.user)  # even the contact themselves
    elif role:
        login_as(make_user(roles={role}))
    assert client.get(page(contact)).status_code == expected
    assert client.get(f"{page(contact)}/{row.id}/edit").status_code == expected
    assert client.get("/catalog/clearance-rules").status_code == expected
    if expected != 200:
        assert client.get(f"{page(contact)}/{row.id}/file").status_code == expected
        assert client.post(f"{page(contact)}/{row.id}/delete").status_code in (expected, 400)


def test_out_of_scope_partners_contacts_and_districts_are_not_found(
    client, login_as, contact
) -> None:
    row = add_clearance(contact, ClearanceType.BACKGROUND_CHECK)
    district = make_district()
    login_as(make_user(roles={Role.STAFF}, district=district))
    other = make_partner()
    assert (
        client.get(f"/catalog/partners/{other.id}/contacts/{contact.id}/clearances").status_code
        == 404
    )
    assert (
        client.get(f"/catalog/partners/999999/contacts/{contact.id}/clearances").status_code == 404
    )
    stranger = contact_of(make_employer())
    url = f"/catalog/partners/{stranger.partner_id}/contacts/{stranger.id}/clearances/{row.id}/edit"
    assert client.get(url).status_code == 404
    assert client.get(f"{page(contact)}/{row.id}/file").status_code == 404  # no document
    assert (
        client.get(f"/catalog/clearance-rules?district_id={make_district().id}").status_code == 404
    )
    assert client.get(f"/catalog/clearance-rules?district_id={district.id}").status_code == 200


def form(**changes: object) -> dict[str, object]:
    today = local_today()
    values: dict[str, object] = {
        "kind": "mandated_reporter",
        "completed_on": (today - timedelta(days=3)).isoformat(),
        "expires_on": (today + timedelta(days=365)).isoformat(),
    }
    values.update(changes)
    return values


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "astrology"}, "Not a valid choice"),
        ({"kind": ""}, "Choose the type of clearance."),
        ({"completed_on": "2999-01-01"}, "The completion date cannot be in the future."),
        (
            {"completed_on": "2026-01-10", "expires_on": "2026-01-09"},
            "The expiry date cannot be before the completion date.",
        ),
        ({"expires_on": "soon"}, "Give the date it expires."),
        ({"document": (io.BytesIO(EXECUTABLE), "scan.pdf")}, "whatever its name says"),
    ],
)
def test_a_bad_form_says_what_is_wrong_and_saves_nothing(
    client, login_as, post_form, contact, changes, message
) -> None:
    login_as(make_user(roles={Role.STAFF}))
    response = post_form(page(contact), form(**changes))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert clearances.clearances_of([contact.id]).get(contact.id, []) == []


def test_staff_record_edit_download_and_delete(client, login_as, post_form, contact) -> None:
    staff = login_as(make_user(roles={Role.STAFF}))
    response = post_form(
        page(contact), form(document=(io.BytesIO(pdf_bytes("DOJ clearance")), "doj.pdf"))
    )
    assert response.status_code == 302
    row = db.session.query(SupervisorClearance).filter_by(contact_id=contact.id).one()
    assert row.recorded_by_id == staff.id
    body = client.get(page(contact)).get_data(as_text=True)
    assert "Mandated-reporter training" in body
    assert "Current" in body
    download = client.get(f"{page(contact)}/{row.id}/file")
    assert download.status_code == 200
    assert download.data.startswith(b"%PDF-")
    assert download.headers["Cache-Control"] == "private, no-store"
    edited = post_form(f"{page(contact)}/{row.id}/edit", form(kind="tb_test"))
    assert edited.status_code == 302
    db.session.refresh(row)
    assert row.kind is ClearanceType.TB_TEST
    assert row.document_key  # kept: no new file was sent
    deleted = post_form(f"{page(contact)}/{row.id}/delete", {}, page=page(contact))
    assert deleted.status_code == 302
    assert db.session.get(SupervisorClearance, row.id) is None


def test_staff_save_a_districts_rules(client, login_as, post_form) -> None:
    district = make_district()
    login_as(make_user(roles={Role.STAFF}, district=district))
    body = client.get("/catalog/clearance-rules").get_data(as_text=True)
    assert district.name in body
    ticked = {"req_internship_background_check": "y", "req_internship_tb_test": "y"}
    response = post_form("/catalog/clearance-rules", ticked)
    assert response.status_code == 302
    required = clearances.required_in(district.id, ExperienceKind.INTERNSHIP)
    assert required == {ClearanceType.BACKGROUND_CHECK, ClearanceType.TB_TEST}
    assert clearances.required_in(district.id, ExperienceKind.JOB_SHADOW) == set()


def test_the_employer_reads_their_own_status_without_documents(client, login_as) -> None:
    employer = make_employer(cleared=False)
    own = contact_of(employer)
    row = add_clearance(own, ClearanceType.TB_TEST, expires_in=10)
    row.document_key, row.document_name = "clearances/" + "0" * 32 + ".pdf", "tb.pdf"
    colleague = contact_of(make_employer(partner=own.partner, cleared=False))
    add_clearance(colleague, ClearanceType.MANDATED_REPORTER)
    login_as(employer)
    response = client.get("/catalog/my-clearances")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "TB test" in body
    assert "Expires soon" in body
    assert "Mandated-reporter" not in body  # a colleague's
    assert "/file" not in body
    assert 'href="/catalog/my-clearances"' in body  # the employer's menu
    login_as(make_user(roles={Role.TEACHER}))
    assert client.get("/catalog/my-clearances").status_code == 403


def test_the_compliance_page_lists_clearances_and_the_menu_reaches_the_rules(
    client, login_as
) -> None:
    partner = make_partner(name="Bodega Bay Clinic")
    supervisor = contact_of(make_employer(partner=partner, cleared=False))
    make_offering(partner=partner, kind=ExperienceKind.INTERNSHIP)
    add_clearance(supervisor, ClearanceType.BACKGROUND_CHECK, expires_in=-1)
    login_as(make_user(roles={Role.STAFF}))
    body = client.get("/catalog/compliance").get_data(as_text=True)
    assert "Fingerprint background check expired" in body
    assert "No Mandated-reporter training on file" in body
    assert page(supervisor) in body
    assert 'href="/catalog/clearance-rules"' in body  # the Catalog menu
    partner_page = client.get(f"/catalog/partners/{partner.id}").get_data(as_text=True)
    assert page(supervisor) in partner_page


def test_the_employers_accept_button_says_what_clearance_is_missing(
    client, login_as, post_form
) -> None:
    cast = make_cast()  # a minor, a job shadow
    clear_clearances(contact_of(cast.employer))
    add_clearance(contact_of(cast.employer), ClearanceType.BACKGROUND_CHECK)
    application = approved(cast)
    login_as(cast.employer)
    url = f"/applications/{application.id}"
    response = post_form(
        f"{url}/employer-decision", {"accept": "Accept"}, page=url, follow_redirects=True
    )
    body = response.get_data(as_text=True)
    assert "lacks a current clearance" in body
    assert "Mandated-reporter training" in body
    db.session.refresh(application)
    assert application.status is ApplicationStatus.APPROVED
