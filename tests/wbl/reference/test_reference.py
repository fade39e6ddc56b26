"""Reference data ships as defaults, loads idempotently, and staff edit it in the app."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.support.builders import make_district, make_user
from wbl.access import Role
from wbl.errors import Forbidden
from wbl.extensions import db
from wbl.reference import defaults
from wbl.reference.models import ExperienceType, IndustrySector, Pathway, PogOutcome
from wbl.reference.services import ReferenceEdit, update_reference_row
from wbl.seeding import seed_reference


def test_defaults_are_loaded_once(app) -> None:
    assert db.session.scalar(select(func.count(IndustrySector.id))) == 15
    assert db.session.scalar(select(func.count(Pathway.id))) == sum(
        len(p) for _, _, p in defaults.SECTORS
    )
    assert [
        o.name for o in db.session.scalars(select(PogOutcome).order_by(PogOutcome.position))
    ] == ["Curious", "Empathetic", "Communicator", "Collaborator", "Ethical", "Self-directed"]
    assert db.session.scalar(select(func.count(ExperienceType.id))) == 5
    counts = seed_reference()
    assert counts.added == 0


def test_seeding_again_keeps_staff_edits(app) -> None:
    outcome = db.session.scalar(select(PogOutcome).where(PogOutcome.code == "curious"))
    outcome.name = "Inquisitive"
    db.session.flush()
    seed_reference()
    assert outcome.name == "Inquisitive"


def _outcome(code: str) -> PogOutcome:
    row = db.session.scalar(select(PogOutcome).where(PogOutcome.code == code))
    assert row is not None
    return row


def test_staff_rename_an_outcome(client, login_as, post_form) -> None:
    login_as(make_user(roles={Role.STAFF}))
    outcome = _outcome("curious")
    url = f"/admin/reference/outcomes/{outcome.id}"
    response = post_form(
        url,
        {"name": "Inquisitive", "description": "Asks why.", "position": 1, "active": "y"},
        follow_redirects=True,
    )
    assert "Saved “Inquisitive”." in response.get_data(as_text=True)
    assert outcome.name == "Inquisitive"
    assert outcome.code == "curious"  # the code never changes


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"name": "", "position": 1}, "This field is required."),
        ({"name": "Empathetic", "position": 1}, "Another entry is already called “Empathetic”."),
        ({"name": "Fine", "position": -3}, "Number must be between 0 and 999."),
    ],
)
def test_bad_edits_are_explained_and_nothing_changes(login_as, post_form, data, problem) -> None:
    login_as(make_user(roles={Role.STAFF}))
    outcome = _outcome("curious")
    response = post_form(f"/admin/reference/outcomes/{outcome.id}", data)
    assert response.status_code == 200
    assert problem in response.get_data(as_text=True)
    db.session.refresh(outcome)
    assert outcome.name == "Curious"


def test_retiring_a_sector(login_as, post_form) -> None:
    login_as(make_user(roles={Role.ADMIN}))
    sector = db.session.scalar(select(IndustrySector).where(IndustrySector.code == "fashion"))
    post_form(f"/admin/reference/sectors/{sector.id}", {"name": sector.name, "position": 8})
    assert sector.active is False


def test_unknown_kind_or_row_is_not_found(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    assert client.get("/admin/reference/planets").status_code == 404
    assert client.get("/admin/reference/outcomes/999999").status_code == 404


def test_reference_lists_render_for_each_kind(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    for kind in (
        "sectors",
        "pathways",
        "outcomes",
        "activities",
        "experience-types",
        "evaluation-categories",
    ):
        response = client.get(f"/admin/reference/{kind}")
        assert response.status_code == 200, kind
    assert "Patient Care" in client.get("/admin/reference/pathways").get_data(as_text=True)


def test_seed_reference_command(app) -> None:
    result = app.test_cli_runner().invoke(args=["seed-reference"])
    assert result.exit_code == 0
    assert "0 added" in result.output
    # A first `make run` has no district yet: say so, not "0 default rules added".
    assert "Graduation pathway rules (defaults): no districts yet; each district gets them" in (
        result.output
    )


def test_district_staff_read_the_reference_data_but_do_not_edit_it(client, login_as) -> None:
    """The lists are the county's: a district's staff see them (the names their forms and
    reports use) but only county staff and administrators change them."""
    login_as(make_user(roles={Role.STAFF}, district=make_district()))
    outcome = _outcome("curious")
    url = f"/admin/reference/outcomes/{outcome.id}"
    page = client.get("/admin/reference/outcomes")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Curious" in html
    assert url not in html  # no Edit buttons
    assert "The county office keeps these lists." in html
    assert client.get(url).status_code == 403
    refused = client.post(
        url, data={"name": "Nosy", "position": 1, "active": "y", "csrf_token": csrf_from(html)}
    )
    assert refused.status_code == 403
    db.session.refresh(outcome)
    assert outcome.name == "Curious"


def test_the_service_refuses_district_staff(app) -> None:
    staff = make_user(roles={Role.STAFF}, district=make_district())
    outcome = _outcome("curious")
    with pytest.raises(Forbidden):
        update_reference_row(staff, "outcomes", outcome.id, ReferenceEdit("Nosy", "", 1, True))
    assert outcome.name == "Curious"


def test_county_staff_see_the_edit_buttons(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}))
    outcome = _outcome("curious")
    html = client.get("/admin/reference/outcomes").get_data(as_text=True)
    assert f"/admin/reference/outcomes/{outcome.id}" in html
    assert "The county office keeps these lists." not in html


@pytest.mark.parametrize(
    ("roles", "district"), [({Role.STAFF}, False), ({Role.ADMIN}, False), ({Role.STAFF}, True)]
)
def test_the_reference_menu_entry_opens_the_outcomes(client, login_as, roles, district) -> None:
    login_as(make_user(roles=roles, district=make_district() if district else None))
    response = client.get("/admin/reference")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/reference/outcomes")
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize("roles", [{Role.STUDENT}, {Role.TEACHER}, {Role.EMPLOYER}])
def test_the_reference_data_is_staffs(client, login_as, roles) -> None:
    login_as(make_user(roles=roles))
    assert client.get("/admin/reference").status_code == 403
    assert client.get("/admin/reference/outcomes").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client) -> None:
    response = client.get("/admin/reference")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]
