"""Resale values from observed prices, and the money arithmetic of sales.

An estimate for one variant and grade is made from its observations (our own sales and rows of
imported market feeds) in three steps:

1. each observation is weighted by its age as of the estimate, halving every ``half_life_days``
   (recent prices count more, old ones fade but never vanish);
2. outliers are set aside by a robust rule: further than ``k`` scaled MADs from the median
   (``|x - median| > k * 1.4826 * MAD``, the MAD scaled to a standard deviation for normal data).
   When most prices are equal the MAD is 0 and would set aside any other price, so then a price
   is an outlier when it is further than ``band_bp`` of the median from it;
3. the value is the weighted median of the rest.

Why the weighted median rather than a weighted trimmed mean: it is always one of the prices
actually observed (no rounding, and it lies within the inliers' range by construction), a few
mispriced rows that survive the outlier rule can move it only as far as their neighbours, and it
scales exactly with the prices. The outlier rule is unweighted on purpose: a single recent wild
price must not define what counts as normal.

Pure: the clock is ``as_of``, passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from statistics import median

from revalue.domain.catalog import ModelFacts
from revalue.domain.condition import Grade
from revalue.domain.errors import InvalidInput
from revalue.domain.pricing import PriceBook, months_between

BP = 10_000
MAD_SCALE = Fraction(14_826, 10_000)  # MAD -> standard deviation, for normal data
DEFAULT_HALF_LIFE_DAYS = 90
DEFAULT_K = Fraction(7, 2)
DEFAULT_BAND_BP = 5_000  # when the MAD is 0: further than 50% of the median is an outlier
DEFAULT_MIN_OBSERVATIONS = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    price: int  # minor units
    observed_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Estimate:
    value: int
    observations: int  # used
    outliers: int  # set aside
    method: str


def weight(observed_at: datetime, *, as_of: datetime, half_life_days: int) -> float:
    """1 for a price observed now (or later), halving every ``half_life_days``."""
    age_days = max((as_of - observed_at).total_seconds(), 0.0) / 86_400
    return float(0.5 ** (age_days / half_life_days))


def outlier_fence(prices: Sequence[int], *, k: Fraction, band_bp: int) -> tuple[Fraction, Fraction]:
    """(median, the largest distance from it that is not an outlier)."""
    centre = Fraction(median(Fraction(p) for p in prices))
    mad = Fraction(median(abs(p - centre) for p in prices))
    if mad == 0:
        return centre, abs(centre) * band_bp / BP
    return centre, k * MAD_SCALE * mad


def weighted_median(pairs: Sequence[tuple[int, float]]) -> int:
    """The smallest price whose cumulative weight (prices in order) reaches half the total."""
    ordered = sorted(pairs)
    total = sum(w for _, w in ordered)
    running = 0.0
    for price, w in ordered:
        running += w
        if running * 2 >= total:
            return price
    return ordered[-1][0]


def estimate(
    observations: Sequence[Observation],
    *,
    as_of: datetime,
    half_life_days: int = DEFAULT_HALF_LIFE_DAYS,
    k: Fraction = DEFAULT_K,
    band_bp: int = DEFAULT_BAND_BP,
    min_observations: int = DEFAULT_MIN_OBSERVATIONS,
) -> Estimate | None:
    """The resale value these observations support, or None with fewer than
    ``min_observations`` left once outliers are set aside."""
    if half_life_days < 1:
        raise InvalidInput("the half-life is at least one day", field="half_life_days")
    if min_observations < 1:
        raise InvalidInput("at least one observation is needed", field="min_observations")
    if not observations:
        return None
    centre, fence = outlier_fence([o.price for o in observations], k=k, band_bp=band_bp)
    inliers = [o for o in observations if abs(o.price - centre) <= fence]
    if len(inliers) < min_observations:
        return None
    pairs = [
        (o.price, weight(o.observed_at, as_of=as_of, half_life_days=half_life_days))
        for o in inliers
    ]
    return Estimate(
        value=weighted_median(pairs),
        observations=len(inliers),
        outliers=len(observations) - len(inliers),
        method=f"weighted-median half-life={half_life_days}d mad-k={float(k):g}",
    )


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (equally when they are all 0), in whole
    minor units that add up to it exactly: floors first, then one more unit each to the
    largest remainders (earlier ones first on a tie)."""
    if total < 0 or any(w < 0 for w in weights):
        raise InvalidInput("amounts and weights are never negative")
    if not weights:
        return []
    if not any(weights):
        weights = [1] * len(weights)
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    left = total - sum(shares)
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        shares[i] += 1
    return shares


def fees(price: int, *, fee_bp: int, fee_fixed: int) -> int:
    """A channel's fees on a sale: its share of the price (rounded down) and its fixed fee."""
    return price * fee_bp // BP + fee_fixed


def base_price_for(value: int, *, book: PriceBook, model: ModelFacts, as_of: datetime) -> int:
    """The base price (top grade, as at release) whose working top-grade device is worth
    ``value`` today before defects, promotions and bonuses: the quote's age depreciation and
    top-grade multiplier undone, rounded down to the book's increment."""
    months = months_between(model.release_date, as_of.date())
    rate = book.monthly_depreciation_bp.get(model.category, 0)
    kept = max(Fraction(BP - rate, BP) ** months, Fraction(BP - book.max_depreciation_bp, BP))
    factor = kept * Fraction(book.grade_multipliers_bp[Grade.A], BP)
    base = int(Fraction(max(value, 0)) / factor) if factor else 0
    return base - base % book.rounding_increment
