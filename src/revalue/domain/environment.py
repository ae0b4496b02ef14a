"""A device's environmental receipt: the e-waste its route kept out of the waste stream or
handed to a responsible recycler, and the CO2e its reuse avoided.

The factors are versioned data (``recovery/data/environmental_factors.json``); a receipt names
the version it was computed with, so a later version never changes a receipt already issued.
Only reuse avoids emissions: ``(1 - rebound) x production footprint - refurbishment
footprint``, never below zero. Parts and recycling count as e-waste handled responsibly.
All figures are whole grams.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from revalue.domain.errors import InvalidInput
from revalue.domain.records import REUSE_ROUTES, Route

BP = 10_000


class UnknownFactors(InvalidInput):
    code = "unknown_environmental_factors"


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryFactors:
    production_g: int  # CO2e of making a new device, grams
    refurbishment_g: int  # CO2e of refurbishing one, grams
    mass_g: int  # typical mass, when the catalog has none


@dataclass(frozen=True, slots=True, kw_only=True)
class Factors:
    version: str
    rebound_bp: int  # share of reuse savings eroded by rebound effects
    categories: Mapping[str, CategoryFactors]

    def of(self, category: str) -> CategoryFactors:
        try:
            return self.categories[category]
        except KeyError:
            raise UnknownFactors(
                f"factors {self.version} have no figures for category {category!r}",
                field="category",
                version=self.version,
            ) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class Receipt:
    factor_version: str
    route: Route
    mass_g: int
    diverted_g: int  # kept in use: reuse routes
    recycled_g: int  # handed on responsibly: parts and recycling
    co2e_avoided_g: int  # reuse only


def avoided_by_reuse(factors: Factors, category: str) -> int:
    f = factors.of(category)
    kept = f.production_g * (BP - factors.rebound_bp) // BP
    return max(0, kept - f.refurbishment_g)


def receipt(factors: Factors, *, category: str, route: Route, weight_g: int | None) -> Receipt:
    figures = factors.of(category)  # an unknown category is refused on every route
    mass = weight_g if weight_g else figures.mass_g
    reused = route in REUSE_ROUTES
    return Receipt(
        factor_version=factors.version,
        route=route,
        mass_g=mass,
        diverted_g=mass if reused else 0,
        recycled_g=0 if reused else mass,
        co2e_avoided_g=avoided_by_reuse(factors, category) if reused else 0,
    )
