"""Production refuses unsafe settings and never shows a stack trace."""

from __future__ import annotations

import pytest

import config
from wbl import create_app

GOOD_SECRET = "x" * 40


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", GOOD_SECRET)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    return monkeypatch


@pytest.mark.parametrize("secret", [None, "", "short", config._DEV_SECRET])
def test_production_refuses_a_weak_or_missing_secret(production_env, secret) -> None:
    if secret is None:
        production_env.delenv("SECRET_KEY")
    else:
        production_env.setenv("SECRET_KEY", secret)
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        create_app(config.ProductionConfig)


def test_production_refuses_to_run_without_a_database_url(production_env) -> None:
    production_env.delenv("DATABASE_URL")
    with pytest.raises(config.ConfigError, match="DATABASE_URL"):
        create_app(config.ProductionConfig)


def test_production_sets_secure_cookies_and_hides_errors(production_env) -> None:
    app = create_app(config.ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert not app.debug

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    boom.policy = ("public",)  # type: ignore[attr-defined]
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "secret internals" not in body
    assert "Traceback" not in body


def test_unknown_config_name_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setenv("WBL_CONFIG", "staging")
    with pytest.raises(config.ConfigError, match="development, testing, production"):
        config.config_from_env()


def test_pages_carry_security_headers(client) -> None:
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
