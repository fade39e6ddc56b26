"""Distribute a district's appropriation over its requested incentives, tier by tier.

Colorado's Career Development Incentive Program (C.R.S. 22-54-138) pays districts per
student completion, and when the appropriation does not cover every request it pays the
program types in tiered order: tier 1 in full first, then tier 2, and so on. The tier that
the money runs out in is prorated across its completions, and the tiers after it get
nothing.

Pure: integers in, integers out (whole cents; never floats). Prorating is exact: each share
is floored, then the leftover cents go one each to the rows with the largest remainder (ties
by row order), so a tier's shares sum exactly to what the tier receives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Claim:
    """One row's request: its tier (1 is paid first) and the amount requested, in cents."""

    tier: int
    requested_cents: int


@dataclass(frozen=True, slots=True)
class TierShare:
    """What one tier asked for and what it gets."""

    tier: int
    requested_cents: int
    paid_cents: int

    @property
    def prorated(self) -> bool:
        return 0 < self.paid_cents < self.requested_cents


@dataclass(frozen=True, slots=True)
class Distribution:
    amounts: tuple[int, ...]  # per claim, in the order given
    tiers: tuple[TierShare, ...]  # by tier, lowest first
    left_over_cents: int  # appropriation not needed by any request

    @property
    def paid_cents(self) -> int:
        return sum(self.amounts)


def prorate(total_cents: int, requests: Sequence[int]) -> list[int]:
    """Split ``total_cents`` (at most the requests' sum) in proportion to ``requests``:
    floors first, then one cent each to the largest remainders, ties to the earlier row."""
    asked = sum(requests)
    if total_cents < 0 or any(r < 0 for r in requests):
        raise ValueError("amounts cannot be negative")
    if total_cents > asked:
        raise ValueError("cannot pay more than was requested")
    if asked == 0:
        return [0] * len(requests)
    shares = [r * total_cents // asked for r in requests]
    remainders = [r * total_cents % asked for r in requests]
    short = total_cents - sum(shares)  # fewer than len(requests) cents
    order = sorted(range(len(requests)), key=lambda i: (-remainders[i], i))
    for i in order[:short]:
        shares[i] += 1
    return shares


def distribute(appropriation_cents: int, claims: Sequence[Claim]) -> Distribution:
    """Pay the claims tier by tier out of ``appropriation_cents``."""
    if appropriation_cents < 0:
        raise ValueError("the appropriation cannot be negative")
    if any(c.requested_cents < 0 for c in claims):
        raise ValueError("a request cannot be negative")
    amounts = [0] * len(claims)
    remaining = appropriation_cents
    tiers: list[TierShare] = []
    for tier in sorted({c.tier for c in claims}):
        rows = [i for i, c in enumerate(claims) if c.tier == tier]
        requests = [claims[i].requested_cents for i in rows]
        asked = sum(requests)
        paid = min(asked, remaining)
        shares = requests if paid == asked else prorate(paid, requests)
        for i, share in zip(rows, shares, strict=True):
            amounts[i] = share
        remaining -= paid
        tiers.append(TierShare(tier, asked, paid))
    return Distribution(tuple(amounts), tuple(tiers), remaining)
