"""Staff keep a partner's record: edit it, remove its logo or a contact, deactivate and
activate it. For each, the change itself, the roles that are refused, an unknown object,
and bad input (which changes nothing)."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select

from tests.conftest import csrf_from
from tests.support.builders import make_employer, make_offering, make_partner, make_user, sector
from tests.support.catalog_data import give_logo
from tests.support.hour_data import ADULT, place
from tests.support.placement_data import STATEMENT, make_cast
from wbl.access import Role
from wbl.catalog.models import Partner, PartnerContact
from wbl.errors import NotFound
from wbl.extensions import db
from wbl.placements import applications
from wbl.placements.models import Application, Placement
from wbl.storage import storage

NOT_STAFF = [{Role.STUDENT}, {Role.TEACHER}, {Role.EMPLOYER}]


def _edit_form(partner: Partner, **overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "name": partner.name,
        "sector_id": partner.sector_id,
        "street_address": partner.street_address,
        "city": partner.city,
        "zip": partner.zip,
        "worksite_agreement_date": "2025-08-01",
        "worksite_agreement_expiry": "2028-08-01",
        "insurance_expiry": "2030-01-01",
    }
    form.update(overrides)
    return form


def _contact_of(employer) -> PartnerContact:
    contact = db.session.scalar(select(PartnerContact).where(PartnerContact.user_id == employer.id))
    assert contact is not None
    return contact


def _token(client, partner: Partner) -> str:
    """The form token of the partner's page, as the buttons there send it."""
    return csrf_from(client.get(f"/catalog/partners/{partner.id}").get_data(as_text=True))


# --- edit ---------------------------------------------------------------------------------


@pytest.mark.parametrize("roles", [{Role.STAFF}, {Role.ADMIN}])
def test_staff_edit_a_partner(client, login_as, post_form, roles) -> None:
    login_as(make_user(roles=roles))
    partner = make_partner(name="Sunrise Vet")
    url = f"/catalog/partners/{partner.id}/edit"
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Sunrise Vet"' in page.get_data(as_text=True)
    response = post_form(
        url,
        _edit_form(partner, name="Sunrise Veterinary Clinic", sector_id=sector("agriculture").id),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/catalog/partners/{partner.id}")
    db.session.refresh(partner)
    assert partner.name == "Sunrise Veterinary Clinic"
    assert partner.sector.code == "agriculture"
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The partner is saved." in shown


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Enter the partner&#39;s name."),
        ({"zip": "00000"}, "not a ZIP code we know"),
        ({"worksite_agreement_expiry": "2020-01-01"}, "cannot expire before it was signed"),
        ({"website": "not a url"}, "Enter a full web address that starts with https://"),
    ],
)
def test_a_bad_edit_says_what_is_wrong_and_changes_nothing(
    login_as, post_form, overrides, message
) -> None:
    login_as(make_user(roles={Role.STAFF}))
    partner = make_partner(name="Sunrise Vet")
    response = post_form(
        f"/catalog/partners/{partner.id}/edit", _edit_form(partner, city="Petaluma", **overrides)
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="Petaluma"' in html  # what was typed stays in the form
    db.session.refresh(partner)
    assert (partner.name, partner.city) == ("Sunrise Vet", "Santa Rosa")


# --- logo removal -------------------------------------------------------------------------


def test_staff_remove_a_logo_and_its_file(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    partner = give_logo(make_partner())
    key = partner.logo_key
    assert key is not None
    assert client.get(f"/partners/{partner.id}/logo").status_code == 200
    response = client.post(
        f"/catalog/partners/{partner.id}/logo/remove",
        data={"csrf_token": _token(client, partner)},
        follow_redirects=True,
    )
    assert "The logo is removed." in response.get_data(as_text=True)
    db.session.refresh(partner)
    assert partner.logo_key is None
    with pytest.raises(NotFound):
        storage().read(key)
    assert client.get(f"/partners/{partner.id}/logo").status_code == 404


# --- contact removal ----------------------------------------------------------------------


def test_staff_remove_a_contact_whose_placements_go_on(client, login_as) -> None:
    cast = make_cast(born=ADULT)
    placement = place(cast)
    contact = _contact_of(cast.employer)
    placement.supervisor_id = contact.id
    db.session.flush()
    login_as(make_user(roles={Role.STAFF}))
    response = client.post(
        f"/catalog/contacts/{contact.id}/remove",
        data={"csrf_token": _token(client, cast.partner)},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/catalog/partners/{cast.partner.id}#contacts")
    assert db.session.get(PartnerContact, contact.id) is None
    db.session.refresh(placement)
    assert placement.supervisor_id is None  # the placement stays, without a named supervisor
    assert db.session.get(Placement, placement.id) is not None
    # The person keeps their account but no longer speaks for the partner.
    login_as(cast.employer)
    assert client.get(f"/catalog/partners/{cast.partner.id}/edit").status_code == 403
    assert client.get(f"/catalog/offerings/{cast.offering.id}/edit").status_code == 404


# --- deactivate and activate --------------------------------------------------------------


def test_staff_deactivate_a_partner_and_students_no_longer_see_it(client, login_as) -> None:
    partner = make_partner(name="Sunrise Vet")
    offering = make_offering(partner=partner, title="Kennel helper")
    student = make_user(roles={Role.STUDENT})
    login_as(student)
    assert client.get(f"/offerings/{offering.id}").status_code == 200
    login_as(make_user(roles={Role.STAFF}))
    response = client.post(
        f"/catalog/partners/{partner.id}/deactivate",
        data={"csrf_token": _token(client, partner)},
        follow_redirects=True,
    )
    assert "Sunrise Vet is inactive: it and its opportunities are hidden." in response.get_data(
        as_text=True
    )
    db.session.refresh(partner)
    assert partner.active is False
    login_as(student)
    assert client.get(f"/offerings/{offering.id}").status_code == 404
    assert "Kennel helper" not in client.get("/offerings").get_data(as_text=True)


def test_staff_activate_a_partner_again(client, login_as) -> None:
    partner = make_partner(name="Sunrise Vet")
    offering = make_offering(partner=partner, title="Kennel helper")
    partner.active = False
    db.session.flush()
    login_as(make_user(roles={Role.ADMIN}))
    response = client.post(
        f"/catalog/partners/{partner.id}/activate",
        data={"csrf_token": _token(client, partner)},
        follow_redirects=True,
    )
    assert "Sunrise Vet is active again." in response.get_data(as_text=True)
    db.session.refresh(partner)
    assert partner.active is True
    login_as(make_user(roles={Role.STUDENT}))
    assert client.get(f"/offerings/{offering.id}").status_code == 200


def test_nobody_applies_to_a_deactivated_partner(client, login_as, post_form) -> None:
    cast = make_cast(born=ADULT)
    cast.partner.active = False
    db.session.flush()
    login_as(cast.student.user)
    url = f"/offerings/{cast.offering.id}/apply"
    assert client.get(url).status_code == 404
    assert post_form(url, {"statement": STATEMENT}, page="/home").status_code == 404
    with pytest.raises(NotFound), current_app.test_request_context():
        applications.apply(cast.student.user, cast.offering.id, STATEMENT, share_resume=False)
    assert db.session.scalar(select(Application.id)) is None


# --- refusals -----------------------------------------------------------------------------


def _partner_with_all_of_it() -> tuple[Partner, PartnerContact]:
    partner = give_logo(make_partner(name="Sunrise Vet"))
    return partner, _contact_of(make_employer(partner=partner))


def _state(partner: Partner) -> tuple[object, ...]:
    db.session.flush()
    db.session.expire_all()
    contacts = db.session.scalars(
        select(PartnerContact.id).where(PartnerContact.partner_id == partner.id)
    ).all()
    return partner.name, partner.logo_key, partner.active, sorted(contacts)


ACTIONS = ["edit", "logo/remove", "contact/remove", "deactivate", "activate"]


def _action_url(action: str, partner: Partner, contact: PartnerContact) -> str:
    if action == "contact/remove":
        return f"/catalog/contacts/{contact.id}/remove"
    return f"/catalog/partners/{partner.id}/{action}"


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("roles", NOT_STAFF)
def test_only_staff_keep_a_partner(client, login_as, action, roles) -> None:
    """Even the partner's own contact: a partner proposes offerings, staff keep its record."""
    partner, contact = _partner_with_all_of_it()
    partner.active = action != "activate"  # so that the action would change it
    login_as(make_employer(partner=partner) if Role.EMPLOYER in roles else make_user(roles=roles))
    before = _state(partner)
    url = _action_url(action, partner, contact)
    if action == "edit":
        assert client.get(url).status_code == 403
    token = csrf_from(client.get("/home").get_data(as_text=True))
    data = {**_edit_form(partner, name="Mine"), "csrf_token": token}
    assert client.post(url, data=data).status_code == 403
    assert _state(partner) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_an_unknown_partner_or_contact_is_not_found(client, login_as, action) -> None:
    login_as(make_user(roles={Role.STAFF}))
    partner = make_partner()
    token = csrf_from(client.get("/home").get_data(as_text=True))
    url = _action_url(action, Partner(id=999999), PartnerContact(id=999999))
    if action == "edit":
        assert client.get(url).status_code == 404
    data = {**_edit_form(partner), "csrf_token": token}
    assert client.post(url, data=data).status_code == 404


def test_a_partner_button_needs_the_form_token(client, login_as) -> None:
    partner, _ = _partner_with_all_of_it()
    before = _state(partner)
    login_as(make_user(roles={Role.STAFF}))
    assert client.post(f"/catalog/partners/{partner.id}/deactivate").status_code == 400
    assert _state(partner) == before
