"""Test data for the API: tokens made through the service, and requests that carry them."""

from __future__ import annotations

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from wbl.api import services
from wbl.auth.models import User

ALL_READ = ["catalog:read", "placements:read", "hours:read"]


def personal_token(user: User, scopes: list[str] | None = None, *, days: int = 30) -> str:
    allowed = [s.name for s in services.scopes_for(user)]
    wanted = scopes if scopes is not None else allowed
    return services.create_personal_token(user, name="test", scopes=wanted, days=days).secret


def service_token(staff: User, scopes: list[str] | None = None) -> str:
    return services.create_service_token(
        staff, name="SIS sync", scopes=scopes or ALL_READ, days=30
    ).secret


def api_get(client: FlaskClient, url: str, token: str | None, **headers: str) -> TestResponse:
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.get(url, headers=headers)
