"""The rules an offering's and a partner's fields must meet, in one place: pure, no database.

Every path that writes an offering or a partner checks them here: the staff and employer
forms (``manage_forms.py``, so a form shows every problem at once), the services before
they save (``manage_partners.py``, ``manage_offerings.py``, ``proposal_review.py``: an
employer's proposal, a proposed change, staff's approval with their edits, so no caller can
skip them; ``refuse`` raises the first problem), and the CSV/XLSX import (``imports.py``,
which reports each problem as ``row N: column: message``). The message is the same on every path.
The demo county is checked against them in its tests.

What is *not* here, because it needs the database: a partner's name must be unique (its
message is, ``NAME_TAKEN``; the service and the import check it against the catalog), a ZIP
must be one we can place, chosen pathways and outcomes must exist, capacity never drops
below the seats already taken (a conditional UPDATE), and publishing an individual placement
needs the partner's worksite agreement and insurance (``Partner.compliance_problems``).

Where the bounds come from:

- **Seats**: 1 to 500. An offering with no seats cannot be applied to (close it instead);
  500 covers a guest speaker for a whole school's assembly.
- **Minimum age**: 13 to 21, or blank for no minimum. High-school work-based learning
  serves ages 13 (a young ninth grader) to 21 (students with an IEP may stay to 22), so a
  higher or lower minimum is a typing mistake; 0 is not "no minimum" but a mistake too.
- **Expected hours**: 1 to 2,000 in total: a guest speaker is an hour; 2,000 is a full-time
  year, well above the 40–250 hours of a typical internship (DOMAIN.md).
- **Lowest grade**: 9 to 12 (high school).
- **Dates**: an end needs a start and is not before it; applications close on or before the
  last day (the end, or the start of a one-day event without an end), as the placement
  services and the recommendations stop taking applications once it is over.
- **Websites**: a full http(s) address with a real host name (``https://www.svh.com``);
  the catalog links to it, so ``javascript:``, a bare word or a local name is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

import idna

from wbl.errors import DomainError

MIN_CAPACITY, MAX_CAPACITY = 1, 500
MIN_AGE, MAX_AGE = 13, 21
MIN_EXPECTED_HOURS, MAX_EXPECTED_HOURS = 1, 2000
MIN_GRADE, MAX_GRADE = 9, 12

# Longest text per field (the columns are this long, or Text with the form's limit).
OFFERING_LENGTHS = {
    "title": 200,
    "description": 6000,
    "skills": 2000,
    "requirements": 2000,
    "schedule": 200,
    "location": 200,
}
PARTNER_LENGTHS = {
    "name": 160,
    "street_address": 200,
    "city": 80,
    "website": 300,
    "phone": 40,
    "description": 4000,
}
MAX_EMAIL = 254

TITLE_NEEDED = "Give the opportunity a title."
NAME_NEEDED = "Enter the partner's name."
NAME_TAKEN = "A partner with this name already exists."  # checked where the names are
SEATS = f"Seats are a whole number from {MIN_CAPACITY} to {MAX_CAPACITY}."
AGE = f"A minimum age is from {MIN_AGE} to {MAX_AGE}; leave it blank for no minimum."
HOURS = f"Expected hours are a whole number from {MIN_EXPECTED_HOURS} to {MAX_EXPECTED_HOURS:,}."
GRADE = "The lowest grade is 9, 10, 11 or 12."
END_BEFORE_START = "The end date is before the start date."
START_NEEDED = "Enter a start date as well."
DEADLINE_AFTER_END = "The application deadline is after the opportunity ends."
WEBSITE = "Enter a full web address that starts with https:// (or http://)."
BOTH_COORDINATES = "Give both latitude and longitude, or neither."
LATITUDE = "Latitude is between -90 and 90."
LONGITUDE = "Longitude is between -180 and 180."
EXPIRES_BEFORE_SIGNED = "The agreement cannot expire before it was signed."
SIGNED_NEEDED = "Enter the date the agreement was signed."
EMAIL = "Enter an e-mail address, like name@example.org."


def too_long(limit: int) -> str:
    return f"Keep it to {limit:,} characters or fewer."


Problems = dict[str, str]  # field name -> the message for it (the first problem found)


def refuse(problems: Problems) -> None:
    """The first problem the rules found, raised on its field: how a service refuses what a
    form would have shown in full (the forms show them all)."""
    if problems:
        field, message = next(iter(problems.items()))
        raise DomainError(message, field=field)


def _lengths(values: dict[str, str], limits: dict[str, int], problems: Problems) -> None:
    for name, limit in limits.items():
        if len(values[name]) > limit:
            problems.setdefault(name, too_long(limit))


# --- offerings ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OfferingFields:
    """The fields of an offering that the rules look at, as plain values."""

    title: str
    capacity: int | None
    description: str = ""
    skills: str = ""
    requirements: str = ""
    schedule: str = ""
    location: str = ""
    start_date: date | None = None
    end_date: date | None = None
    application_deadline: date | None = None
    minimum_age: int | None = None
    min_grade: int | None = None
    expected_hours: int | None = None


def offering_problems(fields: OfferingFields) -> Problems:
    """Every field of the offering that breaks a rule, with what to do about it (empty: fine)."""
    problems: Problems = {}
    if not fields.title.strip():
        problems["title"] = TITLE_NEEDED
    _lengths({name: getattr(fields, name) for name in OFFERING_LENGTHS}, OFFERING_LENGTHS, problems)
    if fields.capacity is None or not MIN_CAPACITY <= fields.capacity <= MAX_CAPACITY:
        problems["capacity"] = SEATS
    _offering_dates(fields, problems)
    if fields.min_grade is not None and not MIN_GRADE <= fields.min_grade <= MAX_GRADE:
        problems["min_grade"] = GRADE
    if fields.minimum_age is not None and not MIN_AGE <= fields.minimum_age <= MAX_AGE:
        problems["minimum_age"] = AGE
    hours = fields.expected_hours
    if hours is not None and not MIN_EXPECTED_HOURS <= hours <= MAX_EXPECTED_HOURS:
        problems["expected_hours"] = HOURS
    return problems


def _offering_dates(fields: OfferingFields, problems: Problems) -> None:
    start, end, deadline = fields.start_date, fields.end_date, fields.application_deadline
    if end is not None and start is None:
        problems["start_date"] = START_NEEDED
    elif end is not None and start is not None and end < start:
        problems["end_date"] = END_BEFORE_START
    last_day = end or start
    if deadline is not None and last_day is not None and deadline > last_day:
        problems["application_deadline"] = DEADLINE_AFTER_END


# --- partners ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PartnerFields:
    """The fields of a partner that the rules look at, as plain values."""

    name: str
    street_address: str = ""
    city: str = ""
    website: str = ""
    phone: str = ""
    description: str = ""
    latitude: float | None = None
    longitude: float | None = None
    worksite_agreement_date: date | None = None
    worksite_agreement_expiry: date | None = None


def partner_problems(fields: PartnerFields) -> Problems:
    """Every field of the partner that breaks a rule, with what to do about it (empty: fine)."""
    problems: Problems = {}
    if not fields.name.strip():
        problems["name"] = NAME_NEEDED
    _lengths({name: getattr(fields, name) for name in PARTNER_LENGTHS}, PARTNER_LENGTHS, problems)
    if fields.website.strip() and not is_web_address(fields.website.strip()):
        problems.setdefault("website", WEBSITE)
    if (fields.latitude is None) != (fields.longitude is None):
        problems["latitude"] = BOTH_COORDINATES
    if fields.latitude is not None and not -90 <= fields.latitude <= 90:
        problems["latitude"] = LATITUDE
    if fields.longitude is not None and not -180 <= fields.longitude <= 180:
        problems["longitude"] = LONGITUDE
    signed, expires = fields.worksite_agreement_date, fields.worksite_agreement_expiry
    if expires is not None and signed is None:
        problems["worksite_agreement_date"] = SIGNED_NEEDED
    elif expires is not None and signed is not None and expires < signed:
        problems["worksite_agreement_expiry"] = EXPIRES_BEFORE_SIGNED
    return problems


def is_web_address(text: str) -> bool:
    """An http(s) URL whose host is a domain name with a top-level domain (IDN allowed), with
    no spaces and no user name or password in it."""
    if any(c.isspace() or ord(c) < 32 for c in text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        host = parts.hostname
        ascii_host = idna.encode(host, uts46=True).decode("ascii") if host else ""
    except ValueError:  # idna.IDNAError is a UnicodeError, hence a ValueError
        return False
    labels = ascii_host.split(".")
    return (
        parts.scheme.lower() in ("http", "https")
        and parts.username is None
        and len(labels) >= 2
        and all(labels)
        and (labels[-1].isalpha() or labels[-1].startswith("xn--"))
    )


def email_problem(text: str) -> str | None:
    """Why an e-mail address cannot be used (None: it can). Checked as the forms check it
    (email-validator, without a DNS lookup)."""
    if len(text.strip()) > MAX_EMAIL:
        return too_long(MAX_EMAIL)
    from email_validator import EmailNotValidError, validate_email  # only forms that ask load it

    try:
        validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError:
        return EMAIL
    return None
