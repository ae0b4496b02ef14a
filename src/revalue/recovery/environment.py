"""Environmental receipts: issued once per device when its road ends (sold, harvested for
parts or recycled), with the factor version in force then; totals add receipts up per version.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from sqlalchemy.orm import Session

from revalue.catalog.models import DeviceModel
from revalue.domain import environment
from revalue.domain.context import Context
from revalue.domain.records import Route
from revalue.recovery.models import EnvironmentalReceipt, InventoryItem
from revalue.tradeins.models import TradeIn


@cache
def factor_versions() -> dict[str, environment.Factors]:
    """Every published version of the factors, by version."""
    text = resources.files("revalue.recovery").joinpath("data/environmental_factors.json")
    doc = json.loads(text.read_text(encoding="utf-8"))
    return {
        v["version"]: environment.Factors(
            version=v["version"],
            rebound_bp=v["rebound_bp"],
            categories={
                name: environment.CategoryFactors(**figures)
                for name, figures in v["categories"].items()
            },
        )
        for v in doc["versions"]
    }


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
