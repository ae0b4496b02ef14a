"""Market prices, resale estimates and price-book proposals over HTTP."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from revalue.domain import market
from revalue.schemas_common import BasisPoints, MinorUnits, Strict


class FeedImported(BaseModel):
    source: str
    rows: int = Field(description="Rows in the feed")
    imported: int
    skipped: int = Field(description="Rows imported before, left as they were")


class MarketPriceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    variant_sku: str
    grade: str
    price: int
    currency: str
    source: str
    reference: str
    observed_at: datetime
    imported_at: datetime


class MarketPricePage(BaseModel):
    total: int
    prices: list[MarketPriceOut]


class RefreshIn(Strict):
    half_life_days: StrictInt = Field(
        market.DEFAULT_HALF_LIFE_DAYS, ge=1, le=3650, description="Weights halve every this long"
    )
    min_observations: StrictInt = Field(market.DEFAULT_MIN_OBSERVATIONS, ge=1, le=1000)


class EstimateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    variant_sku: str
    grade: str
    value: int
    currency: str
    observations: int = Field(description="Observations used")
    outliers: int = Field(description="Observations set aside as outliers")
    method: str
    computed_at: datetime


class ProposalIn(Strict):
    target_margin_bp: BasisPoints | None = Field(
        None, description="Default: the program's recovery settings"
    )
    cost_bp: BasisPoints = Field(1_500, description="Expected resale costs: share of the value")
    cost_fixed: MinorUnits = Field(0, description="Expected resale costs: per device")


class RejectIn(Strict):
    note: str = Field(min_length=1, max_length=400, examples=["margins too thin on tablets"])


class ProposalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    program_id: str
    status: str
    parameters: dict[str, Any]
    prices: list[dict[str, Any]] = Field(
        description="Per variant: estimate, target value, current and proposed base price"
    )
    impact: dict[str, Any] = Field(description="How base prices and quotes would change")
    created_by: str
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str
