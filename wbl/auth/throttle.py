"""Sign-in throttling: password guessing is slow, and nobody can lock a student out.

The rules come from issue 14 ("Go-live blockers"). The old rule — five failures per e-mail or
per address, then fifteen minutes of refusals — let anyone who knew a student's address lock
them out before an exam, and refused a whole school behind one NAT after five typos. The
delays below are the scaling lock-out that the OWASP Web Security Testing Guide ("Testing for
Weak Lock Out Mechanism") cites from AWS Cognito as stopping guessing without a lasting denial
of service: after five failures one second, doubling with each, at most 15 minutes. Instead:

- **Per account and address** (the pair): five free attempts, then a growing delay — the
  sixth may run one second after the window's first attempt, then 2, 4, 8 … seconds more,
  doubling up to ``SIGN_IN_MAX_DELAY`` (15 minutes) between attempts. Never a lock: an
  attacker at one address gets about a hundred guesses a day; the owner who mistyped waits
  seconds. A success clears the pair; a window ends a day after its first attempt.
- **Per address**: a ceiling high enough that a school of 2,000 behind one NAT, every
  student mistyping twice at the start of a period, does not reach it (5,000 failures an
  hour), but that stops a credential-stuffing address trying one password on thousands of
  accounts. Above it the address waits for the end of its hour.
- **Per account, across addresses**: 20 failures within an hour from anywhere mean
  someone guesses from many addresses. Every pair then gets one free attempt instead of five
  (the delays start at the second), which cuts a botnet's guesses fivefold. There is no
  account-wide refusal: "never refuse the right password from a new address because of
  someone else's failures" — the first attempt from an address without failures always runs.
- Unknown e-mail addresses are counted exactly like real ones, so a refusal says nothing
  about who has an account. A refused attempt is answered without checking the password,
  so it cannot be used to test guesses.
- An attempt is counted *before* its password is checked (one atomic increment of the pair's
  counter, which gives each concurrent attempt its own number), so twenty simultaneous
  requests cannot all slip under the limit; a refused attempt gives its number back.
- IPv6 addresses count by their /64 network: one host usually holds a whole /64.

What it does not stop: someone behind the *same* address as the owner (a classmate at the
school's NAT) who keeps guessing the owner's password shares the owner's pair there, so the
owner waits too — seconds at first, up to 15 minutes between attempts, never longer, and
not at all from home or a phone. Telling them apart would take a per-browser token (OWASP's
"device cookies").

The counters are shared by every worker: the storage is ``RATELIMIT_STORAGE_URI`` (the
app's database by default, Redis when it names one), see ``wbl.auth.throttle_storage``.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from limits.storage import Storage, storage_from_string

from config import ConfigError
from wbl.auth import throttle_storage
from wbl.auth.models import normalize_email
from wbl.errors import DomainError

EXTENSION = "wbl.sign_in_throttle"
CLOCK_TOLERANCE = 0.01  # seconds


@dataclass(frozen=True)
class Rules:
    """The numbers of the rules above; ``SIGN_IN_*`` in config.py."""

    free_attempts: int = 5
    max_delay: int = 15 * 60
    pair_window: int = 24 * 60 * 60
    address_ceiling: int = 5000
    address_window: int = 60 * 60
    account_ceiling: int = 20
    account_window: int = 60 * 60

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Rules:
        return cls(
            free_attempts=config["SIGN_IN_FREE_ATTEMPTS"],
            max_delay=config["SIGN_IN_MAX_DELAY"],
            pair_window=config["SIGN_IN_PAIR_WINDOW"],
            address_ceiling=config["SIGN_IN_ADDRESS_CEILING"],
            address_window=config["SIGN_IN_ADDRESS_WINDOW"],
            account_ceiling=config["SIGN_IN_ACCOUNT_CEILING"],
            account_window=config["SIGN_IN_ACCOUNT_WINDOW"],
        )


def delay_before(attempt: int, free: int, max_delay: int) -> int:
    """Seconds after a window's first attempt before attempt number ``attempt`` may run:
    nothing for the ``free`` first ones, then steps of 1, 2, 4 … seconds, doubling up to
    ``max_delay`` and staying there."""
    extra = attempt - free
    total, step, doubled = 0, 1, 0
    while doubled < extra and step < max_delay:
        total, step, doubled = total + step, step * 2, doubled + 1
    return total + max(extra - doubled, 0) * max_delay


class SignInDelayed(DomainError):
    """Too many attempts from here: the form says how long to wait."""

    def __init__(self, wait: int) -> None:
        self.wait = max(wait, 1)
        if self.wait < 120:
            how_long = f"{self.wait} second{'s' if self.wait != 1 else ''}"
        else:
            how_long = f"{math.ceil(self.wait / 60)} minutes"
        super().__init__(
            f"Too many attempts. Wait {how_long} before trying again, or reset your password.",
            field="password",
        )


def network(address: str) -> str:
    """The address as counted: IPv4 as it is, IPv6 by its /64 network (one host usually
    holds a whole /64). Sign-in throttling and the sign-up limit count by it."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _digest(*parts: str) -> str:
    """Counters are named by a digest: no e-mail or address is stored in clear."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]


@dataclass(frozen=True)
class _Keys:
    pair: str
    address: str
    account: str

    @classmethod
    def of(cls, email: str, address: str) -> _Keys:
        account, counted = normalize_email(email), network(address)
        return cls(
            pair=f"signin/pair/{_digest(account, counted)}",
            address=f"signin/address/{_digest(counted)}",
            account=f"signin/account/{_digest(account)}",
        )


class Throttle:
    """The rules above over one counter storage. ``reserve`` before checking a password,
    then ``succeeded`` or ``failed``."""

    def __init__(self, storage: Storage, rules: Rules) -> None:
        self.storage = storage
        self.rules = rules

    def reserve(self, email: str, address: str) -> None:
        """Count this attempt, or raise SignInDelayed (the password must then not be checked)."""
        keys, rules = _Keys.of(email, address), self.rules
        if self.storage.get(keys.address) >= rules.address_ceiling:
            ends = self.storage.get_expiry(keys.address)
            raise SignInDelayed(math.ceil(ends - throttle_storage.now()))
        attempt = self.storage.incr(keys.pair, rules.pair_window)
        started = self.storage.get_expiry(keys.pair) - rules.pair_window
        under_attack = self.storage.get(keys.account) >= rules.account_ceiling
        free = 1 if under_attack else rules.free_attempts
        due = started + delay_before(attempt, free, rules.max_delay)
        # Read after the increment, which may have started the window; stores keep expiries
        # to the microsecond (the database) or the second (Redis), hence the tolerance.
        wait = due - throttle_storage.now() - CLOCK_TOLERANCE
        if wait > 0:
            self.storage.incr(keys.pair, rules.pair_window, amount=-1)
            raise SignInDelayed(math.ceil(wait))

    def succeeded(self, email: str, address: str) -> None:
        self.storage.clear(_Keys.of(email, address).pair)

    def failed(self, email: str, address: str) -> None:
        keys = _Keys.of(email, address)
        self.storage.incr(keys.address, self.rules.address_window)
        self.storage.incr(keys.account, self.rules.account_window)


def init_app(app: Flask) -> None:
    """The app's throttle, on the storage ``RATELIMIT_STORAGE_URI`` names (with
    ``RATELIMIT_STORAGE_OPTIONS``, as Flask-Limiter reads them)."""
    storage = storage_from_string(
        app.config["RATELIMIT_STORAGE_URI"], **app.config.get("RATELIMIT_STORAGE_OPTIONS", {})
    )
    if not isinstance(storage, Storage):
        raise ConfigError("RATELIMIT_STORAGE_URI must name database:// or redis://, not async+.")
    app.extensions[EXTENSION] = Throttle(storage, Rules.from_config(app.config))


def current_throttle() -> Throttle:
    throttle: Throttle = current_app.extensions[EXTENSION]
    return throttle
