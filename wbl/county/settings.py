"""``county()``: the county's name, time zone, base URL and logo, as every page and e-mail
reads them.

They are read on every page (the header, the footer, the calendar day), so they are cached
per process: a read costs a dictionary look-up, and the database is asked again after
``COUNTY_CACHE_SECONDS`` (10 by default). The worker that saves the settings forgets its copy
at once (``forget``); every other web worker and the scheduler see the change within that
many seconds. Without a saved row the server's configuration stands in (``COUNTY_NAME``,
``TIMEZONE``, ``BASE_URL``, from ``WBL_COUNTY_NAME``, ``WBL_TIMEZONE``, ``WBL_BASE_URL``): a
deployment that set them keeps working, and a new one with none set has no name, which
sends its administrator to the set-up page.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from wbl.county.models import SETTINGS_ID, CountySettings
from wbl.extensions import current_flask_app, db

log = logging.getLogger(__name__)

_KEY = "wbl.county"
RASTER_TYPES = frozenset({"image/png", "image/jpeg"})


@dataclass(frozen=True, slots=True)
class County:
    name: str
    timezone: str
    base_url: str
    logo_key: str | None = None
    logo_content_type: str = ""
    version: int = 0
    saved: bool = False  # an administrator saved settings (else the configuration stands in)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def named(self) -> bool:
        return bool(self.name.strip())

    @property
    def display_name(self) -> str:
        """The name in a sentence; a neutral phrase before the county is named."""
        return self.name if self.named else gettext("your county office of education")

    @property
    def has_logo(self) -> bool:
        return bool(self.logo_key)

    @property
    def raster_logo(self) -> bool:
        """A PNG or JPEG logo (what a PDF can show; an SVG logo is left out of PDFs)."""
        return self.has_logo and self.logo_content_type in RASTER_TYPES

    def logo_url(self, *, external: bool = False) -> str | None:
        """The logo's address; its version in the query, so a new logo is fetched at once.
        ``external``: on the county's base URL (e-mails, badges), not the request's host."""
        if not self.has_logo:
            return None
        return (
            self.url("county.logo", v=self.version)
            if external
            else url_for("county.logo", v=self.version)
        )

    def url(self, endpoint: str, **values: Any) -> str:
        """The page's address on the county's base URL, however a request reached the app
        (a credential's identifiers, a QR code: the same wherever and whenever made)."""
        parts = urlsplit(self.base_url)
        adapter = current_flask_app().url_map.bind(
            parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
        )
        return adapter.build(endpoint, values, force_external=True)


@dataclass(frozen=True, slots=True)
class _Cached:
    county: County
    defaults: tuple[str, str, str]
    expires: float


def _defaults() -> tuple[str, str, str]:
    config = current_app.config
    return (str(config["COUNTY_NAME"]), str(config["TIMEZONE"]), str(config["BASE_URL"]))


def county() -> County:
    """The county's settings (cached; see the module's docstring). Needs an app context."""
    app = current_flask_app()
    defaults = _defaults()
    now = time.monotonic()
    cached: _Cached | None = app.extensions.get(_KEY)
    if cached is not None and cached.expires > now and cached.defaults == defaults:
        return cached.county
    found = _read(defaults)
    app.extensions[_KEY] = _Cached(found, defaults, now + float(app.config["COUNTY_CACHE_SECONDS"]))
    return found


def forget() -> None:
    """Drop this process's copy: the next ``county()`` reads the database."""
    current_app.extensions.pop(_KEY, None)


_QUERY = select(
    CountySettings.name,
    CountySettings.timezone,
    CountySettings.base_url,
    CountySettings.logo_key,
    CountySettings.logo_content_type,
    CountySettings.version,
).where(CountySettings.id == SETTINGS_ID)


def _read(defaults: tuple[str, str, str]) -> County:
    """On the session's connection, without flushing it (a use case may call this, through
    the calendar day, with its own changes pending) and inside a SAVEPOINT: a database that
    cannot answer (not upgraded yet, or the failed transaction an error page is rendered
    after) gets the configuration's values and keeps its transaction usable."""
    try:
        connection = db.session.connection()
        with connection.begin_nested():
            row = connection.execute(_QUERY).first()
    except SQLAlchemyError as error:
        log.warning("county settings unreadable, the configuration stands in: %s", error)
        row = None
    if row is None:
        name, timezone, base_url = defaults
        return County(name=name, timezone=timezone, base_url=base_url)
    return County(
        name=row.name,
        timezone=row.timezone,
        base_url=row.base_url,
        logo_key=row.logo_key,
        logo_content_type=row.logo_content_type,
        version=row.version,
        saved=True,
    )
