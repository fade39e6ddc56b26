"""The import screens: staff only, check first, import only after a clean check is confirmed."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import csrf_from
from tests.support.builders import make_employer, make_user
from tests.support.import_files import csv_bytes, partner_row, xlsx_bytes
from wbl.access import Role
from wbl.catalog.models import Partner
from wbl.extensions import db
from wbl.imports import staging

URL = "/catalog/import/"
TOKEN_RE = re.compile(r'name="token" type="hidden" value="([^"]+)"')


def _partner(external_id: str) -> Partner | None:
    return db.session.scalar(select(Partner).where(Partner.external_id == external_id))


def _staff(login_as: Callable[..., Any]) -> None:
    login_as(make_user(roles={Role.STAFF}))


def _upload(post_form: Callable[..., Any], data: bytes, name: str, what: str = "partners") -> Any:
    return post_form(URL, {"what": what, "file": (io.BytesIO(data), name)})


def _confirm(client: FlaskClient, page: str, token: str) -> Any:
    return client.post(
        "/catalog/import/confirm", data={"token": token, "csrf_token": csrf_from(page)}
    )


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
def test_only_staff_and_admins_may_import(client, login_as, role, expected) -> None:
    if role is Role.EMPLOYER:
        login_as(make_employer())
    elif role is not None:
        login_as(make_user(roles={role}))
    for url in (URL, "/catalog/import/export?what=partners&format=csv"):
        assert client.get(url).status_code == expected


def test_the_confirmation_is_for_staff_too(app) -> None:
    assert app.view_functions["imports.confirm"].policy == (Role.STAFF,)


def test_the_upload_page_lists_the_columns_and_the_downloads(client, login_as) -> None:
    _staff(login_as)
    body = client.get(URL).get_data(as_text=True)
    assert "Import partners and offerings" in body
    assert "<code>partner_external_id</code>" in body
    assert "/catalog/import/export?what=offerings&amp;format=xlsx" in body


def test_a_clean_file_is_checked_then_imported_on_confirmation(client, login_as, post_form) -> None:
    _staff(login_as)
    data = csv_bytes([partner_row(external_id="W-1"), partner_row(external_id="W-2")])
    checked = _upload(post_form, data, "partners.csv")
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "The file is ready to import" in page
    assert "Import 2 partners" in page
    assert _partner("W-1") is None  # nothing written by the check

    token = TOKEN_RE.search(page)
    assert token is not None
    done = _confirm(client, page, token.group(1))
    assert done.status_code == 302
    assert _partner("W-1") is not None
    assert _partner("W-2") is not None
    follow = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Import finished. 2 partners checked: 2 created, 0 updated, 0 unchanged." in follow


def test_a_workbook_upload_works_the_same(client, login_as, post_form) -> None:
    _staff(login_as)
    checked = _upload(post_form, xlsx_bytes([partner_row(external_id="W-X")]), "p.xlsx")
    page = checked.get_data(as_text=True)
    token = TOKEN_RE.search(page)
    assert token is not None, page
    assert _confirm(client, page, token.group(1)).status_code == 302
    assert _partner("W-X") is not None


def test_problems_are_shown_in_a_table_and_no_import_is_offered(
    client, login_as, post_form
) -> None:
    _staff(login_as)
    data = csv_bytes([partner_row(external_id="W-1"), partner_row(sector="nope", zip="1")])
    page = _upload(post_form, data, "partners.csv").get_data(as_text=True)
    assert "The file needs corrections" in page
    assert '<th scope="col" class="ps-3">Row</th>' in page
    assert "unknown sector “nope”" in page
    assert "is not a ZIP code; write five digits" in page
    assert 'name="token"' not in page
    assert _partner("W-1") is None


def test_a_tampered_confirmation_is_refused(client, login_as, post_form) -> None:
    _staff(login_as)
    page = _upload(post_form, csv_bytes([partner_row(external_id="W-1")]), "p.csv")
    html = page.get_data(as_text=True)
    token = TOKEN_RE.search(html)
    assert token is not None
    forged = token.group(1)[:-3] + ("AAA" if not token.group(1).endswith("AAA") else "BBB")
    refused = _confirm(client, html, forged)
    assert refused.status_code == 302
    assert "This confirmation is not valid. Upload the file again." in client.get(URL).get_data(
        as_text=True
    )
    assert _partner("W-1") is None


def test_an_expired_confirmation_is_refused(client, login_as, post_form, monkeypatch) -> None:
    _staff(login_as)
    html = _upload(post_form, csv_bytes([partner_row(external_id="W-1")]), "p.csv")
    html = html.get_data(as_text=True)
    token = TOKEN_RE.search(html)
    assert token is not None
    monkeypatch.setattr(staging, "STAGED_MAX_AGE", -1)
    assert _confirm(client, html, token.group(1)).status_code == 302
    assert "has expired (after an hour)" in client.get(URL).get_data(as_text=True)
    assert _partner("W-1") is None


def test_a_confirmation_belongs_to_the_user_who_checked_the_file(
    client, login_as, post_form
) -> None:
    _staff(login_as)
    html = _upload(post_form, csv_bytes([partner_row(external_id="W-1")]), "p.csv")
    html = html.get_data(as_text=True)
    token = TOKEN_RE.search(html)
    assert token is not None
    _staff(login_as)  # a colleague replays the form
    page = client.get(URL).get_data(as_text=True)
    _confirm(client, page, token.group(1))
    assert "not valid" in client.get(URL).get_data(as_text=True)
    assert _partner("W-1") is None


def test_wrong_file_types_and_oversized_files_are_refused(client, login_as, post_form) -> None:
    _staff(login_as)
    page = _upload(post_form, b"a,b\n1,2\n", "partners.xls").get_data(as_text=True)
    assert "Only .csv and .xlsx files can be imported" in page
    # Encoded here in memory: the test client would spool a large body to a temporary file
    # it never closes (a ResourceWarning).
    boundary, body = encode_multipart(
        {
            "what": "partners",
            "csrf_token": csrf_from(page),
            "file": FileStorage(io.BytesIO(b"x" * (5 * 1024 * 1024 + 1)), "partners.csv"),
        }
    )
    response = client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert "larger than 5 MB" in response.get_data(as_text=True)


def test_a_file_that_is_not_utf8_gets_advice_not_an_error_page(client, login_as, post_form) -> None:
    _staff(login_as)
    data = csv_bytes([partner_row(name="Café")], encoding="cp1252")
    response = _upload(post_form, data, "partners.csv")
    assert response.status_code == 200
    assert "CSV UTF-8" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fmt", "mimetype", "start"),
    [
        ("csv", "text/csv", b"\xef\xbb\xbfexternal_id,partner_external_id,type"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
    ],
)
def test_staff_download_the_catalog_in_the_import_format(
    client, login_as, fmt, mimetype, start
) -> None:
    _staff(login_as)
    response = client.get(f"/catalog/import/export?what=offerings&format={fmt}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert f"filename=offerings.{fmt}" in response.headers["Content-Disposition"]
    assert response.data.startswith(start)


def test_unknown_downloads_are_not_found(client, login_as) -> None:
    _staff(login_as)
    assert client.get("/catalog/import/export?what=students&format=csv").status_code == 404
    assert client.get("/catalog/import/export?what=partners&format=pdf").status_code == 404
