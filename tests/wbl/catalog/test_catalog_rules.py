"""The catalog's rule module on its own (pure: no database, no app)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wbl.catalog import rules
from wbl.catalog.rules import OfferingFields, PartnerFields, offering_problems, partner_problems

DAY = date(2030, 2, 3)


def offering(**overrides: object) -> OfferingFields:
    values: dict[str, object] = {"title": "Shadow a nurse", "capacity": 2, "start_date": DAY}
    values.update(overrides)
    return OfferingFields(**values)  # type: ignore[arg-type]


def test_a_plain_offering_is_fine() -> None:
    assert offering_problems(offering()) == {}


def test_every_problem_is_reported_at_once_on_its_own_field() -> None:
    fields = offering(
        title=" ",
        capacity=0,
        end_date=DAY - timedelta(days=1),
        minimum_age=30,
        min_grade=8,
        expected_hours=0,
        schedule="x" * 201,
    )
    assert offering_problems(fields) == {
        "title": rules.TITLE_NEEDED,
        "schedule": rules.too_long(200),
        "capacity": rules.SEATS,
        "end_date": rules.END_BEFORE_START,
        "min_grade": rules.GRADE,
        "minimum_age": rules.AGE,
        "expected_hours": rules.HOURS,
    }


@pytest.mark.parametrize(
    ("dates", "problems"),
    [
        ({"start_date": None, "end_date": DAY}, {"start_date": rules.START_NEEDED}),
        ({"end_date": DAY, "application_deadline": DAY}, {}),
        ({"end_date": DAY + timedelta(days=9), "application_deadline": DAY + timedelta(9)}, {}),
        ({"application_deadline": DAY + timedelta(days=1)},
         {"application_deadline": rules.DEADLINE_AFTER_END}),
        ({"start_date": None, "application_deadline": DAY}, {}),
    ],
)  # fmt: skip
def test_dates(dates: dict[str, object], problems: dict[str, str]) -> None:
    assert offering_problems(offering(**dates)) == problems


@given(
    capacity=st.one_of(st.none(), st.integers()),
    minimum_age=st.one_of(st.none(), st.integers()),
    expected_hours=st.one_of(st.none(), st.integers()),
    min_grade=st.one_of(st.none(), st.integers()),
)
def test_a_number_is_refused_exactly_outside_its_bounds(
    capacity: int | None, minimum_age: int | None, expected_hours: int | None, min_grade: int | None
) -> None:
    problems = offering_problems(
        offering(
            capacity=capacity,
            minimum_age=minimum_age,
            expected_hours=expected_hours,
            min_grade=min_grade,
        )
    )
    assert ("capacity" in problems) == (capacity is None or not 1 <= capacity <= 500)
    assert ("minimum_age" in problems) == (minimum_age is not None and not 13 <= minimum_age <= 21)
    assert ("expected_hours" in problems) == (
        expected_hours is not None and not 1 <= expected_hours <= 2000
    )
    assert ("min_grade" in problems) == (min_grade is not None and not 9 <= min_grade <= 12)


@pytest.mark.parametrize(
    "address",
    [
        "https://www.svh.com",
        "http://svh.com/careers?x=1#top",
        "HTTPS://WWW.SVH.COM",
        "https://sub.domain.example.org:8443/path",
        "https://bücher.ch",
        "https://xn--bcher-kva.ch",
    ],
)
def test_web_addresses_that_work(address: str) -> None:
    assert rules.is_web_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "notaurl",
        "svh.com",
        "www.svh.com",
        "javascript:alert(1)",
        "ftp://svh.com",
        "mailto:info@svh.com",
        "https://",
        "https://localhost",
        "https://svh",
        "https://svh .com",
        "https://svh.com\n",
        "https://user:secret@svh.com",
        "https://svh.com:port",
        "https://-svh.com",
        "https://svh..com",
        "https://svh.123",
        "http://10.0.0.1",
    ],
)
def test_web_addresses_that_do_not(address: str) -> None:
    assert not rules.is_web_address(address)


@given(st.text(max_size=80))
def test_any_text_is_answered_not_raised(text: str) -> None:
    assert isinstance(rules.is_web_address(text), bool)
    assert set(partner_problems(PartnerFields(name="x", website=text))) <= {"website"}


def test_partner_rules() -> None:
    assert partner_problems(PartnerFields(name="Acme")) == {}
    assert partner_problems(PartnerFields(name="Acme", latitude=38.0)) == {
        "latitude": rules.BOTH_COORDINATES
    }
    assert partner_problems(PartnerFields(name="Acme", latitude=38.0, longitude=-190.0)) == {
        "longitude": rules.LONGITUDE
    }
    assert (
        partner_problems(
            PartnerFields(name="Acme", worksite_agreement_date=DAY, worksite_agreement_expiry=DAY)
        )
        == {}
    )
    assert partner_problems(
        PartnerFields(
            name="Acme", worksite_agreement_date=DAY, worksite_agreement_expiry=DAY - timedelta(1)
        )
    ) == {"worksite_agreement_expiry": rules.EXPIRES_BEFORE_SIGNED}


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("lee@marine.example.org", True),
        (" Lee@Marine.Example.org ", True),
        ("lee@", False),
        ("lee.marine.example.org", False),
        ("lee park@marine.example.org", False),
        ("a" * 250 + "@x.org", False),
    ],
)
def test_email_addresses(email: str, ok: bool) -> None:
    assert (rules.email_problem(email) is None) is ok
