"""The county settings' rules, pure: the settings form and the service ask the same
functions, with the same messages."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from wbl.county.models import BASE_URL_LENGTH, NAME_LENGTH

NAME_NEEDED = "Enter the county office's name as people know it."
NAME_TOO_LONG = f"Keep the name to {NAME_LENGTH} characters."
ZONE_UNKNOWN = "Choose a time zone from the list (an IANA name such as America/Los_Angeles)."
URL_NEEDED = "Enter the address people use to reach WBL, such as https://wbl.example.org."
URL_NOT_ABSOLUTE = (
    "Enter a full address starting with https:// (or http://) and naming the server, "
    "such as https://wbl.example.org."
)
URL_EXTRAS = "Leave out any user name, password, ?query or #fragment: just the address."
URL_TOO_LONG = f"Keep the address to {BASE_URL_LENGTH} characters."

# The zones a US county office is most likely in, offered first (west to east, then the rest).
US_ZONES: tuple[tuple[str, str], ...] = (
    ("America/Los_Angeles", "Pacific (Los Angeles)"),
    ("America/Phoenix", "Arizona (Phoenix, no daylight saving)"),
    ("America/Denver", "Mountain (Denver)"),
    ("America/Chicago", "Central (Chicago)"),
    ("America/New_York", "Eastern (New York)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
)


@cache
def known_zones() -> frozenset[str]:
    """Every IANA time zone name Python's zoneinfo can load here (the tzdata package)."""
    return frozenset(available_timezones())


def zone_choices() -> list[tuple[str, str]]:
    """The US zones first, then every other region/city zone by name."""
    first = [(value, label) for value, label in US_ZONES if value in known_zones()]
    listed = {value for value, _ in first}
    rest = sorted(
        zone
        for zone in known_zones()
        if "/" in zone and zone not in listed and not zone.startswith(("Etc/", "SystemV/"))
    )
    return first + [(zone, zone.replace("_", " ")) for zone in rest]


def clean_base_url(text: str) -> str:
    """As stored: trimmed, without a trailing slash (links are built as base + path)."""
    return text.strip().rstrip("/")


def name_problem(name: str) -> str | None:
    text = name.strip()
    if not text:
        return NAME_NEEDED
    if len(text) > NAME_LENGTH:
        return NAME_TOO_LONG
    return None


def timezone_problem(zone: str) -> str | None:
    return None if zone in known_zones() else ZONE_UNKNOWN


def base_url_problem(text: str) -> str | None:
    """An absolute http(s) URL naming a host (a name or an address, with a port if need be),
    perhaps with a path (WBL served under a prefix), and nothing else."""
    url = clean_base_url(text)
    if not url:
        return URL_NEEDED
    if len(url) > BASE_URL_LENGTH:
        return URL_TOO_LONG
    if any(c.isspace() or ord(c) < 32 for c in url):
        return URL_NOT_ABSOLUTE
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return URL_NOT_ABSOLUTE
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return URL_NOT_ABSOLUTE
    if parts.username is not None or parts.query or parts.fragment or "#" in url or "?" in url:
        return URL_EXTRAS
    return None


def settings_problems(*, name: str, timezone: str, base_url: str) -> dict[str, str]:
    """Each field's problem (empty: the settings can be saved)."""
    found = {
        "name": name_problem(name),
        "timezone": timezone_problem(timezone),
        "base_url": base_url_problem(base_url),
    }
    return {field: problem for field, problem in found.items() if problem}
