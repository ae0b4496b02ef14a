"""The resale estimator: recency weights, outliers set aside, the weighted median; and the
allocation of a lot's price across its items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revalue.domain import market
from revalue.domain.catalog import Category, ModelFacts
from revalue.domain.condition import Condition, Cosmetic
from revalue.domain.errors import InvalidInput
from revalue.domain.pricing import PayoutOption, PriceBook, quote
from revalue.domain.program import PayoutMethod

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def obs(price: int, days_ago: float = 0) -> market.Observation:
    return market.Observation(price=price, observed_at=NOW - timedelta(days=days_ago))


def test_a_wild_sale_is_set_aside_and_the_median_of_the_rest_stands():
    prices = [40_000, 41_000, 39_500, 40_500, 40_200, 400_000, 1_000]  # a typo, a broken one
    found = market.estimate([obs(p) for p in prices], as_of=NOW)
    assert found is not None
    assert (found.value, found.observations, found.outliers) == (40_200, 5, 2)
    assert found.method == "weighted-median half-life=90d mad-k=3.5"


def test_recent_prices_outweigh_old_ones():
    old = [obs(50_000, 365) for _ in range(4)]  # a year ago: each weighs 1/16
    recent = [obs(42_000, 2), obs(41_000, 1)]
    found = market.estimate(old + recent, as_of=NOW)
    # Four old prices against two recent ones: unweighted, the median would be 50,000.
    assert found is not None and found.value == 42_000
    # With a year's half-life the old prices still carry the day.
    slow = market.estimate(old + recent, as_of=NOW, half_life_days=365)
    assert slow is not None and slow.value == 50_000


def test_with_no_spread_a_band_around_the_median_decides_outliers():
    found = market.estimate([obs(p) for p in (300, 300, 300, 300, 440, 460)], as_of=NOW)
    assert found is not None
    # MAD 0: the band is 150 either side of 300, so 440 stays and 460 is set aside.
    assert (found.value, found.observations, found.outliers) == (300, 5, 1)


def test_too_few_observations_give_no_estimate():
    assert market.estimate([], as_of=NOW) is None
    assert market.estimate([obs(100), obs(110)], as_of=NOW) is None
    assert market.estimate([obs(100), obs(110)], as_of=NOW, min_observations=2) is not None
    # Three observations, one an outlier: two are left, fewer than three.
    assert market.estimate([obs(100), obs(102), obs(101), obs(9_999)], as_of=NOW) is not None
    assert market.estimate([obs(100), obs(100), obs(9_999)], as_of=NOW) is None


def test_bad_parameters_are_refused():
    with pytest.raises(InvalidInput):
        market.estimate([obs(1)], as_of=NOW, half_life_days=0)
    with pytest.raises(InvalidInput):
        market.estimate([obs(1)], as_of=NOW, min_observations=0)


prices = st.lists(st.integers(min_value=1, max_value=10**7), min_size=3, max_size=30)
ages = st.lists(st.integers(min_value=0, max_value=720), min_size=30, max_size=30)


def observations(values: list[int], days: list[int]) -> list[market.Observation]:
    return [obs(p, d) for p, d in zip(values, days, strict=False)]


@given(prices, ages)
def test_the_estimate_lies_within_the_inliers(values, days):
    data = observations(values, days)
    found = market.estimate(data, as_of=NOW, min_observations=1)
    assert found is not None
    centre, fence = market.outlier_fence(values, k=market.DEFAULT_K, band_bp=market.DEFAULT_BAND_BP)
    inliers = [p for p in values if abs(p - centre) <= fence]
    assert min(inliers) <= found.value <= max(inliers)
    assert found.observations + found.outliers == len(values)


@given(prices, ages, st.integers(min_value=100, max_value=1000))
def test_a_wild_outlier_moves_the_estimate_little(values, days, times):
    data = observations(values, days)
    before = market.estimate(data, as_of=NOW, min_observations=1)
    after = market.estimate([*data, obs(max(values) * times)], as_of=NOW, min_observations=1)
    assert before is not None and after is not None
    assert after.outliers >= 1
    assert min(values) <= after.value <= max(values)


@given(prices, ages, st.randoms(use_true_random=False))
def test_the_order_of_observations_does_not_matter(values, days, rnd):
    data = observations(values, days)
    shuffled = list(data)
    rnd.shuffle(shuffled)
    assert market.estimate(shuffled, as_of=NOW) == market.estimate(data, as_of=NOW)


@given(prices, ages, st.integers(min_value=2, max_value=1000))
def test_scaling_every_price_scales_the_estimate(values, days, factor):
    data = observations(values, days)
    scaled = [market.Observation(price=o.price * factor, observed_at=o.observed_at) for o in data]
    before = market.estimate(data, as_of=NOW, min_observations=1)
    after = market.estimate(scaled, as_of=NOW, min_observations=1)
    assert before is not None and after is not None
    assert after.value == before.value * factor
    assert (after.observations, after.outliers) == (before.observations, before.outliers)


def test_allocation_follows_the_weights_and_adds_up():
    assert market.allocate(100_001, [1, 2, 3]) == [16_667, 33_334, 50_000]
    assert market.allocate(10, [0, 0, 0]) == [4, 3, 3]  # no weights: equal, earlier first
    assert market.allocate(0, [5, 5]) == [0, 0]
    assert market.allocate(7, []) == []


@given(st.integers(min_value=0, max_value=10**9),
       st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=50))  # fmt: skip
def test_allocation_always_sums_exactly_and_stays_within_a_unit(total, weights):
    shares = market.allocate(total, weights)
    assert sum(shares) == total
    whole = sum(weights) or len(weights)
    for share, w in zip(shares, weights if any(weights) else [1] * len(weights), strict=True):
        assert abs(Fraction(share) - Fraction(total * w, whole)) < 1


def test_fees_are_a_share_rounded_down_and_a_fixed_amount():
    assert market.fees(40_000, fee_bp=1_250, fee_fixed=200) == 5_200
    assert market.fees(999, fee_bp=1_000, fee_fixed=0) == 99


def test_the_base_price_undoes_age_and_quotes_the_target_value():
    book = PriceBook(currency="USD", base_prices={}, rounding_increment=100)
    phone = ModelFacts(model_id="p", category=Category.SMARTPHONE,
                       release_date=datetime(2023, 9, 22).date())  # fmt: skip
    base = market.base_price_for(30_000, book=book, model=phone, as_of=NOW)
    assert base % 100 == 0
    priced = PriceBook(currency="USD", base_prices={"sku": base})
    offer = quote(
        book=priced, model=phone, variant_sku="sku",
        condition=Condition(powers_on=True, screen_cracked=False, cosmetic=Cosmetic.FLAWLESS),
        payout_options=(PayoutOption(method=PayoutMethod.CASH),), as_of=NOW,
    ).offers[0].amount.amount  # fmt: skip
    # Rounded down to the increment: at most one increment's worth (undepreciated) below.
    assert 30_000 - 100 <= offer <= 30_000
    assert market.base_price_for(0, book=book, model=phone, as_of=NOW) == 0
