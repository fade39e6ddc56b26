"""One set of rules for an offering and a partner: the same bad value gets the same message
from the staff form and from the import (which names the row and column), and saves nothing
on either path; the boundary values are accepted by both.

Issue 14, item 5: the form and the import used to disagree (capacity at most 500 in one and
unbounded in the other, minimum age 13–21 against 0–99, expected hours 1–2,000 against any
number, the deadline checked against the end only in the form, any text taken as a website).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.support.builders import make_partner, make_user
from tests.support.catalog_data import FORM_START_IN_DAYS, offering_form, partner_form
from tests.support.import_files import csv_bytes, offering_row, partner_row
from wbl.access import Role
from wbl.catalog.imports import What, generated_external_id, import_file
from wbl.catalog.models import Offering, Partner
from wbl.clock import local_today
from wbl.extensions import db

SEATS = "Seats are a whole number from 1 to 500."
AGE = "A minimum age is from 13 to 21; leave it blank for no minimum."
HOURS = "Expected hours are a whole number from 1 to 2,000."
DEADLINE = "The application deadline is after the opportunity ends."
WEBSITE = "Enter a full web address that starts with https:// (or http://)."
SIGNED = "Enter the date the agreement was signed."
LATITUDE = "Latitude is between -90 and 90."
TAKEN = "A partner with this name already exists."

# Days from the start date: the form and the import get the same calendar dates.
START, END = 0, 1


def _day(offset: int) -> str:
    return (local_today() + timedelta(days=FORM_START_IN_DAYS + offset)).isoformat()


def _count(model: type[Offering] | type[Partner]) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', html)
    assert found, f"no error shown on {field}"
    return found.group(1).strip()


# --- offerings ---------------------------------------------------------------------------


def _offering_file(partner: Partner, values: dict[str, object]) -> bytes:
    row = offering_row(
        generated_external_id(What.PARTNERS, partner.id),
        external_id="RULES-1",
        start_date=_day(START),
        end_date=_day(END),
        minimum_age="",
        expected_hours="",
        application_deadline="",
    )
    row.update(values)
    return csv_bytes([row])


BAD_OFFERINGS = [
    pytest.param("capacity", "0", SEATS, id="no seats"),
    pytest.param("capacity", "501", SEATS, id="501 seats"),
    pytest.param("capacity", "-3", SEATS, id="negative seats"),
    pytest.param("minimum_age", "12", AGE, id="age 12"),
    pytest.param("minimum_age", "22", AGE, id="age 22"),
    pytest.param("minimum_age", "0", AGE, id="age 0"),
    pytest.param("expected_hours", "0", HOURS, id="no hours"),
    pytest.param("expected_hours", "2001", HOURS, id="2001 hours"),
    pytest.param("application_deadline", END + 1, DEADLINE, id="deadline after the end"),
]


def _values(field: str, value: object) -> dict[str, object]:
    return {field: _day(value) if isinstance(value, int) else value}


@pytest.mark.parametrize(("field", "value", "message"), BAD_OFFERINGS)
def test_the_offering_form_refuses_a_bad_value(
    login_as, post_form, field: str, value: object, message: str
) -> None:
    partner = make_partner()
    login_as(make_user(roles={Role.STAFF}))
    before = _count(Offering)
    response = post_form("/catalog/offerings/new", offering_form(partner, **_values(field, value)))
    assert response.status_code == 200
    assert _field_error(response.get_data(as_text=True), field) == message
    assert _count(Offering) == before


@pytest.mark.parametrize(("field", "value", "message"), BAD_OFFERINGS)
def test_the_offering_import_refuses_the_same_bad_value(
    field: str, value: object, message: str
) -> None:
    partner = make_partner()
    before = _count(Offering)
    data = _offering_file(partner, _values(field, value))
    report = import_file(What.OFFERINGS, data, "offerings.csv", dry_run=False)
    assert [str(p) for p in report.problems] == [f"row 2: {field}: {message}"]
    assert _count(Offering) == before


GOOD_OFFERINGS = [
    pytest.param({"capacity": "1"}, id="one seat"),
    pytest.param({"capacity": "500"}, id="500 seats"),
    pytest.param({"minimum_age": "13"}, id="age 13"),
    pytest.param({"minimum_age": "21"}, id="age 21"),
    pytest.param({"minimum_age": ""}, id="no minimum age"),
    pytest.param({"expected_hours": "1"}, id="one hour"),
    pytest.param({"expected_hours": "2000"}, id="2000 hours"),
    pytest.param({"application_deadline": END}, id="deadline on the last day"),
]


def _expected(values: dict[str, object]) -> tuple[str, object]:
    (field, value), *_ = values.items()
    if isinstance(value, int):
        return field, date.fromisoformat(_day(value))
    return field, int(value) if value else None


@pytest.mark.parametrize("values", GOOD_OFFERINGS)
def test_the_offering_form_accepts_the_bounds(login_as, post_form, values) -> None:
    partner = make_partner()
    login_as(make_user(roles={Role.STAFF}))
    field, value = _expected(values)
    form = offering_form(partner, **{k: _day(v) if isinstance(v, int) else v
                                     for k, v in values.items()})  # fmt: skip
    response = post_form("/catalog/offerings/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = db.session.scalar(select(Offering).where(Offering.partner_id == partner.id))
    assert saved is not None
    assert getattr(saved, field) == value


@pytest.mark.parametrize("values", GOOD_OFFERINGS)
def test_the_offering_import_accepts_the_same_bounds(values) -> None:
    partner = make_partner()
    field, value = _expected(values)
    data = _offering_file(partner, {k: _day(v) if isinstance(v, int) else v
                                    for k, v in values.items()})  # fmt: skip
    report = import_file(What.OFFERINGS, data, "offerings.csv", dry_run=False)
    assert report.ok, [str(p) for p in report.problems]
    saved = db.session.scalar(select(Offering).where(Offering.external_id == "RULES-1"))
    assert saved is not None
    assert getattr(saved, field) == value


def test_a_one_day_event_takes_applications_until_its_day_on_both_paths(
    login_as, post_form
) -> None:
    """Without an end date the start is the last day: a deadline after it is refused too."""
    partner = make_partner()
    login_as(make_user(roles={Role.STAFF}))
    before = _count(Offering)
    late = {"end_date": "", "application_deadline": _day(START + 1)}
    response = post_form("/catalog/offerings/new", offering_form(partner, **late))
    assert _field_error(response.get_data(as_text=True), "application_deadline") == DEADLINE
    report = import_file(What.OFFERINGS, _offering_file(partner, late), "o.csv", dry_run=False)
    assert [str(p) for p in report.problems] == [f"row 2: application_deadline: {DEADLINE}"]
    assert _count(Offering) == before


# --- partners ----------------------------------------------------------------------------


BAD_PARTNERS = [
    pytest.param("website", {"website": "notaurl"}, WEBSITE, id="a word"),
    pytest.param("website", {"website": "www.svh.com"}, WEBSITE, id="no scheme"),
    pytest.param("website", {"website": "javascript:alert(1)"}, WEBSITE, id="script"),
    pytest.param("website", {"website": "ftp://files.svh.com"}, WEBSITE, id="ftp"),
    pytest.param("website", {"website": "https://localhost"}, WEBSITE, id="no domain"),
    pytest.param("website", {"website": "https://svh .com"}, WEBSITE, id="a space"),
    pytest.param(
        "worksite_agreement_date",
        {"worksite_agreement_date": "", "worksite_agreement_expiry": "2029-01-05"},
        SIGNED,
        id="expiry without signing",
    ),
    pytest.param("latitude", {"latitude": "95", "longitude": "-122.8"}, LATITUDE, id="latitude 95"),
]


@pytest.mark.parametrize(("field", "values", "message"), BAD_PARTNERS)
def test_the_partner_form_refuses_a_bad_value(login_as, post_form, field, values, message):
    login_as(make_user(roles={Role.STAFF}))
    before = _count(Partner)
    response = post_form("/catalog/partners/new", partner_form(**values))
    assert response.status_code == 200
    assert _field_error(response.get_data(as_text=True), field) == message
    assert _count(Partner) == before


@pytest.mark.parametrize(("field", "values", "message"), BAD_PARTNERS)
def test_the_partner_import_refuses_the_same_bad_value(field, values, message) -> None:
    before = _count(Partner)
    row = partner_row(latitude="", longitude="")
    row.update(values)
    data = csv_bytes([row])
    report = import_file(What.PARTNERS, data, "partners.csv", dry_run=False)
    assert [str(p) for p in report.problems] == [f"row 2: {field}: {message}"]
    assert _count(Partner) == before


@pytest.mark.parametrize(
    "website", ["https://www.svh.com", "http://example.org/careers?x=1", "https://xn--bcher-kva.ch"]
)
def test_both_partner_paths_accept_a_web_address(login_as, post_form, website: str) -> None:
    login_as(make_user(roles={Role.STAFF}))
    response = post_form("/catalog/partners/new", partner_form(website=website))
    assert response.status_code == 302, response.get_data(as_text=True)
    data = csv_bytes([partner_row(external_id="WEB-1", website=website)])
    report = import_file(What.PARTNERS, data, "partners.csv", dry_run=False)
    assert report.ok, [str(p) for p in report.problems]
    websites = set(db.session.scalars(select(Partner.website)))
    assert websites == {website}


def test_a_partner_name_is_taken_once_on_both_paths(login_as, post_form) -> None:
    """In any capitalisation; within a file too. A name a row keeps is not checked again."""
    make_partner(name="Laguna Farm Cooperative")
    login_as(make_user(roles={Role.STAFF}))
    before = _count(Partner)
    response = post_form("/catalog/partners/new", partner_form(name="LAGUNA farm cooperative"))
    assert _field_error(response.get_data(as_text=True), "name") == TAKEN
    rows = [
        partner_row(name="laguna FARM cooperative"),
        partner_row(name="Bodega Marine Lab"),
        partner_row(name="Bodega marine lab"),
    ]
    report = import_file(What.PARTNERS, csv_bytes(rows), "partners.csv", dry_run=False)
    assert [str(p) for p in report.problems] == [f"row 2: name: {TAKEN}", f"row 4: name: {TAKEN}"]
    assert _count(Partner) == before


def test_an_unchanged_name_is_not_checked_again_on_import() -> None:
    """Imports before the rule allowed two partners of one name: their rows still re-import."""
    rows = [partner_row(external_id="TWIN-1", name="Twin Oaks Farm")]
    assert import_file(What.PARTNERS, csv_bytes(rows), "p.csv", dry_run=False).ok
    twin = make_partner(name="Twin Oaks Farm")  # as an older import could leave it
    twin.external_id = "TWIN-2"
    db.session.flush()
    rows.append(partner_row(external_id="TWIN-2", name="Twin Oaks Farm"))
    report = import_file(What.PARTNERS, csv_bytes(rows), "p.csv", dry_run=True)
    assert report.ok, [str(p) for p in report.problems]
