"""Environmental receipts: issued once per device when its road ends (sold, harvested for
parts or recycled), with the factor version in force then; totals add receipts up per version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revalue.catalog.models import DeviceModel
from revalue.domain import environment
from revalue.domain.context import Context
from revalue.domain.errors import NotFound
from revalue.domain.records import Route
from revalue.recovery.models import EnvironmentalReceipt, InventoryItem
from revalue.tradeins.models import TradeIn


@cache
def factor_versions() -> dict[str, environment.Factors]:
    """Every published version of the factors, by version."""
    return {
        v["version"]: environment.Factors(
            version=v["version"],
            rebound_bp=v["rebound_bp"],
            categories={
                name: environment.CategoryFactors(**figures)
                for name, figures in v["categories"].items()
            },
        )
        for v in factor_documents()
    }


@cache
def factor_documents() -> list[dict[str, Any]]:
    """Every version as published: its method, sources and figures, oldest first."""
    text = resources.files("revalue.recovery").joinpath("data/environmental_factors.json")
    return list(json.loads(text.read_text(encoding="utf-8"))["versions"])


def current_factors() -> environment.Factors:
    """The latest version: the last one published in the data file."""
    return list(factor_versions().values())[-1]


def issue(session: Session, item: InventoryItem, ctx: Context) -> EnvironmentalReceipt:
    """The item's receipt, issued now with the current factors, or the one issued before."""
    existing = session.get(EnvironmentalReceipt, item.trade_in_id)
    if existing is not None:
        return existing
    trade_in = session.get_one(TradeIn, item.trade_in_id)
    model = session.get_one(DeviceModel, trade_in.model_id)
    figures = environment.receipt(
        current_factors(), category=model.category, route=Route(item.route), weight_g=model.weight_g
    )
    row = EnvironmentalReceipt(
        trade_in_id=item.trade_in_id,
        program_id=item.program_id,
        category=model.category,
        route=item.route,
        factor_version=figures.factor_version,
        mass_g=figures.mass_g,
        diverted_g=figures.diverted_g,
        recycled_g=figures.recycled_g,
        co2e_avoided_g=figures.co2e_avoided_g,
        issued_at=ctx.now,
    )
    session.add(row)
    return row


class ReceiptNotFound(NotFound):
    code = "environmental_receipt_not_found"


def receipt_of(session: Session, trade_in_id: str) -> EnvironmentalReceipt:
    """The device's receipt; not found until its road has ended."""
    row = session.get(EnvironmentalReceipt, trade_in_id)
    if row is None:
        raise ReceiptNotFound(
            f"trade-in {trade_in_id!r} has no environmental receipt yet: one is issued when "
            "the device is sold, harvested for parts or recycled",
            field="trade_in_id",
        )
    return row


@dataclass(frozen=True, slots=True)
class Total:
    """Receipts added up for one factor version, category and route (grams)."""

    factor_version: str
    category: str
    route: str
    devices: int
    mass_g: int
    diverted_g: int
    recycled_g: int
    co2e_avoided_g: int


def totals(session: Session, program_id: str) -> list[Total]:
    """The program's receipts per factor version, category and route: figures computed with
    different versions are never added together."""
    r = EnvironmentalReceipt
    keys = (r.factor_version, r.category, r.route)
    rows = session.execute(
        select(
            *keys,
            func.count(),
            func.sum(r.mass_g),
            func.sum(r.diverted_g),
            func.sum(r.recycled_g),
            func.sum(r.co2e_avoided_g),
        )
        .where(r.program_id == program_id)
        .group_by(*keys)
        .order_by(*keys)
    )
    return [Total(v, c, route, *(int(n) for n in figures)) for v, c, route, *figures in rows]


def version_totals(lines: list[Total]) -> list[Total]:
    """The lines added up per factor version (category and route ``*``)."""
    sums: dict[str, list[int]] = {}
    for line in lines:
        acc = sums.setdefault(line.factor_version, [0] * 5)
        figures = (line.devices, line.mass_g, line.diverted_g, line.recycled_g, line.co2e_avoided_g)
        for i, value in enumerate(figures):
            acc[i] += value
    return [Total(version, "*", "*", *acc) for version, acc in sums.items()]
