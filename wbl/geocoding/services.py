"""Where a place is: offline from a packaged ZIP table, optionally refined by street address.

The app must work with no network, so every location starts from its ZIP code's centre (the
``zipcodes`` package ships the table). A deployment may set ``GEOCODER=nominatim`` (and
``GEOCODER_DOMAIN`` for its own Nominatim server) to place street addresses precisely; those
look-ups are cached in the database and rate limited, and any failure falls back to the ZIP
centre, so a network outage never blocks saving a partner.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import select

from wbl.errors import N_, DomainError
from wbl.extensions import db
from wbl.geocoding.models import GeocodeCache

log = logging.getLogger(__name__)

_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")


class Precision(enum.StrEnum):
    ADDRESS = "address"
    ZIP = "zip"


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float
    precision: Precision


class UnknownZip(DomainError):
    message = N_("That is not a ZIP code we know. Check the five digits.")


@cache
def _zip_row(zip5: str) -> dict[str, Any] | None:
    import zipcodes  # loads the whole table: only when first needed

    lookup: Callable[[str], list[dict[str, Any]]] = zipcodes.matching  # an untyped package
    matches = lookup(zip5)
    return matches[0] if matches else None


def zip_centroid(zip_code: str) -> Location:
    """The centre of a US ZIP code, offline. Raises ``UnknownZip`` (on the ``zip`` field)."""
    text = (zip_code or "").strip()
    if not _ZIP.match(text):
        raise UnknownZip("Enter a five-digit ZIP code.", field="zip")
    row = _zip_row(text[:5])
    if row is None:
        raise UnknownZip(field="zip")
    return Location(float(row["lat"]), float(row["long"]), Precision.ZIP)


def knows_zip(zip_code: str) -> bool:
    """Whether the packaged table has the ZIP code (its first five digits): one we can place
    with ``zip_centroid``. The shape (five digits, or ZIP+4) is the caller's to check."""
    return _zip_row((zip_code or "").strip()[:5]) is not None


@dataclass(frozen=True, slots=True)
class ZipInfo:
    city: str
    county: str
    latitude: float
    longitude: float


def zip_info(zip_code: str) -> ZipInfo | None:
    """What the packaged table knows of a ZIP (city and county for forms), or None."""
    row = _zip_row((zip_code or "").strip()[:5])
    if row is None:
        return None
    return ZipInfo(str(row["city"]), str(row["county"]), float(row["lat"]), float(row["long"]))


def _normalise(street: str, city: str, zip_code: str) -> str:
    return re.sub(r"\s+", " ", f"{street}, {city}, CA {zip_code}".strip().lower())


def locate(*, zip_code: str, street: str = "", city: str = "") -> Location:
    """Best known location: the street address when a geocoder is configured and answers,
    otherwise the ZIP centre. The ZIP must be valid either way."""
    centre = zip_centroid(zip_code)
    if not street.strip() or current_app.config.get("GEOCODER") != "nominatim":
        return centre
    query = _normalise(street, city, zip_code)
    cached = db.session.scalar(select(GeocodeCache).where(GeocodeCache.query == query))
    if cached is not None:
        return Location(cached.latitude, cached.longitude, Precision.ADDRESS)
    found = _ask_nominatim(query)
    if found is None:
        return centre
    db.session.add(GeocodeCache(query=query, latitude=found[0], longitude=found[1]))
    db.session.flush()
    return Location(found[0], found[1], Precision.ADDRESS)


def _geocode_function() -> Callable[..., Any]:
    """Nominatim behind geopy's RateLimiter (one request a second, per web worker; errors
    are logged and answered with None), built once per app."""
    function = current_app.extensions.get("wbl.geocoder")
    if function is None:
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim

        config = current_app.config
        geocoder = Nominatim(
            user_agent=config["GEOCODER_USER_AGENT"],
            domain=config["GEOCODER_DOMAIN"],
            scheme=config["GEOCODER_SCHEME"],
            timeout=config["GEOCODER_TIMEOUT"],
        )
        function = RateLimiter(
            geocoder.geocode,
            min_delay_seconds=config["GEOCODER_MIN_DELAY"],
            max_retries=0,
            swallow_exceptions=True,
            return_value_on_exception=None,
        )
        current_app.extensions["wbl.geocoder"] = function
    return function


def _ask_nominatim(query: str) -> tuple[float, float] | None:
    result = _geocode_function()(query, exactly_one=True, country_codes="us")
    if result is None:
        log.info("geocoder had no answer; using the ZIP centre")
        return None
    return float(result.latitude), float(result.longitude)
