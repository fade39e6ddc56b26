"""First run: an empty county and one administrator (``flask users create-admin``). The
administrator is led to the set-up checklist until the county has a name and a district;
everyone else who signs in meanwhile sees a "being set up" page, never a broken app."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_from
from tests.support.builders import make_district, make_school, make_student, make_user
from tests.support.county_data import name_county, unnamed_county
from wbl.access import Role
from wbl.auth import oidc
from wbl.auth import services as auth_services
from wbl.county.services import needs_setup, setup_status


def _first_admin():
    return auth_services.create_admin("admin@ycoe.example.org", "Avery Admin", "a long passphrase")


def test_the_first_administrator_signs_in_to_the_checklist(app, client, post_form) -> None:
    _first_admin()
    with unnamed_county(app):
        response = post_form(
            "/login",
            {"email": "admin@ycoe.example.org", "password": "a long passphrase"},
            follow_redirects=True,
        )
        page = response.get_data(as_text=True)
        assert response.request.path == "/admin/setup"
        assert "Set up WBL" in page
        assert "Enter county settings" in page
        assert page.count(">To do<") == 3
        assert ">Optional<" in page
        assert "Not configured: everyone signs in with a password for now." in page


def test_a_named_county_without_districts_still_leads_to_the_checklist(client, login_as) -> None:
    login_as(make_user(roles={Role.ADMIN}))
    assert needs_setup()
    assert client.get("/home").headers["Location"] == "/admin/setup"
    make_district()
    assert not needs_setup()
    assert client.get("/home").status_code == 200


def test_the_checklist_counts_what_is_there(client, login_as, app) -> None:
    admin = login_as(make_user(roles={Role.ADMIN, Role.STAFF}))
    district = make_district()
    make_school(district=district)
    make_school(district=district).active = False
    make_student()  # a second district and school, and one person besides the admin
    name_county("Yolo County Office of Education")
    status = setup_status()
    assert (status.districts, status.schools, status.people) == (2, 2, 1)
    assert status.complete
    assert admin.id
    page = client.get("/admin/setup").get_data(as_text=True)
    assert "Set up WBL for Yolo County Office of Education" in page
    assert "2 districts and 2 schools so far." in page
    assert page.count(">Done<") == 3
    assert "WBL is open" in page
    oidc.configure(app, (_provider("google", "Google Workspace"), _provider("clever", "Clever")))
    try:
        assert "Configured: Google Workspace, Clever." in client.get("/admin/setup").get_data(
            as_text=True
        )
    finally:
        oidc.configure(app, ())


def _provider(name: str, label: str) -> oidc.Provider:
    """A configured provider (nothing is fetched from it until someone signs in)."""
    return oidc.Provider(
        name=name,
        label=label,
        issuer=f"https://{name}.example.org",
        client_id="wbl",
        client_secret="not-used",
        domains=frozenset({"example.org"}),
        roles=frozenset({Role.STUDENT}),
    )


@pytest.mark.parametrize("roles", [{Role.STAFF}, {Role.TEACHER}, {Role.STUDENT}, {Role.EMPLOYER}])
def test_everyone_else_sees_the_app_being_set_up(app, client, login_as, roles) -> None:
    login_as(make_user(roles=roles))
    with unnamed_county(app):
        for url in ("/home", "/offerings", "/catalog/partners", "/applications"):
            response = client.get(url)
            assert response.status_code == 503, url
            assert response.headers["Retry-After"] == "3600"
            page = response.get_data(as_text=True)
            assert "WBL is being set up" in page
            assert "Sign out" in page
        # Signing out works (the page's button).
        signed_out = client.post("/logout", data={"csrf_token": csrf_from(page)})
        assert signed_out.status_code == 302
        assert client.get("/home").status_code == 302
    login_as(make_user(roles=roles))
    name_county()
    assert client.get("/home").status_code == 200


def test_public_pages_and_signing_in_are_not_held(app, client) -> None:
    with unnamed_county(app):
        login = client.get("/login")
        assert login.status_code == 200
        assert "Work-based learning" in login.get_data(as_text=True)  # no empty name
        assert client.get("/verify/NO-SUCH-CODE").status_code == 404
        assert client.get("/county/logo").status_code == 404
        assert client.get("/home").status_code == 302  # anonymous: sent to sign in


def test_the_administrator_is_never_held(app, client, login_as) -> None:
    login_as(make_user(roles={Role.ADMIN}))
    with unnamed_county(app):
        assert client.get("/admin/county").status_code == 200
        assert client.get("/catalog/partners").status_code == 200
        assert client.get("/admin/districts").status_code == 200


def test_a_deployment_named_in_its_configuration_keeps_working(client, login_as) -> None:
    """An existing deployment upgraded with WBL_COUNTY_NAME set and districts: nobody is held
    and its administrator lands on the home page, as before."""
    school = make_school()
    login_as(make_user(roles={Role.TEACHER}, school=school))
    assert client.get("/home").status_code == 200
    login_as(make_user(roles={Role.ADMIN}))
    assert client.get("/home").status_code == 200
