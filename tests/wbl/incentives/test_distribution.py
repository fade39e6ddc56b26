"""The tier-by-tier distribution of an appropriation (pure: no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wbl.incentives.distribution import Claim, distribute, prorate


def claims(*pairs: tuple[int, int]) -> list[Claim]:
    return [Claim(tier, cents) for tier, cents in pairs]


def test_enough_money_pays_every_request_in_full() -> None:
    result = distribute(1_000_000, claims((1, 100_000), (2, 120_000), (3, 100_000)))
    assert result.amounts == (100_000, 120_000, 100_000)
    assert result.left_over_cents == 680_000
    assert all(t.paid_cents == t.requested_cents for t in result.tiers)


def test_the_tier_the_money_runs_out_in_is_prorated_and_later_tiers_get_nothing() -> None:
    # Tier 1 asks 220,000 and is paid in full; 80,000 remain for tier 2's 300,000.
    result = distribute(
        300_000,
        claims((1, 100_000), (1, 120_000), (2, 100_000), (2, 100_000), (2, 100_000), (3, 100_000)),
    )
    assert result.amounts[:2] == (100_000, 120_000)
    assert result.amounts[2:5] == (26_667, 26_667, 26_666)  # 80,000 / 3, leftover cents first
    assert result.amounts[5] == 0
    assert [(t.tier, t.requested_cents, t.paid_cents) for t in result.tiers] == [
        (1, 220_000, 220_000),
        (2, 300_000, 80_000),
        (3, 100_000, 0),
    ]
    assert result.tiers[1].prorated
    assert result.left_over_cents == 0


def test_tier_one_itself_can_be_prorated() -> None:
    result = distribute(150_000, claims((1, 100_000), (1, 120_000), (2, 100_000)))
    # shares 68,181.8… and 81,818.1…: floors 68,181 + 81,818 = 149,999; the larger
    # remainder (the first row's .81…) gets the leftover cent.
    assert result.amounts == (68_182, 81_818, 0)


def test_leftover_cents_go_to_the_largest_remainders_ties_by_row_order() -> None:
    assert prorate(2, [1, 1, 1]) == [1, 1, 0]
    assert prorate(8, [3, 3, 3]) == [3, 3, 2]
    assert prorate(100, [100, 200, 300]) == [17, 33, 50]  # 16.67 / 33.33 / 50


def test_tiers_need_not_be_contiguous_and_rows_may_come_in_any_order() -> None:
    result = distribute(150, claims((3, 100), (1, 100), (3, 100)))
    assert result.amounts == (25, 100, 25)
    assert [t.tier for t in result.tiers] == [1, 3]


def test_zero_appropriation_and_zero_requests() -> None:
    assert distribute(0, claims((1, 100), (2, 50))).amounts == (0, 0)
    assert distribute(500, claims((1, 0), (1, 0))).amounts == (0, 0)
    assert distribute(500, []).amounts == ()


@pytest.mark.parametrize(("appropriation", "requests"), [(-1, [(1, 10)]), (10, [(1, -5)])])
def test_negative_amounts_are_refused(appropriation: int, requests: list[tuple[int, int]]) -> None:
    with pytest.raises(ValueError, match="negative"):
        distribute(appropriation, claims(*requests))


def test_prorate_refuses_to_pay_more_than_requested() -> None:
    with pytest.raises(ValueError, match="more than"):
        prorate(11, [5, 5])


tier_claims = st.lists(st.builds(Claim, st.integers(1, 4), st.integers(0, 500_000)), max_size=40)


@given(st.integers(0, 5_000_000), tier_claims)
def test_never_more_than_the_appropriation_or_than_requested(
    appropriation: int, rows: list[Claim]
) -> None:
    result = distribute(appropriation, rows)
    assert sum(result.amounts) <= appropriation
    assert all(0 <= paid <= c.requested_cents for paid, c in zip(result.amounts, rows, strict=True))
    asked = sum(c.requested_cents for c in rows)
    assert sum(result.amounts) == min(asked, appropriation)  # nothing is held back
    assert result.left_over_cents == appropriation - sum(result.amounts)


@given(st.integers(0, 5_000_000), tier_claims)
def test_tier_sums_are_exact_and_tier_order_is_respected(
    appropriation: int, rows: list[Claim]
) -> None:
    result = distribute(appropriation, rows)
    for share in result.tiers:
        paid = sum(a for a, c in zip(result.amounts, rows, strict=True) if c.tier == share.tier)
        assert paid == share.paid_cents
    # A lower tier not paid in full means every higher tier got nothing.
    short = [t.tier for t in result.tiers if t.paid_cents != t.requested_cents]
    if short:
        assert all(t.paid_cents == 0 for t in result.tiers if t.tier > short[0])
        assert all(t.paid_cents == t.requested_cents for t in result.tiers if t.tier < short[0])


@given(st.integers(0, 1_000_000), st.lists(st.integers(0, 200_000), min_size=1, max_size=30))
def test_prorated_shares_are_within_a_cent_of_the_exact_share(
    budget: int, requests: list[int]
) -> None:
    total = min(budget, sum(requests))
    shares = prorate(total, requests)
    assert sum(shares) == total
    asked = sum(requests) or 1
    for share, request in zip(shares, requests, strict=True):
        # |share - request * total / asked| < 1, in integers
        assert abs(share * asked - request * total) < asked
