"""Sign-in throttling: guessing gets slow, but nobody can lock a student out (issue 14).

Through the real form where a person would see it; the rules themselves on an in-memory
``limits`` storage, where thousands of attempts cost nothing (the database and Redis storages
are tested in test_throttle_storage.py). The throttle's clock is moved by hand.
"""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import limits.storage.memory
import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from limits.storage import MemoryStorage

from tests.support.builders import PASSWORD, make_user
from wbl.access import Role
from wbl.auth import throttle_storage
from wbl.auth.throttle import Rules, SignInDelayed, Throttle, delay_before

LOGIN_ERROR = "That e-mail and password do not match an active account."
ATTACKER, HOME, SCHOOL = "203.0.113.66", "198.51.100.7", "192.0.2.10"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The clock of the database storage and the throttle, and of the in-memory storage."""
    clock = Clock()
    monkeypatch.setattr(throttle_storage, "now", clock)
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=clock))
    return clock


def _sign_in(client: FlaskClient, post_form, email: str, password: str, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    response = post_form("/login", {"email": email, "password": password})
    if response.status_code == 302:
        client.delete_cookie("session")  # signed out again, for the next attempt
    return response


def test_the_owner_signs_in_from_home_while_an_attacker_waits_longer_each_time(
    client, post_form, clock
) -> None:
    make_user(roles={Role.STUDENT}, email="student@example.org")
    for _ in range(5):
        response = _sign_in(client, post_form, "student@example.org", "a guess", ATTACKER)
        assert response.status_code == 200
        assert LOGIN_ERROR in response.get_data(as_text=True)

    # The sixth attempt from there waits; even the right password is not checked meanwhile.
    refused = _sign_in(client, post_form, "student@example.org", PASSWORD, ATTACKER)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert "Wait 1 second before trying again" in refused.get_data(as_text=True)

    # The owner, from another address, is not affected by the attacker's failures.
    assert _sign_in(client, post_form, "student@example.org", PASSWORD, HOME).status_code == 302

    # The delay doubles with each failure: 1, 2, 4 seconds … never a lock.
    for wait in (1, 2, 4):
        clock.advance(wait)
        response = _sign_in(client, post_form, "student@example.org", "a guess", ATTACKER)
        assert LOGIN_ERROR in response.get_data(as_text=True)
        refused = _sign_in(client, post_form, "student@example.org", "a guess", ATTACKER)
        assert f"Wait {wait * 2} seconds before trying again" in refused.get_data(as_text=True)


def test_unknown_addresses_are_throttled_like_real_accounts(client, post_form, clock) -> None:
    make_user(email="real@example.org")
    pages = []
    for email in ("real@example.org", "nobody@example.org"):
        for _ in range(5):
            _sign_in(client, post_form, email, "a guess", ATTACKER)
        refused = _sign_in(client, post_form, email, "a guess", ATTACKER)
        assert refused.status_code == 429
        pages.append(refused.get_data(as_text=True).replace(email, "EMAIL"))
    assert "Wait 1 second" in pages[0]
    # The same refusal, word for word (past the CSRF token): nothing tells who has an account.
    assert _after_csrf(pages[0]) == _after_csrf(pages[1])


def _after_csrf(page: str) -> str:
    """The page after the form's CSRF token, the other tokens (the footer's language
    switcher) blanked: a token changes with the second it was made in."""
    rest = page.split('name="csrf_token"', 1)[1].split(">", 1)[1]
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', rest)


def test_a_school_behind_one_address_signs_in_despite_typos(client, post_form, clock) -> None:
    """Twelve students at one NAT, each mistyping twice: the old per-address limit refused the
    whole school after the fifth typo."""
    students = [make_user(roles={Role.STUDENT}, email=f"class-{n}@example.org") for n in range(12)]
    for student in students:
        for _ in range(2):
            typo = _sign_in(client, post_form, student.email, "correct horse", SCHOOL)
            assert typo.status_code == 200
        assert _sign_in(client, post_form, student.email, PASSWORD, SCHOOL).status_code == 302


# --- the rules, on an in-memory storage --------------------------------------------------


def _throttle(**rules: int) -> Throttle:
    return Throttle(MemoryStorage(), Rules(**rules))


def _attempt_fails(throttle: Throttle, email: str, address: str) -> None:
    throttle.reserve(email, address)
    throttle.failed(email, address)


def test_two_thousand_students_behind_one_nat_are_never_delayed(clock) -> None:
    throttle = _throttle()  # the shipped numbers
    for _ in range(2):
        for n in range(2000):
            _attempt_fails(throttle, f"student{n}@example.org", SCHOOL)
    for n in range(2000):
        throttle.reserve(f"student{n}@example.org", SCHOOL)  # the right password, not refused
        throttle.succeeded(f"student{n}@example.org", SCHOOL)


def test_a_credential_stuffing_address_stops_at_the_ceiling(clock) -> None:
    throttle = _throttle(address_ceiling=50, address_window=3600)
    for n in range(50):
        _attempt_fails(throttle, f"leaked{n}@example.org", ATTACKER)
    with pytest.raises(SignInDelayed) as refused:
        throttle.reserve("leaked50@example.org", ATTACKER)
    assert refused.value.wait == 3600
    assert "Wait 60 minutes" in refused.value.message
    throttle.reserve("leaked50@example.org", HOME)  # another address is not concerned
    clock.advance(3600)
    throttle.reserve("leaked50@example.org", ATTACKER)  # a ceiling, not a lock


def test_an_account_guessed_from_many_addresses_still_lets_its_owner_in(clock) -> None:
    throttle = _throttle(account_ceiling=20)
    for n in range(20):
        _attempt_fails(throttle, "victim@example.org", f"10.9.0.{n}")
    # Under attack, each address has one free attempt instead of five ...
    with pytest.raises(SignInDelayed):
        throttle.reserve("victim@example.org", "10.9.0.1")
    # ... and an address without failures always gets its first one.
    throttle.reserve("victim@example.org", HOME)
    throttle.succeeded("victim@example.org", HOME)


def test_a_refused_attempt_does_not_make_the_wait_longer(clock) -> None:
    throttle = _throttle()
    for _ in range(5):
        _attempt_fails(throttle, "me@example.org", HOME)
    for _ in range(10):  # pressing the button again and again
        with pytest.raises(SignInDelayed) as refused:
            throttle.reserve("me@example.org", HOME)
        assert refused.value.wait == 1
    clock.advance(1)
    throttle.reserve("me@example.org", HOME)


def test_ipv6_addresses_count_by_their_network(clock) -> None:
    throttle = _throttle()
    for n in range(5):
        _attempt_fails(throttle, "me@example.org", f"2001:db8:1:2::{n + 1}")
    with pytest.raises(SignInDelayed):  # another address of the same /64
        throttle.reserve("me@example.org", "2001:db8:1:2:ffff::1")
    throttle.reserve("me@example.org", "2001:db8:1:3::1")  # another network


def test_the_delays_double_up_to_the_maximum() -> None:
    schedule = [delay_before(n, free=5, max_delay=900) for n in range(1, 19)]
    assert schedule == [0, 0, 0, 0, 0, 1, 3, 7, 15, 31, 63, 127, 255, 511, 1023, 1923, 2823, 3723]


@given(
    attempt=st.integers(min_value=1, max_value=5000),
    free=st.integers(min_value=1, max_value=10),
    max_delay=st.integers(min_value=1, max_value=3600),
)
def test_each_attempt_waits_at_least_as_long_as_the_one_before(
    attempt: int, free: int, max_delay: int
) -> None:
    step = delay_before(attempt + 1, free, max_delay) - delay_before(attempt, free, max_delay)
    before = delay_before(attempt, free, max_delay) - delay_before(attempt - 1, free, max_delay)
    assert (step == 0) == (attempt < free)
    assert before <= step <= max_delay
