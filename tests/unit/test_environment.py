"""The environmental receipt's arithmetic, checked against figures worked out by hand from the
published factors (version 2026.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from revalue.domain import environment
from revalue.domain.records import REUSE_ROUTES, Route
from revalue.recovery.environment import Total, current_factors, factor_versions, version_totals

FACTORS = factor_versions()["2026.1"]


def test_a_reused_smartphone_avoids_its_production_net_of_rebound_and_refurbishment() -> None:
    got = environment.receipt(FACTORS, category="smartphone", route=Route.MARKETPLACE, weight_g=171)
    # 0.71 x 55,000 - 13,000 = 26,050 g CO2e; the whole device kept in use.
    assert got == environment.Receipt(
        factor_version="2026.1", route=Route.MARKETPLACE, mass_g=171, diverted_g=171,
        recycled_g=0, co2e_avoided_g=26_050,
    )  # fmt: skip


def test_a_wholesale_tablet_and_a_refurbished_laptop() -> None:
    tablet = environment.receipt(FACTORS, category="tablet", route=Route.WHOLESALE, weight_g=477)
    assert tablet.co2e_avoided_g == 60_000 * 71 // 100 - 14_000 == 28_600
    laptop = environment.receipt(
        FACTORS, category="laptop", route=Route.REFURBISH_RESELL, weight_g=1240
    )
    assert (laptop.diverted_g, laptop.co2e_avoided_g) == (1240, 173_950 - 58_000)


@pytest.mark.parametrize("route", [Route.PARTS, Route.RECYCLE])
def test_recycled_and_harvested_devices_count_as_recycled_mass_and_avoid_nothing(route) -> None:  # type: ignore[no-untyped-def]
    got = environment.receipt(FACTORS, category="smartphone", route=route, weight_g=171)
    assert (got.mass_g, got.diverted_g, got.recycled_g, got.co2e_avoided_g) == (171, 0, 171, 0)


@pytest.mark.parametrize(("category", "mass"), [("tablet", 600), ("wearable", 40)])
def test_a_missing_weight_falls_back_to_the_category_mass(category: str, mass: int) -> None:
    got = environment.receipt(FACTORS, category=category, route=Route.RECYCLE, weight_g=None)
    assert (got.mass_g, got.recycled_g) == (mass, mass)


def test_every_receipt_states_its_factor_version() -> None:
    assert current_factors().version == "2026.1"
    got = environment.receipt(FACTORS, category="wearable", route=Route.PARTS, weight_g=39)
    assert got.factor_version == "2026.1"


def test_an_unknown_category_is_refused_naming_the_version() -> None:
    with pytest.raises(environment.UnknownFactors) as caught:
        environment.receipt(FACTORS, category="toaster", route=Route.WHOLESALE, weight_g=900)
    assert caught.value.details["version"] == "2026.1"


def test_version_totals_keep_versions_apart() -> None:
    lines = [
        Total("2026.1", "smartphone", "marketplace", 2, 342, 342, 0, 52_100),
        Total("2026.1", "wearable", "recycle", 1, 39, 0, 39, 0),
        Total("2025.9", "smartphone", "marketplace", 1, 171, 171, 0, 20_000),
    ]
    assert version_totals(lines) == [
        Total("2026.1", "*", "*", 3, 381, 342, 39, 52_100),
        Total("2025.9", "*", "*", 1, 171, 171, 0, 20_000),
    ]


@given(
    category=st.sampled_from(sorted(FACTORS.categories)),
    route=st.sampled_from(list(Route)),
    weight=st.one_of(st.none(), st.integers(1, 5_000)),
)
def test_mass_is_either_diverted_or_recycled_never_both(category, route, weight) -> None:  # type: ignore[no-untyped-def]
    got = environment.receipt(FACTORS, category=category, route=route, weight_g=weight)
    assert got.diverted_g + got.recycled_g == got.mass_g > 0
    assert (got.diverted_g > 0) == (route in REUSE_ROUTES)
    assert got.co2e_avoided_g >= 0 and (got.co2e_avoided_g > 0) <= (route in REUSE_ROUTES)
