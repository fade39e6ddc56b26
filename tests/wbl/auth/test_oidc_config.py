"""The single sign-on providers file (WBL_SSO_PROVIDERS_FILE): what it may say, and that a
mistake stops the app from starting with the entry and the problem named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from config import ConfigError
from tests.conftest import make_test_config
from wbl import create_app
from wbl.access import Role
from wbl.auth import oidc
from wbl.extensions import db

GOOD = """
[[provider]]
name = "google"
label = "Google"
issuer = "https://accounts.google.com"
client_id = "1234.apps.googleusercontent.com"
client_secret_env = "TEST_GOOGLE_SECRET"
domains = ["students.srcs.example.org", "@SRCS.example.org"]
roles = ["student", "teacher"]

[[provider]]
name = "entra-petaluma"
label = "Petaluma City Schools"
issuer = "https://login.microsoftonline.com/8d1a0000-0000-0000-0000-000000000000/v2.0"
client_id = "a-client"
client_secret = "a-secret"
domains = ["petk12.example.org"]
roles = ["student"]
email_verified_claim = "xms_edov"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sso.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_providers_file_is_read(tmp_path) -> None:
    google, entra = oidc.read_providers(
        _write(tmp_path, GOOD), {"TEST_GOOGLE_SECRET": "from-the-environment"}
    )
    assert google.name == "google"
    assert google.client_secret == "from-the-environment"
    assert "from-the-environment" not in repr(google)  # never in a log line
    assert google.domains == {"students.srcs.example.org", "srcs.example.org"}
    assert google.roles == {Role.STUDENT, Role.TEACHER}
    assert google.verified_claim == "email_verified"
    assert google.discovery_url == "https://accounts.google.com/.well-known/openid-configuration"
    assert entra.verified_claim == "xms_edov"
    assert entra.discovery_url.endswith("/v2.0/.well-known/openid-configuration")


def test_the_app_reads_the_file_named_in_its_configuration(
    app: Flask, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("TEST_GOOGLE_SECRET", "from-the-environment")
    path = _write(tmp_path, GOOD)

    class Config(make_test_config(app.config["SQLALCHEMY_DATABASE_URI"])):  # type: ignore[misc]
        SSO_PROVIDERS_FILE = str(path)

    configured = create_app(Config)
    try:
        with configured.app_context():
            assert [p.name for p in oidc.providers()] == ["google", "entra-petaluma"]
        page = configured.test_client().get("/login").get_data(as_text=True)
        assert "Sign in with Google" in page
        assert "Sign in with Petaluma City Schools" in page
    finally:
        with configured.app_context():
            db.engine.dispose()


def _entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": "district",
        "label": "District",
        "issuer": "https://id.district.example.org",
        "client_id": "wbl",
        "client_secret": "secret",
        "domains": ["district.example.org"],
        "roles": ["student"],
    }
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (_entry(issuer=None), "issuer is required"),
        (_entry(issuer="http://id.district.example.org"), "an https:// URL"),
        (_entry(issuer="https://id.example.org/?tenant=1"), "without a query"),
        (_entry(issuer="not a url"), "an https:// URL"),
        (_entry(client_id=""), "client_id is required"),
        (_entry(client_secret=None), "client_secret is required"),
        (_entry(client_secret_env="NOT_SET_ANYWHERE"), "NOT_SET_ANYWHERE is not set"),
        (_entry(name="Google Workspace"), "lower-case letters, digits and -"),
        (_entry(domains=[]), "domains is required"),
        (_entry(domains="district.example.org"), "domains is required"),
        (_entry(domains=["district"]), "not a domain: district"),
        (_entry(domains=["*.example.org"]), "not a domain"),
        (_entry(roles=None), "roles is required"),
        (_entry(roles=["students"]), "roles: each one of admin, staff, teacher"),
        (_entry(scopes=["openid"]), "unknown keys scopes"),
        ("not a table", "not a table"),
    ],
)
def test_a_mistake_in_the_file_stops_the_app_and_says_where(entry, problem) -> None:
    with pytest.raises(ConfigError, match=problem) as raised:
        oidc.parse_providers([_entry(name="first"), entry], {}, source="sso.toml")
    assert "sso.toml, provider 2" in str(raised.value)


def test_two_providers_of_one_name_are_refused() -> None:
    with pytest.raises(ConfigError, match="'district' is used twice"):
        oidc.parse_providers([_entry(), _entry()], {})


def test_http_is_allowed_on_this_machine_only() -> None:
    (local,) = oidc.parse_providers([_entry(issuer="http://127.0.0.1:8080/realms/wbl")], {})
    assert local.issuer == "http://127.0.0.1:8080/realms/wbl"


def test_a_missing_or_broken_file_says_so(tmp_path) -> None:
    with pytest.raises(ConfigError, match="No such file"):
        oidc.read_providers(tmp_path / "missing.toml", {})
    with pytest.raises(ConfigError, match="WBL_SSO_PROVIDERS_FILE"):
        oidc.read_providers(_write(tmp_path, "[[provider]\nname="), {})
    with pytest.raises(ConfigError, match=r"\[\[provider\]\] tables"):
        oidc.read_providers(_write(tmp_path, 'provider = "google"'), {})


def test_an_address_is_at_a_domain_exactly() -> None:
    (provider,) = oidc.parse_providers([_entry(domains=["District.Example.org"])], {})
    assert provider.allows_address("ana@district.example.org")
    assert not provider.allows_address("ana@sub.district.example.org")
    assert not provider.allows_address("ana@district.example.org.evil.example")
    assert not provider.allows_address("district.example.org")
