"""The county settings' rules: a real IANA time zone, an absolute http(s) base URL, a name."""

from __future__ import annotations

import pytest

from wbl.county import rules


@pytest.mark.parametrize(
    "url",
    [
        "https://wbl.ycoe.org",
        "https://wbl.ycoe.org/",
        "http://127.0.0.1:5000",
        "https://schools.example.org/wbl",
        "  https://wbl.example.org  ",
        "HTTPS://WBL.EXAMPLE.ORG",
    ],
)
def test_absolute_http_addresses_are_base_urls(url: str) -> None:
    assert rules.base_url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", rules.URL_NEEDED),
        ("   ", rules.URL_NEEDED),
        ("wbl.ycoe.org", rules.URL_NOT_ABSOLUTE),
        ("/wbl", rules.URL_NOT_ABSOLUTE),
        ("ftp://wbl.ycoe.org", rules.URL_NOT_ABSOLUTE),
        ("javascript:alert(1)", rules.URL_NOT_ABSOLUTE),
        ("https://", rules.URL_NOT_ABSOLUTE),
        ("https://wbl.ycoe.org:port", rules.URL_NOT_ABSOLUTE),
        ("https://wbl ycoe.org", rules.URL_NOT_ABSOLUTE),
        ("https://wbl.ycoe.org\r\nX: y", rules.URL_NOT_ABSOLUTE),
        ("https://admin:secret@wbl.ycoe.org", rules.URL_EXTRAS),
        ("https://wbl.ycoe.org/?next=1", rules.URL_EXTRAS),
        ("https://wbl.ycoe.org/#top", rules.URL_EXTRAS),
        ("https://" + "a" * 300 + ".org", rules.URL_TOO_LONG),
    ],
)
def test_anything_else_is_refused_with_a_reason(url: str, problem: str) -> None:
    assert rules.base_url_problem(url) == problem


def test_a_base_url_is_kept_without_its_trailing_slash() -> None:
    assert rules.clean_base_url(" https://wbl.ycoe.org/ ") == "https://wbl.ycoe.org"


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "America/Phoenix", "Europe/Berlin", "UTC"])
def test_iana_zones_are_time_zones(zone: str) -> None:
    assert rules.timezone_problem(zone) is None


@pytest.mark.parametrize(
    "zone", ["", "Pacific", "PST", "America/Sonoma", "Mars/Olympus_Mons", "../etc/passwd", "\x00"]
)
def test_other_names_are_not(zone: str) -> None:
    assert rules.timezone_problem(zone) == rules.ZONE_UNKNOWN


def test_the_choices_offer_us_zones_first_and_only_real_zones() -> None:
    choices = rules.zone_choices()
    assert choices[0] == ("America/Los_Angeles", "Pacific (Los Angeles)")
    assert [value for value, _ in choices[:5]] == [
        "America/Los_Angeles",
        "America/Phoenix",
        "America/Denver",
        "America/Chicago",
        "America/New_York",
    ]
    values = [value for value, _ in choices]
    assert len(values) == len(set(values)) > 300
    assert all(rules.timezone_problem(value) is None for value in values)
    assert ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos Aires") in choices


@pytest.mark.parametrize(
    ("name", "problem"),
    [("", rules.NAME_NEEDED), ("   ", rules.NAME_NEEDED), ("x" * 161, rules.NAME_TOO_LONG)],
)
def test_a_name_is_needed_and_not_too_long(name: str, problem: str) -> None:
    assert rules.name_problem(name) == problem
    assert rules.name_problem("Yolo County Office of Education") is None


def test_every_problem_is_reported_by_field() -> None:
    assert rules.settings_problems(name="", timezone="Nowhere", base_url="wbl") == {
        "name": rules.NAME_NEEDED,
        "timezone": rules.ZONE_UNKNOWN,
        "base_url": rules.URL_NOT_ABSOLUTE,
    }
    assert (
        rules.settings_problems(
            name="Yolo County Office of Education",
            timezone="America/Los_Angeles",
            base_url="https://wbl.ycoe.org",
        )
        == {}
    )
