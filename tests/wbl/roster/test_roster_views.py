"""The roster upload page: county-wide staff only, a dry run first, the import only after a
clean check is confirmed by the same user with a signed, expiring token."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.support.builders import make_district, make_employer, make_user
from tests.support.roster_files import example_zip
from wbl.access import Role
from wbl.auth.models import User
from wbl.extensions import db
from wbl.imports import staging
from wbl.schools.models import School

URL = "/roster/import"
CONFIRM = "/roster/import/confirm"
TOKEN_RE = re.compile(r'name="token" type="hidden" value="([^"]+)"')
ANA = "ana.martinez@students.lagunavalley.example.org"
BAD_ENROLLMENT = "e-99,,2026-08-01,cls-nope,org-s1,s-1001,student,false,2026-08-12,2027-06-04\n"


def _rostered() -> int:
    return db.session.scalar(select(func.count()).where(User.sourced_id.is_not(None))) or 0


def _staged_files(app: Flask) -> set[Path]:
    """The stored rosters (the upload folder is shared by the session's tests)."""
    return set((Path(app.config["UPLOAD_FOLDER"]) / "imports").glob("*.zip"))


def _county_staff(login_as: Callable[..., Any]) -> User:
    """Committed (inside the test's outer transaction): the roster's check rolls back what it
    read, which would otherwise take the test's unsaved rows with it."""
    user = login_as(make_user(roles={Role.STAFF}))
    db.session.commit()
    return user


def _upload(post_form: Callable[..., Any], data: bytes, name: str = "roster.zip") -> Any:
    return post_form(URL, {"file": (io.BytesIO(data), name)})


def _token(page: str) -> str:
    found = TOKEN_RE.search(page)
    assert found is not None, page
    return found.group(1)


def _confirm(client: FlaskClient, page: str, token: str) -> Any:
    return client.post(CONFIRM, data={"token": token, "csrf_token": csrf_from(page)})


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, 302),
        ("student", 403),
        ("teacher", 403),
        ("employer", 403),
        ("district_staff", 403),
        ("county_staff", 200),
        ("admin", 200),
    ],
)
def test_only_county_wide_staff_and_administrators_import_a_roster(
    client, login_as, who, expected
) -> None:
    people = {
        "student": lambda: make_user(roles={Role.STUDENT}),
        "teacher": lambda: make_user(roles={Role.TEACHER}),
        "employer": make_employer,
        "district_staff": lambda: make_user(roles={Role.STAFF}, district=make_district()),
        "county_staff": lambda: make_user(roles={Role.STAFF}),
        "admin": lambda: make_user(roles={Role.ADMIN}),
    }
    if who is not None:
        login_as(people[who]())
    assert client.get(URL).status_code == expected


def test_district_staff_cannot_confirm_either(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}, district=make_district()))
    page = client.get("/home").get_data(as_text=True)
    response = client.post(CONFIRM, data={"token": "x", "csrf_token": csrf_from(page)})
    assert response.status_code == 403


def test_the_menu_leads_county_staff_to_the_upload_page_and_says_how_to_import_larger_files(
    client, login_as
) -> None:
    _county_staff(login_as)
    home = client.get("/home").get_data(as_text=True)
    assert 'href="/roster/import">Roster import</a>' in home
    assert 'href="/roster/demographics">Student demographics</a>' in home
    page = client.get(URL).get_data(as_text=True)
    assert "Roster import" in page
    assert "flask --app wsgi roster import PATH" in page
    assert "12 MB" in page


def test_district_staff_see_demographics_in_the_menu_but_not_the_import(client, login_as) -> None:
    login_as(make_user(roles={Role.STAFF}, district=make_district()))
    home = client.get("/home").get_data(as_text=True)
    assert "/roster/import" not in home
    assert 'href="/roster/demographics"' in home


def test_a_clean_roster_is_checked_then_imported_on_confirmation(
    app, client, login_as, post_form
) -> None:
    _county_staff(login_as)
    before = _staged_files(app)
    checked = _upload(post_form, example_zip())
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "The roster is ready to import" in page
    assert "OneRoster 1.1" in page
    # The dry run's table: one row per entity, four counts each.
    for entity in ("Orgs", "Users", "Guardians", "Classes", "Enrollments"):
        assert f'<th scope="row" class="ps-3">{entity}</th>' in page
    assert "To create" in page
    assert _rostered() == 0  # nothing written by the check
    assert len(_staged_files(app) - before) == 1

    done = _confirm(client, page, _token(page))
    result = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "The roster is imported" in result
    assert 'name="token"' not in result
    assert _rostered() == 6  # two teachers, four students
    assert db.session.scalar(select(School).where(School.cds_code == "49709204930017"))
    assert _staged_files(app) == before  # the stored bytes are gone once imported

    # The same confirmation again: the bytes are gone.
    again = _confirm(client, page, _token(page))
    assert again.status_code == 302
    assert "no longer available" in client.get(URL).get_data(as_text=True)


def test_the_same_roster_again_changes_nothing(client, login_as, post_form) -> None:
    _county_staff(login_as)
    page = _upload(post_form, example_zip()).get_data(as_text=True)
    _confirm(client, page, _token(page))
    again = _upload(post_form, example_zip()).get_data(as_text=True)
    assert "The roster is ready to import" in again
    users = re.search(r'<th scope="row" class="ps-3">Users</th>(.*?)</tr>', again, re.S)
    assert users is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", users.group(1))
    assert cells == ["0", "0", "6", "0"]


def test_no_file_is_asked_for_again(client, login_as, post_form) -> None:
    _county_staff(login_as)
    response = post_form(URL, {})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose the .zip file your student information system exported." in page


def test_a_file_that_is_not_a_zip_is_refused(client, login_as, post_form) -> None:
    _county_staff(login_as)
    page = _upload(post_form, b"sourcedId,name\n", "users.csv").get_data(as_text=True)
    assert "Only a .zip file can be imported" in page
    # Named .zip but is not one: the check says so, and nothing is offered to confirm.
    page = _upload(post_form, b"not a zip at all", "roster.zip").get_data(as_text=True)
    assert "The roster needs corrections" in page
    assert "this is not a .zip file" in page
    assert 'name="token"' not in page


def test_problems_are_listed_by_file_and_row_and_nothing_is_imported(
    app, client, login_as, post_form
) -> None:
    _county_staff(login_as)
    before = _staged_files(app)
    data = example_zip(extra={"enrollments.csv": BAD_ENROLLMENT})
    page = _upload(post_form, data).get_data(as_text=True)
    assert "The roster needs corrections" in page
    assert "1 problem found; nothing was imported." in page
    assert '<td class="ps-3 text-nowrap">enrollments.csv</td>' in page
    assert "<code>classSourcedId</code>" in page
    assert 'name="token"' not in page
    assert _staged_files(app) == before
    assert _rostered() == 0


def test_problems_beyond_the_first_500_are_counted_not_listed(client, login_as, post_form) -> None:
    _county_staff(login_as)
    lines = "".join(
        f"e-x{n},,2026-08-01,cls-nope,org-s1,s-1001,student,false,2026-08-12,2027-06-04\n"
        for n in range(503)
    )
    page = _upload(post_form, example_zip(extra={"enrollments.csv": lines})).get_data(as_text=True)
    assert "503 problems found" in page
    assert page.count('<td class="ps-3 text-nowrap">enrollments.csv</td>') == 500
    assert "3 more problems are not shown" in page


def test_a_forged_confirmation_is_refused(client, login_as, post_form) -> None:
    _county_staff(login_as)
    page = _upload(post_form, example_zip()).get_data(as_text=True)
    token = _token(page)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert _confirm(client, page, forged).status_code == 302
    assert "This confirmation is not valid. Upload the roster again." in client.get(URL).get_data(
        as_text=True
    )
    assert _rostered() == 0


def test_an_expired_confirmation_is_refused(client, login_as, post_form, monkeypatch) -> None:
    _county_staff(login_as)
    page = _upload(post_form, example_zip()).get_data(as_text=True)
    monkeypatch.setattr(staging, "STAGED_MAX_AGE", -1)
    assert _confirm(client, page, _token(page)).status_code == 302
    assert "has expired (after an hour)" in client.get(URL).get_data(as_text=True)
    assert _rostered() == 0


def test_a_confirmation_belongs_to_the_user_who_checked_the_roster(
    client, login_as, post_form
) -> None:
    _county_staff(login_as)
    page = _upload(post_form, example_zip()).get_data(as_text=True)
    token = _token(page)
    _county_staff(login_as)  # a colleague replays the form
    _confirm(client, client.get(URL).get_data(as_text=True), token)
    assert "not valid" in client.get(URL).get_data(as_text=True)
    assert _rostered() == 0


def test_a_catalog_import_token_does_not_confirm_a_roster(client, login_as, post_form) -> None:
    from wbl.tokens import make_token

    user = _county_staff(login_as)
    page = client.get(URL).get_data(as_text=True)
    with client.application.test_request_context():
        token = make_token(
            "catalog-import", {"key": "imports/" + "0" * 32 + ".zip", "user": user.id}
        )
    _confirm(client, page, token)
    assert "not valid" in client.get(URL).get_data(as_text=True)


def test_a_roster_that_no_longer_imports_cleanly_is_shown_again(
    app, client, login_as, post_form
) -> None:
    _county_staff(login_as)
    before = _staged_files(app)
    page = _upload(post_form, example_zip()).get_data(as_text=True)
    token = _token(page)
    # Meanwhile an employer signs up with a student's address.
    make_employer().email = ANA
    db.session.commit()
    again = _confirm(client, page, token)
    result = again.get_data(as_text=True)
    assert again.status_code == 200
    assert "The roster needs corrections" in result
    assert "belongs to an existing employer account" in result
    assert 'name="token"' not in result
    assert _rostered() == 0
    assert _staged_files(app) == before
