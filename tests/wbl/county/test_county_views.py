"""Administration ▸ County settings: administrators only; every bad input is shown next to
its field with what was typed, and nothing is saved; the logo is served and shown."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import csrf_from
from tests.support.builders import make_district, make_user
from tests.support.county_data import name_county
from tests.support.logo_files import SVG_WITH_SCRIPT, png_bytes
from wbl.access import Role
from wbl.county import rules
from wbl.county.models import CountySettings
from wbl.county.settings import county
from wbl.extensions import db

URL = "/admin/county"


def _form(**overrides: object) -> dict[str, object]:
    return {
        "name": "Yolo County Office of Education",
        "timezone": "America/Los_Angeles",
        "base_url": "https://wbl.ycoe.example.org",
        **overrides,
    }


def _post(client, data: dict[str, object]):
    """As the browser sends the form. Encoded here in memory: the test client would spool a
    large body to a temporary file it never closes (a ResourceWarning)."""
    token = csrf_from(client.get(URL).get_data(as_text=True))
    fields = {
        key: FileStorage(value[0], value[1]) if isinstance(value, tuple) else value
        for key, value in {**data, "csrf_token": token}.items()
    }
    boundary, body = encode_multipart(fields)
    return client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _rows() -> int:
    return db.session.scalar(select(func.count()).select_from(CountySettings)) or 0


@pytest.mark.parametrize(
    ("roles", "status"),
    [({Role.ADMIN}, 200), ({Role.STAFF}, 403), ({Role.TEACHER}, 403), ({Role.STUDENT}, 403)],
)
def test_only_administrators_open_the_settings(client, login_as, roles, status) -> None:
    login_as(make_user(roles=roles))
    assert client.get(URL).status_code == status
    assert client.get("/admin/setup").status_code == status


def test_anonymous_is_sent_to_sign_in(client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_county_staff_cannot_post_them_either(client, login_as) -> None:
    login_as(make_user(roles={Role.ADMIN}))
    token = csrf_from(client.get(URL).get_data(as_text=True))
    login_as(make_user(roles={Role.STAFF}))
    response = client.post(URL, data={**_form(), "csrf_token": token})
    assert response.status_code == 403
    assert _rows() == 0


def test_the_first_form_proposes_the_address_in_use(client, login_as) -> None:
    login_as(make_user(roles={Role.ADMIN}))
    page = client.get(URL).get_data(as_text=True)
    assert 'value="http://localhost"' in page  # the test client's address, not the default
    assert "from the server's configuration" in page
    assert '<option selected value="America/Los_Angeles">' in page


def test_an_administrator_saves_the_settings(client, login_as) -> None:
    make_district()
    login_as(make_user(roles={Role.ADMIN}))
    response = _post(client, _form(logo=(io.BytesIO(png_bytes()), "seal.png")))
    assert response.status_code == 302
    assert response.headers["Location"] == URL
    page = client.get(URL).get_data(as_text=True)
    assert "The county&#39;s settings are saved." in page
    settings = county()
    assert (settings.name, settings.base_url) == (
        "Yolo County Office of Education",
        "https://wbl.ycoe.example.org",
    )
    assert settings.logo_content_type == "image/png"
    # The header shows the logo, named for screen readers; the footer the name.
    assert (
        f'<img src="/county/logo?v={settings.version}" alt="Yolo County Office of Education">'
        in page
    )
    assert "WBL · Yolo County Office of Education ·" in page


def test_while_no_district_exists_saving_leads_back_to_the_checklist(client, login_as) -> None:
    login_as(make_user(roles={Role.ADMIN}))
    response = _post(client, _form())
    assert response.headers["Location"] == "/admin/setup"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", rules.NAME_NEEDED),
        ({"name": "x" * 161}, "name", rules.NAME_TOO_LONG),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", rules.ZONE_UNKNOWN),
        ({"timezone": ""}, "timezone", rules.ZONE_UNKNOWN),
        ({"base_url": "wbl.ycoe.example.org"}, "base_url", rules.URL_NOT_ABSOLUTE),
        ({"base_url": "javascript:alert(1)"}, "base_url", rules.URL_NOT_ABSOLUTE),
        ({"base_url": "https://a:b@wbl.example.org"}, "base_url", rules.URL_EXTRAS),
        ({"base_url": ""}, "base_url", rules.URL_NEEDED),
    ],
)
def test_bad_input_is_shown_at_its_field_and_nothing_is_saved(
    client, login_as, overrides, field, message
) -> None:
    login_as(make_user(roles={Role.ADMIN}))
    response = _post(client, _form(**overrides))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<div id="{field}-error" class="invalid-feedback d-block">' in page
    assert message.replace("'", "&#39;") in page
    assert 'value="Yolo County Office of Education"' in page or field == "name"  # kept
    assert _rows() == 0


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        ((io.BytesIO(b"MZ\x90\x00 not an image"), "seal.png"), "not a PNG, JPEG or SVG image"),
        ((io.BytesIO(b"\x89PNG\r\n\x1a\nbroken"), "seal.png"), "The PNG file is damaged"),
        ((io.BytesIO(b"x" * (1024 * 1024 + 10)), "big.png"), "the limit is 1 MB"),
    ],
)
def test_a_bad_logo_is_refused_at_its_field_and_nothing_is_saved(
    client, login_as, upload, message
) -> None:
    login_as(make_user(roles={Role.ADMIN}))
    response = _post(client, _form(logo=upload))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<div id="logo-error" class="invalid-feedback d-block">' in page
    assert message in page
    assert _rows() == 0


def test_the_logo_is_served_to_anyone_and_an_svg_runs_nothing(client) -> None:
    assert client.get("/county/logo").status_code == 404
    name_county(logo=SVG_WITH_SCRIPT)
    response = client.get(f"/county/logo?v={county().version}")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert b"<script" not in response.data
    assert response.headers["Cache-Control"] == "public, max-age=86400"


def test_removing_the_logo(client, login_as) -> None:
    name_county(logo=png_bytes())
    login_as(make_user(roles={Role.ADMIN}))
    assert "Remove the current logo" in client.get(URL).get_data(as_text=True)
    _post(client, _form(remove_logo="y"))
    assert not county().has_logo
    assert client.get("/county/logo").status_code == 404
