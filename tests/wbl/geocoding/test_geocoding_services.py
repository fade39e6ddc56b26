"""Locations: offline ZIP centres always; street addresses when a geocoder answers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from geopy.distance import great_circle
from sqlalchemy import func, select

from wbl.extensions import db
from wbl.geocoding.models import GeocodeCache
from wbl.geocoding.services import Precision, UnknownZip, locate, zip_centroid, zip_info


def test_zip_centre_comes_from_the_packaged_table() -> None:
    santa_rosa = zip_centroid("95401")
    assert santa_rosa.precision is Precision.ZIP
    assert great_circle((santa_rosa.latitude, santa_rosa.longitude), (38.44, -122.75)).miles < 2
    assert zip_centroid(" 95401-1234 ") == santa_rosa
    info = zip_info("95476")
    assert info is not None
    assert (info.city, info.county) == ("Sonoma", "Sonoma County")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter a five-digit ZIP code."),
        ("9540", "Enter a five-digit ZIP code."),
        ("abcde", "Enter a five-digit ZIP code."),
        ("00000", "not a ZIP code we know"),
    ],
)
def test_bad_zip_codes_are_explained_on_the_zip_field(value, message) -> None:
    with pytest.raises(UnknownZip) as raised:
        zip_centroid(value)
    assert message in raised.value.message
    assert raised.value.field == "zip"


def test_without_a_geocoder_an_address_is_placed_at_its_zip_centre(app) -> None:
    located = locate(zip_code="95401", street="100 Main St", city="Santa Rosa")
    assert located == zip_centroid("95401")


class FakeNominatim(BaseHTTPRequestHandler):
    """A real HTTP server on loopback speaking Nominatim's /search JSON."""

    answers: dict[str, list[dict[str, str]]] = {}  # noqa: RUF012 - set per test
    queries: list[str] = []  # noqa: RUF012

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)["q"][0]
        type(self).queries.append(query)
        body = json.dumps(type(self).answers.get(query, [])).encode()
        if query == "boom":
            self.send_response(503)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def nominatim(app) -> Iterator[type[FakeNominatim]]:
    FakeNominatim.answers, FakeNominatim.queries = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    saved = {
        k: app.config.get(k)
        for k in ("GEOCODER", "GEOCODER_DOMAIN", "GEOCODER_SCHEME", "GEOCODER_MIN_DELAY")
    }
    app.config.update(
        GEOCODER="nominatim",
        GEOCODER_DOMAIN=f"127.0.0.1:{server.server_port}",
        GEOCODER_SCHEME="http",
        GEOCODER_MIN_DELAY=0,
    )
    app.extensions.pop("wbl.geocoder", None)
    try:
        yield FakeNominatim
    finally:
        app.config.update(saved)
        app.extensions.pop("wbl.geocoder", None)
        server.shutdown()
        server.server_close()


ADDRESS = "2150 mendocino ave, santa rosa, ca 95403"


def test_street_address_is_geocoded_once_then_cached(nominatim) -> None:
    nominatim.answers[ADDRESS] = [{"lat": "38.4561", "lon": "-122.7266", "display_name": "x"}]
    first = locate(zip_code="95403", street="2150  Mendocino Ave", city="Santa Rosa")
    assert (first.latitude, first.longitude, first.precision) == (
        38.4561,
        -122.7266,
        Precision.ADDRESS,
    )
    again = locate(zip_code="95403", street="2150 Mendocino Ave", city="Santa Rosa")
    assert again == first
    assert nominatim.queries == [ADDRESS]  # the second answer came from the cache
    assert db.session.scalar(select(func.count(GeocodeCache.id))) == 1


def test_no_answer_or_a_failing_geocoder_falls_back_to_the_zip(nominatim) -> None:
    unknown = locate(zip_code="95403", street="1 Nowhere Lane", city="Santa Rosa")
    assert unknown == zip_centroid("95403")
    assert db.session.scalar(select(func.count(GeocodeCache.id))) == 0


def test_an_unreachable_geocoder_falls_back_to_the_zip(app, nominatim) -> None:
    app.config["GEOCODER_DOMAIN"] = "127.0.0.1:9"  # nothing listens on the discard port
    app.extensions.pop("wbl.geocoder", None)
    located = locate(zip_code="95403", street="2150 Mendocino Ave", city="Santa Rosa")
    assert located == zip_centroid("95403")


def test_a_bad_zip_is_refused_even_with_a_geocoder(nominatim) -> None:
    with pytest.raises(UnknownZip):
        locate(zip_code="1234", street="2150 Mendocino Ave", city="Santa Rosa")
    assert nominatim.queries == []
