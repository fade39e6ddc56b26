"""The county's settings in tests: a county of its own name, or one not set up yet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from tests.support.builders import make_user
from wbl.access import Role
from wbl.county import services
from wbl.county.settings import County

YOLO = "Yolo County Office of Education"


def name_county(
    name: str = YOLO,
    *,
    timezone: str = "America/Los_Angeles",
    base_url: str = "https://wbl.ycoe.example.org",
    logo: bytes | None = None,
) -> County:
    """The county's settings as its administrator saves them (the service commits inside the
    test's transaction)."""
    admin = make_user(roles={Role.ADMIN})
    return services.save_settings(
        admin, services.SettingsInput(name=name, timezone=timezone, base_url=base_url), logo=logo
    )


@contextmanager
def unnamed_county(app: Flask) -> Iterator[None]:
    """A county with no settings saved and no name configured: a first run."""
    saved = app.config["COUNTY_NAME"]
    app.config["COUNTY_NAME"] = ""
    try:
        yield
    finally:
        app.config["COUNTY_NAME"] = saved
